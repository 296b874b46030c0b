//! Executors for the async twin.
//!
//! - [`noalloc::Executor`]: what a careful person builds for a fixed set of tasks of one future
//!   type: futures stored unboxed in slots allocated at setup and never moved, wakers that are a
//!   pointer to the task's header with one static vtable, an intrusive run queue. No heap,
//!   atomics or thread-locals after setup (the one thread check is a thread-local's address).
//! - [`boxed::Executor`]: what most runtimes do: a boxed future per task and an `Arc` waker
//!   (`std::task::Wake`) that pushes the task's id onto a shared queue.
//!
//! Both keep the driver's rounds: poll every queued task until the queue is empty, then turn
//! the reactor once; a task woken while tasks are being polled (`yield_now()`) runs after that
//! turn, as a deferred machine does in the driver.

use core::future::Future;

pub mod boxed;
pub mod noalloc;

pub use crate::driver::RunEnd;

/// Spawning a connection task from its argument (the accepted stream).
pub trait Spawn<A> {
    /// Starts a task for `arg`; it is first polled in the current round.
    fn spawn(&self, arg: A);
}

/// Running a root task (the accept loop) and every task it spawns.
pub trait Run<A>: Spawn<A> {
    /// Polls `root` and the spawned tasks round by round, calling `turn` (the reactor) between
    /// rounds, until every task has finished or `max_rounds` turns were made. Tasks unfinished
    /// then are dropped in spawn order, then `root`.
    fn run<R: Future<Output = ()>>(&self, root: R, turn: impl FnMut(), max_rounds: u64) -> RunEnd;

    /// Size in bytes of one task's future.
    fn task_size(&self) -> usize;
}
