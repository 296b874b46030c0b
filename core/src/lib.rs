//! twinbench: what async/await really costs, measured against the poll loop a person would write.
//!
//! A scenario (written with [`#[scenario]`](macro@scenario)) is one request/response workload;
//! the macro turns it into two twins — a poll-loop [`Machine`] and an async fn — that this crate
//! runs on one shared core:
//!
//! - [`io`]: fake I/O in mio's vocabulary ([`io::Poll`], [`io::Registry`], [`io::Token`],
//!   [`io::Interest`], [`io::Events`], [`io::FakeListener`], [`io::FakeStream`]);
//! - [`net`]: the fake network behind it: [`NetModel`]s, the per-connection fake clients that
//!   check every reply byte, counters, traces and syscall mode;
//! - [`conn`]: what a connection's code touches in both twins ([`Io`], [`AsyncIo`],
//!   [`RecvBuf`]);
//! - [`reactor`] and [`executor`]: the async side (a no-alloc executor and a conventional
//!   boxed/`Arc` one);
//! - [`driver`]: the poll-loop side;
//! - [`runner`]: runs a scenario under a [`Variant`] and reports counts, outcomes and traces.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks, missing_docs)]

pub mod conn;
pub mod handwritten;
pub mod scenario;

pub use conn::{AsyncIo, ConnError, Io, RecvBuf, yield_now};
pub use scenario::{Client, ClientBytes, Config, Delimiter, Machine, Outcome, Scenario};
pub use twinbench_macros::scenario;

/// Everything a scenario file needs: `use twinbench::prelude::*;`.
pub mod prelude {
    pub use crate::scenario;
    pub use crate::{Outcome, Scenario};
}
