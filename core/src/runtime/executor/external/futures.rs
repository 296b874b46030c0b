//! futures' `LocalPool`: tasks spawned through its `LocalSpawner` (boxed into a
//! `LocalFutureObj`, as `LocalSpawnExt::spawn_local` does), run with `run_until_stalled`.

use core::cell::RefCell;
use core::future::Future;

use ::futures_executor::{LocalPool, LocalSpawner};
use ::futures_task::{LocalFutureObj, LocalSpawn};

use super::LocalRuntime;

/// futures' single-threaded pool and its spawner.
pub struct Futures {
    pool: RefCell<LocalPool>,
    spawner: RefCell<LocalSpawner>,
}

impl Futures {
    /// An empty pool.
    pub fn new() -> Futures {
        let pool = LocalPool::new();
        Futures {
            spawner: RefCell::new(pool.spawner()),
            pool: RefCell::new(pool),
        }
    }
}

impl Default for Futures {
    fn default() -> Self {
        Futures::new()
    }
}

impl<F: Future<Output = ()> + 'static> LocalRuntime<F> for Futures {
    #[inline]
    fn spawn(&self, future: F) {
        self.spawner
            .borrow()
            .spawn_local_obj(LocalFutureObj::new(Box::new(future)))
            .expect("the pool outlives its spawner");
    }

    #[inline]
    fn run_until_idle(&self) {
        self.pool.borrow_mut().run_until_stalled();
    }

    fn drop_tasks(&self) {
        // Dropping the pool drops its tasks; nothing else cancels them all.
        let pool = LocalPool::new();
        drop(self.spawner.replace(pool.spawner()));
        drop(self.pool.replace(pool));
    }
}
