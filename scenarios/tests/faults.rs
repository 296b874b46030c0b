//! Randomised fault runs: every built-in scenario, every variant, hundreds of seeded networks
//! with injected resets, broken pipes, early EOFs, oversize requests and accept errors. Every
//! variant must end each connection with the same named outcome after the same operations,
//! release every registration, and never panic.

use std::collections::BTreeMap;

use twinbench::check::Differential;
use twinbench::{Faults, NetModel, Variant};
use twinbench_scenarios::ALL;

/// Fault seeds per scenario: 15 scenarios × 7 variants × 140 seeds = 14,700 runs (310 seeds
/// when there were 3 variants: fewer seeds keep the campaign's time about the same).
const SEEDS: u64 = 140;

#[test]
fn ten_thousand_faulted_runs_end_identically_in_every_variant() {
    let mut runs = 0;
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for scenario in ALL {
        for seed in 0..SEEDS {
            let model = match seed % 3 {
                0 => NetModel::Random(seed),
                1 => NetModel::Chunked(1 + seed as usize % 9),
                _ => NetModel::Seed,
            };
            let faults = Faults { seed, one_in: 2 };
            let report = Differential::new(*scenario)
                .connections(6)
                .faults(faults)
                .check(model)
                .unwrap_or_else(|d| panic!("{faults:?}: {d}"));
            assert_eq!(
                report.counts.register,
                report.counts.unregister,
                "{}: a registration leaked",
                scenario.name()
            );
            assert!(
                !report.end.stalled,
                "{} stalled under {faults:?}",
                scenario.name()
            );
            runs += Variant::compiled().count();
            for outcome in &report.outcomes {
                *outcomes.entry(outcome.to_string()).or_default() += 1;
            }
        }
    }
    assert!(runs >= 10_000, "{runs} runs");
    println!("{runs} faulted runs, identical in every variant; connection outcomes (per variant):");
    for (outcome, count) in &outcomes {
        println!("  {count:>6}  {outcome}");
    }
    for expected in [
        "ok",
        "accept failed",
        "failed: connection reset by peer",
        "failed: broken pipe",
    ] {
        assert!(
            outcomes.contains_key(expected),
            "no `{expected}` outcome: {outcomes:?}"
        );
    }
    assert!(
        outcomes
            .keys()
            .any(|o| o.contains("before the request was complete")),
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .keys()
            .any(|o| o.contains("larger than the connection buffer")),
        "{outcomes:?}"
    );
}

/// The long campaign (not in CI): `TWINBENCH_FAULT_SEEDS` fault seeds per scenario (default
/// 1,300: 15 scenarios × 7 variants × 1,300 = 136,500 faulted runs), each on a random network
/// of its own with 1 to 8 connections, one connection in 1 to 4 faulted; a third of the checks
/// under a hard round limit of 1 to 40 rounds that cuts runs short, a third under a stall
/// window of 1 to 8 rounds. Every variant must end every connection identically and release
/// every registration; every run is under the watchdog. Run with
/// `cargo test --release -p twinbench-scenarios --test faults -- --ignored --nocapture`.
#[test]
#[ignore = "long: about 100,000 runs; see the README's Reliability section"]
fn fault_campaign() {
    let seeds: u64 = std::env::var("TWINBENCH_FAULT_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_300);
    let variants = Variant::compiled().count();
    let (mut runs, mut cut_short) = (0, 0);
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for scenario in ALL {
        for seed in 0..seeds {
            let faults = Faults {
                seed: seed ^ 0xC0FFEE,
                one_in: 1 + (seed % 4) as u32,
            };
            let mut check = Differential::new(*scenario)
                .connections(1 + (seed % 8) as usize)
                .faults(faults)
                .watchdog(std::time::Duration::from_secs(60));
            check = match seed % 3 {
                0 => check.max_rounds(1 + seed % 40),
                1 => check.stall_rounds(1 + seed % 8),
                _ => check,
            };
            let report = check
                .check(NetModel::Random(seed.wrapping_mul(0x9E37_79B9)))
                .unwrap_or_else(|d| panic!("{faults:?}: {d}"));
            assert_eq!(
                report.counts.register,
                report.counts.unregister,
                "{}: a registration leaked under {faults:?}",
                scenario.name()
            );
            assert!(
                !report.end.stalled || seed % 3 != 2,
                "{} stalled under {faults:?} without a limit",
                scenario.name()
            );
            cut_short += usize::from(report.end.stalled);
            runs += variants;
            for outcome in &report.outcomes {
                *outcomes.entry(outcome.to_string()).or_default() += 1;
            }
        }
    }
    println!(
        "{runs} faulted runs, identical in every variant ({cut_short} checks cut short by a \
         round limit or stall window); connection outcomes (per variant):"
    );
    for (outcome, count) in &outcomes {
        println!("  {count:>7}  {outcome}");
    }
    assert!(runs >= 100_000 || seeds < 1_300, "{runs} runs");
}
