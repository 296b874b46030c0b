//! twinbench's harness: the comparison table, instruction counts and criterion benches for
//! *your* scenarios, one line each.
//!
//! Put your scenarios in your crate's `src/lib.rs` (with [`#[scenario]`](macro@twinbench::scenario)), then:
//!
//! ```text
//! // src/main.rs — `cargo run --release`: check the twins agree, print the table
//! twinbench_harness::main!(my_workload::kv, my_workload::length_body);
//!
//! // benches/twins.rs — `cargo bench`: one criterion group per scenario, one id per variant
//! twinbench_harness::criterion_main!(my_workload::kv, my_workload::length_body);
//! ```
//!
//! Each name is a scenario's function (the `fn` the attribute was written on: `kv()` returns
//! the scenario). The built-in front end of the twinbench workspace uses the same code
//! ([`Harness`] over the built-in library), so the table a user gets is the README's table.
//!
//! What the binary does: `cargo run --release -- --help` lists the options and subcommands
//! (`instructions`, `scaling`, `criterion-report`). Instruction counts run the binary itself
//! under `valgrind --tool=callgrind` (a hidden `measure-one` subcommand), so nothing needs to
//! be set up beyond valgrind. [`main!`] also installs [`twinbench::alloc::CountingAllocator`]
//! as the global allocator, for the allocations/request column; a binary that has its own
//! allocator calls [`Harness`] directly and that column says it is not counted.
//!
//! Numbers compare with the README's only in a release build with one codegen unit and fat
//! LTO (inlining across crates is then the same for every variant); the harness warns
//! otherwise, naming the profile to add.
#![deny(
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks,
    missing_docs
)]

pub mod bench;
pub mod callgrind;
mod cli;
pub mod profile;
pub mod report;
mod table;
pub mod timing;

pub use profile::BuildInfo;

use std::process::ExitCode;

use twinbench::AnyScenario;

/// A front end over a list of scenarios: `main` parses the command line and prints the
/// table (or runs a subcommand). [`main!`] is this in one line.
pub struct Harness<'a> {
    scenarios: Vec<&'a dyn AnyScenario>,
    build: BuildInfo,
}

impl<'a> Harness<'a> {
    /// A harness over `scenarios` (the table shows them in this order). `build` describes how
    /// the calling crate was built: pass [`build_info!()`](build_info).
    pub fn new(scenarios: impl IntoIterator<Item = &'a dyn AnyScenario>, build: BuildInfo) -> Self {
        Harness {
            scenarios: scenarios.into_iter().collect(),
            build,
        }
    }

    /// Runs the command line of this process; errors go to stderr and make the exit code 1.
    pub fn main(&self) -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        // This binary is the harness's: its timing may run in child processes of itself.
        match cli::run(&self.scenarios, &self.build, args, true) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("twinbench: {message}");
                ExitCode::FAILURE
            }
        }
    }

    /// Runs one command line (without the program name): the table, a subcommand or `--help`.
    /// The timing stays in this process (its samples are then not spread over processes as
    /// [`Harness::main`]'s are), since this process's own binary may not be a harness.
    pub fn run(&self, args: Vec<String>) -> Result<(), String> {
        cli::run(&self.scenarios, &self.build, args, false)
    }
}

/// How the calling crate was built, for [`Harness::new`]: expands `cfg!(debug_assertions)`,
/// `env!("CARGO_MANIFEST_DIR")` and the `CARGO_PROFILE_*` overrides in *your* crate.
#[macro_export]
macro_rules! build_info {
    () => {
        $crate::BuildInfo {
            debug_assertions: ::core::cfg!(debug_assertions),
            manifest_dir: ::core::env!("CARGO_MANIFEST_DIR"),
            lto_override: ::core::option_env!("CARGO_PROFILE_RELEASE_LTO"),
            codegen_units_override: ::core::option_env!("CARGO_PROFILE_RELEASE_CODEGEN_UNITS"),
        }
    };
}

/// `fn main` for `cargo run --release`: checks that the twins of each scenario agree, then
/// prints the comparison table; every option and subcommand of the built-in front end.
///
/// Takes the scenarios' functions (paths), and installs
/// [`twinbench::alloc::CountingAllocator`] as the global allocator:
///
/// ```text
/// twinbench_harness::main!(my_workload::kv, my_workload::length_body);
/// ```
#[macro_export]
macro_rules! main {
    ($($scenario:path),+ $(,)?) => {
        #[global_allocator]
        static __TWINBENCH_ALLOCATOR: $crate::__private::CountingAllocator =
            $crate::__private::CountingAllocator;

        fn main() -> ::std::process::ExitCode {
            let scenarios: &[&dyn $crate::__private::AnyScenario] = &[$(&$scenario()),+];
            $crate::Harness::new(scenarios.iter().copied(), $crate::build_info!()).main()
        }
    };
}

/// `fn main` for a `[[bench]] harness = false` file: one criterion group per scenario and one
/// per `<scenario>+syscalls`, one id per variant, throughput in requests.
///
/// ```text
/// twinbench_harness::criterion_main!(my_workload::kv, my_workload::length_body);
/// ```
#[macro_export]
macro_rules! criterion_main {
    ($($scenario:path),+ $(,)?) => {
        fn main() {
            let scenarios: &[&dyn $crate::__private::AnyScenario] = &[$(&$scenario()),+];
            $crate::bench::main(scenarios, &[], $crate::build_info!());
        }
    };
}

/// What the macros of this crate expand to; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use twinbench::AnyScenario;
    pub use twinbench::alloc::CountingAllocator;
}
