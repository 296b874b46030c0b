//! Unit tests of the expansion: snapshots of the generated code, and a never-panic corpus.
//! (A proc-macro crate exports only macros, so these live inside it.)

mod never_panic;
mod snapshot;

use proc_macro2::TokenStream;

/// A scenario written as in a user's file: the attribute's arguments and the fn.
pub struct Example {
    pub name: &'static str,
    pub args: &'static str,
    pub item: &'static str,
}

pub const ECHO: Example = Example {
    name: "echo",
    args: r#"connections = 256, buffer = 128,
           client(send = b"hello world\n", expect = b"hello world\n")"#,
    item: r#"
/// The origin's workload: one line in, the same line back.
pub fn echo() {
    let end: usize = read_until(b'\n');
    write(&buf[..end]);
}
"#,
};

pub const KEEPALIVE: Example = Example {
    name: "keepalive",
    args: r#"connections = 64, buffer = 128, requests = 4,
           client(send = b"a\nbb\nccc\ndddd\n", expect = b"a\nbb\nccc\ndddd\n")"#,
    item: r#"
/// Keep-alive: four line requests on each connection.
pub fn keepalive() {
    for _ in 0..4 {
        let end: usize = read_until(b'\n');
        write(&buf[..end]);
        consume(end);
    }
}
"#,
};

pub const FRAMED: Example = Example {
    name: "framed",
    args: r#"connections = 128, buffer = 256,
           client(send = b"\0\0\0\x05hello", expect = b"ok")"#,
    item: r#"
/// Length-prefixed frames: a 4-byte big-endian length, then the body; reply "ok".
pub fn framed() {
    read_exact(4);
    let len: usize = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    consume(4);
    read_exact(len);
    write(b"ok");
}
"#,
};

pub const ROUTED: Example = Example {
    name: "routed",
    args: r#"connections = 32, buffer = 64,
           client(send = b"PING\r\n", expect = b"+PONG\r\n")"#,
    item: r#"
/// Route on the request: PING gets PONG, anything else an error line.
pub fn routed() {
    let end: usize = read_until(b"\r\n");
    if &buf[..end] == b"PING\r\n" {
        write(b"+PONG\r\n");
    } else {
        write(b"-ERR unknown\r\n");
    }
}
"#,
};

/// Control flow: `loop` with `break`/`continue`, an `else if` chain, `yield_now`, a `while`
/// with a wait, shadowing, a loop without waits (plain Rust), and a loop whose head needs a
/// control state because some rounds do not wait.
pub const CONTROL_FLOW: Example = Example {
    name: "control_flow",
    args: r#"connections = 4, buffer = 32,
           client(send = b"ab;yield;cd;skip;quit;xyz", expect = b"ab;cd;bye0123ee")"#,
    item: r#"
pub fn control_flow() {
    loop {
        let end: usize = read_until(SEMICOLON);
        if &buf[..end] == b"quit;" {
            consume(end);
            break;
        } else if &buf[..end] == b"yield;" {
            yield_now();
        } else if &buf[..end] == b"skip;" {
            consume(end);
            continue;
        } else {
            write(&buf[..end]);
        }
        consume(end);
    }
    write(b"bye");
    for i in 0..=3 {
        let digit: u8 = b'0' + i as u8;
        write(&[digit]);
    }
    let mut n: usize = 3;
    while n > 0 {
        read_exact(1);
        consume(1);
        n -= 1;
    }
    let n: u64 = 7;
    let mut sum: u64 = 0;
    for k in 0..n as usize {
        sum += k as u64;
    }
    let mut left: usize = 3;
    loop {
        if left == 0 {
            break;
        }
        left -= 1;
        if left.is_multiple_of(2) {
            write(b"e");
        }
    }
}
"#,
};

impl Example {
    pub fn tokens(&self) -> (TokenStream, TokenStream) {
        (
            self.args.parse().expect("args lex"),
            self.item.parse().expect("item lexes"),
        )
    }
}
