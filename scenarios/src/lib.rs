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

/// HTTP/1.1 as [`http1`], factored as a server is: a header reader and a body reader, each a
/// step function (`#[step]`) the handler calls. The same I/O as `http1`, so the two rows show
/// what the call of a step function costs each twin.
#[scenario(
    connections = 128,
    buffer = 512,
    steps = [read_head, read_body],
    client(send = HTTP_REQUEST, expect = HTTP_REPLY)
)]
pub fn http1_steps() {
    let head: usize = read_head();
    let body: usize = read_body(head);
    let reply_head: HttpHead = HttpHead::ok(body);
    write(reply_head.as_bytes());
    write(&buf[head..head + body]);
}

/// The header reader of [`http1_steps`]: reads up to the blank line, returns the head's
/// length (through `\r\n\r\n`), left in `buf`.
#[step]
pub fn read_head() -> usize {
    let head: usize = read_until(b"\r\n\r\n");
    head
}

/// The body reader of [`http1_steps`]: reads the `Content-Length` body after a `head`-byte
/// head, returns its length; head and body stay in `buf`.
#[step]
pub fn read_body(head: usize) -> usize {
    let body: usize = content_length(&buf[..head]);
    read_exact(head + body);
    body
}

/// A RESP (Redis protocol) server: each command an array of bulk strings
/// (`*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n`), every bulk string read by one step function,
/// [`read_bulk()`]. `PING` gets `+PONG`, `SET` gets `+OK`, `ECHO x` gets `+x`, anything else an
/// error line. A lock-step client sends three commands on one connection.
#[scenario(
    connections = 64,
    buffer = 256,
    requests = 3,
    steps = [read_bulk],
    client(exchanges = RESP_EXCHANGES)
)]
pub fn resp() {
    while next_request() {
        let end: usize = read_until(b"\r\n");
        let argc: usize = resp_len(&buf[..end]);
        consume(end);
        let len: usize = read_bulk();
        let command: RespCommand = RespCommand::parse(&buf[..len]);
        consume(len + 2);
        for arg in 1..argc {
            let len: usize = read_bulk();
            if command == RespCommand::Echo && arg + 1 == argc {
                write(b"+");
                write(&buf[..len + 2]);
            }
            consume(len + 2);
        }
        // Literal replies, not `write(command.reply())`: a computed argument's blocked rest
        // would be copied into the machine's `held` buffer (an allocation per connection).
        match command {
            RespCommand::Ping => write(b"+PONG\r\n"),
            RespCommand::Set => write(b"+OK\r\n"),
            RespCommand::Echo => {}
            RespCommand::Unknown => write(b"-ERR unknown command\r\n"),
        }
    }
}

/// The bulk-string reader of [`resp`]: reads `$LEN\r\n` and the `LEN` bytes and `\r\n` after
/// it; returns `LEN`, the string at `buf[..LEN]` (its `\r\n` after it), not yet consumed.
#[step]
pub fn read_bulk() -> usize {
    let end: usize = read_until(b"\r\n");
    let len: usize = resp_len(&buf[..end]);
    consume(end);
    read_exact(len + 2);
    len
}

/// [`resp`]'s client: three commands, each sent after the previous reply.
const RESP_EXCHANGES: [(&[u8], &[u8]); 3] = [
    (b"*1\r\n$4\r\nPING\r\n", b"+PONG\r\n"),
    (
        b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n",
        b"+OK\r\n",
    ),
    (b"*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n", b"+hello\r\n"),
];

/// The number of a RESP header line (`*3\r\n`, `$5\r\n`): the digits between its type byte
/// and `\r\n` (0 when malformed).
pub fn resp_len(line: &[u8]) -> usize {
    let digits = line
        .get(1..line.len().saturating_sub(2))
        .unwrap_or_default();
    std::str::from_utf8(digits)
        .ok()
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(0)
}

/// The commands [`resp`] knows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RespCommand {
    /// `PING`: `+PONG`.
    Ping,
    /// `SET key value`: `+OK` (the value is not kept).
    Set,
    /// `ECHO message`: `+message`.
    Echo,
    /// Anything else: an error line.
    #[default]
    Unknown,
}

impl RespCommand {
    /// The command a bulk string names (case-insensitive).
    pub fn parse(name: &[u8]) -> Self {
        if name.eq_ignore_ascii_case(b"PING") {
            RespCommand::Ping
        } else if name.eq_ignore_ascii_case(b"SET") {
            RespCommand::Set
        } else if name.eq_ignore_ascii_case(b"ECHO") {
            RespCommand::Echo
        } else {
            RespCommand::Unknown
        }
    }
}

/// Layering, composed: a message of two records of two fields (`ab\ncd\nef\ngh\n`), read
/// through three levels of step functions ([`read_message()`] → [`read_record()`] →
/// [`read_field()`]); the reply is the total field length, 4 bytes big-endian. The same steps
/// as [`layered_flat`], so the two rows show what each level of composition costs each twin.
#[scenario(
    connections = 64,
    buffer = 128,
    steps = [read_message],
    client(send = b"ab\ncd\nef\ngh\n", expect = b"\0\0\0\x08")
)]
pub fn layered() {
    let total: usize = read_message();
    write(&(total as u32).to_be_bytes());
}

/// Level 1 of [`layered`]: two records.
#[step(steps = [read_record])]
pub fn read_message() -> usize {
    let first: usize = read_record();
    let second: usize = read_record();
    first + second
}

/// Level 2 of [`layered`]: two fields.
#[step(steps = [read_field])]
pub fn read_record() -> usize {
    let first: usize = read_field();
    let second: usize = read_field();
    first + second
}

/// Level 3 of [`layered`]: one `\n`-terminated field, consumed; returns its length.
#[step]
pub fn read_field() -> usize {
    let end: usize = read_until(b'\n');
    consume(end);
    end - 1
}

/// Layering, flattened: [`layered`]'s steps written in one body, as if each step function were
/// inlined by hand.
#[scenario(
    connections = 64,
    buffer = 128,
    client(send = b"ab\ncd\nef\ngh\n", expect = b"\0\0\0\x08")
)]
pub fn layered_flat() {
    let end: usize = read_until(b'\n');
    consume(end);
    let a: usize = end - 1;
    let end: usize = read_until(b'\n');
    consume(end);
    let b: usize = end - 1;
    let end: usize = read_until(b'\n');
    consume(end);
    let c: usize = end - 1;
    let end: usize = read_until(b'\n');
    consume(end);
    let d: usize = end - 1;
    let total: usize = (a + b) + (c + d);
    write(&(total as u32).to_be_bytes());
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
    &Http1Steps,
    &Resp,
    &Layered,
    &LayeredFlat,
];
