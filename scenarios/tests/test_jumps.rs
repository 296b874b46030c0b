//! `return`, labelled `break`/`continue` out of nested loops with waits inside, and a step's
//! value assigned to an existing binding: each scenario runs both twins through the
//! differential harness (every variant, 203 networks).

mod support;

use support::check;
use twinbench::prelude::*;

/// Lines echoed until `quit`, which gets `bye` and ends the connection: the loop is left only
/// by `return` (an endless `loop`: no `unreachable expression` warning either).
#[scenario(
    connections = 3,
    buffer = 32,
    client(send = b"a\nbb\nquit\n", expect = b"a\nbb\nbye\n")
)]
pub fn until_quit() {
    loop {
        let end: usize = read_until(b'\n');
        if &buf[..end] == b"quit\n" {
            write(b"bye\n");
            return;
        }
        write(&buf[..end]);
        consume(end);
    }
}

#[test]
fn return_ends_the_connection_ok() {
    check(&until_quit());
}

/// Requests of header lines up to an empty line; `STOP` in a header ends everything, `SKIP`
/// drops the rest of its request: `break 'requests` and `continue 'requests` from the inner
/// loop, both with waits inside.
#[scenario(
    connections = 3,
    buffer = 64,
    client(
        send = b"h1\r\nh2\r\n\r\nSKIP\r\nh3\r\n\r\nh4\r\nSTOP\r\n",
        expect = b"h1\r\nh2\r\n.h4\r\n!"
    )
)]
pub fn headers() {
    'requests: loop {
        loop {
            let end: usize = read_until(b"\r\n");
            if end == 2 {
                consume(end);
                break;
            }
            if &buf[..end] == b"STOP\r\n" {
                break 'requests;
            }
            if &buf[..end] == b"SKIP\r\n" {
                consume(end);
                // Drop the request's other headers.
                'rest: loop {
                    let end: usize = read_until(b"\r\n");
                    consume(end);
                    if end == 2 {
                        continue 'requests;
                    }
                    continue 'rest;
                }
            }
            write(&buf[..end]);
            consume(end);
        }
        write(b".");
    }
    write(b"!");
}

#[test]
fn labelled_jumps_leave_nested_loops_with_waits() {
    check(&headers());
}

/// The header-loop idiom: `end` declared once, assigned by each `read_until`.
#[scenario(
    connections = 3,
    buffer = 64,
    client(send = b"a: 1\r\nb: 2\r\n\r\n", expect = b"3 headers")
)]
pub fn header_count() {
    let mut count: u8 = 0;
    let mut end: usize = read_until(b"\r\n");
    while end > 2 {
        consume(end);
        count += 1;
        end = read_until(b"\r\n");
    }
    count += 1;
    write(format!("{count} headers").as_bytes());
}

#[test]
fn a_steps_value_assigned_to_an_existing_binding() {
    check(&header_count());
}
