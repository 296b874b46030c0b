//! async-executor's `LocalExecutor` (the executor smol runs): tasks spawned with `spawn` and
//! detached, run with `try_tick` until it finds no task to run.

use core::cell::RefCell;
use core::future::Future;

use ::async_executor::LocalExecutor;

use super::LocalRuntime;

/// async-executor's single-threaded executor; its tasks may borrow for `'a`.
#[derive(Default)]
pub struct Smol<'a> {
    executor: RefCell<LocalExecutor<'a>>,
}

impl Smol<'_> {
    /// An empty executor.
    pub fn new() -> Self {
        Smol::default()
    }
}

impl<'a, F: Future<Output = ()> + 'a> LocalRuntime<F> for Smol<'a> {
    #[inline]
    fn spawn(&self, future: F) {
        self.executor.borrow().spawn(future).detach();
    }

    #[inline]
    fn run_until_idle(&self) {
        let executor = self.executor.borrow();
        while executor.try_tick() {}
    }

    fn drop_tasks(&self) {
        // Dropping the executor cancels its tasks; nothing else cancels them all.
        drop(self.executor.replace(LocalExecutor::new()));
    }
}
