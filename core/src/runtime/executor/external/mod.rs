//! The runtimes people use, behind our [`RunTasks`]: tokio's current-thread runtime with a
//! `LocalSet`, async-executor's `LocalExecutor` (smol's), and futures' `LocalPool`. Each is
//! compiled behind a cargo feature of the crate (`tokio`, `smol`, `futures`).
//!
//! One shape for all, the rounds of our own executors: [`Rounds`] polls the root (the accept
//! loop) when woken, then lets the runtime run its tasks until none is ready
//! ([`LocalRuntime::run_until_idle`]); it stops when the root and every task have finished or at
//! the round limit, and otherwise turns the reactor once. The runtime spawns each connection
//! task as a user's code would, detached; what the integration adds is a live-task count
//! ([`Live`]: a thread-local counter raised at spawn and lowered when the runtime drops the
//! future, the same two stores our no-alloc executor makes for its own count) and, for tokio, a
//! flag that tells whether its `LocalSet` is idle.
//!
//! The root is polled by [`Rounds`] itself, as our executors poll theirs (first in each round,
//! when woken), inside the runtime's context ([`LocalRuntime::scope`]) so that it can spawn.
//!
//! May import: the executor traits ([`super`]) and [`RunEnd`]; nothing of the reactor.

use core::cell::Cell;
use core::future::Future;
use core::pin::{Pin, pin};
use core::task::{Context, Poll, Waker};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Wake;

use super::{RunTasks, Spawn, Turn, wake_stored};
use crate::round::{RoundCount, RoundLimits, RunEnd};

#[cfg(feature = "futures")]
pub mod futures;
#[cfg(feature = "smol")]
pub mod smol;
#[cfg(feature = "tokio")]
pub mod tokio;

/// What [`Rounds`] needs of a runtime, for futures of type `F`.
pub trait LocalRuntime<F> {
    /// Spawns `future`, detached: it is first polled in the current round.
    fn spawn(&self, future: F);
    /// Runs tasks until none is ready (every task is waiting for a wake).
    fn run_until_idle(&self);
    /// Drops every task still spawned (a run stopped at its round limit, or one a panic
    /// unwound out of).
    fn drop_tasks(&self);
    /// Runs `f` (a whole run of rounds) in the runtime's context: where a spawn from outside a
    /// task works (tokio's `Runtime::block_on` and `LocalSet::enter`).
    fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        f()
    }
}

std::thread_local! {
    /// Tasks spawned by the [`Rounds::run`] running on this thread and not yet dropped.
    ///
    /// Thread-local rather than shared through an `Rc` in each task: raising and lowering it is
    /// then one store each, as our own executors' counts are, where an `Rc` added a reference
    /// count to bump at spawn and to check at drop (8 instructions per connection on echo). A
    /// run saves the count it finds and puts it back when it ends, so a run nested inside
    /// another's task (on the same thread) does not disturb the outer one's.
    static LIVE: Cell<usize> = const { Cell::new(0) };
}

/// A spawned connection task: its future, which lowers the live-task count when dropped
/// (after finishing, or when cancelled).
pub struct Live<F> {
    future: F,
}

impl<F: Future<Output = ()>> Future for Live<F> {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `future` is structurally pinned: it is never moved out of a pinned `Live`
        // (no method moves it, and `Drop` touches only `live`), and `Live` is not `Unpin`
        // unless `F` is.
        unsafe { self.map_unchecked_mut(|live| &mut live.future) }.poll(cx)
    }
}

impl<F> Drop for Live<F> {
    #[inline]
    fn drop(&mut self) {
        // Wrapping: a task cancelled after its run ended (its runtime dropped later) must not
        // panic in a destructor; the next run starts its count afresh.
        LIVE.with(|live| live.set(live.get().wrapping_sub(1)));
    }
}

/// Sets a flag when woken: the root's waker.
#[derive(Default)]
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::Relaxed);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// An external runtime driven in our rounds. See the [module docs](self).
pub struct Rounds<X, G> {
    runtime: X,
    make: G,
    root_woken: Arc<Flag>,
    root_waker: Waker,
    running: Cell<bool>,
    /// The last run ended normally, so no task is left in the runtime.
    clean: Cell<bool>,
}

impl<X, G> Rounds<X, G> {
    /// Rounds over `runtime`, whose tasks are made by `make` from the argument of
    /// [`Spawn::spawn`].
    pub fn new(runtime: X, make: G) -> Self {
        let root_woken = Arc::new(Flag::default());
        Rounds {
            runtime,
            make,
            root_waker: Waker::from(Arc::clone(&root_woken)),
            root_woken,
            running: Cell::new(false),
            clean: Cell::new(true),
        }
    }
}

impl<A, F, G, X> Spawn<A> for Rounds<X, G>
where
    G: Fn(A) -> F,
    F: Future<Output = ()>,
    X: LocalRuntime<Live<F>>,
{
    /// Spawns a connection task. Only a task of the current [`RunTasks::run`] may spawn (the
    /// accept loop does): a task spawned between runs would lower the next run's live count
    /// below its true value, and that run would end at its round limit, stalled. Checked in
    /// debug builds only: in release builds the check cost 3 instructions per connection, as
    /// much as the count itself.
    #[inline]
    fn spawn(&self, arg: A) {
        debug_assert!(
            self.running.get(),
            "twinbench: spawn is for tasks inside Rounds::run"
        );
        let future = (self.make)(arg);
        LIVE.with(|live| live.set(live.get() + 1));
        self.runtime.spawn(Live { future });
    }
}

impl<A, F, G, X> RunTasks<A> for Rounds<X, G>
where
    G: Fn(A) -> F,
    F: Future<Output = ()>,
    X: LocalRuntime<Live<F>>,
{
    fn run<'l, R: Future<Output = ()>>(
        &self,
        root: R,
        mut turn: impl Turn,
        limits: impl Into<RoundLimits<'l>>,
    ) -> RunEnd {
        let mut limits = limits.into();
        assert!(
            !self.running.replace(true),
            "twinbench: Rounds::run is not re-entrant"
        );
        let _end = EndOfRun {
            running: &self.running,
            outer_live: LIVE.replace(0),
        };
        if !self.clean.replace(false) {
            // Tasks a panic left behind: their drops lower the count, which starts afresh.
            self.runtime.drop_tasks();
            LIVE.set(0);
        }
        let mut root = pin!(root);
        self.root_woken.0.store(true, Ordering::Relaxed);
        let end = self.runtime.scope(|| {
            let mut root_done = false;
            let mut rounds = RoundCount::default();
            let stalled = loop {
                if !root_done && self.root_woken.0.swap(false, Ordering::Relaxed) {
                    let mut cx = Context::from_waker(&self.root_waker);
                    root_done = root.as_mut().poll(&mut cx).is_ready();
                }
                self.runtime.run_until_idle();
                if root_done && LIVE.get() == 0 {
                    break false;
                }
                if rounds.end_of_round(&mut limits) {
                    break true;
                }
                turn.turn(wake_stored);
            };
            rounds.end(stalled)
        });
        self.running.set(false);
        if end.stalled {
            // Tasks first, then the root (at the end of this function), as our executors
            // drop them; the runtime decides the order among its tasks.
            self.runtime.drop_tasks();
        }
        self.clean.set(true);
        end
    }
}

/// Marks the end of `run`, also when a panic unwinds out of it, and gives back the live-task
/// count of the code that called it.
struct EndOfRun<'a> {
    running: &'a Cell<bool>,
    outer_live: usize,
}

impl Drop for EndOfRun<'_> {
    fn drop(&mut self) {
        self.running.set(false);
        LIVE.set(self.outer_live);
    }
}
