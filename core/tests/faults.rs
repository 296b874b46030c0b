//! Injected faults become named outcomes, identical in every variant, with every registration
//! released and no panic.

use std::collections::BTreeMap;

use twinbench::check::{Differential, standard_models};
use twinbench::handwritten::HandwrittenEcho;
use twinbench::{ConnError, Faults, Outcome, RunConfig, Variant, run};

#[test]
fn every_fault_kind_is_a_named_outcome_identical_in_every_variant() {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for seed in 0..40 {
        let faults = Faults { seed, one_in: 2 };
        let differential = Differential::new(&HandwrittenEcho)
            .connections(12)
            .random_seeds(3)
            .faults(faults);
        for model in standard_models(3) {
            let report = differential
                .check(model)
                .unwrap_or_else(|d| panic!("faults {faults:?}: {d}"));
            assert_eq!(
                report.counts.register, report.counts.unregister,
                "a registration leaked"
            );
            assert!(!report.end.stalled);
            for outcome in report.outcomes {
                *seen.entry(outcome.to_string()).or_default() += 1;
            }
        }
    }
    for expected in [
        Outcome::Ok,
        Outcome::AcceptFailed,
        Outcome::Failed(ConnError::Reset),
        Outcome::Failed(ConnError::BrokenPipe),
        Outcome::Failed(ConnError::UnexpectedEof),
        Outcome::Failed(ConnError::RequestTooLarge),
    ] {
        assert!(
            seen.contains_key(&expected.to_string()),
            "never saw `{expected}`: {seen:?}"
        );
    }
}

#[test]
fn a_connection_lost_at_accept_does_not_stop_the_others() {
    let faults = Faults { seed: 1, one_in: 1 };
    for variant in Variant::compiled() {
        let report = run(
            &HandwrittenEcho,
            &RunConfig::new(variant).connections(64).faults(faults),
        )
        .unwrap();
        let failed_accepts = report.count(Outcome::AcceptFailed);
        assert!(
            failed_accepts > 0 && failed_accepts < 64,
            "{variant}: {failed_accepts}"
        );
        assert_eq!(report.count(Outcome::Stalled), 0, "{variant}");
        assert_eq!(
            report.counts.register as usize,
            1 + 64 - failed_accepts,
            "{variant}"
        );
        assert_eq!(
            report.counts.register, report.counts.unregister,
            "{variant}"
        );
    }
}
