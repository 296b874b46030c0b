//! The conventional executor: what most runtimes do. Each task's future is boxed
//! (`Pin<Box<dyn Future>>`) and each task has an `Arc` waker (`std::task::Wake`). As in tokio's
//! current-thread scheduler, a wake on the executor's own thread pushes the task's id onto the
//! executor's local run queue, found through a thread-local "current executor" slot, without a
//! lock; a wake from another thread goes through a `Mutex`-protected queue that the executor
//! drains between rounds. Allocates per task; kept as the baseline the no-alloc design is
//! measured against. No `unsafe`.
//!
//! The type parameter `L` ([`Slots`]) says whether task ids are recycled. Under
//! [`PerConnection`] (no connection limit) every spawn takes the next id, as before the limit
//! existed. Under [`Recycled`] (a connection limit) a finished task's entry in the task list
//! is reused by a later spawn (ids of finished tasks wait on a free stack), as a runtime's task
//! slab is, so the list grows with the live tasks, not with all the run has spawned. Each spawn
//! still allocates its box and a fresh `Arc` waker; a finished task's waker is closed first
//! (its `queued` flag stays up), so a clone that outlives its task never wakes the task that
//! reuses the id, and an id still in a run queue is freed only once that entry is popped.
//!
//! May import: the executor traits ([`super`]), [`round`](crate::round) and
//! [`slots`](crate::slots).

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::{Pin, pin};
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Waker};
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Wake;

use super::{RunTasks, Spawn, Turn};
use crate::round::{RoundCount, RoundLimits, RunEnd};
#[cfg(doc)]
use crate::slots::Recycled;
use crate::slots::{PerConnection, Slots};

/// The root task's id; spawned tasks are `0..`.
const ROOT: usize = usize::MAX;

type BoxFuture<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

thread_local! {
    /// The local queues of the executor running on this thread, if any.
    static CURRENT: RefCell<Option<Rc<Local>>> = const { RefCell::new(None) };
}

/// Run queues only the executor's own thread touches.
struct Local {
    /// The executor these queues belong to (compared, never dereferenced).
    owner: *const Remote,
    ready: RefCell<VecDeque<usize>>,
    deferred: RefCell<Vec<usize>>,
    /// A task is being polled: wakes go to `deferred`, to run after the next reactor turn.
    polling: Cell<bool>,
}

impl Local {
    fn push(&self, id: usize) {
        if self.polling.get() {
            self.deferred.borrow_mut().push(id);
        } else {
            self.ready.borrow_mut().push_back(id);
        }
    }
}

/// Wakes from other threads.
#[derive(Default)]
struct Remote {
    woken: Mutex<Vec<usize>>,
    pending: AtomicBool,
}

/// One task's waker.
struct TaskWaker {
    id: usize,
    queued: AtomicBool,
    remote: Arc<Remote>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let owner = Arc::as_ptr(&self.remote);
        let local = CURRENT.with(|current| match &*current.borrow() {
            Some(local) if local.owner == owner => {
                local.push(self.id);
                true
            }
            _ => false,
        });
        if !local {
            let mut woken = self
                .remote
                .woken
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            woken.push(self.id);
            self.remote.pending.store(true, Ordering::Release);
        }
    }
}

/// A spawned task.
struct Task<'a> {
    future: Option<BoxFuture<'a>>,
    waker: Arc<TaskWaker>,
}

/// The boxed-futures, `Arc`-wakers executor. See the [module docs](self).
pub struct Executor<'a, G, L = PerConnection> {
    make: G,
    remote: Arc<Remote>,
    local: Rc<Local>,
    tasks: RefCell<Vec<Task<'a>>>,
    /// [`Recycled`] only: ids of finished tasks, whose entries the next spawns reuse (most
    /// recently freed first).
    free: RefCell<Vec<usize>>,
    /// [`Recycled`] only, by id: the task finished while its id was still in a run queue (it
    /// woke itself during its last poll); the id is freed when that entry is popped.
    linked: RefCell<Vec<bool>>,
    live: Cell<usize>,
    running: Cell<bool>,
    slots: core::marker::PhantomData<L>,
}

impl<'a, G> Executor<'a, G, PerConnection> {
    /// An executor whose tasks are made by `make` from the argument of [`Spawn::spawn`], with
    /// room for `capacity` tasks before its task list grows.
    pub fn new<A, F>(capacity: usize, make: G) -> Self
    where
        G: Fn(A) -> F,
        F: Future<Output = ()> + 'a,
    {
        Executor::with_slots(capacity, make)
    }
}

impl<'a, G, L: Slots> Executor<'a, G, L> {
    /// As [`new`](Executor::new), with the task ids `L`: under [`Recycled`], a finished task's
    /// id is reused by a later spawn.
    pub fn with_slots<A, F>(capacity: usize, make: G) -> Self
    where
        G: Fn(A) -> F,
        F: Future<Output = ()> + 'a,
    {
        let remote = Arc::new(Remote::default());
        let local = Rc::new(Local {
            owner: Arc::as_ptr(&remote),
            ready: RefCell::new(VecDeque::with_capacity(capacity + 1)),
            deferred: RefCell::new(Vec::with_capacity(capacity + 1)),
            polling: Cell::new(false),
        });
        Executor {
            make,
            remote,
            local,
            tasks: RefCell::new(Vec::with_capacity(capacity)),
            free: RefCell::new(Vec::with_capacity(if L::RECYCLED { capacity } else { 0 })),
            linked: RefCell::new(Vec::with_capacity(if L::RECYCLED { capacity } else { 0 })),
            live: Cell::new(0),
            running: Cell::new(false),
            slots: core::marker::PhantomData,
        }
    }

    /// [`Recycled`] only: a task has finished; its id is free now, or once the run queue
    /// entry it still has is popped. Its waker is closed for good: a surviving clone's wake is
    /// ignored, never a wake of the task that reuses the id.
    fn retire(&self, id: usize) {
        if self.tasks.borrow()[id]
            .waker
            .queued
            .swap(true, Ordering::AcqRel)
        {
            self.linked.borrow_mut()[id] = true;
        } else {
            self.free.borrow_mut().push(id);
        }
    }

    /// [`Recycled`] only: a spawn into the entry of a finished task, if one is free.
    fn respawn(&self, future: BoxFuture<'a>) -> Result<(), BoxFuture<'a>> {
        let Some(id) = self.free.borrow_mut().pop() else {
            return Err(future);
        };
        self.tasks.borrow_mut()[id] = Task {
            future: Some(future),
            waker: self.task_waker(id),
        };
        self.live.set(self.live.get() + 1);
        self.local.ready.borrow_mut().push_back(id);
        Ok(())
    }

    fn task_waker(&self, id: usize) -> Arc<TaskWaker> {
        Arc::new(TaskWaker {
            id,
            queued: AtomicBool::new(true),
            remote: Arc::clone(&self.remote),
        })
    }

    /// Moves the wakes from other threads onto the local ready queue.
    fn take_remote_wakes(&self) {
        if self.remote.pending.swap(false, Ordering::Acquire) {
            let mut woken = self
                .remote
                .woken
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            self.local.ready.borrow_mut().extend(woken.drain(..));
        }
    }
}

impl<'a, A, F, G, L: Slots> Spawn<A> for Executor<'a, G, L>
where
    G: Fn(A) -> F,
    F: Future<Output = ()> + 'a,
{
    fn spawn(&self, arg: A) {
        assert!(
            self.running.get(),
            "twinbench: spawn is for tasks inside Executor::run"
        );
        // The box first, then the future written into it: built in place, where
        // `Box::pin(make(arg))` builds it on the stack and may copy it (the whole future, a
        // 16 KiB buffer in `echo_large`) into the box, as LLVM chooses.
        let future: Box<F> = Box::write(Box::new_uninit(), (self.make)(arg));
        let mut future: BoxFuture<'a> = Box::into_pin(future);
        if L::RECYCLED {
            match self.respawn(future) {
                Ok(()) => return,
                Err(unplaced) => future = unplaced,
            }
            self.linked.borrow_mut().push(false);
        }
        let mut tasks = self.tasks.borrow_mut();
        let id = tasks.len();
        tasks.push(Task {
            future: Some(future),
            waker: self.task_waker(id),
        });
        self.live.set(self.live.get() + 1);
        self.local.ready.borrow_mut().push_back(id);
    }
}

impl<'a, A, F, G, L: Slots> RunTasks<A> for Executor<'a, G, L>
where
    G: Fn(A) -> F,
    F: Future<Output = ()> + 'a,
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
            "twinbench: Executor::run is not re-entrant"
        );
        let _current = Current::enter(self);
        // Start afresh, also after a run that a panic unwound out of.
        self.tasks.borrow_mut().clear();
        if L::RECYCLED {
            self.free.borrow_mut().clear();
            self.linked.borrow_mut().clear();
        }
        self.live.set(0);
        self.local.ready.borrow_mut().clear();
        self.local.deferred.borrow_mut().clear();
        self.local.polling.set(false);
        self.remote
            .woken
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();

        let mut root = pin!(root);
        let root_waker = self.task_waker(ROOT);
        let root_as_waker = Waker::from(Arc::clone(&root_waker));
        let mut root_done = false;
        self.local.ready.borrow_mut().push_back(ROOT);
        let mut rounds = RoundCount::default();
        let stalled = loop {
            loop {
                let Some(id) = self.local.ready.borrow_mut().pop_front() else {
                    break;
                };
                self.local.polling.set(true);
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
                        if L::RECYCLED && task.future.is_none() {
                            // A finished task's last entry: its id is free from now on.
                            if core::mem::take(&mut self.linked.borrow_mut()[id]) {
                                self.free.borrow_mut().push(id);
                            }
                            drop(tasks);
                            self.local.polling.set(false);
                            continue;
                        }
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
                            if L::RECYCLED {
                                self.retire(id);
                            }
                        }
                    }
                }
                self.local.polling.set(false);
            }
            if root_done && self.live.get() == 0 {
                break false;
            }
            if rounds.end_of_round(&mut limits) {
                break true;
            }
            turn.turn(super::wake_stored);
            let mut deferred = self.local.deferred.borrow_mut();
            if !deferred.is_empty() {
                self.local.ready.borrow_mut().extend(deferred.drain(..));
            }
            drop(deferred);
            self.take_remote_wakes();
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
        self.local.ready.borrow_mut().clear();
        self.local.deferred.borrow_mut().clear();
        rounds.end(stalled)
    }
}

/// Installs an executor's local queues as this thread's current ones for the length of a run,
/// and puts back whatever was there (a run of another executor, nested), also when unwinding.
struct Current<'a> {
    running: &'a Cell<bool>,
    previous: Option<Rc<Local>>,
}

impl<'a> Current<'a> {
    fn enter<G, L>(executor: &'a Executor<'_, G, L>) -> Self {
        let previous = CURRENT.with(|current| current.replace(Some(Rc::clone(&executor.local))));
        Current {
            running: &executor.running,
            previous,
        }
    }
}

impl Drop for Current<'_> {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // `try_with`: during thread teardown the slot may be gone; nothing to restore then.
        let _ = CURRENT.try_with(|current| current.replace(previous));
        self.running.set(false);
    }
}
