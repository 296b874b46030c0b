//! What both bench files share.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, BenchmarkId, measurement::WallTime};
use twinbench::{AnyScenario, RunConfig};

/// Benches one prepared scenario: setup happens once in `prepare`; each iteration resets the
/// network untimed and times one `serve` (every connection served once).
pub fn bench_serve(
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
        .unwrap_or_else(|e| panic!("{}: {e}", scenario.name()));
}
