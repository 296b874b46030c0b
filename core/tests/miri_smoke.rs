//! Small runs of every variant, sized for Miri (`scripts/miri`): the executors' unsafe code,
//! the reactor's wakers and the driver all run here under the interpreter's checks.

use twinbench::check::Differential;
use twinbench::handwritten::HandwrittenEcho;
use twinbench::{Faults, NetModel};

#[test]
fn every_variant_agrees_on_a_few_connections() {
    let differential = Differential::new(&HandwrittenEcho).connections(3);
    for model in [NetModel::Seed, NetModel::Chunked(1), NetModel::Random(5)] {
        differential.check(model).unwrap_or_else(|d| panic!("{d}"));
    }
}

#[test]
fn every_variant_agrees_under_faults() {
    let differential = Differential::new(&HandwrittenEcho)
        .connections(4)
        .faults(Faults { seed: 3, one_in: 1 });
    differential
        .check(NetModel::Chunked(2))
        .unwrap_or_else(|d| panic!("{d}"));
}

#[test]
fn every_variant_releases_everything_after_stopping_at_its_round_limit() {
    for variant in twinbench::Variant::compiled() {
        let config = twinbench::RunConfig::new(variant)
            .connections(3)
            .max_rounds(0);
        let report = twinbench::run(&HandwrittenEcho, &config).unwrap();
        assert!(report.end.stalled, "{variant}: {:?}", report.end);
        assert_eq!(
            report.counts.register, report.counts.unregister,
            "{variant}: a registration leaked"
        );
    }
}

/// Under a connection limit: the recycled slots of every loop (the driver's machines, the
/// reactor's registrations, the executors' task slots with their stale links) and the network's
/// shared client templates, under the interpreter's checks.
#[test]
fn every_variant_agrees_under_a_connection_limit() {
    let differential = Differential::new(&HandwrittenEcho)
        .connections(5)
        .connection_limit(2);
    for model in [NetModel::Seed, NetModel::Chunked(1), NetModel::Random(5)] {
        differential.check(model).unwrap_or_else(|d| panic!("{d}"));
    }
    Differential::new(&HandwrittenEcho)
        .connections(5)
        .connection_limit(2)
        .faults(Faults { seed: 3, one_in: 1 })
        .check(NetModel::Chunked(2))
        .unwrap_or_else(|d| panic!("{d}"));
}

#[test]
fn every_variant_releases_every_slot_after_stopping_at_its_round_limit_under_a_limit() {
    for variant in twinbench::Variant::compiled() {
        for max_rounds in [0, 3] {
            let config = twinbench::RunConfig::new(variant)
                .connections(5)
                .connection_limit(2)
                .max_rounds(max_rounds);
            let report = twinbench::run(&HandwrittenEcho, &config).unwrap();
            assert!(
                report.end.stalled || max_rounds != 0,
                "{variant}: {:?}",
                report.end
            );
            assert_eq!(
                report.counts.register, report.counts.unregister,
                "{variant}: a registration leaked"
            );
        }
    }
}
