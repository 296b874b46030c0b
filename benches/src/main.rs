//! `cargo run --release` in the workspace: the public harness over the built-in library, plus
//! the hand-written echo control. A user's own `src/main.rs` is the same call through
//! `twinbench_harness::main!`.

use twinbench::AnyScenario;
use twinbench::handwritten::HandwrittenEcho;

#[global_allocator]
static ALLOCATOR: twinbench::alloc::CountingAllocator = twinbench::alloc::CountingAllocator;

fn main() -> std::process::ExitCode {
    let builtins = twinbench_scenarios::ALL
        .iter()
        .map(|&s| s as &dyn AnyScenario);
    let scenarios = builtins.chain([&HandwrittenEcho as &dyn AnyScenario]);
    twinbench_harness::Harness::new(scenarios, twinbench_harness::build_info!()).main()
}
