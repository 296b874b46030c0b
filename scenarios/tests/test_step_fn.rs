//! Step functions (`#[step]`): a body in the scenario language called as a step from a
//! scenario or another step function. Both twins run them (the async twin awaits the step
//! function's async fn, the machine holds and resumes its sub-machine) and pass the
//! differential harness.

mod support;

use support::check;
use twinbench::prelude::*;

/// Parses ASCII decimal digits (0 for anything else).
fn digits(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .fold(0, |n, &b| n * 10 + usize::from(b.wrapping_sub(b'0')) % 10)
}

/// Reads `LEN\n` and returns `LEN`, consumed.
#[step]
fn read_len() -> usize {
    let end: usize = read_until(b'\n');
    let len: usize = digits(&buf[..end - 1]);
    consume(end);
    len
}

/// Reads a length line and that many bytes; echoes them with a prefix.
#[step(steps = [read_len])]
fn echo_body(prefix: u8) {
    let len: usize = read_len();
    read_exact(len);
    write(&[prefix]);
    write(&buf[..len]);
    consume(len);
}

#[scenario(
    connections = 8,
    buffer = 64,
    steps = [echo_body, read_len],
    client(send = b"5\nhello3\nabc2\n", expect = b"<hello>abc2")
)]
pub fn nested() {
    echo_body(b'<');
    echo_body(b'>');
    let n: usize = read_len();
    write(format!("{n}").as_bytes());
}

#[test]
fn nested_step_functions_pass_the_differential_harness() {
    check(&nested());
}
