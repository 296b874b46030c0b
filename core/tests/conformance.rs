//! The origin study is the conformance oracle: for its echo workload, every variant must make
//! exactly the origin's I/O calls.

use twinbench::handwritten::HandwrittenEcho;
use twinbench::{NetModel, RunConfig, Variant, run};

fn counts_line(variant: Variant, connections: usize) -> String {
    let config = RunConfig::new(variant)
        .model(NetModel::Seed)
        .connections(connections);
    let report = run(&HandwrittenEcho, &config).unwrap();
    assert!(report.all_ok(), "{variant}: {:?}", report.outcomes);
    assert!(!report.end.stalled);
    report.counts.to_string()
}

#[test]
fn echo_256_connections_matches_the_origin_in_every_variant() {
    for variant in Variant::compiled() {
        assert_eq!(
            counts_line(variant, 256),
            "register=257 unregister=257 poll=258 accept=512 read=512 write=512",
            "{variant}"
        );
    }
}

#[test]
fn echo_32_connections_matches_the_origin_in_every_variant() {
    for variant in Variant::compiled() {
        assert_eq!(
            counts_line(variant, 32),
            "register=33 unregister=33 poll=34 accept=64 read=64 write=64",
            "{variant}"
        );
    }
}

#[test]
fn syscall_mode_makes_one_syscall_per_call_in_every_variant() {
    for variant in Variant::compiled() {
        let config = RunConfig::new(variant).connections(32).syscalls(true);
        let report = run(&HandwrittenEcho, &config).unwrap();
        assert!(report.all_ok());
        assert_eq!(report.counts.syscalls, report.counts.calls(), "{variant}");
        assert_eq!(report.counts.calls(), 33 + 33 + 34 + 64 + 64 + 64);
    }
}
