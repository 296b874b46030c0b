//! Every built-in scenario's twins do identical work: every variant under `Seed`, `Chunked(1)`,
//! `Chunked(7)` and 200 random networks, with identical traces, outcomes and counts, and every
//! reply exactly as its client expects.

use twinbench::check::Differential;
use twinbench::handwritten::HandwrittenEcho;
use twinbench::{NetModel, Traces, Variant, run_traced};
use twinbench_scenarios::ALL;

/// Connections per check: each connection's network is independent, so a few cover the
/// per-connection behaviour; more only repeat it.
const CONNECTIONS: usize = 5;

#[test]
fn every_builtin_scenario_passes_the_differential_harness() {
    let mut checked = 0;
    for scenario in ALL {
        let networks = Differential::new(*scenario)
            .connections(CONNECTIONS)
            .random_seeds(200)
            .run()
            .unwrap_or_else(|divergence| panic!("{divergence}"));
        assert_eq!(networks, 203, "{}", scenario.name());
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} built-in scenarios");
}

#[test]
fn builtins_agree_at_their_full_connection_count_on_the_seed_network() {
    for scenario in ALL {
        let reports: Vec<_> = Variant::compiled()
            .map(|variant| scenario.run(&twinbench::RunConfig::new(variant)).unwrap())
            .collect();
        for report in &reports {
            assert!(
                report.all_ok(),
                "{}: {:?}",
                scenario.name(),
                report.outcomes
            );
            assert_eq!(report.counts, reports[0].counts, "{}", scenario.name());
        }
    }
}

/// The macro's `echo` makes exactly the hand-written reference's calls.
#[test]
fn generated_echo_traces_equal_the_handwritten_reference() {
    let traces = |scenario: &dyn Fn(&twinbench::RunConfig) -> Traces, model| {
        scenario(
            &twinbench::RunConfig::new(Variant::Manual)
                .model(model)
                .connections(16),
        )
    };
    let generated =
        |config: &twinbench::RunConfig| run_traced(&twinbench_scenarios::echo(), config).unwrap().1;
    let handwritten =
        |config: &twinbench::RunConfig| run_traced(&HandwrittenEcho, config).unwrap().1;
    for model in twinbench::check::standard_models(50) {
        assert_eq!(
            traces(&generated, model),
            traces(&handwritten, model),
            "{model}"
        );
    }
    Differential::new(&twinbench_scenarios::echo())
        .check(NetModel::Seed)
        .unwrap_or_else(|d| panic!("{d}"));
}

/// The scenarios' tests run every variant: the runtimes' features are on here.
#[test]
fn every_variant_is_compiled_in_for_the_tests() {
    assert!(Variant::ALL.iter().all(|v| v.is_compiled()));
}
