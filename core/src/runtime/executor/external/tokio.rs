//! tokio: a current-thread runtime (`rt` only: no I/O or time driver, the fake reactor is ours)
//! and a `LocalSet`, tasks spawned with `spawn_local` as a user's `!Send` tasks are.
//!
//! A run happens inside `Runtime::block_on` and `LocalSet::enter`, so the root's spawns reach
//! the set. Running until idle polls the `LocalSet` itself, as `block_on` would: each poll
//! runs up to tokio's per-tick budget of tasks and wakes our waker if tasks are left in its
//! queue (it also wakes it when a task is woken from outside the set, as the reactor's wakes
//! are); a poll that leaves the flag down found the queue empty.

use core::cell::RefCell;
use core::future::{Future, poll_fn};
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use ::tokio::runtime::{Builder, Runtime};
use ::tokio::task::LocalSet;

use super::{Flag, LocalRuntime};

/// tokio's current-thread runtime and a `LocalSet`.
pub struct Tokio {
    runtime: Runtime,
    local: RefCell<LocalSet>,
    /// Raised when the `LocalSet` wakes the task polling it: more work is queued.
    woken: Arc<Flag>,
    waker: Waker,
}

impl Tokio {
    /// A current-thread runtime with no drivers, and an empty `LocalSet`.
    pub fn new() -> Tokio {
        let runtime = Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime without drivers builds");
        let woken = Arc::new(Flag::default());
        Tokio {
            runtime,
            local: RefCell::new(LocalSet::new()),
            waker: Waker::from(Arc::clone(&woken)),
            woken,
        }
    }
}

impl Default for Tokio {
    fn default() -> Self {
        Tokio::new()
    }
}

impl<F: Future<Output = ()> + 'static> LocalRuntime<F> for Tokio {
    #[inline]
    fn spawn(&self, future: F) {
        drop(::tokio::task::spawn_local(future));
    }

    #[inline]
    fn run_until_idle(&self) {
        let mut local = self.local.borrow_mut();
        let mut cx = Context::from_waker(&self.waker);
        loop {
            self.woken.0.store(false, Ordering::Relaxed);
            if Pin::new(&mut *local).poll(&mut cx).is_ready() {
                return; // no task left
            }
            if !self.woken.0.load(Ordering::Relaxed) {
                return; // tasks left, none queued
            }
        }
    }

    fn drop_tasks(&self) {
        // A `LocalSet` drops its tasks when dropped; nothing else cancels them all.
        drop(self.local.replace(LocalSet::new()));
    }

    fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let mut f = Some(f);
        self.runtime.block_on(poll_fn(|_| {
            let _entered = self.local.borrow().enter();
            Poll::Ready(f.take().expect("polled once")())
        }))
    }
}
