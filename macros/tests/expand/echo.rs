// Expansion input: `echo.expanded.rs` beside it is what `#[scenario]` makes of this fn
// (`UPDATE_EXPAND=1 cargo test -p twinbench-macros` rewrites it).
use twinbench::prelude::*;

/// The origin's workload: one line in, the same line back.
#[scenario(connections = 256, buffer = 128,
           client(send = b"hello world\n", expect = b"hello world\n"))]
pub fn echo() {
    let end: usize = read_until(b'\n');
    write(&buf[..end]);
}
