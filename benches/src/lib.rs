//! What the report (`cargo run --release`), the criterion benches and the instruction counter
//! share: the list of built-in scenarios, the in-process timer and the callgrind driver.

pub mod callgrind;
pub mod report;
pub mod timing;

use twinbench::AnyScenario;
use twinbench::handwritten::HandwrittenEcho;

/// The built-in scenarios, then the hand-written echo control.
pub fn builtins() -> Vec<&'static dyn AnyScenario> {
    let mut all: Vec<&'static dyn AnyScenario> = twinbench_scenarios::ALL
        .iter()
        .map(|&scenario| scenario as &'static dyn AnyScenario)
        .collect();
    all.push(&HandwrittenEcho);
    all
}

/// The built-in scenario called `name`.
pub fn find(name: &str) -> Option<&'static dyn AnyScenario> {
    builtins().into_iter().find(|s| s.name() == name)
}

/// The function callgrind collects in (`--toggle-collect`): one measured `serve`, nothing of
/// the setup or the reset around it.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn twinbench_measured_serve(run: &mut dyn twinbench::Run) -> twinbench::RunEnd {
    run.serve()
}

/// The connection counts of the echo scaling sweep.
pub const SCALING_CONNECTIONS: [usize; 5] = [1, 16, 256, 4_096, 65_536];
