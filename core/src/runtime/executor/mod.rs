//! Executors for the async twin.
//!
//! - [`noalloc::Executor`]: what a careful person builds for a fixed set of tasks of one future
//!   type: futures stored unboxed in slots allocated at setup and never moved, wakers that are a
//!   pointer to the task's header with one static vtable, an intrusive run queue. No heap,
//!   atomics or thread-locals after setup (the one thread check is a thread-local's address).
//! - [`boxed::Executor`]: what most runtimes do: a boxed future per task and an `Arc` waker
//!   (`std::task::Wake`) that pushes the task's id onto the executor's run queue, found through
//!   a thread-local as in tokio's current-thread scheduler.
//!
//! Both keep the driver's rounds: poll every queued task until the queue is empty, then turn
//! the reactor once; a task woken while tasks are being polled (a foreign future waking itself)
//! runs after that turn, as a deferred machine does in the driver. (`yield_now()` does not rely
//! on this: the reactor holds a yielded task's waker until its next turn.)
//!
//! The reactor hands the executor the stored waker of each ready source ([`Turn`]): the
//! no-alloc executor queues its own tasks directly, as the driver queues a connection from its
//! event loop; the conventional one wakes every waker through its vtable ([`wake_stored`]).
//!
//! This file holds the traits both executors implement ([`Spawn`], [`RunTasks`]) and the one
//! they call ([`Turn`]); `boxed.rs` and `noalloc/` import them from here and
//! [`RunEnd`] from [`round`](crate::round), and nothing else of the
//! crate: an executor knows neither the reactor nor the network.

use core::cell::Cell;
use core::future::Future;
use core::task::Waker;

pub mod boxed;
pub mod external;
pub mod noalloc;

use crate::round::{RoundLimits, RunEnd};

/// Spawning a connection task from its argument (the accepted stream).
pub trait Spawn<A> {
    /// Starts a task for `arg`; it is first polled in the current round.
    fn spawn(&self, arg: A);
}

/// Running a root task (the accept loop) and every task it spawns.
pub trait RunTasks<A>: Spawn<A> {
    /// Polls `root` and the spawned tasks round by round, turning `turn` (the reactor) between
    /// rounds, until every task has finished or the round `limits` give up (a `u64`: at most
    /// that many turns). Tasks unfinished then are dropped in spawn order, then `root`.
    fn run<'l, R: Future<Output = ()>>(
        &self,
        root: R,
        turn: impl Turn,
        limits: impl Into<RoundLimits<'l>>,
    ) -> RunEnd;

    /// After a run that a panic unwound out of: drops the tasks it left behind (their streams
    /// deregister), so that nothing of it is polled again. The default is an empty run (a root
    /// that finishes at once, no rounds), whose start drops them; an executor that inlines its
    /// task's `poll` into `run` overrides it, since that empty run, a second instantiation of
    /// `run`, would be a second caller of the task's `poll` and cost it the inlining.
    fn abandon(&self, turn: impl Turn) {
        self.run(async {}, turn, 0);
    }
}

/// The reactor's side of a run: what the executor calls between rounds.
pub trait Turn {
    /// Polls for events once, and passes the cell holding the waker stored for each ready
    /// source to `wake`.
    ///
    /// `wake` is the executor's: it may recognise its own wakers and wake their task without
    /// the waker's vtable; any other waker it wakes with [`wake_stored`].
    fn turn(&mut self, wake: impl FnMut(&Cell<Option<Waker>>));
}

/// Wakes the waker stored in `cell` by reference and leaves it stored — unless waking it
/// stored a newer one (a waker may run any code), which is then kept.
///
/// If waking it deregistered the source (an executor that polls inside `wake`), the waker stays
/// in the free registration until the token is registered again and its new owner waits: at
/// most one spurious wake, which the `Waker` contract allows. (Clearing the cell at every
/// registration instead costs every connection a few instructions for this corner.)
#[inline]
pub fn wake_stored(cell: &Cell<Option<Waker>>) {
    if let Some(waker) = cell.take() {
        waker.wake_by_ref();
        if let Some(newer) = cell.replace(Some(waker)) {
            cell.set(Some(newer));
        }
    }
}

/// A [`Turn`] that only calls a function (no events), for driving an executor by hand.
pub struct TurnFn<F>(pub F);

impl<F: FnMut()> Turn for TurnFn<F> {
    fn turn(&mut self, _wake: impl FnMut(&Cell<Option<Waker>>)) {
        (self.0)();
    }
}
