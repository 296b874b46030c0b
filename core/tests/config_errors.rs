//! Bad runtime configuration is a clear error, never a hang or a panic.

use twinbench::handwritten::HandwrittenEcho;
use twinbench::runner::MAX_CONNECTIONS;
use twinbench::{NetModel, RunConfig, RunError, Variant, run};

#[test]
fn zero_or_too_many_connections_and_empty_chunks_are_errors() {
    for variant in Variant::ALL {
        let zero = run(&HandwrittenEcho, &RunConfig::new(variant).connections(0));
        assert!(matches!(zero, Err(RunError::NoConnections)), "{variant}");

        let too_many = run(
            &HandwrittenEcho,
            &RunConfig::new(variant).connections(MAX_CONNECTIONS + 1),
        );
        let Err(error) = too_many else {
            panic!("{variant}: accepted too many connections")
        };
        assert!(error.to_string().contains("at most"), "{error}");

        let empty = run(
            &HandwrittenEcho,
            &RunConfig::new(variant).model(NetModel::Chunked(0)),
        );
        assert!(matches!(empty, Err(RunError::EmptyChunks)), "{variant}");

        let no_slots = run(
            &HandwrittenEcho,
            &RunConfig::new(variant).connection_limit(0),
        );
        assert!(
            matches!(no_slots, Err(RunError::ZeroConnectionLimit)),
            "{variant}"
        );
    }
}

#[test]
fn one_connection_works() {
    for variant in Variant::compiled() {
        let report = run(&HandwrittenEcho, &RunConfig::new(variant).connections(1)).unwrap();
        assert!(report.all_ok());
        assert_eq!(
            report.counts.to_string(),
            "register=2 unregister=2 poll=3 accept=2 read=2 write=2"
        );
    }
}

#[test]
fn a_variant_not_compiled_in_is_an_error_naming_its_feature() {
    for variant in Variant::ALL {
        let result = run(&HandwrittenEcho, &RunConfig::new(variant).connections(1));
        match (variant.feature(), variant.is_compiled()) {
            (_, true) => assert!(result.is_ok(), "{variant}: {:?}", result.err()),
            (Some(feature), false) => {
                let Err(error) = result else {
                    panic!("{variant} ran without its feature")
                };
                assert!(
                    matches!(error, RunError::NotCompiled { variant: v, feature: f } if v == variant && f == feature),
                    "{variant}: {error}"
                );
                assert!(
                    error.to_string().contains(&format!("`{feature}` feature")),
                    "{error}"
                );
            }
            (None, false) => panic!("{variant} needs no feature yet is not compiled"),
        }
    }
}
