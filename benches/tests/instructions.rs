//! The instruction counts are deterministic: the same scenario × variant counted twice under
//! callgrind gives the same number. (Skipped, with a note, where valgrind is not installed;
//! `.ci/run` installs it.)

use std::path::Path;

use twinbench::{RunConfig, Variant};
use twinbench_harness::callgrind;

#[test]
fn callgrind_counts_are_identical_run_to_run() {
    if !callgrind::available() {
        eprintln!("valgrind is not installed: skipping (apt-get install valgrind)");
        return;
    }
    let exe = Path::new(env!("CARGO_BIN_EXE_twinbench"));
    for variant in [Variant::Manual, Variant::Async] {
        let first = callgrind::instructions(exe, "echo", &RunConfig::new(variant), 1).unwrap();
        let second = callgrind::instructions(exe, "echo", &RunConfig::new(variant), 1).unwrap();
        assert_eq!(
            first, second,
            "{variant}: callgrind counts differ between runs"
        );
        // 256 requests, each a few hundred instructions at least: a real count, not a stub.
        assert!(first > 256 * 300, "{variant}: only {first} instructions");
    }
}
