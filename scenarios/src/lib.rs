//! The built-in workload library, written only with `#[scenario]`.
#![deny(missing_docs)]

use twinbench::prelude::*;

/// The origin's workload: one line in, the same line back.
#[scenario(
    connections = 256,
    buffer = 128,
    client(send = b"hello world\n", expect = b"hello world\n")
)]
pub fn echo() {
    let end: usize = read_until(b'\n');
    write(&buf[..end]);
}

/// Keep-alive: four line requests on each connection.
#[scenario(
    connections = 64,
    buffer = 128,
    requests = 4,
    client(send = b"a\nbb\nccc\ndddd\n", expect = b"a\nbb\nccc\ndddd\n")
)]
pub fn keepalive() {
    for _ in 0..4 {
        let end: usize = read_until(b'\n');
        write(&buf[..end]);
        consume(end);
    }
}

/// Length-prefixed frames: a 4-byte big-endian length, then the body; reply "ok".
#[scenario(
    connections = 128,
    buffer = 256,
    client(send = b"\0\0\0\x05hello", expect = b"ok")
)]
pub fn framed() {
    read_exact(4);
    let len: usize = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    consume(4);
    read_exact(len);
    write(b"ok");
}

/// Route on the request: PING gets PONG, anything else an error line.
#[scenario(
    connections = 32,
    buffer = 64,
    client(send = b"PING\r\n", expect = b"+PONG\r\n")
)]
pub fn routed() {
    let end: usize = read_until(b"\r\n");
    if &buf[..end] == b"PING\r\n" {
        write(b"+PONG\r\n");
    } else {
        write(b"-ERR unknown\r\n");
    }
}
