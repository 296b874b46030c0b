//! The conventional executor: what most runtimes do. Each task's future is boxed
//! (`Pin<Box<dyn Future>>`), each task has an `Arc` waker (`std::task::Wake`) that pushes the
//! task's id onto a `Mutex`-protected queue shared with the executor. Allocates per task; kept
//! as the baseline the no-alloc design is measured against.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::{Pin, pin};
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Waker};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Wake;

use super::{Run, RunEnd, Spawn};

/// The root task's id; spawned tasks are `0..`.
const ROOT: usize = usize::MAX;

type BoxFuture<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// The queues wakers push onto.
#[derive(Default)]
struct Queues {
    ready: VecDeque<usize>,
    deferred: Vec<usize>,
    /// A task is being polled: wakes go to `deferred`.
    polling: bool,
}

#[derive(Default)]
struct Shared {
    queues: Mutex<Queues>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queues> {
        // A panic while holding the lock cannot leave the queues half-updated.
        self.queues.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One task's waker.
struct TaskWaker {
    id: usize,
    queued: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let mut queues = self.shared.lock();
        if queues.polling {
            queues.deferred.push(self.id);
        } else {
            queues.ready.push_back(self.id);
        }
    }
}

/// A spawned task.
struct Task<'a> {
    future: Option<BoxFuture<'a>>,
    waker: Arc<TaskWaker>,
}

/// The boxed-futures, `Arc`-wakers executor. See the [module docs](self).
pub struct Executor<'a, G> {
    make: G,
    shared: Arc<Shared>,
    tasks: RefCell<Vec<Task<'a>>>,
    live: Cell<usize>,
    running: Cell<bool>,
}

impl<'a, G> Executor<'a, G> {
    /// An executor whose tasks are made by `make` from the argument of [`Spawn::spawn`], with
    /// room for `capacity` tasks before its task list grows.
    pub fn new<A, F>(capacity: usize, make: G) -> Self
    where
        G: Fn(A) -> F,
        F: Future<Output = ()> + 'a,
    {
        let shared = Arc::new(Shared::default());
        {
            let mut queues = shared.lock();
            queues.ready.reserve(capacity + 1);
            queues.deferred.reserve(capacity + 1);
        }
        Executor {
            make,
            shared,
            tasks: RefCell::new(Vec::with_capacity(capacity)),
            live: Cell::new(0),
            running: Cell::new(false),
        }
    }

    fn task_waker(&self, id: usize) -> Arc<TaskWaker> {
        Arc::new(TaskWaker {
            id,
            queued: AtomicBool::new(true),
            shared: Arc::clone(&self.shared),
        })
    }
}

impl<'a, A, F, G> Spawn<A> for Executor<'a, G>
where
    G: Fn(A) -> F,
    F: Future<Output = ()> + 'a,
{
    fn spawn(&self, arg: A) {
        assert!(
            self.running.get(),
            "twinbench: spawn is for tasks inside Executor::run"
        );
        let future: BoxFuture<'a> = Box::pin((self.make)(arg));
        let mut tasks = self.tasks.borrow_mut();
        let id = tasks.len();
        tasks.push(Task {
            future: Some(future),
            waker: self.task_waker(id),
        });
        self.live.set(self.live.get() + 1);
        self.shared.lock().ready.push_back(id);
    }
}

impl<'a, A, F, G> Run<A> for Executor<'a, G>
where
    G: Fn(A) -> F,
    F: Future<Output = ()> + 'a,
{
    fn run<R: Future<Output = ()>>(
        &self,
        root: R,
        mut turn: impl FnMut(),
        max_rounds: u64,
    ) -> RunEnd {
        assert!(
            !self.running.replace(true),
            "twinbench: Executor::run is not re-entrant"
        );
        let _running = ResetOnDrop(&self.running);
        // Start afresh, also after a run that a panic unwound out of.
        self.tasks.borrow_mut().clear();
        self.live.set(0);
        {
            let mut queues = self.shared.lock();
            queues.ready.clear();
            queues.deferred.clear();
            queues.polling = false;
        }
        let mut root = pin!(root);
        let root_waker = self.task_waker(ROOT);
        let root_as_waker = Waker::from(Arc::clone(&root_waker));
        let mut root_done = false;
        self.shared.lock().ready.push_back(ROOT);
        let mut rounds = 0;
        let stalled = loop {
            loop {
                let id = {
                    let mut queues = self.shared.lock();
                    let Some(id) = queues.ready.pop_front() else {
                        break;
                    };
                    queues.polling = true;
                    id
                };
                if id == ROOT {
                    root_waker.queued.store(false, Ordering::Release);
                    if !root_done {
                        root_done = root
                            .as_mut()
                            .poll(&mut Context::from_waker(&root_as_waker))
                            .is_ready();
                    }
                } else {
                    // Take the future out while it is polled: it may spawn (and so push to the
                    // task list) from inside `poll`.
                    let (future, waker) = {
                        let mut tasks = self.tasks.borrow_mut();
                        let task = &mut tasks[id];
                        task.waker.queued.store(false, Ordering::Release);
                        (task.future.take(), Waker::from(Arc::clone(&task.waker)))
                    };
                    if let Some(mut future) = future {
                        if future
                            .as_mut()
                            .poll(&mut Context::from_waker(&waker))
                            .is_pending()
                        {
                            self.tasks.borrow_mut()[id].future = Some(future);
                        } else {
                            self.live.set(self.live.get() - 1);
                        }
                    }
                }
                self.shared.lock().polling = false;
            }
            if root_done && self.live.get() == 0 {
                break false;
            }
            if rounds == max_rounds {
                break true;
            }
            rounds += 1;
            turn();
            let mut queues = self.shared.lock();
            let Queues {
                ready, deferred, ..
            } = &mut *queues;
            ready.extend(deferred.drain(..));
        };
        if stalled {
            let unfinished: Vec<_> = self
                .tasks
                .borrow_mut()
                .iter_mut()
                .filter_map(|task| task.future.take())
                .collect();
            drop(unfinished);
            self.live.set(0);
        }
        let mut queues = self.shared.lock();
        queues.ready.clear();
        queues.deferred.clear();
        RunEnd { rounds, stalled }
    }

    fn task_size(&self) -> usize {
        size_of::<F>()
    }
}

/// Clears a flag when dropped, also when unwinding.
struct ResetOnDrop<'a>(&'a Cell<bool>);

impl Drop for ResetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}
