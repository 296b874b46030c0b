//! In-process timing for the table: paired, interleaved samples, so that whatever the machine
//! does meanwhile (another process, a frequency change) hits every variant alike.
//!
//! One *sample* times every selected variant of a scenario back to back, in an order that
//! rotates from sample to sample; each variant's time in a sample is the mean of a few serves
//! (each after an untimed reset). A variant's ratio to `manual` is computed *per sample* and
//! summarised by its median and a distribution-free 95% confidence interval for that median
//! (order statistics of the samples: no assumption about the noise's shape). Two clocks are
//! read around the serves: the thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`, which does not
//! count time the thread was preempted, so it is the table's clock) and wall time.
//!
//! The table spreads its samples over several processes and pools them ([`Paired::merge`]):
//! three consecutive tables agreed within their intervals on 70 of 72 ratios this way, where
//! one process per table (time slices as blocks) agreed on 51.
//!
//! Criterion (`cargo bench`) is the careful, per-variant measurement; this is the one that
//! fits into a table of many scenarios.

use std::time::Instant;

use twinbench::{AnyScenario, RunConfig, RunError, Variant};

/// How many paired samples and serves per sample.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Paired samples (each times every variant once).
    pub samples: usize,
    /// Serves per variant per sample; `None`: chosen so a variant's part of a sample takes
    /// about [`Plan::TARGET_NS`] (from one untimed calibration serve).
    pub runs: Option<u32>,
}

impl Plan {
    /// The default: 41 samples, serves per sample calibrated.
    pub const DEFAULT: Plan = Plan {
        samples: 41,
        runs: None,
    };

    /// What one variant's part of a sample aims to take: long against the clock's resolution
    /// and the cost of reading it, short against the machine's drift.
    pub const TARGET_NS: f64 = 3_000_000.0;
}

/// A median with its 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// The median over the samples.
    pub median: f64,
    /// Lower end of the 95% confidence interval for the median.
    pub low: f64,
    /// Upper end of the 95% confidence interval for the median.
    pub high: f64,
}

impl Estimate {
    /// The median and its distribution-free 95% interval of `values` (at least one).
    pub fn of(values: &[f64]) -> Estimate {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        let (low, high) = median_interval(n);
        Estimate {
            median,
            low: sorted[low],
            high: sorted[high],
        }
    }

    /// As [`Estimate::of`], with the interval widened to hold the median of each of `blocks`
    /// equal consecutive blocks of `values` (time slices of one run, or the samples of one
    /// process each: see [`Paired::merge`]).
    pub fn over_blocks(values: &[f64], blocks: usize) -> Estimate {
        let pooled = Estimate::of(values);
        let size = values.len().div_ceil(blocks.max(1)).max(1);
        values.chunks(size).fold(pooled, |e, block| {
            let median = Estimate::of(block).median;
            Estimate {
                low: e.low.min(median),
                high: e.high.max(median),
                ..e
            }
        })
    }

    /// Whether the interval leaves out `value` (a ratio whose interval holds 1.0 cannot tell
    /// the variant from `manual`).
    pub fn excludes(&self, value: f64) -> bool {
        value < self.low || value > self.high
    }
}

/// Consecutive blocks of one process's samples whose medians [`Estimate::over_blocks`] folds
/// into a ratio's interval: when the machine's load changes during the run, the blocks
/// disagree and the interval says so.
pub const BLOCKS: usize = 5;

/// Indices (0-based, into the sorted samples) of the narrowest symmetric order-statistic
/// interval that covers the median with at least 95% probability: the number of samples below
/// the median is Binomial(n, ½). With fewer than 6 samples no interval reaches 95%; the whole
/// range is returned.
fn median_interval(n: usize) -> (usize, usize) {
    // P(B ≤ k) for B ~ Binomial(n, 1/2), by the recurrence C(n, i+1) = C(n, i)(n-i)/(i+1).
    let cdf = |k: usize| -> f64 {
        let mut term = 0.5_f64.powi(n as i32);
        let mut sum = term;
        for i in 0..k {
            term *= (n - i) as f64 / (i + 1) as f64;
            sum += term;
        }
        sum
    };
    // The interval [x_j, x_(n-1-j)] (0-based) misses the median with probability 2·P(B ≤ j):
    // the largest j that keeps that at or under 5%.
    if n == 0 || cdf(0) > 0.025 {
        return (0, n.saturating_sub(1));
    }
    let mut j = 0;
    while j + 1 < n / 2 && cdf(j + 1) <= 0.025 {
        j += 1;
    }
    (j, n - 1 - j)
}

/// One variant's timings over the samples, ns per request.
#[derive(Clone, Debug)]
pub struct Timed {
    /// The variant.
    pub variant: Variant,
    /// Thread CPU time per request, one value per sample.
    pub cpu: Vec<f64>,
    /// Wall time per request, one value per sample.
    pub wall: Vec<f64>,
}

/// The outcome of [`paired`]: every variant's samples, in the order asked for.
#[derive(Clone, Debug)]
pub struct Paired {
    /// One entry per variant.
    pub variants: Vec<Timed>,
    /// Serves per variant per sample.
    pub runs: u32,
    /// Consecutive blocks of samples whose medians the ratios' intervals hold: time slices of
    /// one run, or one block per process after [`Paired::merge`].
    pub blocks: usize,
}

impl Paired {
    /// `variant`'s per-sample ratio to `base` on the CPU clock (`wall`: on wall time).
    pub fn ratio(&self, variant: Variant, base: Variant, wall: bool) -> Option<Estimate> {
        let find = |v: Variant| self.variants.iter().find(|t| t.variant == v);
        let (of, to) = (find(variant)?, find(base)?);
        let pick = |t: &Timed| if wall { t.wall.clone() } else { t.cpu.clone() };
        let ratios: Vec<f64> = pick(of).iter().zip(pick(to)).map(|(v, b)| v / b).collect();
        Some(Estimate::over_blocks(&ratios, self.blocks))
    }

    /// The samples of several processes' measurements of the same variants, one block per
    /// process: a process's heap and stack layout (ASLR) can shift one variant's times by a
    /// few percent for that whole process, which only a spread over processes shows.
    pub fn merge(parts: Vec<Paired>) -> Option<Paired> {
        let blocks = parts.len();
        let mut parts = parts.into_iter();
        let mut merged = parts.next()?;
        for part in parts {
            for (into, from) in merged.variants.iter_mut().zip(part.variants) {
                into.cpu.extend(from.cpu);
                into.wall.extend(from.wall);
            }
        }
        merged.blocks = blocks;
        Some(merged)
    }

    /// As JSON, for a child process to hand its samples to the table.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "runs": self.runs,
            "variants": self.variants.iter().map(|t| serde_json::json!({
                "variant": t.variant.name(), "cpu": t.cpu, "wall": t.wall,
            })).collect::<Vec<_>>(),
        })
    }

    /// Back from [`Paired::to_json`].
    pub fn from_json(value: &serde_json::Value) -> Option<Paired> {
        let numbers = |v: &serde_json::Value| -> Option<Vec<f64>> {
            v.as_array()?
                .iter()
                .map(serde_json::Value::as_f64)
                .collect()
        };
        let variants = value["variants"]
            .as_array()?
            .iter()
            .map(|t| {
                Some(Timed {
                    variant: t["variant"].as_str()?.parse().ok()?,
                    cpu: numbers(&t["cpu"])?,
                    wall: numbers(&t["wall"])?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Paired {
            variants,
            runs: u32::try_from(value["runs"].as_u64()?).ok()?,
            blocks: 1,
        })
    }
}

/// Times `scenario` under each of `configs` (one per variant), paired and interleaved as the
/// [module docs](self) describe.
pub fn paired(
    scenario: &dyn AnyScenario,
    configs: &[RunConfig],
    plan: Plan,
) -> Result<Paired, RunError> {
    let mut all = paired_rounds(&[(scenario, configs)], plan, &mut |_| {})?;
    Ok(all.remove(0))
}

/// Times several scenarios, each under its `configs`, in rounds: every round takes one paired
/// sample of every scenario, so each scenario's samples span the whole measurement and a slow
/// change of the machine's load widens every interval alike instead of shifting one
/// scenario's ratios. Each variant is prepared once per sample (untimed), warmed up by one
/// serve, then timed. `progress` is told each finished round.
pub fn paired_rounds(
    scenarios: &[(&dyn AnyScenario, &[RunConfig])],
    plan: Plan,
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<Paired>, RunError> {
    let mut all = Vec::with_capacity(scenarios.len());
    for &(scenario, configs) in scenarios {
        let runs = match plan.runs {
            Some(runs) => runs,
            None => calibrate(scenario, configs)?,
        };
        let variants = configs
            .iter()
            .map(|c| Timed {
                variant: c.variant,
                cpu: Vec::with_capacity(plan.samples),
                wall: Vec::with_capacity(plan.samples),
            })
            .collect();
        all.push(Paired {
            variants,
            runs,
            blocks: BLOCKS,
        });
    }
    for sample in 0..plan.samples {
        for (&(scenario, configs), paired) in scenarios.iter().zip(&mut all) {
            let connections = configs
                .first()
                .and_then(|c| c.connections)
                .unwrap_or(scenario.config().connections);
            let requests = (connections * scenario.config().requests) as f64;
            for turn in 0..configs.len() {
                let index = (sample + turn) % configs.len();
                let (cpu, wall) = time_serves(scenario, &configs[index], paired.runs)?;
                paired.variants[index].cpu.push(cpu / requests);
                paired.variants[index].wall.push(wall / requests);
            }
        }
        progress(sample + 1);
    }
    Ok(all)
}

/// Serves per sample so that the slowest variant's part takes about [`Plan::TARGET_NS`].
fn calibrate(scenario: &dyn AnyScenario, configs: &[RunConfig]) -> Result<u32, RunError> {
    let mut slowest = 1.0_f64;
    for config in configs {
        let (_, wall) = time_serves(scenario, config, 1)?;
        slowest = slowest.max(wall);
    }
    Ok((Plan::TARGET_NS / slowest).clamp(1.0, 10_000.0) as u32)
}

/// Mean (thread CPU ns, wall ns) of `runs` serves, after setup and one warm-up serve.
fn time_serves(
    scenario: &dyn AnyScenario,
    config: &RunConfig,
    runs: u32,
) -> Result<(f64, f64), RunError> {
    let (mut cpu, mut wall) = (0.0, 0.0);
    scenario.prepare(config, &mut |prepared| {
        prepared.run(); // warm-up: caches, branch predictors, page faults
        let (mut cpu_ns, mut wall_ns) = (0_u64, 0_u128);
        for _ in 0..runs {
            prepared.reset();
            let (cpu_start, wall_start) = (thread_cpu_ns(), Instant::now());
            std::hint::black_box(prepared.serve());
            wall_ns += wall_start.elapsed().as_nanos();
            cpu_ns += thread_cpu_ns() - cpu_start;
        }
        cpu = cpu_ns as f64 / f64::from(runs);
        wall = wall_ns as f64 / f64::from(runs);
    })?;
    Ok((cpu, wall))
}

/// This thread's CPU time so far, ns.
fn thread_cpu_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable `timespec`; CLOCK_THREAD_CPUTIME_ID exists on every
    // Linux this runs on (its failure would leave `now` zeroed, which only spoils a timing).
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// Nanoseconds per request (thread CPU time): the median over `samples` samples of `runs`
/// serves each, of one variant alone (the `scaling` sweep, where no pairing is asked for).
pub fn ns_per_request(
    scenario: &dyn AnyScenario,
    config: &RunConfig,
    samples: usize,
    runs: u32,
) -> Result<f64, RunError> {
    let plan = Plan {
        samples,
        runs: Some(runs),
    };
    let timed = paired(scenario, std::slice::from_ref(config), plan)?;
    Ok(Estimate::of(&timed.variants[0].cpu).median)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_interval_is_the_binomial_one() {
        // Textbook values: n = 21 → 6th and 16th order statistics (1-based), 97.3% coverage;
        // n = 9 → 2nd and 8th; n = 5 is too few for 95%: the whole range.
        assert_eq!(median_interval(21), (5, 15));
        assert_eq!(median_interval(9), (1, 7));
        assert_eq!(median_interval(5), (0, 4));
    }

    #[test]
    fn an_estimate_brackets_its_median() {
        let values: Vec<f64> = (1..=21).map(f64::from).collect();
        let estimate = Estimate::of(&values);
        assert_eq!(estimate.median, 11.0);
        assert_eq!((estimate.low, estimate.high), (6.0, 16.0));
        assert!(estimate.excludes(5.0) && !estimate.excludes(6.0));
    }
}
