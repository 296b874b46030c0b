//! Echo from 1 to 65,536 connections: does the per-request cost of each variant stay flat?
//! Group `echo-scaling`, ids `<variant>/<connections>`, throughput in requests.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use twinbench::{RunConfig, Variant};
use twinbench_benches::{SCALING_CONNECTIONS, find};

mod support;
use support::bench_serve;

fn scaling(c: &mut Criterion) {
    let echo = find("echo").expect("echo is a built-in scenario");
    let mut group = c.benchmark_group("echo-scaling");
    for connections in SCALING_CONNECTIONS {
        group.throughput(Throughput::Elements(connections as u64));
        for variant in Variant::ALL {
            let config = RunConfig::new(variant).connections(connections);
            bench_serve(
                &mut group,
                BenchmarkId::new(variant.name(), connections),
                echo,
                &config,
            );
        }
    }
    group.finish();
}

criterion_group!(benches, scaling);
criterion_main!(benches);
