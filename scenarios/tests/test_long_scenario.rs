//! A scenario longer than the async twin's chunk size (32 waits): its top level is cut into
//! `async` blocks so that rustc checks it in linear time (README, "Compile time"). Bindings
//! cross chunks (one mutated in two of them, one shadowed), and a `return;` inside a chunk ends
//! the connection early. Both twins pass the differential harness.

mod support;

use support::check;
use twinbench::prelude::*;

/// What connection `conn` receives: 40 letters, 30 dashes, then `!` for connection 1 (which
/// returns early), or 30 `u`s and the request's length for the others.
fn expected(conn: usize) -> Vec<u8> {
    let mut reply: Vec<u8> = b"abcdefghij".repeat(4);
    reply.extend_from_slice(&[b'-'; 30]);
    if conn == 1 {
        reply.push(b'!');
    } else {
        reply.extend_from_slice(&[b'u'; 30]);
        reply.push(11);
    }
    reply
}

#[scenario(
    connections = 3,
    buffer = 16,
    client(send = b"abcdefghij\n", expect = expected)
)]
pub fn long_scenario() {
    let end: usize = read_until(b'\n');
    let mut count: usize = 0;
    write(&buf[0..1]);
    count += 1;
    write(&buf[1..2]);
    count += 1;
    write(&buf[2..3]);
    count += 1;
    write(&buf[3..4]);
    count += 1;
    write(&buf[4..5]);
    count += 1;
    write(&buf[5..6]);
    count += 1;
    write(&buf[6..7]);
    count += 1;
    write(&buf[7..8]);
    count += 1;
    write(&buf[8..9]);
    count += 1;
    write(&buf[9..10]);
    count += 1;
    write(&buf[0..1]);
    count += 1;
    write(&buf[1..2]);
    count += 1;
    write(&buf[2..3]);
    count += 1;
    write(&buf[3..4]);
    count += 1;
    write(&buf[4..5]);
    count += 1;
    write(&buf[5..6]);
    count += 1;
    write(&buf[6..7]);
    count += 1;
    write(&buf[7..8]);
    count += 1;
    write(&buf[8..9]);
    count += 1;
    write(&buf[9..10]);
    count += 1;
    write(&buf[0..1]);
    count += 1;
    write(&buf[1..2]);
    count += 1;
    write(&buf[2..3]);
    count += 1;
    write(&buf[3..4]);
    count += 1;
    write(&buf[4..5]);
    count += 1;
    write(&buf[5..6]);
    count += 1;
    write(&buf[6..7]);
    count += 1;
    write(&buf[7..8]);
    count += 1;
    write(&buf[8..9]);
    count += 1;
    write(&buf[9..10]);
    count += 1;
    write(&buf[0..1]);
    count += 1;
    write(&buf[1..2]);
    count += 1;
    write(&buf[2..3]);
    count += 1;
    write(&buf[3..4]);
    count += 1;
    write(&buf[4..5]);
    count += 1;
    write(&buf[5..6]);
    count += 1;
    write(&buf[6..7]);
    count += 1;
    write(&buf[7..8]);
    count += 1;
    write(&buf[8..9]);
    count += 1;
    write(&buf[9..10]);
    count += 1;
    let half: usize = count / 2;
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    write(b"-");
    if conn() == 1 {
        write(b"!");
        return;
    }
    let half: u8 = half as u8;
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&[b'a' + half % 26]);
    write(&end.to_le_bytes()[..1]);
}

#[test]
fn a_long_scenario_is_chunked_and_passes_the_harness() {
    check(&long_scenario());
}
