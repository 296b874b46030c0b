//! What the language-feature tests share.

use twinbench::Scenario;
use twinbench::check::Differential;

/// Runs both twins of `scenario` through the differential harness: every variant under the
/// standard models and 200 random networks, three connections each.
pub fn check<S: Scenario + 'static>(scenario: &S) {
    let networks = Differential::new(scenario)
        .connections(3)
        .run()
        .unwrap_or_else(|divergence| panic!("{divergence}"));
    assert_eq!(networks, 203);
}
