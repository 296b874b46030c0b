//! The executors after misuse a safe program can commit: a panic caught out of `run`, a spawn
//! from `make` or from a root's `Drop`, a stale waker from an earlier run. Each is a clear panic
//! or a clean recovery, never undefined behaviour (Miri runs this file; it leaks executors on
//! purpose, so with `-Zmiri-ignore-leaks`). Found by review; each test reproduced its bug first.

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use twinbench::RunEnd;
use twinbench::runtime::executor::noalloc::Executor;
use twinbench::runtime::executor::{RunTasks, Spawn, TurnFn, boxed};

mod support;

thread_local! {
    static SPAWNER: Cell<Option<&'static dyn Spawn<u8>>> = const { Cell::new(None) };
    static STASH: RefCell<Option<Waker>> = const { RefCell::new(None) };
    static POLLS: Cell<u32> = const { Cell::new(0) };
}

/// Runs `executor` for up to 10 rounds with a root that spawns a task for each of `kinds`,
/// catching a panic that unwinds out of the run.
fn run_catching<E: RunTasks<u8>>(executor: &E, kinds: &[u8]) -> std::thread::Result<RunEnd> {
    catch_unwind(AssertUnwindSafe(|| {
        executor.run(
            async {
                for &kind in kinds {
                    executor.spawn(kind);
                }
            },
            TurnFn(|| ()),
            10,
        )
    }))
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

/// Task 0 parks with its waker stashed; on its next poll it spawns through a leaked handle.
/// Task 1 panics.
async fn stale_spawner(kind: u8) {
    match kind {
        0 => {
            let mut first = true;
            poll_fn(|cx| {
                if first {
                    first = false;
                    STASH.with(|s| *s.borrow_mut() = Some(cx.waker().clone()));
                    Poll::Pending
                } else {
                    SPAWNER.with(|s| s.get().unwrap().spawn(2));
                    Poll::Ready(())
                }
            })
            .await
        }
        1 => panic!("task 1 fails"),
        _ => {}
    }
}

#[test]
fn a_stale_task_from_a_panicked_run_cannot_spawn_over_itself() {
    let executor: &'static Executor<_, _> = Box::leak(Box::new(Executor::new(2, stale_spawner)));
    SPAWNER.with(|s| s.set(Some(executor)));
    let first = run_catching(executor, &[0, 1]);
    assert!(first.is_err());
    // The next run starts by emptying every slot: the stale task is gone, and its stashed
    // waker now names a finished task.
    let second = catch_unwind(AssertUnwindSafe(|| {
        executor.run(
            async { STASH.with(|s| s.borrow_mut().take().unwrap().wake()) },
            TurnFn(|| ()),
            10,
        )
    }));
    let message = panic_message(second.expect_err("waking a task of a panicked run"));
    assert!(message.contains("after it finished"), "{message}");
}

#[test]
fn a_healthy_run_after_a_caught_panic_finishes() {
    let executor = Executor::new(2, |kind: u8| async move {
        if kind == 1 {
            panic!("task fails")
        }
        support::wake_self_once().await;
    });
    let _ = run_catching(&executor, &[0, 1]);
    let turns = Cell::new(0);
    let end = executor.run(
        async { executor.spawn(0) },
        TurnFn(|| turns.set(turns.get() + 1)),
        50,
    );
    assert!(!end.stalled, "{end:?}");
    assert_eq!(end.rounds, 1);
}

#[test]
fn a_spawn_from_make_takes_the_next_slot() {
    let make = |kind: u8| {
        if kind == 1 {
            SPAWNER.with(|s| s.get().unwrap().spawn(2));
        }
        async move {
            POLLS.with(|p| p.set(p.get() + 1));
            support::wake_self_once().await;
        }
    };
    // Leaked so that `make` can reach the executor through a `'static` handle.
    let executor: &'static Executor<_, _> = Box::leak(Box::new(Executor::new(3, make)));
    SPAWNER.with(|s| s.set(Some(executor)));
    let end = executor.run(async { executor.spawn(1) }, TurnFn(|| ()), 5);
    assert!(!end.stalled, "{end:?}");
    assert_eq!(
        POLLS.with(Cell::get),
        2,
        "both tasks ran, each in its own slot"
    );
}

/// A root that never completes and spawns when dropped.
struct SpawnOnDrop<'a, E: Spawn<u8>>(&'a E);

impl<E: Spawn<u8>> Future for SpawnOnDrop<'_, E> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

impl<E: Spawn<u8>> Drop for SpawnOnDrop<'_, E> {
    fn drop(&mut self) {
        self.0.spawn(0);
    }
}

#[test]
fn a_root_that_spawns_while_being_dropped_is_refused() {
    let executor = Executor::new(1, |_: u8| async {});
    let stalled = catch_unwind(AssertUnwindSafe(|| {
        executor.run(SpawnOnDrop(&executor), TurnFn(|| ()), 3)
    }));
    let message = panic_message(stalled.expect_err("spawning during teardown"));
    assert!(message.contains("spawn is for tasks inside"), "{message}");
    let end = executor.run(async {}, TurnFn(|| ()), 50);
    assert!(!end.stalled, "{end:?}");
}

#[test]
fn the_boxed_executor_recovers_after_a_caught_panic() {
    let executor = boxed::Executor::new(2, |kind: u8| async move {
        if kind == 1 {
            panic!("task fails")
        }
        support::wake_self_once().await
    });
    let _ = run_catching(&executor, &[1, 0]);
    let end = executor.run(async { executor.spawn(0) }, TurnFn(|| ()), 50);
    assert!(!end.stalled, "{end:?}");
    assert_eq!(end.rounds, 1);
}

/// Counts its drops, and panics in the first one.
struct PanicOnDrop<'a>(&'a Cell<u32>);

impl Drop for PanicOnDrop<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
        if self.0.get() == 1 {
            panic!("a future's Drop fails");
        }
    }
}

#[test]
fn a_future_whose_drop_panics_is_never_dropped_twice() {
    let drops = Cell::new(0);
    let executor = Executor::new(2, |_: u8| {
        let guard = PanicOnDrop(&drops);
        async move {
            let _guard = guard;
            support::wake_self_once().await;
        }
    });
    let caught = run_catching(&executor, &[0, 1]);
    let message = panic_message(caught.expect_err("the first drop panics"));
    assert!(message.contains("Drop fails"), "{message}");
    // The failed slot is empty; the other task's future is still in its slot, dropped by the
    // next run's recovery, once.
    let end = executor.run(async { executor.spawn(0) }, TurnFn(|| ()), 10);
    assert!(!end.stalled, "{end:?}");
    assert_eq!(
        drops.get(),
        3,
        "two from the first run, one from the second"
    );
}

/// Wakes its task when dropped, as a guard or the other end of a channel would.
struct WakeOnDrop(Option<Waker>);

impl WakeOnDrop {
    fn arm(&mut self, waker: &Waker) {
        self.0 = Some(waker.clone());
    }
}

impl Drop for WakeOnDrop {
    fn drop(&mut self) {
        if let Some(waker) = self.0.take() {
            waker.wake();
        }
    }
}

#[test]
fn a_task_that_wakes_itself_while_being_dropped_is_ignored() {
    let make = |()| {
        let mut guard = WakeOnDrop(None);
        poll_fn(move |cx| {
            guard.arm(cx.waker());
            Poll::<()>::Pending
        })
    };
    // Cancelled at the round limit: dropped by the stalled teardown.
    let executor = Executor::new(1, make);
    let end = executor.run(async { executor.spawn(()) }, TurnFn(|| ()), 1);
    assert!(end.stalled, "{end:?}");
    // Dropped with the executor, after a run that a panic left behind.
    let executor = Executor::new(2, make);
    let caught = catch_unwind(AssertUnwindSafe(|| {
        executor.run(
            async {
                executor.spawn(());
                support::wake_self_once().await; // the task parks with its guard armed
                panic!("the root fails");
            },
            TurnFn(|| ()),
            5,
        )
    }));
    assert!(caught.is_err());
    drop(executor);
}

/// Counts its drops.
struct CountDrops<'a>(&'a Cell<u32>);

impl Drop for CountDrops<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// After a caught panic, `abandon` drops the task the panic left in its slot, once, without
/// polling it; a run after it starts from empty slots. In both executors.
fn abandon_drops_the_tasks_a_panic_left<E: RunTasks<u8>>(executor: &E, drops: &Cell<u32>) {
    // Kind 0 parks (its waker never woken), kind 1 panics: kind 0 stays in its slot.
    let _ = run_catching(executor, &[0, 1]);
    // The panicking task's locals are dropped while unwinding; the parked task stays.
    assert_eq!(drops.get(), 1, "the panic left the parked task in its slot");
    let polls = POLLS.with(Cell::get);
    executor.abandon(TurnFn(|| panic!("abandon turns no reactor")));
    assert_eq!(drops.get(), 2, "abandon dropped the parked task");
    assert_eq!(POLLS.with(Cell::get), polls, "abandon polled a task");
    executor.abandon(TurnFn(|| ()));
    assert_eq!(drops.get(), 2, "a second abandon drops nothing");
    let end = executor.run(async {}, TurnFn(|| ()), 5);
    assert!(!end.stalled, "{end:?}");
}

fn parked_or_panicking(kind: u8, drops: &Cell<u32>) -> impl Future<Output = ()> + '_ {
    let guard = CountDrops(drops);
    async move {
        let _guard = guard;
        POLLS.with(|p| p.set(p.get() + 1));
        if kind == 1 {
            panic!("task fails")
        }
        std::future::pending::<()>().await;
    }
}

#[test]
fn abandon_drops_what_a_panic_left_without_polling() {
    let drops = Cell::new(0);
    let executor = Executor::new(2, |kind: u8| parked_or_panicking(kind, &drops));
    abandon_drops_the_tasks_a_panic_left(&executor, &drops);
    let drops = Cell::new(0);
    let executor = boxed::Executor::new(2, |kind: u8| parked_or_panicking(kind, &drops));
    abandon_drops_the_tasks_a_panic_left(&executor, &drops);
}
