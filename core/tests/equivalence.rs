//! The hand-written echo twins do identical work under every network model, and the harness
//! catches a twin that does not.

use core::future::Future;
use core::task::Poll;

use twinbench::check::{Differential, DivergenceKind};
use twinbench::handwritten::{self, HandwrittenEcho};
use twinbench::{AsyncIo, Client, Config, ConnError, Io, Machine, NetModel, Op, Scenario, Variant};

#[test]
fn handwritten_echo_twins_agree_under_every_network_model() {
    let checked = Differential::new(&HandwrittenEcho)
        .connections(16)
        .random_seeds(200)
        .run();
    assert_eq!(checked.unwrap_or_else(|d| panic!("{d}")), 203);
}

#[test]
fn handwritten_echo_at_full_size_agrees_under_the_seed_chunked_and_random_networks() {
    let differential = Differential::new(&HandwrittenEcho);
    for model in [NetModel::Seed, NetModel::Chunked(3), NetModel::Random(42)] {
        let report = differential.check(model).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(report.outcomes.len(), handwritten::CONNECTIONS);
    }
}

/// Echo whose async twin "forgets" the last byte of the reply when the network splits writes:
/// a broken twin the harness must catch.
struct BrokenEcho;

impl Scenario for BrokenEcho {
    type Machine = <HandwrittenEcho as Scenario>::Machine;

    fn name(&self) -> &'static str {
        "broken-echo"
    }
    fn config(&self) -> Config {
        HandwrittenEcho.config()
    }
    fn client(&self, conn: usize) -> Client {
        HandwrittenEcho.client(conn)
    }
    fn machine(&self) -> Self::Machine {
        HandwrittenEcho.machine()
    }
    async fn serve<'a, C: AsyncIo + 'a>(&'a self, io: &'a mut C) -> Result<(), ConnError> {
        let mut buf = twinbench::RecvBuf::<128>::new();
        let end = loop {
            if let Some(end) = buf.find(b"\n") {
                break end;
            }
            let n = io.read(buf.spare_mut()?).await?;
            buf.filled_by(n);
        };
        // Skips the final newline: one write fewer, and a short reply.
        let reply = &buf.filled()[..end - 1];
        let mut written = 0;
        while written < reply.len() {
            written += io.write(&reply[written..]).await?;
        }
        Ok(())
    }
}

#[test]
fn the_harness_catches_a_twin_that_skips_work() {
    let divergence = Differential::new(&BrokenEcho)
        .connections(4)
        .allow_failures()
        .check(NetModel::Chunked(1))
        .expect_err("a twin that writes one byte less must be caught");
    let DivergenceKind::Trace {
        variants,
        source,
        ops,
        ..
    } = &*divergence.kind
    else {
        panic!("expected a trace divergence, got {divergence}");
    };
    assert_eq!(*variants, (Variant::Manual, Variant::Async));
    assert_eq!(*source, Some(0));
    assert!(
        matches!(ops.0, Some(Op::Write { .. }) | None),
        "{divergence}"
    );
    let message = divergence.to_string();
    assert!(
        message.contains("broken-echo")
            && message.contains("chunked(1)")
            && message.contains("connection 0"),
        "{message}"
    );
}

/// A machine that never finishes: it defers forever (a `loop { yield_now() }`).
struct Forever;

struct ForeverMachine;

impl Machine for ForeverMachine {
    fn resume<C: Io>(&mut self, io: &mut C) -> Poll<Result<(), ConnError>> {
        io.defer();
        Poll::Pending
    }
}

impl Scenario for Forever {
    type Machine = ForeverMachine;
    fn name(&self) -> &'static str {
        "forever"
    }
    fn config(&self) -> Config {
        Config {
            connections: 3,
            buffer: 0,
            requests: 1,
        }
    }
    fn client(&self, _: usize) -> Client {
        Client::fixed(b"x", b"y")
    }
    fn machine(&self) -> ForeverMachine {
        ForeverMachine
    }
    async fn serve<'a, C: AsyncIo + 'a>(&'a self, io: &'a mut C) -> Result<(), ConnError> {
        loop {
            io.yield_now().await;
        }
    }
}

#[test]
fn a_scenario_that_never_finishes_stalls_identically_and_releases_everything() {
    let differential = Differential::new(&Forever).allow_failures();
    let mut config_rounds = None;
    for variant in Variant::compiled() {
        let config = twinbench::RunConfig::new(variant).max_rounds(50);
        let report = twinbench::run(&Forever, &config).unwrap();
        assert!(report.end.stalled, "{variant}");
        assert_eq!(report.count(twinbench::Outcome::Stalled), 3, "{variant}");
        assert_eq!(
            report.counts.register, report.counts.unregister,
            "{variant}: leaked a registration"
        );
        assert_eq!(
            *config_rounds.get_or_insert(report.end.rounds),
            report.end.rounds
        );
    }
    // The default round limit still ends it; traces agree.
    differential
        .check(NetModel::Seed)
        .unwrap_or_else(|d| panic!("{d}"));
}

/// Stalled at the connection limit: the live connections stall, the rest are never accepted
/// (the accept loop waits for a slot that never frees), identically in every variant, and
/// every registration is released.
#[test]
fn a_run_stalled_at_its_connection_limit_stalls_identically_and_releases_everything() {
    let mut first = None;
    for variant in Variant::compiled() {
        let config = twinbench::RunConfig::new(variant)
            .connections(7)
            .connection_limit(2)
            .max_rounds(50);
        let report = twinbench::run(&Forever, &config).unwrap();
        assert!(report.end.stalled, "{variant}");
        assert_eq!(report.count(twinbench::Outcome::Stalled), 7, "{variant}");
        assert_eq!(
            report.counts.register, 3,
            "{variant}: the listener and 2 slots"
        );
        assert_eq!(
            report.counts.register, report.counts.unregister,
            "{variant}: leaked a registration"
        );
        assert_eq!(*first.get_or_insert(report.clone()), report, "{variant}");
    }
    for model in [NetModel::Seed, NetModel::Random(7)] {
        Differential::new(&Forever)
            .allow_failures()
            .connections(7)
            .connection_limit(2)
            .max_rounds(200)
            .check(model)
            .unwrap_or_else(|d| panic!("{d}"));
    }
}

/// An EOF before the request is complete, and a request larger than the buffer, are reported
/// outcomes, identical in every variant.
#[test]
fn bad_requests_are_reported_outcomes_in_every_variant() {
    struct Truncated(&'static [u8]);
    impl Scenario for Truncated {
        type Machine = <HandwrittenEcho as Scenario>::Machine;
        fn name(&self) -> &'static str {
            "truncated"
        }
        fn config(&self) -> Config {
            Config {
                connections: 5,
                ..HandwrittenEcho.config()
            }
        }
        fn client(&self, _: usize) -> Client {
            Client::fixed(self.0, b"irrelevant\n")
        }
        fn machine(&self) -> Self::Machine {
            HandwrittenEcho.machine()
        }
        fn serve<'a, C: AsyncIo + 'a>(
            &'a self,
            io: &'a mut C,
        ) -> impl Future<Output = Result<(), ConnError>> + 'a {
            HandwrittenEcho::serve_conn(io)
        }
    }
    let too_large: &'static [u8] = &[b'a'; 300];
    for (client, expected) in [
        (Truncated(b"no newline"), ConnError::UnexpectedEof),
        (Truncated(too_large), ConnError::RequestTooLarge),
    ] {
        let differential = Differential::new(&client).allow_failures().random_seeds(20);
        for model in twinbench::check::standard_models(20) {
            let report = differential.check(model).unwrap_or_else(|d| panic!("{d}"));
            assert!(
                report
                    .outcomes
                    .iter()
                    .all(|o| *o == twinbench::Outcome::Failed(expected)),
                "{model}"
            );
            assert_eq!(report.counts.register, report.counts.unregister);
        }
    }
}

#[test]
fn a_wrong_or_short_reply_is_judged_by_the_client() {
    struct WrongExpectation(&'static [u8]);
    impl Scenario for WrongExpectation {
        type Machine = <HandwrittenEcho as Scenario>::Machine;
        fn name(&self) -> &'static str {
            "wrong-expectation"
        }
        fn config(&self) -> Config {
            Config {
                connections: 2,
                ..HandwrittenEcho.config()
            }
        }
        fn client(&self, _: usize) -> Client {
            Client::fixed(b"hello world\n", self.0)
        }
        fn machine(&self) -> Self::Machine {
            HandwrittenEcho.machine()
        }
        fn serve<'a, C: AsyncIo + 'a>(
            &'a self,
            io: &'a mut C,
        ) -> impl Future<Output = Result<(), ConnError>> + 'a {
            HandwrittenEcho::serve_conn(io)
        }
    }
    for (expect, outcome) in [
        (&b"hello world\n"[..], twinbench::Outcome::Ok),
        (b"hello World\n", twinbench::Outcome::BadReply),
        (b"hello world", twinbench::Outcome::BadReply),
        (b"hello world\n and more", twinbench::Outcome::ShortReply),
    ] {
        let scenario = WrongExpectation(expect);
        let report = Differential::new(&scenario)
            .allow_failures()
            .check(NetModel::Chunked(5))
            .unwrap();
        assert!(
            report.outcomes.iter().all(|o| *o == outcome),
            "{:?}: {:?}",
            expect,
            report.outcomes
        );
    }
}
