//! The differential harness: proof that the twins did identical work.
//!
//! For a scenario, [`Differential`] runs every [`Variant`] under each network model and
//! requires, against the `manual` run: identical counts, identical per-connection traces (every
//! operation, the room or bytes it offered, and its result), identical outcomes, and — unless
//! failures are allowed — every reply exactly as the client expected. Users run it on their own
//! scenarios in one call:
//!
//! ```
//! use twinbench::check::Differential;
//! use twinbench::handwritten::HandwrittenEcho;
//!
//! let checked = Differential::new(&HandwrittenEcho).connections(4).random_seeds(20).run()?;
//! assert_eq!(checked, 3 + 20); // seed, chunked(1), chunked(7), 20 random seeds
//! # Ok::<(), twinbench::check::Divergence>(())
//! ```
//!
//! On top: imports [`any`](crate::any) (it runs any scenario through `&dyn AnyScenario`),
//! [`runner`](crate::runner) and the vocabulary below; nothing imports it.

use core::fmt;

use crate::any::AnyScenario;
use crate::net::{BadReply, Faults, NetModel};
use crate::runner::{Report, RunConfig, Traces, Transport, Variant};
use crate::scenario::Outcome;
use crate::trace::{Counts, Op};

/// The network models every scenario is checked under: `Seed`, `Chunked(1)`, `Chunked(7)`,
/// then `Random(0)`, `Random(1)`, … (`random_seeds` of them).
pub fn standard_models(random_seeds: u64) -> impl Iterator<Item = NetModel> {
    [NetModel::Seed, NetModel::Chunked(1), NetModel::Chunked(7)]
        .into_iter()
        .chain((0..random_seeds).map(NetModel::Random))
}

/// Runs every variant of a scenario under many networks and compares them. See the
/// [module docs](self).
pub struct Differential<'a> {
    scenario: &'a dyn AnyScenario,
    connections: Option<usize>,
    random_seeds: u64,
    allow_failures: bool,
    variants: &'a [Variant],
    faults: Option<Faults>,
    io: Transport,
    max_rounds: u64,
    stall_rounds: u64,
    watchdog: Option<std::time::Duration>,
    connection_limit: Option<usize>,
}

/// Every variant this build can run ([`Variant::compiled`]): a `Differential`'s default.
fn compiled_variants() -> &'static [Variant] {
    static COMPILED: std::sync::LazyLock<Vec<Variant>> =
        std::sync::LazyLock::new(|| Variant::compiled().collect());
    &COMPILED
}

impl<'a> Differential<'a> {
    /// Checks `scenario` (any [`Scenario`](crate::scenario::Scenario), or a `&dyn AnyScenario`
    /// from a list) at its own connection count, under the standard models with 200 random
    /// seeds, in every variant compiled in ([`Variant::compiled`]), requiring every connection
    /// to end `Ok`.
    pub fn new(scenario: &'a dyn AnyScenario) -> Self {
        Differential {
            scenario,
            connections: None,
            random_seeds: 200,
            allow_failures: false,
            variants: compiled_variants(),
            faults: None,
            io: Transport::Fake,
            max_rounds: RunConfig::new(Variant::Manual).max_rounds,
            stall_rounds: RunConfig::new(Variant::Manual).stall_rounds,
            watchdog: None,
            connection_limit: None,
        }
    }

    /// Every run with a connection limit ([`RunConfig::connection_limit`]): below the
    /// connection count, both twins then stop accepting while `limit` connections are live
    /// and recycle their slots, and must still do identical work.
    pub fn connection_limit(mut self, limit: usize) -> Self {
        self.connection_limit = Some(limit);
        self
    }

    /// With `connections` connections (a few suffice: each connection's network is
    /// independent of the others').
    pub fn connections(mut self, connections: usize) -> Self {
        self.connections = Some(connections);
        self
    }

    /// With `seeds` random network seeds.
    pub fn random_seeds(mut self, seeds: u64) -> Self {
        self.random_seeds = seeds;
        self
    }

    /// Accepts outcomes other than `Ok`, as long as every variant has the same ones.
    pub fn allow_failures(mut self) -> Self {
        self.allow_failures = true;
        self
    }

    /// Injects `faults` into every run (and accepts the failures they cause, as long as every
    /// variant has the same ones).
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = Some(faults);
        self.allow_failures = true;
        self
    }

    /// Over `io`. Over kernel I/O the networks are `Seed` (each request at once),
    /// `Chunked(1)` and `Chunked(7)` (the pump trickles it), without random seeds: the kernel,
    /// not a seed, decides what each call does, so the traces are compared as the kernel made
    /// them (on loopback a send has reached its peer when it returns, which makes them
    /// repeatable).
    pub fn io(mut self, io: Transport) -> Self {
        self.io = io;
        self
    }

    /// With a hard round limit per run ([`RunConfig::max_rounds`]): a scenario that stalls, or
    /// may, is then checked in that many rounds per network rather than in its stall windows.
    pub fn max_rounds(mut self, max_rounds: u64) -> Self {
        self.max_rounds = max_rounds;
        self
    }

    /// With a stall limit per run ([`RunConfig::stall_rounds`]).
    pub fn stall_rounds(mut self, stall_rounds: u64) -> Self {
        self.stall_rounds = stall_rounds;
        self
    }

    /// Every run under the watchdog ([`RunConfig::watchdog`]): a connection whose code never
    /// returns from a resume ends the process with a message naming the scenario, the variant
    /// and the connection, instead of hanging the check.
    pub fn watchdog(mut self, timeout: std::time::Duration) -> Self {
        self.watchdog = Some(timeout);
        self
    }

    /// Compares only these variants (the first is the reference).
    pub fn variants(mut self, variants: &'a [Variant]) -> Self {
        self.variants = variants;
        self
    }

    /// Checks one network model; returns the reference variant's report.
    pub fn check(&self, model: NetModel) -> Result<Report, Divergence> {
        let divergence = |kind: DivergenceKind| Divergence {
            scenario: self.scenario.name(),
            model,
            kind: Box::new(kind),
        };
        let mut runs = self.variants.iter().map(|&variant| {
            let mut config = RunConfig::new(variant)
                .model(model)
                .max_rounds(self.max_rounds)
                .stall_rounds(self.stall_rounds);
            config.connections = self.connections;
            config.faults = self.faults;
            config.io = self.io;
            config.watchdog = self.watchdog;
            config.connection_limit = self.connection_limit;
            let (report, traces) = self.scenario.run_traced(&config).map_err(|error| {
                divergence(DivergenceKind::RunError {
                    variant,
                    error: error.to_string(),
                })
            })?;
            Ok((variant, report, traces))
        });
        let Some(reference) = runs.next() else {
            return Err(divergence(DivergenceKind::NoVariants));
        };
        let (reference_variant, reference_report, reference_traces) = reference?;
        let not_ok = reference_report
            .outcomes
            .iter()
            .enumerate()
            .find(|(_, o)| **o != Outcome::Ok);
        if let Some((conn, &outcome)) = not_ok
            && !self.allow_failures
        {
            return Err(divergence(DivergenceKind::NotOk {
                variant: reference_variant,
                conn,
                outcome,
                bad_reply: bad_reply(&reference_report, conn),
            }));
        }
        for run in runs {
            let (variant, report, traces) = run?;
            let pair = (reference_variant, variant);
            compare(pair, &reference_report, &reference_traces, &report, &traces)
                .map_err(divergence)?;
        }
        Ok(reference_report)
    }

    /// Checks every standard model; returns how many were checked.
    pub fn run(&self) -> Result<usize, Divergence> {
        let mut checked = 0;
        let random_seeds = match self.io {
            Transport::Fake => self.random_seeds,
            Transport::Kernel(_) => 0,
        };
        for model in standard_models(random_seeds) {
            self.check(model)?;
            checked += 1;
        }
        Ok(checked)
    }
}

// The error is boxed by the caller, into `Divergence`: a divergence is rare.
#[allow(clippy::result_large_err)]
fn compare(
    (a, b): (Variant, Variant),
    report_a: &Report,
    traces_a: &Traces,
    report_b: &Report,
    traces_b: &Traces,
) -> Result<(), DivergenceKind> {
    for (conn, (trace_a, trace_b)) in traces_a
        .connections
        .iter()
        .zip(&traces_b.connections)
        .enumerate()
    {
        if let Some(index) = first_difference(trace_a, trace_b) {
            return Err(DivergenceKind::Trace {
                variants: (a, b),
                source: Some(conn),
                index,
                ops: (trace_a.get(index).copied(), trace_b.get(index).copied()),
            });
        }
    }
    if let Some(index) = first_difference(&traces_a.listener, &traces_b.listener) {
        return Err(DivergenceKind::Trace {
            variants: (a, b),
            source: None,
            index,
            ops: (
                traces_a.listener.get(index).copied(),
                traces_b.listener.get(index).copied(),
            ),
        });
    }
    if let Some(conn) =
        (0..report_a.outcomes.len()).find(|&c| report_a.outcomes[c] != report_b.outcomes[c])
    {
        return Err(DivergenceKind::Outcome {
            variants: (a, b),
            conn,
            outcomes: (report_a.outcomes[conn], report_b.outcomes[conn]),
            bad_replies: (bad_reply(report_a, conn), bad_reply(report_b, conn)),
        });
    }
    if report_a.counts != report_b.counts {
        return Err(DivergenceKind::Counts {
            variants: (a, b),
            counts: (report_a.counts, report_b.counts),
        });
    }
    Ok(())
}

fn bad_reply(report: &Report, conn: usize) -> Option<Box<BadReply>> {
    let bad = report.bad_replies.iter().find(|bad| bad.connection == conn);
    bad.map(|bad| Box::new(bad.clone()))
}

fn first_difference(a: &[Op], b: &[Op]) -> Option<usize> {
    let common = a.iter().zip(b).position(|(x, y)| x != y);
    common.or_else(|| (a.len() != b.len()).then(|| a.len().min(b.len())))
}

/// Where two variants did different work. Its `Display` names the scenario, the network model,
/// the connection and the first diverging operation of each variant.
#[derive(Debug)]
pub struct Divergence {
    /// The scenario's name.
    pub scenario: &'static str,
    /// The network model of the run.
    pub model: NetModel,
    /// What differed (boxed: a divergence is rare, the `Ok` path stays small).
    pub kind: Box<DivergenceKind>,
}

/// What differed between two variants.
#[derive(Debug)]
pub enum DivergenceKind {
    /// A source's operations differ; `source` is the connection (`None`: the listener).
    Trace {
        /// The reference variant and the diverging one.
        variants: (Variant, Variant),
        /// The connection, or `None` for the listener.
        source: Option<usize>,
        /// Index of the first differing operation.
        index: usize,
        /// Each variant's operation there (`None`: its trace ended).
        ops: (Option<Op>, Option<Op>),
    },
    /// A connection ended differently.
    Outcome {
        /// The reference variant and the diverging one.
        variants: (Variant, Variant),
        /// The connection.
        conn: usize,
        /// Each variant's outcome.
        outcomes: (Outcome, Outcome),
        /// Each variant's wrong reply bytes, if its outcome is a bad reply.
        bad_replies: (Option<Box<BadReply>>, Option<Box<BadReply>>),
    },
    /// Global counts differ (polls, for instance) although every trace agrees.
    Counts {
        /// The reference variant and the diverging one.
        variants: (Variant, Variant),
        /// Each variant's counts.
        counts: (Counts, Counts),
    },
    /// A connection did not end `Ok` (and failures were not allowed).
    NotOk {
        /// The variant.
        variant: Variant,
        /// The connection.
        conn: usize,
        /// How it ended.
        outcome: Outcome,
        /// The wrong reply bytes, if it ended with a bad reply.
        bad_reply: Option<Box<BadReply>>,
    },
    /// A run could not start.
    RunError {
        /// The variant.
        variant: Variant,
        /// Why.
        error: String,
    },
    /// No variant was given.
    NoVariants,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "scenario `{}` on network {}: ",
            self.scenario, self.model
        )?;
        match &*self.kind {
            DivergenceKind::Trace {
                variants: (a, b),
                source,
                index,
                ops: (op_a, op_b),
            } => {
                match source {
                    Some(conn) => write!(f, "connection {conn}")?,
                    None => f.write_str("the listener")?,
                }
                let show = |op: &Option<Op>| {
                    op.map_or("(end of trace)".to_owned(), |op| format!("{op:?}"))
                };
                write!(
                    f,
                    " diverges at operation {index}: {a} did {}, {b} did {}",
                    show(op_a),
                    show(op_b)
                )
            }
            DivergenceKind::Outcome {
                variants: (a, b),
                conn,
                outcomes: (x, y),
                bad_replies: (bad_a, bad_b),
            } => {
                write!(
                    f,
                    "connection {conn}: the twins disagree: {a} ended `{x}`, {b} ended `{y}`"
                )?;
                for (variant, bad) in [(a, bad_a), (b, bad_b)] {
                    if let Some(bad) = bad {
                        write!(f, "; {variant}'s {bad}")?;
                    }
                }
                Ok(())
            }
            DivergenceKind::Counts {
                variants: (a, b),
                counts: (x, y),
            } => {
                write!(f, "counts differ: {a}: {x}; {b}: {y}")
            }
            DivergenceKind::NotOk {
                variant,
                conn,
                outcome,
                bad_reply,
            } => {
                write!(
                    f,
                    "connection {conn} ended `{outcome}` in {variant}, expected ok"
                )?;
                match bad_reply {
                    Some(bad) => write!(f, ": {bad}"),
                    None => Ok(()),
                }
            }
            DivergenceKind::RunError { variant, error } => {
                write!(f, "{variant} could not run: {error}")
            }
            DivergenceKind::NoVariants => f.write_str("no variants to compare"),
        }
    }
}

impl std::error::Error for Divergence {}
