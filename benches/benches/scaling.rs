//! Echo from 1 to 65,536 connections: does the per-request cost of each variant stay flat?
//! Group `echo-scaling`, ids `<variant>/<connections>`, throughput in requests.

use criterion::{Criterion, criterion_group, criterion_main};

fn scaling(c: &mut Criterion) {
    let connections = [1, 16, 256, 4_096, 65_536];
    twinbench_harness::bench::scaling(c, &twinbench_scenarios::echo(), &connections);
}

criterion_group!(benches, scaling);
criterion_main!(benches);
