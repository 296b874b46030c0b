//! Kernel I/O's limits are handled, not hit: a connection count the descriptor limit or the
//! accept queue cannot hold is refused before the run, and no path leaks a descriptor. One test
//! in its own binary, so that no other test opens descriptors while it counts them.
#![cfg(not(miri))]

mod common;
mod panicking;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;

use panicking::{ARMED, PanicsOnTwo};

use twinbench::handwritten::HandwrittenEcho;
use twinbench::kernel::SetupError;
use twinbench::{
    Faults, NetModel, NoTrace, RunConfig, RunError, SocketKind, Transport, Variant, prepare, run,
};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn kernel(variant: Variant, kind: SocketKind) -> RunConfig {
    RunConfig::new(variant).io(Transport::Kernel(kind))
}

#[test]
fn limits_are_refused_before_the_run_and_no_path_leaks_a_descriptor() {
    let before = open_fds();
    for kind in [SocketKind::Tcp, SocketKind::Unix] {
        for variant in Variant::compiled() {
            // A served run.
            let report = run(&HandwrittenEcho, &kernel(variant, kind).connections(16)).unwrap();
            assert!(report.all_ok());
            // Faults: resets, early EOFs, lost accepts, trickled requests.
            let faults = Faults { seed: 3, one_in: 1 };
            let config = kernel(variant, kind)
                .connections(16)
                .faults(faults)
                .model(NetModel::Chunked(2));
            run(&HandwrittenEcho, &config).unwrap();
            // A run that stops at its round limit with every connection open.
            let report = run(&HandwrittenEcho, &config.max_rounds(0)).unwrap();
            assert!(report.end.stalled);
            // A panic in the middle of a prepared run.
            let panicked = catch_unwind(AssertUnwindSafe(|| {
                prepare::<_, NoTrace, _>(
                    &HandwrittenEcho,
                    &kernel(variant, kind).connections(8),
                    |prepared| {
                        prepared.reset();
                        panic!("in the middle of a run");
                    },
                )
            }));
            assert!(panicked.is_err());
            // A panic in the scenario's code: a run error, and a prepared run reused after it.
            let config = kernel(variant, kind);
            let error = run(&PanicsOnTwo::<false>, &config).unwrap_err();
            assert!(matches!(error, RunError::Panicked { .. }), "{error}");
            prepare::<_, NoTrace, _>(&PanicsOnTwo::<true>, &config, |prepared| {
                ARMED.store(true, Ordering::Relaxed);
                let _ = catch_unwind(AssertUnwindSafe(|| prepared.run()));
                let end = prepared.run();
                assert!(prepared.report(end).all_ok(), "{kind:?} {variant}");
            })
            .unwrap();
            assert_eq!(
                open_fds(),
                before,
                "{kind:?} {variant}: a descriptor leaked"
            );
        }
    }

    // More connections than the accept queue holds: refused before anything is connected.
    let somaxconn: usize = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let (_, hard) = nofile_limit();
    if 2 * (somaxconn as u64 + 1) + 256 < hard {
        let config = kernel(Variant::Manual, SocketKind::Tcp).connections(somaxconn + 1);
        match run(&HandwrittenEcho, &config) {
            Err(RunError::Kernel(SetupError::Backlog { connections, .. })) => {
                assert_eq!(connections, somaxconn + 1);
            }
            other => panic!("expected a backlog error, got {other:?}"),
        }
    }
    // More connections than the hard descriptor limit allows.
    let too_many = usize::try_from(hard / 2 + 1)
        .unwrap_or(usize::MAX)
        .min(1 << 20);
    let config = kernel(Variant::Manual, SocketKind::Unix).connections(too_many);
    match run(&HandwrittenEcho, &config) {
        Err(RunError::Kernel(SetupError::FdLimit {
            needed,
            hard: limit,
        })) => {
            assert!(needed > limit);
            assert_eq!(limit, hard);
        }
        Err(RunError::TooManyConnections { .. }) => {}
        other => panic!("expected a descriptor-limit error, got {other:?}"),
    }
    assert_eq!(open_fds(), before, "a refused run leaked a descriptor");
}

fn nofile_limit() -> (u64, u64) {
    // SAFETY: `rlimit` is plain data; all zeroes is a valid value.
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: `limit` is a live, writable `struct rlimit`.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) },
        0
    );
    (limit.rlim_cur, limit.rlim_max)
}
