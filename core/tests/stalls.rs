//! Stalls are found by progress, not by a fixed round count: a run that keeps progressing is
//! never cut short however many rounds it needs, one that stops progressing ends `Stalled`
//! after one to two stall windows, identically in every variant; `Differential` takes round
//! limits.

use twinbench::check::Differential;
use twinbench::handwritten::HandwrittenEcho;
use twinbench::prelude::*;
use twinbench::runner::MAX_CONNECTIONS;
use twinbench::{SocketKind, Transport};

/// The fake network and kernel sockets: progress is read from either.
const TRANSPORTS: [Transport; 2] = [Transport::Fake, Transport::Kernel(SocketKind::Tcp)];

/// Every compiled variant over every transport.
fn runs() -> impl Iterator<Item = (Transport, Variant)> {
    TRANSPORTS
        .into_iter()
        .flat_map(|io| Variant::compiled().map(move |variant| (io, variant)))
}

/// Reads its request, then yields for ever: it never finishes, and makes no progress.
#[scenario(connections = 3, buffer = 16, client(send = b"hi\n", expect = b"hi\n"))]
fn yields_for_ever() {
    let _end: usize = read_until(b'\n');
    loop {
        yield_now();
    }
}

/// A request trickled a byte per read: 40 bytes take about 40 rounds.
#[scenario(
    connections = 2,
    buffer = 64,
    client(
        send = b"0123456789012345678901234567890123456789\n",
        expect = b"ok\n",
        trickle = 1
    )
)]
fn trickled() {
    let _end: usize = read_until(b'\n');
    write(b"ok\n");
}

/// A reply written a byte per write on `Chunked(1)`: its 41 bytes take over 40 rounds, with
/// no connection accepted or ended and no request byte delivered between them.
#[scenario(connections = 2, buffer = 16, client(send = b"go\n", expect = LONG_REPLY))]
fn slow_reply() {
    let _end: usize = read_until(b'\n');
    write(LONG_REPLY);
}

/// `slow_reply`'s reply.
const LONG_REPLY: &[u8] = b"0123456789012345678901234567890123456789\n";

#[test]
fn reply_bytes_received_are_progress() {
    // The network counted the client's expected bytes after it had emptied them, so received
    // reply bytes were never progress and a slow reply ended `Stalled`.
    for variant in Variant::compiled() {
        let config = RunConfig::new(variant)
            .model(NetModel::Chunked(1))
            .stall_rounds(4);
        let report = twinbench::run(&slow_reply(), &config).unwrap();
        assert!(report.all_ok(), "{variant}: {:?}", report.outcomes);
        assert!(report.end.rounds > 40, "{variant}: {:?}", report.end);
    }
}

#[test]
fn echo_at_the_connection_maximum_finishes_on_seed() {
    // On Seed a round accepts one connection: a fixed limit of 1,000,000 rounds reported the
    // last 48,578 healthy connections stalled.
    for variant in [Variant::Manual, Variant::Async] {
        let config = RunConfig::new(variant).connections(MAX_CONNECTIONS);
        let report = twinbench::run(&HandwrittenEcho, &config).unwrap();
        assert!(!report.end.stalled, "{variant}");
        assert_eq!(report.count(Outcome::Ok), MAX_CONNECTIONS, "{variant}");
        assert!(report.end.rounds > 1_000_000, "{variant}: {:?}", report.end);
    }
}

#[test]
fn no_progress_for_a_window_ends_the_run_stalled_in_every_variant() {
    for (io, variant) in runs() {
        let config = RunConfig::new(variant).io(io).stall_rounds(10);
        let report = twinbench::run(&yields_for_ever(), &config).unwrap();
        assert!(report.end.stalled, "{io} {variant}");
        assert_eq!(report.count(Outcome::Stalled), 3, "{io} {variant}");
        // Progress is read at rounds 10 and 20: the request was read before the first, and
        // nothing happened since.
        assert_eq!(report.end.rounds, 20, "{io} {variant}");
        assert_eq!(
            report.counts.register, report.counts.unregister,
            "{io} {variant}"
        );
    }
}

#[test]
fn progress_keeps_a_run_going_past_many_windows() {
    for (io, variant) in runs() {
        let config = RunConfig::new(variant).io(io).stall_rounds(4);
        let report = twinbench::run(&trickled(), &config).unwrap();
        assert!(report.all_ok(), "{io} {variant}: {:?}", report.outcomes);
        assert!(report.end.rounds > 40, "{io} {variant}: {:?}", report.end);
    }
}

#[test]
fn a_hard_cap_still_applies() {
    for variant in Variant::compiled() {
        let config = RunConfig::new(variant).max_rounds(7);
        let report = twinbench::run(&trickled(), &config).unwrap();
        assert!(report.end.stalled, "{variant}");
        assert_eq!(report.end.rounds, 7, "{variant}");
    }
}

#[test]
fn differential_takes_round_limits() {
    // Checked in a few rounds per network, not in the default stall windows.
    let checked = Differential::new(&yields_for_ever())
        .connections(2)
        .random_seeds(5)
        .allow_failures()
        .max_rounds(30)
        .run()
        .unwrap();
    assert_eq!(checked, 3 + 5);
    let checked = Differential::new(&yields_for_ever())
        .connections(2)
        .random_seeds(5)
        .allow_failures()
        .stall_rounds(8)
        .run()
        .unwrap();
    assert_eq!(checked, 3 + 5);
}
