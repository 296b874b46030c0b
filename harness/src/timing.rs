//! A quick in-process timer for the report: the median of several samples, each the mean of a
//! few runs. Criterion (`cargo bench`) is the careful measurement; this is the at-a-glance one.

use std::time::{Duration, Instant};

use twinbench::{AnyScenario, RunConfig, RunError};

/// Nanoseconds per request: the median over `samples` samples of `runs` timed serves each.
pub fn ns_per_request(
    scenario: &dyn AnyScenario,
    config: &RunConfig,
    samples: usize,
    runs: u32,
) -> Result<f64, RunError> {
    let connections = config.connections.unwrap_or(scenario.config().connections);
    let requests = (connections * scenario.config().requests) as f64;
    let mut per_run = Vec::with_capacity(samples);
    scenario.prepare(config, &mut |prepared| {
        prepared.run(); // warm-up: caches, branch predictors, page faults
        for _ in 0..samples {
            let mut total = Duration::ZERO;
            for _ in 0..runs {
                prepared.reset();
                let start = Instant::now();
                std::hint::black_box(prepared.serve());
                total += start.elapsed();
            }
            per_run.push(total.as_nanos() as f64 / f64::from(runs));
        }
    })?;
    per_run.sort_by(f64::total_cmp);
    Ok(per_run[per_run.len() / 2] / requests)
}
