//! Both twins over real sockets and edge-triggered epoll: every variant makes the same system
//! calls, per kind, and serves every reply exactly; faults end in the same named outcomes.
//! (Not under Miri: the kernel backend is foreign calls.)
#![cfg(not(miri))]

use std::collections::BTreeMap;

use twinbench::check::Differential;
use twinbench::handwritten::HandwrittenEcho;
use twinbench::{
    ConnError, Counts, Faults, NetModel, Outcome, RunConfig, RunError, SocketKind, Transport,
    Variant, run, run_traced,
};

const KINDS: [SocketKind; 2] = [SocketKind::Tcp, SocketKind::Unix];

fn kernel(variant: Variant, kind: SocketKind) -> RunConfig {
    RunConfig::new(variant).io(Transport::Kernel(kind))
}

#[test]
fn every_variant_makes_the_same_system_calls_over_kernel_io() {
    for kind in KINDS {
        let mut reference: Option<(Variant, Counts)> = None;
        for variant in Variant::compiled() {
            let (report, _) =
                run_traced(&HandwrittenEcho, &kernel(variant, kind).connections(64)).unwrap();
            assert!(report.all_ok(), "{kind:?} {variant}: {:?}", report.outcomes);
            let counts = report.counts;
            // Per connection: accept, epoll_ctl ADD, a read that blocks (the pump has not
            // released the request yet), the read of the request, the write, epoll_ctl DEL,
            // close. Per run: the listener's ADD and DEL, one epoll_wait.
            assert_eq!(
                (counts.accept, counts.register, counts.unregister),
                (64, 65, 65),
                "{kind:?} {variant}: {counts}"
            );
            assert_eq!(
                (counts.read, counts.write, counts.close, counts.poll),
                (128, 64, 64, 1),
                "{kind:?} {variant}: {counts}"
            );
            assert_eq!(counts.syscalls, 64 * 7 + 3, "{kind:?} {variant}: {counts}");
            // The pump: one send and one shutdown per client.
            assert_eq!(counts.pump, 128, "{kind:?} {variant}: {counts}");
            match reference {
                None => reference = Some((variant, counts)),
                Some((first, expected)) => assert_eq!(
                    counts, expected,
                    "{kind:?}: {variant} made other calls than {first}"
                ),
            }
        }
    }
}

#[test]
fn the_differential_harness_compares_kernel_traces_across_variants() {
    for kind in KINDS {
        let checked = Differential::new(&HandwrittenEcho)
            .connections(16)
            .io(Transport::Kernel(kind))
            .run()
            .unwrap_or_else(|d| panic!("{kind:?}: {d}"));
        // Seed, Chunked(1) and Chunked(7): no random seeds over kernel I/O.
        assert_eq!(checked, 3);
    }
}

#[test]
fn a_trickling_pump_gives_partial_reads_in_every_variant_alike() {
    for kind in KINDS {
        let report = Differential::new(&HandwrittenEcho)
            .connections(8)
            .io(Transport::Kernel(kind))
            .check(NetModel::Chunked(1))
            .unwrap_or_else(|d| panic!("{kind:?}: {d}"));
        // `ping\n`, a byte per poll: five polls deliver it, the read after each byte but the
        // last blocks again.
        assert!(report.counts.poll >= 5, "{kind:?}: {}", report.counts);
        assert!(report.counts.read > 8 * 5, "{kind:?}: {}", report.counts);
    }
}

#[test]
fn kernel_faults_are_named_outcomes_identical_in_every_variant() {
    for kind in KINDS {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for seed in 0..12 {
            let report = Differential::new(&HandwrittenEcho)
                .connections(16)
                .io(Transport::Kernel(kind))
                .faults(Faults { seed, one_in: 2 })
                .check(NetModel::Seed)
                .unwrap_or_else(|d| panic!("{kind:?} seed {seed}: {d}"));
            assert!(!report.end.stalled, "{kind:?} seed {seed}");
            assert_eq!(report.counts.register, report.counts.unregister);
            for outcome in report.outcomes {
                *seen.entry(outcome.to_string()).or_default() += 1;
            }
        }
        // `cargo test -p twinbench --test kernel -- --nocapture` prints the counts.
        println!("{kind:?}: {seen:?}");
        let mut expected = vec![
            Outcome::Ok,
            Outcome::AcceptFailed,
            Outcome::Failed(ConnError::UnexpectedEof),
            Outcome::Failed(ConnError::RequestTooLarge),
            // A reset right after the request: the server reads it, and its write fails.
            Outcome::Failed(ConnError::BrokenPipe),
        ];
        if kind == SocketKind::Tcp {
            // A reset before the request: the server's read is reset. AF_UNIX has no reset:
            // a peer's close is an EOF there.
            expected.push(Outcome::Failed(ConnError::Reset));
        }
        for outcome in expected {
            assert!(
                seen.contains_key(&outcome.to_string()),
                "{kind:?}: never saw `{outcome}`: {seen:?}"
            );
        }
    }
}

#[test]
fn a_prepared_kernel_run_serves_again_and_again() {
    let config = kernel(Variant::Async, SocketKind::Tcp).connections(32);
    twinbench::prepare::<_, twinbench::NoTrace, _>(&HandwrittenEcho, &config, |prepared| {
        let mut first = None;
        for _ in 0..20 {
            let end = prepared.run();
            let report = prepared.report(end);
            assert!(report.all_ok(), "{:?}", report.outcomes);
            let counts = *first.get_or_insert(report.counts);
            assert_eq!(report.counts, counts);
        }
    })
    .unwrap();
}

#[test]
fn syscall_mode_is_refused_over_kernel_io() {
    let config = kernel(Variant::Manual, SocketKind::Tcp).syscalls(true);
    assert!(matches!(
        run(&HandwrittenEcho, &config),
        Err(RunError::SyscallsOverKernel)
    ));
}
