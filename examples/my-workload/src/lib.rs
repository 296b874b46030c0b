//! Two workloads of one's own, each written once with `#[scenario]` and measured as a
//! poll-loop twin and an async twin: a key-value store that dispatches on its command, and a
//! length-header-then-body protocol.

use twinbench::prelude::*;

/// A key-value store: `SET <key> <value>\n` answers `+OK\n`, `GET <key>\n` the value and a
/// newline (or `$-1\n` when the key is unknown). Each connection sets its own key, then gets it.
#[scenario(
    connections = 128,
    buffer = 64,
    requests = 2,
    client(send = |conn| kv_session(conn).0, expect = |conn| kv_session(conn).1)
)]
pub fn kv() {
    let mut store: Store = Store::default();
    for _ in 0..2 {
        let end: usize = read_until(b'\n');
        let reply: Reply = store.apply(&buf[..end]);
        write(reply.as_bytes());
        consume(end);
    }
}

/// What connection `conn`'s client sends, and the replies it expects.
pub fn kv_session(conn: usize) -> (Vec<u8>, Vec<u8>) {
    let send = format!("SET key{conn} value{conn}\nGET key{conn}\n");
    let expect = format!("+OK\nvalue{conn}\n");
    (send.into_bytes(), expect.into_bytes())
}

/// One connection's store: a single key and value, held inline (no allocation).
#[derive(Clone, Copy, Default)]
pub struct Store {
    key: Bytes,
    value: Option<Bytes>,
}

impl Store {
    /// Runs one command line (`\n` included) and returns its reply.
    pub fn apply(&mut self, line: &[u8]) -> Reply {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let mut words = line.splitn(3, |&b| b == b' ');
        match (words.next(), words.next(), words.next()) {
            (Some(b"SET"), Some(key), Some(value)) => match (Bytes::new(key), Bytes::new(value)) {
                (Some(key), Some(value)) => {
                    self.key = key;
                    self.value = Some(value);
                    Reply::from(b"+OK\n")
                }
                _ => Reply::from(b"-ERR too long\n"),
            },
            (Some(b"GET"), Some(key), None) => match self.value {
                Some(value) if self.key.as_slice() == key => {
                    let mut reply = Reply::from(value.as_slice());
                    reply.push(b'\n');
                    reply
                }
                _ => Reply::from(b"$-1\n"),
            },
            _ => Reply::from(b"-ERR unknown command\n"),
        }
    }
}

/// Up to 24 bytes, inline.
#[derive(Clone, Copy, Default)]
pub struct Bytes {
    bytes: [u8; 24],
    len: u8,
}

impl Bytes {
    /// `bytes`, if they fit.
    pub fn new(bytes: &[u8]) -> Option<Self> {
        let mut inline = Bytes::default();
        inline.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        inline.len = bytes.len() as u8;
        Some(inline)
    }

    /// The bytes held.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// A reply of up to 32 bytes, inline.
#[derive(Clone, Copy, Default)]
pub struct Reply {
    bytes: [u8; 32],
    len: usize,
}

impl Reply {
    fn from(bytes: &[u8]) -> Self {
        let mut reply = Reply::default();
        reply.bytes[..bytes.len()].copy_from_slice(bytes);
        reply.len = bytes.len();
        reply
    }

    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// The bytes to send.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// A length header, then the body: `<decimal length>\n<body>`, answered with the body
/// reversed. Each connection sends a body of a different length (1 to 40 bytes).
#[scenario(
    connections = 128,
    buffer = 64,
    client(send = |conn| length_request(conn).0, expect = |conn| length_request(conn).1)
)]
pub fn length_body() {
    let head: usize = read_until(b'\n');
    let len: usize = parse_length(&buf[..head - 1]);
    read_exact(head + len);
    let reply: Reversed = Reversed::of(&buf[head..head + len]);
    write(reply.as_bytes());
}

/// What connection `conn`'s client sends, and the reply it expects.
pub fn length_request(conn: usize) -> (Vec<u8>, Vec<u8>) {
    let body: Vec<u8> = (0..1 + conn % 40).map(|i| b'a' + (i % 26) as u8).collect();
    let mut send = format!("{}\n", body.len()).into_bytes();
    send.extend_from_slice(&body);
    (send, body.into_iter().rev().collect())
}

/// The decimal length in a header line (0 when malformed).
pub fn parse_length(digits: &[u8]) -> usize {
    std::str::from_utf8(digits)
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(0)
}

/// A body of up to 64 bytes, reversed, inline.
#[derive(Clone, Copy)]
pub struct Reversed {
    bytes: [u8; 64],
    len: usize,
}

impl Default for Reversed {
    fn default() -> Self {
        Reversed {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl Reversed {
    /// `body` back to front (at most 64 bytes: the receive buffer's size).
    pub fn of(body: &[u8]) -> Self {
        let mut reversed = Reversed::default();
        for (slot, &byte) in reversed.bytes.iter_mut().zip(body.iter().rev()) {
            *slot = byte;
        }
        reversed.len = body.len().min(64);
        reversed
    }

    /// The bytes to send.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}
