//! The no-alloc executor's contract, tested directly: rounds, deferral, round limits.
//! Waker misuse is in `waker_misuse.rs`.

use core::cell::{Cell, RefCell};
use core::future::{Future, poll_fn};
use core::task::{Poll, Waker};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::Wake;

use twinbench::runtime::executor::noalloc::Executor;
use twinbench::runtime::executor::{RunTasks, Spawn, Turn, TurnFn};

mod support;

/// Spawns one task per argument from the root, then runs to completion.
fn run_tasks<A: Copy, F: Future<Output = ()>>(
    args: &[A],
    make: impl Fn(A) -> F,
    turns: &Cell<u64>,
) -> twinbench::RunEnd {
    let executor = Executor::new(args.len(), make);
    let root = async {
        for &arg in args {
            executor.spawn(arg);
        }
    };
    executor.run(root, TurnFn(|| turns.set(turns.get() + 1)), 100)
}

#[test]
fn tasks_run_in_spawn_order_and_yield_to_the_next_round() {
    let log = RefCell::new(Vec::new());
    let turns = Cell::new(0);
    let end = run_tasks(
        &[0, 1, 2],
        |id| {
            let log = &log;
            async move {
                log.borrow_mut().push((id, 'a'));
                support::wake_self_once().await;
                log.borrow_mut().push((id, 'b'));
            }
        },
        &turns,
    );
    assert!(!end.stalled);
    assert_eq!(
        end.rounds, 1,
        "yielded tasks resume after exactly one reactor turn"
    );
    assert_eq!(turns.get(), 1);
    assert_eq!(
        *log.borrow(),
        [(0, 'a'), (1, 'a'), (2, 'a'), (0, 'b'), (1, 'b'), (2, 'b')]
    );
}

#[test]
fn a_run_that_never_finishes_stops_at_its_round_limit_and_drops_its_tasks() {
    struct DropCounter<'a>(&'a Cell<u32>);
    impl Drop for DropCounter<'_> {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let dropped = Cell::new(0);
    let turns = Cell::new(0);
    let end = run_tasks(
        &[(), ()],
        |()| {
            let guard = DropCounter(&dropped);
            async move {
                let _guard = guard;
                loop {
                    support::wake_self_once().await;
                }
            }
        },
        &turns,
    );
    assert!(end.stalled);
    assert_eq!(end.rounds, 100);
    assert_eq!(dropped.get(), 2);
}

#[test]
fn wakers_dropped_before_completion_free_the_executor_normally() {
    let turns = Cell::new(0);
    let end = run_tasks(
        &[1, 2],
        |_| {
            poll_fn(|cx| {
                let clone = cx.waker().clone();
                drop(clone);
                Poll::Ready(())
            })
        },
        &turns,
    );
    assert!(!end.stalled);
    assert_eq!(end.rounds, 0);
}

#[test]
fn the_boxed_executor_takes_wakes_from_other_threads() {
    use twinbench::runtime::executor::boxed;
    let polls = Cell::new(0);
    let executor = boxed::Executor::new(1, |()| {
        let polls = &polls;
        poll_fn(move |cx| {
            polls.set(polls.get() + 1);
            if polls.get() > 1 {
                return Poll::Ready(());
            }
            // Woken from another thread before this poll returns: through the remote queue.
            let waker = cx.waker().clone();
            std::thread::spawn(move || waker.wake()).join().unwrap();
            Poll::Pending
        })
    });
    let end = executor.run(async { executor.spawn(()) }, TurnFn(|| ()), 10);
    assert!(!end.stalled, "{end:?}");
    assert_eq!(end.rounds, 1, "the remote wake is taken after one turn");
    assert_eq!(polls.get(), 2);
}

#[test]
fn a_task_that_wakes_itself_and_finishes_is_polled_once() {
    let polls = Cell::new(0);
    let turns = Cell::new(0);
    let end = run_tasks(
        &[(), ()],
        |()| {
            poll_fn(|cx| {
                polls.set(polls.get() + 1);
                // Links the finished task into the deferred queue; the run loop must skip it.
                cx.waker().wake_by_ref();
                Poll::Ready(())
            })
        },
        &turns,
    );
    assert!(!end.stalled);
    assert_eq!(polls.get(), 2);
}

/// A reactor stand-in: each turn hands every stashed waker to the executor's wake, in a cell
/// as a reactor stores it, and stashes it again.
struct StashTurn<'a>(&'a RefCell<Vec<Waker>>);

impl Turn for StashTurn<'_> {
    fn turn(&mut self, mut wake: impl FnMut(&Cell<Option<Waker>>)) {
        let wakers = self.0.take();
        for waker in wakers {
            let cell = Cell::new(Some(waker));
            wake(&cell);
            let waker = cell
                .take()
                .expect("the executor's wake leaves the waker stored");
            self.0.borrow_mut().push(waker);
        }
    }
}

/// Counts the wakes it gets through its vtable.
struct CountingWaker(AtomicU32);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn the_reactors_wake_queues_own_tasks_and_wakes_foreign_wakers() {
    let stash = RefCell::new(Vec::new());
    let foreign = Arc::new(CountingWaker(AtomicU32::new(0)));
    stash.borrow_mut().push(Waker::from(foreign.clone()));
    let executor = Executor::new(2, |_: u32| {
        let stash = &stash;
        let mut parked = false;
        poll_fn(move |cx| {
            if parked {
                // Woken by the turn: take the stashed clone back before finishing.
                stash.borrow_mut().retain(|w| !w.will_wake(cx.waker()));
                return Poll::Ready(());
            }
            parked = true;
            stash.borrow_mut().push(cx.waker().clone());
            Poll::Pending
        })
    });
    let end = executor.run(
        async {
            executor.spawn(0);
            executor.spawn(1);
        },
        StashTurn(&stash),
        10,
    );
    assert!(!end.stalled, "{end:?}");
    assert_eq!(end.rounds, 1, "both tasks were queued by the first turn");
    assert_eq!(
        foreign.0.load(Ordering::Relaxed),
        1,
        "a foreign waker is woken through its vtable"
    );
}

/// Under [`Recycled`](twinbench::slots::Recycled) slots, tasks that wake themselves in their
/// last poll stay linked into the deferred queue, their slots `LINKED`, until the next round
/// pops the links — after the root, polled first, spawns again. With as many slots as the
/// limit, that spawn found none and panicked; the executor keeps twice as many.
#[test]
fn a_recycled_executor_spawns_while_finished_tasks_are_still_linked() {
    let finished = Cell::new(0);
    let executor = Executor::<_, _, twinbench::slots::Recycled>::with_slots(2, |_: u32| {
        let finished = &finished;
        poll_fn(move |cx| {
            cx.waker().wake_by_ref();
            finished.set(finished.get() + 1);
            Poll::Ready(())
        })
    });
    let root = async {
        for round in 0..3 {
            executor.spawn(2 * round);
            executor.spawn(2 * round + 1);
            support::wake_self_once().await;
        }
    };
    let end = executor.run(root, TurnFn(|| {}), 100);
    assert!(!end.stalled);
    assert_eq!(finished.get(), 6);
}

/// A recycled spawn that finds no free slot panics, and its argument (an accepted stream, in
/// a run) is dropped while that panic unwinds (the stream's `Drop` names the connection then),
/// not leaked, and not dropped before the panic.
#[test]
fn a_recycled_spawn_with_no_slot_free_panics_and_drops_its_argument_while_unwinding() {
    struct Arg<'a>(&'a Cell<Option<bool>>);
    impl Drop for Arg<'_> {
        fn drop(&mut self) {
            self.0.set(Some(std::thread::panicking()));
        }
    }
    let (kept, refused) = (Cell::new(None), Cell::new(None));
    // One live task at most: two slots, and both are taken by tasks that never finish.
    let executor =
        Executor::<_, _, twinbench::slots::Recycled>::with_slots(1, |arg: Arg<'_>| async move {
            let _arg = arg;
            core::future::pending::<()>().await;
        });
    let root = async {
        executor.spawn(Arg(&kept));
        executor.spawn(Arg(&kept));
        executor.spawn(Arg(&refused));
    };
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        executor.run(root, TurnFn(|| {}), 100)
    }))
    .expect_err("a third live task has no slot");
    let message = panicked
        .downcast_ref::<String>()
        .map(String::as_str)
        .unwrap_or_default();
    assert!(message.contains("more live connection tasks"), "{message}");
    assert_eq!(refused.get(), Some(true), "dropped while the panic unwound");
    drop(executor);
    assert_eq!(
        kept.get(),
        Some(false),
        "the spawned tasks are dropped with the executor"
    );
}
