//! A future that misuses its waker gets a clear panic from the no-alloc executor, never
//! undefined behaviour. The executor deliberately leaks its slots while a waker is alive (so
//! the waker never dangles): under Miri, run this file with `-Zmiri-ignore-leaks`.

use core::cell::RefCell;
use core::future::{Future, poll_fn};
use core::task::{Poll, Waker};
use std::panic::{AssertUnwindSafe, catch_unwind};

use twinbench::runtime::executor::noalloc::Executor;
use twinbench::runtime::executor::{RunTasks, Spawn, TurnFn};

/// Spawns one task per argument from the root, then runs to completion.
fn run_tasks<A: Copy, F: Future<Output = ()>>(
    args: &[A],
    make: impl Fn(A) -> F,
) -> twinbench::RunEnd {
    let executor = Executor::new(args.len(), make);
    let root = async {
        for &arg in args {
            executor.spawn(arg);
        }
    };
    executor.run(root, TurnFn(|| ()), 100)
}

/// A future that keeps a clone of its waker in `stash` and completes.
fn leaks_waker(stash: &RefCell<Option<Waker>>) -> impl Future<Output = ()> + '_ {
    poll_fn(move |cx| {
        *stash.borrow_mut() = Some(cx.waker().clone());
        Poll::Ready(())
    })
}

#[test]
fn a_waker_that_outlives_its_task_is_a_clear_panic() {
    let stash = RefCell::new(None);
    let panic = catch_unwind(AssertUnwindSafe(|| {
        run_tasks(&[()], |()| leaks_waker(&stash))
    }))
    .expect_err("the executor must detect the surviving waker");
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(message.contains("outlived the task"), "{message}");

    // The executor leaked its slots rather than free them under a live waker: waking it now is
    // another clear panic, not a use-after-free (Miri checks this).
    let waker = stash.borrow_mut().take().unwrap();
    let panic =
        catch_unwind(AssertUnwindSafe(|| waker.wake_by_ref())).expect_err("waking a finished task");
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(message.contains("after it finished"), "{message}");
    drop(waker);
}

#[test]
fn a_waker_used_on_another_thread_is_a_clear_panic() {
    let stash = RefCell::new(None);
    let _ = catch_unwind(AssertUnwindSafe(|| {
        run_tasks(&[()], |()| leaks_waker(&stash))
    }));
    let waker = stash.borrow_mut().take().unwrap();
    let from_thread = std::thread::spawn(move || {
        let result = catch_unwind(AssertUnwindSafe(|| waker.wake_by_ref()));
        // The waker must not be dropped on this thread either: hand it back.
        (result.is_err(), waker)
    });
    let (panicked, waker) = from_thread.join().unwrap();
    assert!(panicked, "waking on a foreign thread must panic, not race");
    std::mem::forget(waker); // dropping it here is fine too, but keep the leaked slot quiet
}

#[test]
fn a_waker_dropped_on_another_thread_while_unwinding_does_not_abort() {
    let stash = RefCell::new(None);
    let _ = catch_unwind(AssertUnwindSafe(|| {
        run_tasks(&[()], |()| leaks_waker(&stash))
    }));
    let waker = stash.borrow_mut().take().unwrap();
    let from_thread = std::thread::spawn(move || {
        // The wake panics (wrong thread) and unwinding drops the waker here, on the wrong
        // thread too: that drop must not panic again (which would abort the process).
        catch_unwind(AssertUnwindSafe(move || waker.wake_by_ref())).is_err()
    });
    assert!(from_thread.join().unwrap(), "the wake panicked");
}
