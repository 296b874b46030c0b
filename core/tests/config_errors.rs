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
    }
}

#[test]
fn one_connection_works() {
    for variant in Variant::ALL {
        let report = run(&HandwrittenEcho, &RunConfig::new(variant).connections(1)).unwrap();
        assert!(report.all_ok());
        assert_eq!(
            report.counts.to_string(),
            "register=2 unregister=2 poll=3 accept=2 read=2 write=2"
        );
    }
}
