//! Serving until the client closes: `while next_request() { … }` reads requests until the
//! peer closes the connection between two of them, which ends it `Ok`; a close in the middle
//! of a request stays `UnexpectedEof`. Both twins run through the differential harness.

mod support;

use support::check;
use twinbench::check::Differential;
use twinbench::prelude::*;
use twinbench::{ConnError, Outcome};

/// Keep-alive without a request count: the lock-step client sends three lines, each after the
/// previous reply, then closes.
#[scenario(
    connections = 3,
    buffer = 32,
    requests = 3,
    client(exchanges = [(b"a\n", b"a\n"), (b"bb\n", b"bb\n"), (b"ccc\n", b"ccc\n")])
)]
pub fn until_close() {
    while next_request() {
        let end: usize = read_until(b'\n');
        write(&buf[..end]);
        consume(end);
    }
}

#[test]
fn a_clean_close_between_requests_ends_the_connection_ok() {
    check(&until_close());
}

/// The same server, whose client closes in the middle of its second request.
#[scenario(connections = 3, buffer = 32, client(send = b"a\nbb", expect = b"a\n"))]
pub fn closed_mid_request() {
    loop {
        let open: bool = next_request();
        if !open {
            break;
        }
        let end: usize = read_until(b'\n');
        write(&buf[..end]);
        consume(end);
    }
}

#[test]
fn a_close_in_the_middle_of_a_request_is_still_an_error() {
    let scenario = closed_mid_request();
    let differential = Differential::new(&scenario).connections(3).allow_failures();
    for model in [NetModel::Seed, NetModel::Chunked(1), NetModel::Random(7)] {
        let report = differential
            .check(model)
            .unwrap_or_else(|divergence| panic!("{divergence}"));
        assert!(
            report
                .outcomes
                .iter()
                .all(|outcome| *outcome == Outcome::Failed(ConnError::UnexpectedEof)),
            "{model}: {:?}",
            report.outcomes
        );
    }
    assert_eq!(differential.run().unwrap(), 203);
}

/// A lock-step client whose exchanges are a function of the connection index: connection
/// `conn` makes `conn + 1` requests, and the server serves them all until the close.
#[scenario(
    connections = 4,
    buffer = 32,
    client(exchanges = |conn| (0..=conn).map(|i| {
        let line = format!("request {i}\n").into_bytes();
        (line.clone(), line)
    }))
)]
pub fn exchanges_per_connection() {
    while next_request() {
        let end: usize = read_until(b'\n');
        write(&buf[..end]);
        consume(end);
    }
}

#[test]
fn exchanges_as_a_function_of_the_connection_index() {
    let client = exchanges_per_connection().client(2);
    assert_eq!(
        &client.expect[..],
        b"request 0\nrequest 1\nrequest 2\n",
        "connection 2 makes three requests"
    );
    let networks = Differential::new(&exchanges_per_connection())
        .run()
        .unwrap_or_else(|divergence| panic!("{divergence}"));
    assert_eq!(networks, 203);
}
