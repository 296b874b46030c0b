//! [`AnyScenario`]: a scenario of any type behind `dyn`, for lists of scenarios (the report, the
//! benches, the [differential check](crate::check), a user's own set).
//!
//! May import: [`runner`](crate::runner) and [`scenario`](mod@crate::scenario). Imported by
//! [`check`](crate::check), which sits on top.

use crate::runner::{
    Report, Run, RunConfig, RunError, Traces, future_size, machine_size, prepare, run, run_traced,
};
use crate::scenario::{Config, Scenario};
use crate::trace::NoTrace;

/// A scenario of any type, for lists of scenarios (the report, the benches, a user's own set).
/// Implemented for every [`Scenario`].
pub trait AnyScenario {
    /// [`Scenario::name`].
    fn name(&self) -> &'static str;
    /// [`Scenario::config`].
    fn config(&self) -> Config;
    /// [`run`] this scenario.
    fn run(&self, config: &RunConfig) -> Result<Report, RunError>;
    /// [`run_traced`] this scenario: run it once, recording every operation.
    fn run_traced(&self, config: &RunConfig) -> Result<(Report, Traces), RunError>;
    /// [`prepare`] this scenario, untraced, and hand the prepared run to `f`.
    fn prepare(&self, config: &RunConfig, f: &mut dyn FnMut(&mut dyn Run)) -> Result<(), RunError>;
    /// Size of the poll-loop machine.
    fn machine_size(&self) -> usize;
    /// Size of the async fn's future.
    fn future_size(&self) -> usize;
}

impl<S: Scenario + 'static> AnyScenario for S {
    fn name(&self) -> &'static str {
        Scenario::name(self)
    }
    fn config(&self) -> Config {
        Scenario::config(self)
    }
    fn run(&self, config: &RunConfig) -> Result<Report, RunError> {
        run(self, config)
    }
    fn run_traced(&self, config: &RunConfig) -> Result<(Report, Traces), RunError> {
        run_traced(self, config)
    }
    fn prepare(&self, config: &RunConfig, f: &mut dyn FnMut(&mut dyn Run)) -> Result<(), RunError> {
        prepare::<S, NoTrace, _>(self, config, f)
    }
    fn machine_size(&self) -> usize {
        machine_size(self)
    }
    fn future_size(&self) -> usize {
        future_size(self)
    }
}
