//! The built-in workload library, written only with `#[scenario]`.
//!
//! Each scenario models a real protocol shape; its doc comment says which, and its attribute
//! says what each client sends and the exact reply it expects (the fake client checks every
//! byte). [`ALL`] lists them for the report, the benches and the tests.
#![deny(missing_docs)]

use twinbench::AnyScenario;
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

/// The origin's "large" variant: echo with a 16 KiB receive buffer, so each connection's state
/// (the machine, or the future) is 16 KiB. Shows what state size costs each twin.
#[scenario(
    connections = 256,
    buffer = 16384,
    client(send = b"hello world\n", expect = b"hello world\n")
)]
pub fn echo_large() {
    let end: usize = read_until(b'\n');
    write(&buf[..end]);
}

/// Keep-alive (HTTP/1.1 persistent connections, Redis clients): four line requests on one
/// connection, the client sending each only after the previous reply arrived.
#[scenario(
    connections = 64,
    buffer = 128,
    requests = 4,
    client(exchanges = [(b"a\n", b"a\n"), (b"bb\n", b"bb\n"), (b"ccc\n", b"ccc\n"), (b"dddd\n", b"dddd\n")])
)]
pub fn keepalive() {
    for _ in 0..4 {
        let end: usize = read_until(b'\n');
        write(&buf[..end]);
        consume(end);
    }
}

/// Pipelining (Redis pipelines, HTTP/1.1 pipelining): eight `PING`s arrive together and are
/// answered in order, mostly from bytes already buffered.
#[scenario(
    connections = 64,
    buffer = 128,
    requests = 8,
    client(send = PINGS, expect = PONGS)
)]
pub fn pipelined() {
    for _ in 0..8 {
        let end: usize = read_until(b"\r\n");
        consume(end);
        write(b"+PONG\r\n");
    }
}

/// Eight Redis inline `PING`s.
const PINGS: &[u8] = b"PING\r\nPING\r\nPING\r\nPING\r\nPING\r\nPING\r\nPING\r\nPING\r\n";
/// Their eight replies.
const PONGS: &[u8] = b"+PONG\r\n+PONG\r\n+PONG\r\n+PONG\r\n+PONG\r\n+PONG\r\n+PONG\r\n+PONG\r\n";

/// Length-prefixed frames (Kafka, Postgres messages, gRPC): a 4-byte big-endian length, then
/// the body; the reply is "ok".
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

/// HTTP/1.1: headers up to `\r\n\r\n`, a `Content-Length` body, and a reply of status line,
/// headers and the body echoed back.
#[scenario(
    connections = 128,
    buffer = 512,
    client(send = HTTP_REQUEST, expect = HTTP_REPLY)
)]
pub fn http1() {
    let head: usize = read_until(b"\r\n\r\n");
    let body: usize = content_length(&buf[..head]);
    read_exact(head + body);
    let reply_head: HttpHead = HttpHead::ok(body);
    write(reply_head.as_bytes());
    write(&buf[head..head + body]);
}

/// A small POST, as a browser would send it.
const HTTP_REQUEST: &[u8] =
    b"POST /echo HTTP/1.1\r\nHost: twinbench\r\nUser-Agent: twinbench-client/1\r\n\
Accept: */*\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nhello, world!";
/// Its reply.
const HTTP_REPLY: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nhello, world!";

/// The `Content-Length` of an HTTP head (0 when absent or malformed).
pub fn content_length(head: &[u8]) -> usize {
    head.split(|&b| b == b'\n')
        .filter_map(|line| line.strip_suffix(b"\r"))
        .find_map(|line| {
            let (name, value) = line.split_at(line.iter().position(|&b| b == b':')?);
            name.eq_ignore_ascii_case(b"content-length")
                .then(|| std::str::from_utf8(&value[1..]).ok()?.trim().parse().ok())?
        })
        .unwrap_or(0)
}

/// An HTTP/1.1 `200 OK` status line and headers, formatted without allocating.
#[derive(Clone, Copy)]
pub struct HttpHead {
    bytes: [u8; 80],
    len: usize,
}

impl Default for HttpHead {
    fn default() -> Self {
        HttpHead {
            bytes: [0; 80],
            len: 0,
        }
    }
}

impl HttpHead {
    /// The head of a `text/plain` reply with a `body`-byte body.
    pub fn ok(body: usize) -> Self {
        use std::io::Write as _;
        let mut head = HttpHead::default();
        let mut out = &mut head.bytes[..];
        let room = out.len();
        let _ = write!(
            out,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body}\r\n\r\n"
        );
        head.len = room - out.len();
        head
    }

    /// The formatted bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// A small request answered with 16 KiB (a file download, a large JSON document): the reply
/// goes out through many partial writes.
#[scenario(
    connections = 64,
    buffer = 128,
    client(send = b"GET /large\n", expect = &LARGE_BODY)
)]
pub fn large_response() {
    read_until(b'\n');
    write(&LARGE_BODY);
}

/// The 16 KiB reply of [`large_response`].
pub static LARGE_BODY: [u8; 16384] = large_body();

const fn large_body() -> [u8; 16384] {
    let mut body = [0u8; 16384];
    let mut i = 0;
    while i < body.len() {
        body[i] = b'a' + (i % 26) as u8;
        i += 1;
    }
    body
}

/// A slow or hostile client (slowloris, a terminal typing a command): the request arrives one
/// byte per read, so the server waits many times per request.
#[scenario(
    connections = 64,
    buffer = 128,
    client(send = b"SET key value\r\n", expect = b"+OK\r\n", trickle = 1)
)]
pub fn fragmented() {
    read_until(b"\r\n");
    write(b"+OK\r\n");
}

/// Route on the request (a command dispatcher): `PING` gets `PONG`, anything else an error line.
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

/// Real application work per request: an FNV-1a hash of the request, repeated
/// [`COMPUTE_ROUNDS`] times (black-boxed), sent back as 8 bytes. The knob that shows how real
/// work dilutes the async overhead.
#[scenario(
    connections = 128,
    buffer = 128,
    client(send = COMPUTE_REQUEST, expect = |_| work(COMPUTE_REQUEST).to_be_bytes().to_vec())
)]
pub fn compute() {
    let end: usize = read_until(b'\n');
    let digest: u64 = work(&buf[..end]);
    write(&digest.to_be_bytes());
}

/// The request `compute` hashes.
const COMPUTE_REQUEST: &[u8] = b"checksum this request, please\n";
/// How many times `compute` hashes each request.
pub const COMPUTE_ROUNDS: u32 = 64;

/// The per-request work of [`compute`]: FNV-1a over `bytes`, [`COMPUTE_ROUNDS`] times.
pub fn work(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for _ in 0..COMPUTE_ROUNDS {
        for &byte in std::hint::black_box(bytes) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// A cooperative server that yields between steps (a fair scheduler's "let others run"): a
/// `yield_now()` after reading and between the two halves of the reply.
#[scenario(
    connections = 64,
    buffer = 128,
    client(send = b"hello world\n", expect = b"hello world\n")
)]
pub fn yieldy() {
    let end: usize = read_until(b'\n');
    yield_now();
    write(&buf[..end / 2]);
    yield_now();
    write(&buf[end / 2..end]);
}

/// Every built-in scenario, in report order.
pub static ALL: &[&(dyn AnyScenario + Sync)] = &[
    &Echo,
    &EchoLarge,
    &Keepalive,
    &Pipelined,
    &Framed,
    &Http1,
    &LargeResponse,
    &Fragmented,
    &Routed,
    &Compute,
    &Yieldy,
];
