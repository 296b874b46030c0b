//! Randomised fault runs: every built-in scenario, every variant, hundreds of seeded networks
//! with injected resets, broken pipes, early EOFs, oversize requests and accept errors. Every
//! variant must end each connection with the same named outcome after the same operations,
//! release every registration, and never panic.

use std::collections::BTreeMap;

use twinbench::check::Differential;
use twinbench::{Faults, NetModel, Variant};
use twinbench_scenarios::ALL;

/// Fault seeds per scenario: 11 scenarios × 7 variants × 140 seeds = 10,780 runs (310 seeds
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
