//! A connection state too large for the stack is refused before the run, with the same error
//! in every variant; one just under the limit runs in every variant on a 2 MiB thread (Rust's
//! default for spawned and test threads), in debug and release builds alike.

mod common;

use std::thread;

use common::{LineMachine, serve_line};
use twinbench::runner::MAX_STATE_BYTES;
use twinbench::{AsyncIo, Client, Config, ConnError, RunConfig, RunError, Scenario, Variant};

/// Echo with an `N`-byte buffer.
struct BigEcho<const N: usize>;

impl<const N: usize> Scenario for BigEcho<N> {
    type Machine = LineMachine<N>;
    fn name(&self) -> &'static str {
        "big-echo"
    }
    fn config(&self) -> Config {
        Config {
            connections: 3,
            buffer: N,
            requests: 1,
        }
    }
    fn client(&self, _: usize) -> Client {
        Client::fixed(b"hello\n", b"hello\n")
    }
    fn machine(&self) -> LineMachine<N> {
        LineMachine::new(echo)
    }
    fn serve<'a, C: AsyncIo + 'a>(
        &'a self,
        io: &'a mut C,
    ) -> impl Future<Output = Result<(), ConnError>> + 'a {
        serve_line::<N, C>(io, echo)
    }
}

fn echo(line: &[u8]) -> &[u8] {
    line
}

/// Runs `f` on a thread with a 2 MiB stack.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn a_four_mib_state_is_refused_in_every_variant_instead_of_overflowing_the_stack() {
    on_small_stack(|| {
        for variant in Variant::compiled() {
            let error = twinbench::run(&BigEcho::<{ 4 << 20 }>, &RunConfig::new(variant))
                .expect_err("a 4 MiB state does not fit a 2 MiB stack");
            let RunError::StateTooLarge { size, max } = error else {
                panic!("{variant}: {error}");
            };
            assert!(size > 4 << 20, "{size}");
            assert_eq!(max, MAX_STATE_BYTES);
            assert!(error.to_string().contains("use a smaller buffer"));
        }
    });
}

#[test]
fn a_state_just_under_the_limit_runs_in_every_variant_on_a_two_mib_stack() {
    const N: usize = MAX_STATE_BYTES - 1024;
    on_small_stack(|| {
        for variant in Variant::compiled() {
            let report = twinbench::run(&BigEcho::<N>, &RunConfig::new(variant))
                .unwrap_or_else(|e| panic!("{variant}: {e}"));
            assert!(report.all_ok(), "{variant}: {:?}", report.outcomes);
        }
    });
}
