// Expansion input: `conn.expanded.rs` beside it is what `#[scenario]` makes of this fn
// (`UPDATE_EXPAND=1 cargo test -p twinbench-macros` rewrites it).
//
// `conn()`, the connection's index, is `io.conn()` in both twins: in a binding computed before
// the first wait, and in a step argument that only names data, which the machine re-derives
// when it resumes. A constant named like the macro's hole markers stays the user's: this
// expression's markers get a longer prefix.
use twinbench::prelude::*;

const __twinbench_hole_0: u8 = b'0';

#[scenario(connections = 4, buffer = 32,
           client(send = b"hi\n", expect = |conn: usize| format!("hello {conn}\n{conn}").into_bytes()))]
pub fn greeter() {
    let greeting: String = format!("hello {}\n", conn());
    read_until(b'\n');
    write(greeting.as_bytes());
    write(&[__twinbench_hole_0 + conn() as u8]);
}
