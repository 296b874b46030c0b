//! One criterion group per built-in scenario (and `<scenario>+syscalls`), one id per variant, so
//! criterion draws the twins side by side; the `echo` group also carries the hand-written
//! reference twins. Throughput is in requests.
//!
//! `cargo bench --bench scenarios -- '^echo/'` runs one scenario; `-- --quick` a fast pass.

use twinbench::handwritten::HandwrittenEcho;
use twinbench::{AnyScenario, Variant};
use twinbench_harness::bench::{self, Control};

fn main() {
    let scenarios: Vec<&dyn AnyScenario> = twinbench_scenarios::ALL
        .iter()
        .map(|&s| s as &dyn AnyScenario)
        .collect();
    let control = |id, variant| Control {
        group: "echo",
        id,
        scenario: &HandwrittenEcho,
        variant,
    };
    let controls = [
        control("handwritten-manual", Variant::Manual),
        control("handwritten-async", Variant::Async),
    ];
    bench::main(&scenarios, &controls, twinbench_harness::build_info!());
}
