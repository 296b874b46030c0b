//! Runs a scenario under a [`Variant`]: the one entry point for tests, benches, the report and
//! third-party crates.
//!
//! Setup (the network with its clients, slots, queues, the poller) happens in [`prepare`],
//! before the caller's closure; each [`Run::run`] then serves every connection once without
//! allocating (for `manual` and `async`), so the closure can time it.
//!
//! May import both twins' loops ([`driver`](crate::driver), [`runtime`](crate::runtime)) and
//! everything below them; imported by [`any`](crate::any) and [`check`](crate::check), which it
//! does not import.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use std::io;
use std::marker::PhantomData;
use std::time::Duration;

use crate::conn::{AsyncIo, ConnError};
use crate::driver::Driver;
use crate::io::Backend;
use crate::kernel::{Kernel, SetupError, SocketKind};
use crate::net::{self, BadReply, ClientLayout, Faults, NetModel, Network};
use crate::round::{RoundLimits, RunEnd};
use crate::runtime::executor::{self, Spawn};
use crate::runtime::reactor::{AsyncListener, AsyncStream, Reactor};
use crate::scenario::{Outcome, Scenario};
use crate::slots::{PerConnection, Recycled, Slots};
use crate::trace::{Counts, NoTrace, Op, Traced, Tracer};
use crate::unwind;
use crate::watch::{Unwatched, Watch, Watched, Watching};

/// Which twin runs, and on what.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variant {
    /// The generated poll loop: the scenario's [`Machine`](crate::scenario::Machine) resumed by the
    /// poll-loop [`Driver`].
    Manual,
    /// The generated async fn on the no-alloc executor.
    Async,
    /// The generated async fn boxed, on the no-alloc executor (its embedded wakers and
    /// intrusive queue): what boxing alone costs, the first step from `async` to
    /// `async-box-arc`.
    AsyncBox,
    /// The generated async fn on the conventional executor (boxed futures, `Arc` wakers).
    AsyncBoxArc,
    /// The generated async fn on tokio's current-thread runtime, spawned with
    /// `LocalSet::spawn_local`. Needs the crate's `tokio` feature.
    AsyncTokio,
    /// The generated async fn on async-executor's `LocalExecutor` (smol's), run with
    /// `try_tick`. Needs the crate's `smol` feature.
    AsyncSmol,
    /// The generated async fn on futures' `LocalPool`, run with `run_until_stalled`. Needs the
    /// crate's `futures` feature.
    AsyncFutures,
}

impl Variant {
    /// Every variant, in report order (also those not compiled in: see
    /// [`is_compiled`](Variant::is_compiled)).
    pub const ALL: [Variant; 7] = [
        Variant::Manual,
        Variant::Async,
        Variant::AsyncBox,
        Variant::AsyncBoxArc,
        Variant::AsyncTokio,
        Variant::AsyncSmol,
        Variant::AsyncFutures,
    ];

    /// The name used in reports and bench ids: `manual`, `async`, `async-box`,
    /// `async-box-arc`, `async-tokio`, `async-smol`, `async-futures`.
    pub const fn name(self) -> &'static str {
        match self {
            Variant::Manual => "manual",
            Variant::Async => "async",
            Variant::AsyncBox => "async-box",
            Variant::AsyncBoxArc => "async-box-arc",
            Variant::AsyncTokio => "async-tokio",
            Variant::AsyncSmol => "async-smol",
            Variant::AsyncFutures => "async-futures",
        }
    }

    /// The cargo feature of this crate the variant needs, if any.
    pub const fn feature(self) -> Option<&'static str> {
        match self {
            Variant::AsyncTokio => Some("tokio"),
            Variant::AsyncSmol => Some("smol"),
            Variant::AsyncFutures => Some("futures"),
            Variant::Manual | Variant::Async | Variant::AsyncBox | Variant::AsyncBoxArc => None,
        }
    }

    /// Whether this build can run the variant (its feature, if any, is on).
    pub const fn is_compiled(self) -> bool {
        match self {
            Variant::AsyncTokio => cfg!(feature = "tokio"),
            Variant::AsyncSmol => cfg!(feature = "smol"),
            Variant::AsyncFutures => cfg!(feature = "futures"),
            Variant::Manual | Variant::Async | Variant::AsyncBox | Variant::AsyncBoxArc => true,
        }
    }

    /// The variants this build can run, in report order.
    pub fn compiled() -> impl Iterator<Item = Variant> {
        Variant::ALL.into_iter().filter(|v| v.is_compiled())
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for Variant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Variant::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Variant::ALL.iter().map(|v| v.name()).collect();
                format!(
                    "unknown variant `{s}`; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// The I/O under the twins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Transport {
    /// The fake network (the default): deterministic, in memory, shaped by the [`NetModel`].
    #[default]
    Fake,
    /// Real sockets and edge-triggered epoll ([`Kernel`]).
    Kernel(SocketKind),
}

impl Transport {
    /// `fake`, `kernel` (TCP over loopback) or `kernel-unix`.
    pub const fn name(self) -> &'static str {
        match self {
            Transport::Fake => "fake",
            Transport::Kernel(SocketKind::Tcp) => "kernel",
            Transport::Kernel(SocketKind::Unix) => "kernel-unix",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for Transport {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [
            Transport::Fake,
            Transport::Kernel(SocketKind::Tcp),
            Transport::Kernel(SocketKind::Unix),
        ]
        .into_iter()
        .find(|t| t.name() == s)
        .ok_or_else(|| format!("unknown I/O `{s}`; expected one of fake, kernel, kernel-unix"))
    }
}

/// The most connections one run may have.
pub const MAX_CONNECTIONS: usize = 1 << 20;

/// The largest per-connection state (the machine, or the async fn's future, whichever is
/// larger) a run accepts, in bytes.
///
/// Every variant builds a connection's state on the stack before moving it into its slot or
/// box (a debug build makes several copies; tokio moves a future about nine times through its
/// spawn), so a large enough state overflows the thread's
/// stack and aborts the process, with nothing to catch. Above this limit `prepare` refuses the
/// run in every variant alike with [`RunError::StateTooLarge`]; at or below it, every variant
/// runs in debug and release builds on a 2 MiB thread (Rust's default for spawned and test
/// threads; `core/tests/large_state.rs`).
pub const MAX_STATE_BYTES: usize = 64 * 1024;

/// Default stall limit: a window of this many rounds in which no connection makes progress
/// ends a run, its unfinished connections reported as stalled (see [`round`](crate::round)).
/// No built-in scenario comes near it (a round without progress is one in which every
/// connection waits, or only yields); a scenario that never finishes is reported in a second
/// or two at a few connections, however many connections a healthy run has.
pub const DEFAULT_STALL_ROUNDS: u64 = 100_000;

/// How to run a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunConfig {
    /// Which twin.
    pub variant: Variant,
    /// How the fake network behaves.
    pub model: NetModel,
    /// One real system call per I/O call.
    pub syscalls: bool,
    /// Overrides the scenario's `connections`.
    pub connections: Option<usize>,
    /// Polls after which unfinished connections are reported as stalled, whatever the
    /// progress (`u64::MAX`, the default: no cap).
    pub max_rounds: u64,
    /// Polls of a window without progress after which unfinished connections are reported as
    /// stalled ([`DEFAULT_STALL_ROUNDS`]).
    pub stall_rounds: u64,
    /// Injected faults, if any.
    pub faults: Option<Faults>,
    /// Runs under the [`watch`](crate::watch)dog: a run that stops resuming connections for
    /// this long ends the process with a message naming scenario, variant and connection.
    /// Honoured by [`run`] and [`run_traced`], not by [`prepare`] (the measured runs).
    pub watchdog: Option<Duration>,
    /// The I/O under the twins: the fake network or real sockets.
    pub io: Transport,
    /// At most this many connections live at once (`None`, the default: as many as the run
    /// has). See [`connection_limit`](RunConfig::connection_limit).
    pub connection_limit: Option<usize>,
}

impl RunConfig {
    /// `variant` on the origin's network, without syscalls, at the scenario's connection count.
    pub const fn new(variant: Variant) -> Self {
        RunConfig {
            variant,
            model: NetModel::Seed,
            syscalls: false,
            connections: None,
            max_rounds: u64::MAX,
            stall_rounds: DEFAULT_STALL_ROUNDS,
            faults: None,
            watchdog: None,
            io: Transport::Fake,
            connection_limit: None,
        }
    }

    /// At most `limit` connections live at once, as a server's connection limit: while `limit`
    /// connections are live, both twins stop accepting (the listener's readiness is kept, no
    /// call is made), and accept again in the round after one closes. Every per-connection
    /// state of the loops (the driver's machines, the reactor's registrations, the executors'
    /// task slots) is then held for `limit` connections, recycled as they close; the tokens
    /// the loops register name those slots. A limit at or above the run's connections changes
    /// nothing (the loops are then those of a run without a limit, slot `i` for connection
    /// `i`); 0 is [`RunError::ZeroConnectionLimit`]. See [`slots`](crate::slots).
    ///
    /// The default is no limit, so that the rows measured before the limit existed keep their
    /// accept pacing (and so their counts) exactly: a limit below the connection count makes
    /// later connections wait for a slot, which changes when each is accepted.
    pub const fn connection_limit(mut self, limit: usize) -> Self {
        self.connection_limit = Some(limit);
        self
    }

    /// The slots a run of `connections` connections keeps: the limit, or every connection.
    pub const fn slots(&self, connections: usize) -> usize {
        match self.connection_limit {
            Some(limit) if limit < connections => limit,
            _ => connections,
        }
    }

    /// Over `io`: the fake network or real sockets.
    pub const fn io(mut self, io: Transport) -> Self {
        self.io = io;
        self
    }

    /// With injected faults.
    pub const fn faults(mut self, faults: Faults) -> Self {
        self.faults = Some(faults);
        self
    }

    /// With the network model `model`.
    pub const fn model(mut self, model: NetModel) -> Self {
        self.model = model;
        self
    }

    /// With or without syscall mode.
    pub const fn syscalls(mut self, syscalls: bool) -> Self {
        self.syscalls = syscalls;
        self
    }

    /// With `connections` connections instead of the scenario's.
    pub const fn connections(mut self, connections: usize) -> Self {
        self.connections = Some(connections);
        self
    }

    /// With a hard round limit: at most `max_rounds` polls, whatever the progress.
    pub const fn max_rounds(mut self, max_rounds: u64) -> Self {
        self.max_rounds = max_rounds;
        self
    }

    /// Under the watchdog, with `timeout` of wall time (see [`watch`](crate::watch)).
    pub const fn watchdog(mut self, timeout: Duration) -> Self {
        self.watchdog = Some(timeout);
        self
    }

    /// With a stall limit: a window of `stall_rounds` polls (at least 1) without progress ends
    /// the run.
    pub const fn stall_rounds(mut self, stall_rounds: u64) -> Self {
        self.stall_rounds = stall_rounds;
        self
    }
}

/// Why a run could not start.
#[derive(Debug)]
pub enum RunError {
    /// A run needs at least one connection.
    NoConnections,
    /// More connections than [`MAX_CONNECTIONS`].
    TooManyConnections {
        /// Connections asked for.
        requested: usize,
        /// The limit.
        max: usize,
    },
    /// A connection limit of 0 would never accept a connection.
    ZeroConnectionLimit,
    /// A `Chunked(0)` network would never transfer a byte.
    EmptyChunks,
    /// A connection's state (the machine or the future, whichever is larger: the same answer
    /// in every variant) is larger than [`MAX_STATE_BYTES`]: building it could overflow the
    /// stack. A smaller `buffer` fits.
    StateTooLarge {
        /// Bytes of the larger of the two states.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Syscall mode could not create its pipe.
    Syscalls(io::Error),
    /// Kernel I/O could not be set up: a limit the connections exceed, or a failed call.
    Kernel(SetupError),
    /// Syscall mode adds its calls to the fake network's; over kernel I/O every call is real.
    SyscallsOverKernel,
    /// The scenario's code panicked: the run was abandoned (see [`crate::unwind`]). The same
    /// error in every variant, also those whose runtime catches a task's panic itself (tokio).
    Panicked {
        /// The variant that ran.
        variant: Variant,
        /// The connection whose code panicked (`None`: the panic was outside a connection's
        /// code, making a client at setup for instance).
        connection: Option<usize>,
        /// The panic's message, and where it was raised.
        message: String,
    },
    /// The variant's executor is not compiled in: build with the named cargo feature of
    /// `twinbench`.
    NotCompiled {
        /// The variant asked for.
        variant: Variant,
        /// The feature that compiles it in.
        feature: &'static str,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::NoConnections => f.write_str("a run needs at least one connection"),
            RunError::TooManyConnections { requested, max } => {
                write!(
                    f,
                    "{requested} connections requested; at most {max} are supported"
                )
            }
            RunError::ZeroConnectionLimit => {
                f.write_str("a connection limit of 0 would never accept a connection")
            }
            RunError::EmptyChunks => {
                f.write_str("a chunked network needs chunks of at least 1 byte")
            }
            RunError::StateTooLarge { size, max } => write!(
                f,
                "a connection's state is {size} bytes; at most {max} are supported (it is \
                 built on the stack, which a larger one could overflow): use a smaller buffer"
            ),
            RunError::Syscalls(e) => write!(f, "syscall mode could not create its pipe: {e}"),
            RunError::Kernel(e) => e.fmt(f),
            RunError::SyscallsOverKernel => f.write_str(
                "syscall mode is for the fake network: over kernel I/O every call is a real one",
            ),
            RunError::Panicked {
                variant,
                connection,
                message,
            } => {
                write!(f, "the scenario panicked in {variant}")?;
                if let Some(conn) = connection {
                    write!(f, ", serving connection {conn}")?;
                }
                write!(f, ": {message}")
            }
            RunError::NotCompiled { variant, feature } => write!(
                f,
                "variant `{variant}` is not compiled in: enable twinbench's `{feature}` feature"
            ),
        }
    }
}

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunError::Syscalls(e) => Some(e),
            RunError::Kernel(e) => Some(e),
            _ => None,
        }
    }
}

/// What a run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Fake I/O calls.
    pub counts: Counts,
    /// Each connection's outcome, in accept order.
    pub outcomes: Vec<Outcome>,
    /// Polls made, and whether the run stalled.
    pub end: RunEnd,
    /// For each connection that ended [`Outcome::BadReply`], where its reply first differed
    /// from the expectation, in the order the wrong bytes were written.
    pub bad_replies: Vec<BadReply>,
}

impl Report {
    /// How many connections ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.outcomes.iter().filter(|o| **o == outcome).count()
    }

    /// Whether every connection ended [`Outcome::Ok`].
    pub fn all_ok(&self) -> bool {
        self.outcomes.iter().all(|o| *o == Outcome::Ok)
    }
}

/// Every operation of a traced run, per source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Traces {
    /// The listener's operations.
    pub listener: Vec<Op>,
    /// Each connection's operations, in accept order.
    pub connections: Vec<Vec<Op>>,
}

/// A prepared scenario, ready to run any number of times.
pub trait Run {
    /// Puts the network back in its initial state (every client at the start, counters and
    /// traces cleared). Allocates nothing.
    fn reset(&mut self);
    /// Serves every connection once, from the current network state: call [`reset`]
    /// first. This is the measured section: it allocates nothing for `manual` and `async`
    /// (the trace, when on, does).
    ///
    /// [`reset`]: Run::reset
    fn serve(&mut self) -> RunEnd;
    /// [`reset`](Run::reset), then [`serve`](Run::serve).
    fn run(&mut self) -> RunEnd {
        self.reset();
        self.serve()
    }
    /// The report of the last run (allocates: call it outside the measured section).
    fn report(&self, end: RunEnd) -> Report;
    /// Takes the traces of the last run (empty unless traced).
    fn take_traces(&self) -> Traces;
}

/// Sets up `scenario` under `config` and hands the prepared run to `f`. Tracing is chosen by
/// `T` ([`NoTrace`] or [`Traced`]).
///
/// The scenario is `'static` (the macro's are unit structs) because tokio and futures spawn only
/// `'static` futures: the connection task, the same for every variant, borrows it.
pub fn prepare<S: Scenario + 'static, T: Tracer, R>(
    scenario: &S,
    config: &RunConfig,
    f: impl FnOnce(&mut dyn Run) -> R,
) -> Result<R, RunError> {
    prepare_watched::<S, T, Unwatched, R>(scenario, config, f)
}

/// [`prepare`], with the loops' per-resume hook `Wt` (see [`watch`](crate::watch)).
fn prepare_watched<S: Scenario + 'static, T: Tracer, Wt: Watch, R>(
    scenario: &S,
    config: &RunConfig,
    f: impl FnOnce(&mut dyn Run) -> R,
) -> Result<R, RunError> {
    let connections = config.connections.unwrap_or(scenario.config().connections);
    if connections == 0 {
        return Err(RunError::NoConnections);
    }
    if connections > MAX_CONNECTIONS {
        return Err(RunError::TooManyConnections {
            requested: connections,
            max: MAX_CONNECTIONS,
        });
    }
    if config.connection_limit == Some(0) {
        return Err(RunError::ZeroConnectionLimit);
    }
    if config.model == NetModel::Chunked(0) {
        return Err(RunError::EmptyChunks);
    }
    let state = machine_size(scenario).max(future_size(scenario));
    if state > MAX_STATE_BYTES {
        return Err(RunError::StateTooLarge {
            size: state,
            max: MAX_STATE_BYTES,
        });
    }
    let buffer = scenario.config().buffer;
    let slots = config.slots(connections);
    if let Transport::Kernel(kind) = config.io {
        if config.syscalls {
            return Err(RunError::SyscallsOverKernel);
        }
        let clients = (0..connections).map(|conn| scenario.client(conn)).collect();
        let kernel = Kernel::<T>::new(kind, config.model, clients, config.faults, buffer)
            .map_err(RunError::Kernel)?;
        // The clients connect now, so that a limit hit is an error before the run.
        kernel.reset().map_err(RunError::Kernel)?;
        return if slots < connections {
            prepare_on::<S, _, Wt, Recycled, R>(scenario, &kernel, config, slots, f)
        } else {
            prepare_on::<S, _, Wt, PerConnection, R>(scenario, &kernel, config, slots, f)
        };
    }
    // Under a connection limit the network's peers share their clients (`net::Shared`), so a
    // run of a million connections never holds a million `Client`s at once; without one each
    // peer keeps its whole client (`net::Inline`), as the rows were measured.
    if slots < connections {
        prepare_net::<S, T, net::Shared, Wt, Recycled, R>(scenario, config, connections, slots, f)
    } else {
        prepare_net::<S, T, net::Inline, Wt, PerConnection, R>(
            scenario,
            config,
            connections,
            slots,
            f,
        )
    }
}

/// [`prepare_watched`] over the fake network, its clients kept in the layout `C`, with the
/// slots `L`: the network made from `connections` clients, made one at a time and handed to it
/// as they come, then [`prepare_on`] over it.
fn prepare_net<S: Scenario + 'static, T: Tracer, C: ClientLayout, Wt: Watch, L: Slots, R>(
    scenario: &S,
    config: &RunConfig,
    connections: usize,
    slots: usize,
    f: impl FnOnce(&mut dyn Run) -> R,
) -> Result<R, RunError> {
    let clients = (0..connections).map(|conn| scenario.client(conn));
    let net = Network::<T, C>::new(
        config.model,
        clients,
        config.syscalls,
        config.faults,
        scenario.config().buffer,
    )
    .map_err(RunError::Syscalls)?;
    prepare_on::<S, _, Wt, L, R>(scenario, &net, config, slots, f)
}

/// What a prepared run owns beneath its loops: the backend they are generic over, and what
/// happens outside the measured section (reset, report, traces).
trait World: 'static {
    /// The backend the driver or the reactor is given.
    type Backend<'w>: Backend
    where
        Self: 'w;
    /// A backend for one driver or reactor keeping `slots` connection slots (its poller,
    /// with tokens for the listener and each slot, allocated here, at setup).
    fn backend(&self, slots: usize) -> Self::Backend<'_>;
    /// Puts everything back for the next serve (see [`Run::reset`]).
    fn reset(&self);
    /// How far the serve under way has got, for stall detection (see [`round`](crate::round)):
    /// read once per stall window, never per operation.
    fn progress(&self) -> u64;
    /// The counts of the last serve.
    fn counts(&self) -> Counts;
    /// Each connection's outcome in the last serve.
    fn outcomes(&self) -> Vec<Outcome>;
    /// Where the last serve's wrong replies first differed.
    fn bad_replies(&self) -> Vec<BadReply>;
    /// The listener's and each connection's operations in the last serve.
    fn traces(&self) -> (Vec<Op>, Vec<Vec<Op>>);

    /// The report of the last serve.
    fn report(&self, end: RunEnd) -> Report {
        Report {
            counts: self.counts(),
            outcomes: self.outcomes(),
            end,
            bad_replies: self.bad_replies(),
        }
    }
    /// The traces of the last serve.
    fn take_traces(&self) -> Traces {
        let (listener, connections) = self.traces();
        Traces {
            listener,
            connections,
        }
    }
}

impl<T: Tracer, C: ClientLayout> World for Network<T, C> {
    type Backend<'w> = crate::io::Poll<'w, T, C>;
    fn backend(&self, slots: usize) -> crate::io::Poll<'_, T, C> {
        crate::io::Poll::new(self, slots + 1)
    }
    fn reset(&self) {
        Network::reset(self);
    }
    fn progress(&self) -> u64 {
        Network::progress(self)
    }
    fn counts(&self) -> Counts {
        Network::counts(self)
    }
    fn outcomes(&self) -> Vec<Outcome> {
        Network::outcomes(self)
    }
    fn bad_replies(&self) -> Vec<BadReply> {
        Network::bad_replies(self)
    }
    fn traces(&self) -> (Vec<Op>, Vec<Vec<Op>>) {
        Network::take_traces(self)
    }
}

impl<T: Tracer> World for Kernel<T> {
    type Backend<'w> = &'w Kernel<T>;
    fn backend(&self, _slots: usize) -> &Kernel<T> {
        self
    }
    fn reset(&self) {
        if let Err(e) = Kernel::reset(self) {
            panic!("twinbench: {e}");
        }
    }
    fn progress(&self) -> u64 {
        Kernel::progress(self)
    }
    fn counts(&self) -> Counts {
        Kernel::counts(self)
    }
    fn outcomes(&self) -> Vec<Outcome> {
        Kernel::outcomes(self)
    }
    fn bad_replies(&self) -> Vec<BadReply> {
        Kernel::bad_replies(self)
    }
    fn traces(&self) -> (Vec<Op>, Vec<Vec<Op>>) {
        Kernel::take_traces(self)
    }
}

/// [`prepare`]'s second half, once the world under the loops exists: the variant's loop over
/// its backend, watched by `Wt` or not, with the slots `L` (`slots` of them): one per
/// connection, or under a connection limit below the connection count, recycled — each an
/// instantiation of its own (see [`slots`](crate::slots)), chosen once, by the caller.
fn prepare_on<S: Scenario + 'static, W: World, Wt: Watch, L: Slots, R>(
    scenario: &S,
    world: &W,
    config: &RunConfig,
    slots: usize,
    f: impl FnOnce(&mut dyn Run) -> R,
) -> Result<R, RunError> {
    let limits = Limits::of(config);
    Ok(match config.variant {
        Variant::Manual => {
            let driver = Driver::<_, _, L>::new(scenario, world.backend(slots), slots);
            f(&mut ManualRun::<S, W, Wt, L> {
                scenario,
                world,
                driver,
                limits,
                watch: PhantomData,
            })
        }
        Variant::Async => {
            let reactor = Reactor::<_, L>::new(world.backend(slots), slots);
            let executor = noalloc_tasks::<S, _, Wt, L>(scenario, slots);
            f(&mut AsyncRun {
                world,
                reactor: &reactor,
                executor: &executor,
                limits,
            })
        }
        Variant::AsyncBox => {
            let reactor = Reactor::<_, L>::new(world.backend(slots), slots);
            let executor = executor::noalloc::Executor::<_, _, L>::with_slots(slots, |stream| {
                Box::pin(connection_task::<S, _, L, Wt, { Variant::AsyncBox as u8 }>(
                    scenario, stream,
                )) as Pin<Box<dyn Future<Output = ()>>>
            });
            f(&mut AsyncRun {
                world,
                reactor: &reactor,
                executor: &executor,
                limits,
            })
        }
        Variant::AsyncBoxArc => {
            let reactor = Reactor::<_, L>::new(world.backend(slots), slots);
            let executor = executor::boxed::Executor::<_, L>::with_slots(slots, |stream| {
                connection_task::<S, _, L, Wt, { Variant::AsyncBoxArc as u8 }>(scenario, stream)
            });
            f(&mut AsyncRun {
                world,
                reactor: &reactor,
                executor: &executor,
                limits,
            })
        }
        #[cfg(feature = "tokio")]
        Variant::AsyncTokio => {
            use crate::runtime::executor::external::{Rounds, tokio::Tokio};
            // SAFETY: `scenario` and `world` outlive `reactor` and `executor`, declared after
            // them and so dropped first, also when `f` unwinds (the first bullet); only the
            // tasks and the reactor, both dropped by then, hold the references (the second).
            let (scenario, world) = unsafe { (for_the_run(scenario), for_the_run(world)) };
            let reactor = Reactor::<_, L>::new(world.backend(slots), slots);
            // SAFETY: as above: `executor`, declared after `reactor`, is dropped first.
            let reactor = unsafe { for_the_run(&reactor) };
            let executor = Rounds::new(Tokio::new(), |stream| {
                connection_task::<S, _, L, Wt, { Variant::AsyncTokio as u8 }>(scenario, stream)
            });
            f(&mut AsyncRun {
                world,
                reactor,
                executor: &executor,
                limits,
            })
        }
        #[cfg(feature = "smol")]
        Variant::AsyncSmol => {
            use crate::runtime::executor::external::{Rounds, smol::Smol};
            let reactor = Reactor::<_, L>::new(world.backend(slots), slots);
            let executor = Rounds::new(Smol::new(), |stream| {
                connection_task::<S, _, L, Wt, { Variant::AsyncSmol as u8 }>(scenario, stream)
            });
            f(&mut AsyncRun {
                world,
                reactor: &reactor,
                executor: &executor,
                limits,
            })
        }
        #[cfg(feature = "futures")]
        Variant::AsyncFutures => {
            use crate::runtime::executor::external::{Rounds, futures::Futures};
            // SAFETY: as for tokio above.
            let (scenario, world) = unsafe { (for_the_run(scenario), for_the_run(world)) };
            let reactor = Reactor::<_, L>::new(world.backend(slots), slots);
            // SAFETY: as for tokio above.
            let reactor = unsafe { for_the_run(&reactor) };
            let executor = Rounds::new(Futures::new(), |stream| {
                connection_task::<S, _, L, Wt, { Variant::AsyncFutures as u8 }>(scenario, stream)
            });
            f(&mut AsyncRun {
                world,
                reactor,
                executor: &executor,
                limits,
            })
        }
        #[cfg(not(all(feature = "tokio", feature = "smol", feature = "futures")))]
        variant => {
            let feature = variant
                .feature()
                .expect("only feature-gated variants are missing");
            return Err(RunError::NotCompiled { variant, feature });
        }
    })
}

/// The `async` variant's executor. Made here rather than in [`prepare_on`], so that the type
/// of its closure, and so the executor's, does not depend on what the caller of `prepare_on`
/// returns: one instantiation of `run` polls the tasks, the single caller that lets their
/// `poll` be inlined into it, as the driver's `resume` is into its loop.
fn noalloc_tasks<'a, 'r, S: Scenario, B: Backend + 'r, Wt: Watch, L: Slots>(
    scenario: &'a S,
    capacity: usize,
) -> impl executor::RunTasks<AsyncStream<'r, B, L>> {
    executor::noalloc::Executor::<_, _, L>::with_slots(capacity, |stream| {
        connection_task::<S, _, L, Wt, { Variant::Async as u8 }>(scenario, stream)
    })
}

/// `value` as a `'static` reference, for the runtimes that spawn only `'static` futures (tokio,
/// futures): the runner owns what the tasks borrow for the whole run, and drops the tasks
/// first.
///
/// # Safety
///
/// - Everything holding the returned reference, or one derived from it, is dropped before
///   `value`'s borrow ends, also when unwinding.
/// - Only the run's tasks, reactor and executor hold it: nothing stores it anywhere that
///   outlives them.
#[cfg(any(feature = "tokio", feature = "futures"))]
unsafe fn for_the_run<X: ?Sized + 'static>(value: &X) -> &'static X {
    // SAFETY: the caller's contract: every use of the result happens while `value` is alive.
    unsafe { &*core::ptr::from_ref(value) }
}

/// Runs `scenario` once under `config`, untraced. A panic in the scenario's code is
/// [`RunError::Panicked`].
pub fn run<S: Scenario + 'static>(scenario: &S, config: &RunConfig) -> Result<Report, RunError> {
    catching(config.variant, || {
        let run = |prepared: &mut dyn Run| {
            let end = prepared.run();
            prepared.report(end)
        };
        match config.watchdog {
            None => prepare::<S, NoTrace, _>(scenario, config, run),
            Some(timeout) => {
                let _watching = Watching::start(scenario.name(), config.variant.name(), timeout);
                prepare_watched::<S, NoTrace, Watched, _>(scenario, config, run)
            }
        }
    })
}

/// Runs `scenario` once under `config`, recording every operation. A panic in the scenario's
/// code is [`RunError::Panicked`].
pub fn run_traced<S: Scenario + 'static>(
    scenario: &S,
    config: &RunConfig,
) -> Result<(Report, Traces), RunError> {
    catching(config.variant, || {
        let run = |prepared: &mut dyn Run| {
            let end = prepared.run();
            (prepared.report(end), prepared.take_traces())
        };
        match config.watchdog {
            None => prepare::<S, Traced, _>(scenario, config, run),
            Some(timeout) => {
                let _watching = Watching::start(scenario.name(), config.variant.name(), timeout);
                prepare_watched::<S, Traced, Watched, _>(scenario, config, run)
            }
        }
    })
}

/// Runs `f` (a whole run: setup, serve and teardown) inside one `catch_unwind`, and turns a
/// panic in it, or one a runtime caught itself, into [`RunError::Panicked`]. Nothing per poll:
/// see [`unwind`](crate::unwind).
fn catching<R>(variant: Variant, f: impl FnOnce() -> Result<R, RunError>) -> Result<R, RunError> {
    let scope = unwind::Catching::start();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    let caught = scope.finish();
    match (result, caught) {
        (Ok(result), None) => result,
        (_, Some(caught)) => Err(RunError::Panicked {
            variant,
            connection: caught.connection,
            message: caught.message,
        }),
        (Err(payload), None) => Err(RunError::Panicked {
            variant,
            connection: None,
            message: payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(a panic whose payload is not a string)".to_owned()),
        }),
    }
}

/// A run's round limits, before they are given the world's progress (see
/// [`round`](crate::round)).
#[derive(Clone, Copy)]
struct Limits {
    max_rounds: u64,
    stall_rounds: u64,
    /// A serve is under way: still set at the next `reset` only if a panic unwound out of it.
    serving: bool,
}

impl Limits {
    fn of(config: &RunConfig) -> Self {
        Limits {
            max_rounds: config.max_rounds,
            stall_rounds: config.stall_rounds,
            serving: false,
        }
    }

    fn reading<'a>(self, progress: &'a impl Fn() -> u64) -> RoundLimits<'a> {
        RoundLimits::new(self.max_rounds, self.stall_rounds, progress)
    }
}

struct ManualRun<'a, S: Scenario, W: World, Wt, L: Slots> {
    scenario: &'a S,
    world: &'a W,
    driver: Driver<S::Machine, W::Backend<'a>, L>,
    limits: Limits,
    watch: PhantomData<Wt>,
}

impl<S: Scenario, W: World, Wt: Watch, L: Slots> Run for ManualRun<'_, S, W, Wt, L> {
    fn reset(&mut self) {
        // If a panic unwound out of the last serve, release what it left registered (a pass
        // over the slots, outside the measured serve: a flag set around the serve would keep
        // `self` live through the loop, which cost echo 9 instructions per request). The
        // world's reset then closes what it left open (kernel I/O: the server's sockets).
        self.driver.recover();
        self.world.reset();
    }
    fn serve(&mut self) -> RunEnd {
        let world = self.world;
        let progress = || world.progress();
        let limits = self.limits.reading(&progress);
        self.driver.run::<S, Wt>(self.scenario, limits)
    }
    fn report(&self, end: RunEnd) -> Report {
        self.world.report(end)
    }
    fn take_traces(&self) -> Traces {
        self.world.take_traces()
    }
}

struct AsyncRun<'e, 'r, W, B, L, E> {
    world: &'r W,
    reactor: &'r Reactor<B, L>,
    executor: &'e E,
    limits: Limits,
}

impl<'r, W: World, B: Backend, L: Slots, E> Run for AsyncRun<'_, 'r, W, B, L, E>
where
    E: executor::RunTasks<AsyncStream<'r, B, L>>,
{
    fn reset(&mut self) {
        if self.limits.serving {
            // A panic unwound out of the last serve: an empty run drops the tasks it left,
            // whose streams deregister (the world's reset then closes them).
            self.executor.abandon(self.reactor);
            self.limits.serving = false;
        }
        self.world.reset();
        self.reactor.reset();
    }
    fn serve(&mut self) -> RunEnd {
        let root = accept_loop(self.reactor, self.executor);
        let world = self.world;
        let progress = || world.progress();
        let limits = self.limits.reading(&progress);
        self.limits.serving = true;
        let end = self.executor.run(root, self.reactor, limits);
        self.limits.serving = false;
        end
    }
    fn report(&self, end: RunEnd) -> Report {
        self.world.report(end)
    }
    fn take_traces(&self) -> Traces {
        self.world.take_traces()
    }
}

/// The async twin's root task: accept every connection and spawn a task for it — under a
/// connection limit, while the reactor has a slot to give (at the limit its accept waits until
/// the turn after a close, as the driver stops accepting while its slots are taken; see
/// [`reactor`](crate::runtime::reactor)).
///
/// It drops (deregisters) the listener once every connection is accepted, while the driver
/// deregisters it at the end of the run; from then on the poller's event order, and so the
/// order of tasks within a round, can differ from the driver's. Counts, traces and outcomes
/// cannot: each connection's network depends only on its own operations.
async fn accept_loop<'r, B: Backend, L: Slots, E: Spawn<AsyncStream<'r, B, L>>>(
    reactor: &'r Reactor<B, L>,
    spawner: &E,
) {
    let listener = AsyncListener::new(reactor);
    for _ in 0..reactor.connections() {
        // As in the driver: an accept error loses that one connection; accepting goes on.
        if let Ok(stream) = listener.accept().await {
            spawner.spawn(stream);
        }
    }
}

/// One connection's task: the scenario's async fn (watched by `Wt` or not), then its outcome.
///
/// `V` is the variant ([`Variant`] as `u8`): the scenario's future is polled on an I/O type of
/// the variant's own ([`VariantIo`]), so that each variant's task and scenario future are an
/// instantiation of their own, with one caller each, as the driver's `resume` is.
async fn connection_task<'r, S: Scenario, B: Backend, L: Slots, Wt: Watch, const V: u8>(
    scenario: &S,
    stream: AsyncStream<'r, B, L>,
) {
    let conn = stream.conn();
    let mut io = VariantIo::<_, V>(stream);
    let result = Wt::serve(scenario, &mut io, conn).await;
    io.0.close(result); // deregisters, then closes with the result, as the driver does
}

/// A connection's stream under a type of variant `V`'s own (see [`connection_task`]).
#[repr(transparent)]
struct VariantIo<C, const V: u8>(C);

impl<C: AsyncIo, const V: u8> AsyncIo for VariantIo<C, V> {
    #[inline]
    fn conn(&self) -> usize {
        self.0.conn()
    }
    #[inline]
    fn poll_read(
        &mut self,
        cx: &mut core::task::Context<'_>,
        buf: &mut [u8],
    ) -> core::task::Poll<Result<usize, ConnError>> {
        self.0.poll_read(cx, buf)
    }
    #[inline]
    fn poll_write(
        &mut self,
        cx: &mut core::task::Context<'_>,
        buf: &[u8],
    ) -> core::task::Poll<Result<usize, ConnError>> {
        self.0.poll_write(cx, buf)
    }
    #[inline]
    fn defer(&mut self, cx: &mut core::task::Context<'_>) {
        self.0.defer(cx);
    }
}

/// Size in bytes of `scenario`'s async fn future (what a no-alloc task slot holds, minus the
/// connection task's own few words). Read from the type: no future is built, so this is safe
/// for a state too large for the stack.
pub fn future_size<S: Scenario>(scenario: &S) -> usize {
    /// An [`AsyncIo`] that is never polled: only the future's type matters.
    struct Unpolled;
    impl AsyncIo for Unpolled {
        fn conn(&self) -> usize {
            unreachable!("never polled")
        }
        fn poll_read(
            &mut self,
            _: &mut core::task::Context<'_>,
            _: &mut [u8],
        ) -> core::task::Poll<Result<usize, ConnError>> {
            unreachable!("never polled")
        }
        fn poll_write(
            &mut self,
            _: &mut core::task::Context<'_>,
            _: &[u8],
        ) -> core::task::Poll<Result<usize, ConnError>> {
            unreachable!("never polled")
        }
        fn defer(&mut self, _: &mut core::task::Context<'_>) {
            unreachable!("never polled")
        }
    }
    fn output_size<'a, S: Scenario, F>(
        _: &'a S,
        _: impl FnOnce(&'a S, &'a mut Unpolled) -> F,
    ) -> usize {
        size_of::<F>()
    }
    output_size(scenario, |scenario, io| scenario.serve(io))
}

/// Size in bytes of `scenario`'s poll-loop machine.
pub fn machine_size<S: Scenario>(_: &S) -> usize {
    size_of::<S::Machine>()
}
