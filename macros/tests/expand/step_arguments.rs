// Expansion input: `step_arguments.expanded.rs` beside it is what `#[scenario]` makes of this
// fn (`UPDATE_EXPAND=1 cargo test -p twinbench-macros` rewrites it).
//
// Computed step arguments, evaluated once where the step begins: a length the machine holds in
// a field, a delimiter and a reply it holds in `held`, a reply borrowed from a temporary; and
// arguments that only name data (`&buf[..end]`), which the machine re-derives on resume.
use twinbench::prelude::*;

fn body_len(header: &[u8]) -> usize {
    usize::from(header[0] - b'0')
}

fn terminator() -> [u8; 2] {
    *b"\r\n"
}

fn reply(request: &[u8]) -> String {
    format!("+{}\r\n", request.len())
}

#[scenario(connections = 4, buffer = 32,
           client(send = b"3abcline\r\n", expect = b"+10\r\n3abcline\r\n"))]
pub fn step_arguments() {
    read_exact(1);
    read_exact(1 + body_len(&buf[..1]));
    let end: usize = read_until(terminator());
    write(reply(&buf[..end]).as_bytes());
    write(&buf[..end]);
}
