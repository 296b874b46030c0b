//! The watchdog: a connection computing for ever inside one resume cannot be interrupted, so a
//! run under the watchdog ends the process (status 3) with a message naming the scenario, the
//! variant and the connection — in every variant. Each case runs in a child process (this test
//! binary, run again with `TWINBENCH_STUCK_VARIANT` set).

use std::process::Command;
use std::time::Duration;

use twinbench::prelude::*;

/// Spins for ever on its request: its code never returns from the resume that read it.
#[scenario(connections = 3, buffer = 16, client(send = b"x\n", expect = b"x\n"))]
fn spins() {
    let end: usize = read_until(b'\n');
    let _never: usize = spin(&buf[..end]);
    write(&buf[..end]);
}

fn spin(_: &[u8]) -> usize {
    loop {
        std::hint::spin_loop();
    }
}

const CHILD: &str = "TWINBENCH_STUCK_VARIANT";

#[test]
fn a_run_stuck_inside_one_resume_ends_the_process_naming_scenario_variant_and_connection() {
    if let Some(variant) = std::env::var_os(CHILD) {
        let variant: Variant = variant.to_str().unwrap().parse().unwrap();
        let config = RunConfig::new(variant).watchdog(Duration::from_millis(200));
        let _ = twinbench::run(&spins(), &config);
        unreachable!("the watchdog ends the process");
    }
    for variant in Variant::compiled() {
        let output = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_run_stuck_inside_one_resume_ends_the_process_naming_scenario_variant_and_connection",
                "--test-threads=1",
            ])
            .env(CHILD, variant.name())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{variant}: {stderr}");
        assert!(stderr.contains("scenario `spins`"), "{variant}: {stderr}");
        assert!(stderr.contains(&format!("variant `{variant}`")), "{stderr}");
        assert!(
            stderr.contains("connection 0's code"),
            "{variant}: {stderr}"
        );
    }
}

#[test]
fn a_run_that_finishes_under_the_watchdog_is_the_same_run() {
    for variant in Variant::compiled() {
        let plain = RunConfig::new(variant);
        let watched = plain.watchdog(Duration::from_secs(60));
        let (a, ta) =
            twinbench::run_traced(&twinbench::handwritten::HandwrittenEcho, &plain).unwrap();
        let (b, tb) =
            twinbench::run_traced(&twinbench::handwritten::HandwrittenEcho, &watched).unwrap();
        assert_eq!(a, b, "{variant}");
        assert_eq!(ta, tb, "{variant}");
    }
}
