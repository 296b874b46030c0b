//! A panic in a scenario's code is caught per run and reported as `RunError::Panicked`,
//! naming the variant and the connection, in every variant alike (tokio, which catches a
//! task's panic itself, too); `Differential` reports it as a divergence naming the variant.

mod common;
mod panicking;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;

use panicking::{ARMED, PanicsOnTwo};
use twinbench::check::Differential;
use twinbench::{RunConfig, RunError, Scenario, SocketKind, Transport, Variant};

/// Every I/O the twins run over: the fake network and both kinds of kernel sockets.
const TRANSPORTS: [Transport; 3] = [
    Transport::Fake,
    Transport::Kernel(SocketKind::Tcp),
    Transport::Kernel(SocketKind::Unix),
];

#[test]
fn a_panic_is_a_run_error_naming_variant_and_connection_in_every_variant() {
    for (io, variant) in TRANSPORTS
        .into_iter()
        .flat_map(|io| Variant::compiled().map(move |v| (io, v)))
    {
        for traced in [false, true] {
            let config = RunConfig::new(variant).io(io);
            let error = if traced {
                twinbench::run_traced(&PanicsOnTwo::<false>, &config).map(|_| ())
            } else {
                twinbench::run(&PanicsOnTwo::<false>, &config).map(|_| ())
            }
            .unwrap_err();
            let RunError::Panicked {
                variant: v,
                connection,
                message,
            } = &error
            else {
                panic!("{variant}: {error}");
            };
            assert_eq!(*v, variant);
            assert_eq!(*connection, Some(2), "{io} {variant}: {error}");
            assert!(
                message.contains("out of range"),
                "{io} {variant}: {message}"
            );
            assert!(
                error.to_string().contains("serving connection 2"),
                "{error}"
            );
        }
    }
}

#[test]
fn differential_names_the_variant_that_panicked() {
    let divergence = Differential::new(&PanicsOnTwo::<false>)
        .random_seeds(1)
        .run()
        .unwrap_err();
    let message = divergence.to_string();
    assert!(message.contains("manual"), "{message}");
    assert!(message.contains("panicked"), "{message}");
    assert!(message.contains("connection 2"), "{message}");
}

#[test]
fn a_run_after_a_caught_panic_is_unaffected() {
    // The hook records only inside a run: a panic elsewhere is not reported by a later run.
    let _ = std::panic::catch_unwind(|| panic!("outside any run"));
    for variant in Variant::compiled() {
        let report = twinbench::run(&common_ok(), &RunConfig::new(variant)).unwrap();
        assert!(report.all_ok(), "{variant}");
    }
}

fn common_ok() -> impl Scenario + 'static {
    twinbench::handwritten::HandwrittenEcho
}

#[test]
fn a_prepared_run_after_a_panic_leaks_no_registration() {
    // Only connection 2's request can panic, and only while armed. Over kernel I/O the
    // sockets the panic left open are closed too (core/tests/kernel_limits.rs counts them).
    for (io, variant) in TRANSPORTS
        .into_iter()
        .flat_map(|io| Variant::compiled().map(move |v| (io, v)))
    {
        twinbench::prepare::<_, twinbench::NoTrace, _>(
            &PanicsOnTwo::<true>,
            &RunConfig::new(variant).io(io),
            |prepared| {
                ARMED.store(true, Ordering::Relaxed);
                // tokio catches the panic itself; in the others it unwinds out of the serve.
                let _ = catch_unwind(AssertUnwindSafe(|| prepared.run()));
                assert!(
                    !ARMED.load(Ordering::Relaxed),
                    "{io} {variant}: it did not panic"
                );
                // After the panic: a clean run, every registration released.
                let end = prepared.run();
                let report = prepared.report(end);
                assert!(report.all_ok(), "{io} {variant}: {:?}", report.outcomes);
                assert_eq!(report.counts.register, 6, "{io} {variant}");
                assert_eq!(report.counts.unregister, 6, "{io} {variant}");
            },
        )
        .unwrap();
    }
}
