// Expansion input: `step_fn.expanded.rs` beside it is what `#[step]` makes of each step
// function and `#[scenario]` of the scenario calling them (`UPDATE_EXPAND=1 cargo test -p
// twinbench-macros` rewrites it).
use twinbench::prelude::*;

/// Reads `LEN\n`, consumed; returns `LEN`.
#[step]
fn read_len() -> usize {
    let end: usize = read_until(b'\n');
    let len: usize = digits(&buf[..end - 1]);
    consume(end);
    len
}

/// A length line, then that many bytes, echoed after `prefix`.
#[step(steps = [read_len])]
fn echo_body(prefix: u8) {
    let len: usize = read_len();
    read_exact(len);
    write(&[prefix]);
    write(&buf[..len]);
    consume(len);
}

#[scenario(connections = 8, buffer = 64, steps = [echo_body],
           client(send = b"5\nhello", expect = b"<hello"))]
pub fn nested() {
    echo_body(b'<');
}
