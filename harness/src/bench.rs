//! criterion benches for any scenarios: one group per scenario (and `<scenario>+syscalls`,
//! `<scenario>+kernel`),
//! one [`BenchmarkId`] per variant, so criterion draws the twins side by side; throughput in
//! requests. [`criterion_main!`](crate::criterion_main) is [`main`] in one line.
//!
//! Each iteration resets the network untimed and times one `serve` (every connection served
//! once); setup happens once per benchmark, outside the timing.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput, measurement::WallTime};
use twinbench::{AnyScenario, RunConfig, SocketKind, Transport, Variant};

use crate::BuildInfo;

/// An extra id in a scenario's group: another scenario measured beside it (the built-in
/// `echo` group carries the hand-written reference twins this way).
#[derive(Clone, Copy)]
pub struct Control<'a> {
    /// The group it joins (a scenario's name).
    pub group: &'static str,
    /// Its benchmark id there.
    pub id: &'static str,
    /// What it runs.
    pub scenario: &'a dyn AnyScenario,
    /// Under which variant.
    pub variant: Variant,
}

/// A bench binary's `main`: criterion configured from the command line (`cargo bench -- echo`,
/// `--quick`, test mode under `cargo test --benches`), [`groups`], then criterion's summary.
pub fn main(scenarios: &[&dyn AnyScenario], controls: &[Control<'_>], build: BuildInfo) {
    if let Some(warning) = build.warning() {
        eprintln!("twinbench: warning: {warning}");
    }
    let mut criterion = Criterion::default().configure_from_args();
    groups(&mut criterion, scenarios, controls);
    criterion.final_summary();
}

/// One group per scenario, one per `<scenario>+syscalls` and one per `<scenario>+kernel` (TCP
/// over loopback and epoll), an id per variant, then the controls that join the group.
pub fn groups(c: &mut Criterion, scenarios: &[&dyn AnyScenario], controls: &[Control<'_>]) {
    let modes = [
        ("", RunConfig::new(Variant::Manual)),
        ("+syscalls", RunConfig::new(Variant::Manual).syscalls(true)),
        (
            "+kernel",
            RunConfig::new(Variant::Manual).io(Transport::Kernel(SocketKind::Tcp)),
        ),
    ];
    for (suffix, mode) in modes {
        for &scenario in scenarios {
            let name = format!("{}{suffix}", scenario.name());
            let mut group = c.benchmark_group(name);
            let config = scenario.config();
            group.throughput(Throughput::Elements(
                (config.connections * config.requests) as u64,
            ));
            let ids = Variant::compiled()
                .map(|variant| (variant.name(), scenario, variant))
                .chain(
                    controls
                        .iter()
                        .filter(|control| control.group == scenario.name())
                        .map(|control| (control.id, control.scenario, control.variant)),
                );
            for (id, scenario, variant) in ids {
                let config = RunConfig { variant, ..mode };
                serve(
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

/// Group `<scenario>-scaling`: ids `<variant>/<connections>`, throughput in requests. Does the
/// per-request cost of each variant stay flat as connections grow?
pub fn scaling(c: &mut Criterion, scenario: &dyn AnyScenario, connections: &[usize]) {
    let mut group = c.benchmark_group(format!("{}-scaling", scenario.name()));
    for &n in connections {
        group.throughput(Throughput::Elements(
            (n * scenario.config().requests) as u64,
        ));
        for variant in Variant::compiled() {
            let config = RunConfig::new(variant).connections(n);
            serve(
                &mut group,
                BenchmarkId::new(variant.name(), n),
                scenario,
                &config,
            );
        }
    }
    group.finish();
}

/// Benches one prepared scenario: setup happens once in `prepare`; each iteration resets the
/// network untimed and times one `serve`.
pub fn serve(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: BenchmarkId,
    scenario: &dyn AnyScenario,
    config: &RunConfig,
) {
    scenario
        .prepare(config, &mut |prepared| {
            group.bench_function(id.clone(), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        prepared.reset();
                        let start = Instant::now();
                        black_box(prepared.serve());
                        total += start.elapsed();
                    }
                    total
                })
            });
        })
        .unwrap_or_else(|e| {
            // A bad configuration (say, too many connections) is the user's to fix, not a panic.
            eprintln!("twinbench: {}: {e}", scenario.name());
            std::process::exit(1)
        });
}
