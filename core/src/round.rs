//! How both twins' loops go round, and how a run of rounds ends ([`RunEnd`]).
//!
//! One round is: accept while the listener is ready; run every queued connection until it
//! finishes or would block; poll once; queue the connections the events name, then those that
//! deferred themselves (`yield_now()`: the driver keeps them, and on the async side the
//! [`reactor`](crate::runtime::reactor) keeps their wakers, whatever the executor). The
//! poll-loop [`driver`](crate::driver) and every executor in
//! [`executor`](crate::runtime::executor) keep these rounds, so both twins make the same number
//! of polls; each returns a [`RunEnd`].
//!
//! May import nothing of the crate: both twins' loops import it.

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunEnd {
    /// Polls made.
    pub rounds: u64,
    /// Whether the run stopped at its round limit with connections unfinished (they are
    /// reported as [`Outcome::Stalled`](crate::scenario::Outcome::Stalled)).
    pub stalled: bool,
}
