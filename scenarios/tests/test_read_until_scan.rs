//! `read_until` resumes its search where the last read left it (`RecvBuf::find_resuming`): each
//! received byte is scanned once, however the request trickles in, in both twins. These run
//! both twins through the differential harness with the delimiter split across reads
//! (`Chunked(1)`, `Chunked(7)` and random networks), and a request larger than a 65,000-byte buffer
//! delivered a byte per read, which rescanning made quadratic.

mod support;

use support::check;
use twinbench::check::Differential;
use twinbench::prelude::*;
use twinbench::{ConnError, Outcome};

/// Two lines on one connection: the second search starts again at 0 after the `consume`, in
/// bytes the first read may already have delivered.
#[scenario(
    connections = 3,
    buffer = 64,
    requests = 2,
    client(send = b"first line\nsecond\n", expect = b"first line\nsecond\n")
)]
pub fn two_lines() {
    for _ in 0..2 {
        let end: usize = read_until(b'\n');
        write(&buf[..end]);
        consume(end);
    }
}

#[test]
fn a_one_byte_delimiter_is_found_across_reads() {
    check(&two_lines());
}

/// An HTTP-like head whose `\r\n\r\n` has near misses before it (`\r\n\r` then `b`): a read
/// that ends inside the delimiter must leave its first bytes to be scanned again.
#[scenario(
    connections = 3,
    buffer = 64,
    client(
        send = b"GET / x\r\n\rb\r\nHost: y\r\n\r\ntail",
        expect = b"GET / x\r\n\rb\r\nHost: y\r\n\r\n"
    )
)]
pub fn head_with_near_misses() {
    let head: usize = read_until(b"\r\n\r\n");
    write(&buf[..head]);
}

#[test]
fn a_multi_byte_delimiter_split_across_reads_is_found() {
    check(&head_with_near_misses());
}

/// A delimiter the machine holds in `held` (computed where the step begins): two bytes that
/// differ by connection, each request ending in its own.
#[scenario(
    connections = 3,
    buffer = 64,
    client(send = |conn| format!("ab{conn}{conn}cd{conn}{conn}").into_bytes(),
           expect = |conn| format!("ab{conn}{conn}").into_bytes())
)]
pub fn computed_delimiter() {
    let end: usize = read_until(&delimiter(conn()));
    write(&buf[..end]);
}

/// The delimiter of connection `conn` (below 10): its index twice, in ASCII.
pub fn delimiter(conn: usize) -> [u8; 2] {
    [b'0' + conn as u8; 2]
}

#[test]
fn a_computed_delimiter_is_found_across_reads() {
    check(&computed_delimiter());
}

/// One request byte more than the buffer holds and no delimiter, a byte per read: 65,001
/// reads (the buffer is about the largest a connection's state may be, 64 KiB). Rescanning
/// the whole buffer after each read made it 2.1 × 10^9 byte comparisons (seconds in release,
/// minutes in a debug build); scanning each byte once makes it about 130,000 (`\r\n`'s first
/// byte may end a read, so one byte per read is scanned twice).
#[scenario(
    connections = 1,
    buffer = 65000,
    client(send = OVERSIZE, expect = b"", trickle = 1)
)]
pub fn oversize_trickle() {
    let end: usize = read_until(b"\r\n");
    write(&buf[..end]);
}

/// More than `oversize_trickle`'s buffer, without a `\r\n`.
const OVERSIZE: &[u8] = &[b'x'; 65001];

#[test]
fn an_oversize_request_trickled_a_byte_at_a_time_ends_request_too_large() {
    let scenario = oversize_trickle();
    let report = Differential::new(&scenario)
        .connections(1)
        .allow_failures()
        .check(NetModel::Seed)
        .unwrap_or_else(|divergence| panic!("{divergence}"));
    assert_eq!(
        report.outcomes,
        [Outcome::Failed(ConnError::RequestTooLarge)]
    );
}
