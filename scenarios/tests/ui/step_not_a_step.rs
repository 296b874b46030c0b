// A name listed in `steps = […]` that is a plain fn, not a `#[step]` one: an error on the
// user's call.
use twinbench::prelude::*;

fn parse_len(bytes: &[u8]) -> usize {
    bytes.len()
}

#[scenario(connections = 1, buffer = 16, steps = [parse_len],
           client(send = b"ab\n", expect = b"ok"))]
fn not_a_step() {
    let end: usize = read_until(b'\n');
    let len: usize = parse_len(&buf[..end]);
    write(b"ok");
}

fn main() {}
