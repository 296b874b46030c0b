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
