//! `match` as a statement with steps in its arms (guards, bindings, `|` patterns), and
//! `if let`, `while let` and `let … else`: each scenario runs both twins through the
//! differential harness (every variant, 203 networks).

mod support;

use support::check;
use twinbench::prelude::*;

/// A command dispatcher: `QUIT` ends the connection, `PING`/`ping` get `+PONG`, `GET KEY`
/// echoes the key (a pattern binding copied into a binding to live across the waits), and
/// anything else an error with its length.
#[scenario(
    connections = 3,
    buffer = 64,
    client(
        send = b"PING\r\nGET abc\r\nping\r\nGET \r\nQUIT\r\n",
        expect = b"+PONG\r\n$abc\r\n+PONG\r\n-ERR 4\r\n"
    )
)]
pub fn dispatch() {
    loop {
        let end: usize = read_until(b"\r\n");
        match &buf[..end - 2] {
            b"QUIT" => return,
            b"PING" | b"ping" => write(b"+PONG\r\n"),
            [b'G', b'E', b'T', b' ', key @ ..] if !key.is_empty() => {
                let key: Vec<u8> = key.to_vec();
                write(b"$");
                write(&key);
                write(b"\r\n");
            }
            other => {
                let len: usize = other.len();
                write(format!("-ERR {len}\r\n").as_bytes());
            }
        }
        consume(end);
    }
}

#[test]
fn match_with_steps_in_its_arms() {
    check(&dispatch());
}

/// `3\r\n` → `Some(3)`.
fn parse_len(line: &[u8]) -> Option<usize> {
    std::str::from_utf8(line.strip_suffix(b"\r\n")?)
        .ok()?
        .parse()
        .ok()
}

/// Length-prefixed bodies until a line that is no length (`let … else`); a body starting with
/// `x` gets a mark (`if let … else if`); then as many dots as the body had bytes
/// (`while let`).
#[scenario(
    connections = 3,
    buffer = 64,
    client(send = b"2\r\nab3\r\nxyzend\r\n", expect = b"ab..xxyz...bye\r\n")
)]
pub fn lengths() {
    loop {
        let end: usize = read_until(b"\r\n");
        let Some(len) = parse_len(&buf[..end]) else {
            write(b"bye\r\n");
            return;
        };
        let len: usize = len;
        consume(end);
        read_exact(len);
        if let [b'x', ..] = &buf[..len] {
            write(b"x");
        } else if let [] = &buf[..len] {
            write(b"empty");
        }
        write(&buf[..len]);
        consume(len);
        let mut left: usize = len;
        while let Some(next) = left.checked_sub(1) {
            left = next;
            write(b".");
        }
    }
}

#[test]
fn if_let_while_let_and_let_else() {
    check(&lengths());
}

/// A pattern binding used as the first step's argument: evaluated where the step begins, and
/// held across its wait.
#[scenario(connections = 3, buffer = 64, client(send = b"ab\n", expect = b"ab\n"))]
pub fn binding_in_first_step() {
    let end: usize = read_until(b'\n');
    match &buf[..end] {
        line => write(line),
    }
}

#[test]
fn a_pattern_binding_in_the_arms_first_step() {
    check(&binding_in_first_step());
}
