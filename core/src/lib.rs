//! twinbench: what async/await really costs, measured against the poll loop a person would write.
//!
//! A scenario (written with [`#[scenario]`](macro@scenario)) is one request/response workload;
//! the macro turns it into two twins — a poll-loop [`Machine`] and an async fn — that this crate
//! runs on one shared core:
//!
//! The modules, bottom up. Each imports only modules listed before it (and the files of its
//! own folder), never the crate root's re-exports; nothing imports back up:
//!
//! - [`trace`]: counters and traces; [`conn`]: what a connection's code touches in both twins
//!   ([`Io`], [`AsyncIo`], [`RecvBuf`], [`ConnError`]); [`scenario`](mod@scenario): what a
//!   scenario is ([`Scenario`], its [`Machine`], its [`Client`]s, [`Outcome`]);
//! - [`net`]: the fake network: the per-connection fake clients that check every reply byte,
//!   [`NetModel`]s, injected [`Faults`], syscall mode;
//! - [`io`]: fake I/O over it in mio's vocabulary ([`io::Poll`], [`io::Registry`],
//!   [`io::Token`], [`io::Interest`], [`io::Events`], [`io::FakeListener`], [`io::FakeStream`]),
//!   and the [`io::Backend`] trait both twins' loops are generic over;
//! - [`kernel`]: real sockets and edge-triggered epoll, the other [`io::Backend`] (over `io`,
//!   `net`'s faults, `conn`, `scenario`, `trace`);
//! - [`gate`]: the readiness gate and the tokens both twins use; [`round`]: the rounds both
//!   twins' loops keep, when a run gives up (stalls, by progress) and how it ends
//!   ([`RunEnd`]); [`unwind`]: which connection a caught panic came from; [`watch`]: the
//!   watchdog, and the per-resume hook only watched runs pay;
//! - the two twins' loops, peers that never import each other: [`driver`], the poll-loop side,
//!   and [`runtime`], the async side (the [`reactor`](runtime::reactor), a no-alloc executor
//!   and a conventional boxed/`Arc` one in [`executor`](runtime::executor));
//! - [`runner`]: runs a scenario under a [`Variant`] and reports counts, outcomes and traces;
//!   [`any`]: [`AnyScenario`], any scenario behind `dyn`; [`check`]: the differential harness
//!   that proves the twins did identical work, on top;
//! - beside them: [`handwritten`], the hand-written echo control (over `conn` and `scenario`),
//!   [`alloc`], the counting allocator the tests and the harness share, and [`slots`], the
//!   connection slots of the loops: one per connection, or recycled under a connection limit
//!   (it imports nothing).
//!
//! The crate root only re-exports: the paths `#[scenario]`'s output names
//! (`::twinbench::Scenario`, `Machine`, `Io`, `AsyncIo`, …) and the runner's API.
//!
//! ```
//! use twinbench::{RunConfig, Variant, handwritten::HandwrittenEcho, run};
//!
//! let report = run(&HandwrittenEcho, &RunConfig::new(Variant::Async).connections(32))?;
//! assert!(report.all_ok());
//! assert_eq!(report.counts.to_string(), "register=33 unregister=33 poll=34 accept=64 read=64 write=64");
//! # Ok::<(), twinbench::RunError>(())
//! ```
#![deny(
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks,
    missing_docs
)]

pub mod alloc;
pub mod any;
mod binding;
pub mod check;
pub mod conn;
pub mod driver;
pub mod gate;
pub mod handwritten;
pub mod io;
pub mod kernel;
pub mod net;
pub mod round;
pub mod runner;
pub mod runtime;
pub mod scenario;
pub mod slots;
pub mod trace;
pub mod unwind;
pub mod watch;

pub use any::AnyScenario;
pub use conn::{AsyncIo, ConnError, Io, RecvBuf};
pub use kernel::SocketKind;
pub use net::{Fault, Faults, NetModel};
pub use round::RunEnd;
pub use runner::{
    Report, Run, RunConfig, RunError, Traces, Transport, Variant, prepare, run, run_traced,
};
pub use scenario::{Client, Config, Gate, Machine, Outcome, Scenario, Step, StepMachine};
pub use trace::{Counts, NoTrace, Op, OpResult, Traced};
pub use twinbench_macros::{scenario, step};

/// Everything a scenario file needs: `use twinbench::prelude::*;`.
pub mod prelude {
    pub use crate::{NetModel, Outcome, RunConfig, Scenario, Variant};
    pub use crate::{scenario, step};
}

/// What only `#[scenario]`'s generated code names (serde's and thiserror's `__private`): not
/// part of the documented API, and free to change with the macro.
#[doc(hidden)]
pub mod __private {
    pub use crate::binding::Binding;
    pub use crate::scenario::{ClientBytes, Delimiter, exchanges_for_conn};
}

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
