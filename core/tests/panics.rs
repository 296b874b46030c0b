//! A panic in a scenario's code is caught per run and reported as `RunError::Panicked`,
//! naming the variant and the connection, in every variant alike (tokio, which catches a
//! task's panic itself, too); `Differential` reports it as a divergence naming the variant.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};

use common::{LineMachine, serve_line};
use twinbench::check::Differential;
use twinbench::{AsyncIo, Client, Config, ConnError, RunConfig, RunError, Scenario, Variant};

/// Echo whose code panics on connection 2's request (an out-of-bounds index, say); with
/// `ONCE`, only while `ARMED`, which the panic disarms.
struct PanicsOnTwo<const ONCE: bool = false>;

static ARMED: AtomicBool = AtomicBool::new(false);

fn reply_once(line: &[u8]) -> &[u8] {
    if line == b"2\n" && ARMED.swap(false, Ordering::Relaxed) {
        return reply(line);
    }
    line
}

fn reply(line: &[u8]) -> &[u8] {
    if line == b"2\n" {
        let at = line.len() + 5;
        return &line[..at]; // out of range
    }
    line
}

impl<const ONCE: bool> Scenario for PanicsOnTwo<ONCE> {
    type Machine = LineMachine<16>;
    fn name(&self) -> &'static str {
        "panics-on-two"
    }
    fn config(&self) -> Config {
        Config {
            connections: 5,
            buffer: 16,
            requests: 1,
        }
    }
    fn client(&self, conn: usize) -> Client {
        let line = format!("{conn}\n").into_bytes();
        Client::new(line.clone().into(), line.into())
    }
    fn machine(&self) -> LineMachine<16> {
        LineMachine::new(if ONCE { reply_once } else { reply })
    }
    fn serve<'a, C: AsyncIo + 'a>(
        &'a self,
        io: &'a mut C,
    ) -> impl Future<Output = Result<(), ConnError>> + 'a {
        serve_line::<16, C>(io, if ONCE { reply_once } else { reply })
    }
}

#[test]
fn a_panic_is_a_run_error_naming_variant_and_connection_in_every_variant() {
    for variant in Variant::compiled() {
        for traced in [false, true] {
            let config = RunConfig::new(variant);
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
            assert_eq!(*connection, Some(2), "{variant}: {error}");
            assert!(message.contains("out of range"), "{variant}: {message}");
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
    // Only connection 2's request can panic, and only while armed.
    for variant in Variant::compiled() {
        twinbench::prepare::<_, twinbench::NoTrace, _>(
            &PanicsOnTwo::<true>,
            &RunConfig::new(variant),
            |prepared| {
                ARMED.store(true, Ordering::Relaxed);
                // tokio catches the panic itself; in the others it unwinds out of the serve.
                let _ = catch_unwind(AssertUnwindSafe(|| prepared.run()));
                assert!(
                    !ARMED.load(Ordering::Relaxed),
                    "{variant}: it did not panic"
                );
                // After the panic: a clean run, every registration released.
                let end = prepared.run();
                let report = prepared.report(end);
                assert!(report.all_ok(), "{variant}: {:?}", report.outcomes);
                assert_eq!(report.counts.register, 6, "{variant}");
                assert_eq!(report.counts.unregister, 6, "{variant}");
            },
        )
        .unwrap();
    }
}
