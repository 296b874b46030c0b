//! One criterion group per built-in scenario (and `<scenario>+syscalls`), one id per variant, so
//! criterion draws the twins side by side. Throughput is in requests.
//!
//! `cargo bench -- echo` runs one scenario; `cargo bench -- --quick` a fast pass.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use twinbench::handwritten::HandwrittenEcho;
use twinbench::{AnyScenario, RunConfig, Variant};
use twinbench_benches::builtins;

mod support;
use support::bench_serve;

fn scenarios(c: &mut Criterion) {
    for syscalls in [false, true] {
        for scenario in builtins() {
            if scenario.name() == HandwrittenEcho.name() {
                continue; // benched as the `handwritten-*` ids of `echo`
            }
            let group_name = if syscalls {
                format!("{}+syscalls", scenario.name())
            } else {
                scenario.name().to_owned()
            };
            let mut group = c.benchmark_group(group_name);
            let config = scenario.config();
            group.throughput(Throughput::Elements(
                (config.connections * config.requests) as u64,
            ));
            let mut ids: Vec<(&str, &dyn AnyScenario, Variant)> = Variant::ALL
                .iter()
                .map(|&v| (v.name(), scenario, v))
                .collect();
            if scenario.name() == "echo" {
                ids.push(("handwritten-manual", &HandwrittenEcho, Variant::Manual));
                ids.push(("handwritten-async", &HandwrittenEcho, Variant::Async));
            }
            for (id, scenario, variant) in ids {
                let config = RunConfig::new(variant).syscalls(syscalls);
                bench_serve(
                    &mut group,
                    BenchmarkId::from_parameter(id),
                    scenario,
                    &config,
                );
            }
            group.finish();
        }
    }
}

criterion_group!(benches, scenarios);
criterion_main!(benches);
