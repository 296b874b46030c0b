//! A connection limit below the connection count: both twins stop accepting while `limit`
//! connections are live and give a closed connection's slot to the next one, and still do
//! identical work — every variant under `Seed`, `Chunked(1)`, `Chunked(7)` and 200 random
//! networks, with injected faults, and with stalls.

use twinbench::check::Differential;
use twinbench::{Faults, NetModel, RunConfig, Variant};
use twinbench_scenarios::ALL;

/// Connections per check, and the limit: four times as many connections as slots, so every
/// slot is reused several times and the accept loop waits at the limit again and again.
const CONNECTIONS: usize = 12;
const LIMIT: usize = 3;

#[test]
fn every_builtin_scenario_agrees_under_a_connection_limit() {
    for scenario in ALL {
        let networks = Differential::new(*scenario)
            .connections(CONNECTIONS)
            .connection_limit(LIMIT)
            .random_seeds(200)
            .run()
            .unwrap_or_else(|divergence| panic!("{divergence}"));
        assert_eq!(networks, 203, "{}", scenario.name());
    }
}

#[test]
fn faulted_runs_under_a_connection_limit_end_identically_in_every_variant() {
    let mut networks = 0;
    for scenario in ALL {
        for seed in 0..20 {
            let model = match seed % 3 {
                0 => NetModel::Random(seed),
                1 => NetModel::Chunked(1 + seed as usize % 9),
                _ => NetModel::Seed,
            };
            let faults = Faults { seed, one_in: 2 };
            let report = Differential::new(*scenario)
                .connections(CONNECTIONS)
                .connection_limit(LIMIT)
                .faults(faults)
                .check(model)
                .unwrap_or_else(|d| panic!("{faults:?}: {d}"));
            assert_eq!(
                report.counts.register,
                report.counts.unregister,
                "{}: a registration leaked",
                scenario.name()
            );
            assert!(!report.end.stalled, "{} stalled", scenario.name());
            networks += 1;
        }
    }
    assert!(networks >= 200, "{networks} networks");
}

/// The limit is real: it changes when connections are accepted (more rounds, the same I/O per
/// connection), identically in every variant; a limit at or above the connection count
/// changes nothing.
#[test]
fn a_limit_paces_the_accepts_and_a_limit_above_the_count_changes_nothing() {
    let echo = twinbench_scenarios::echo();
    for variant in Variant::compiled() {
        let config = RunConfig::new(variant).connections(64);
        let free = twinbench::run(&echo, &config).unwrap();
        let at_count = twinbench::run(&echo, &config.connection_limit(64)).unwrap();
        let above = twinbench::run(&echo, &config.connection_limit(1000)).unwrap();
        assert_eq!(free, at_count, "{variant}");
        assert_eq!(free, above, "{variant}");
        let limited = twinbench::run(&echo, &config.connection_limit(2)).unwrap();
        assert!(limited.all_ok(), "{variant}");
        assert!(
            limited.end.rounds > free.end.rounds,
            "{variant}: {} rounds with a limit of 2, {} without",
            limited.end.rounds,
            free.end.rounds
        );
        assert_eq!(limited.counts.read, free.counts.read, "{variant}");
        assert_eq!(limited.counts.write, free.counts.write, "{variant}");
    }
}

/// One slot: connections are served strictly one after another, in every variant alike.
#[test]
fn a_limit_of_one_serves_one_connection_at_a_time() {
    for scenario in ALL {
        Differential::new(*scenario)
            .connections(6)
            .connection_limit(1)
            .random_seeds(20)
            .run()
            .unwrap_or_else(|divergence| panic!("{divergence}"));
    }
}
