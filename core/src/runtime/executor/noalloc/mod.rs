//! The no-alloc executor: one future type, futures stored unboxed in slots allocated at setup,
//! wakers that are a pointer to the task's header.
//!
//! # Task lifecycle
//!
//! Each slot's `Header` carries state bits: `SPAWNED` (the slot holds a future), `QUEUED`
//! (the header is linked into the ready or the deferred queue), and `DROPPING` (alone, while the
//! future is dropped in place).
//!
//! ```text
//!            ┌─────────┐ 1  ┌────────────────┐ 2  ┌─────────┐
//!            │  empty  │───▶│ SPAWNED|QUEUED │───▶│ SPAWNED │───┐
//!            └─────────┘    └────────────────┘    └─────────┘   │ 4
//!                 ▲                ▲    ▲      3       │        ▼
//!                 │                │    └──────────────┘   ┌──────────┐
//!                 │                │          5            │ DROPPING │
//!                 │                └───────────────────────┴──────────┘
//!                 └──────────────────────────────────────────────┘ 6
//! ```
//!
//! 1. [`Spawn::spawn`] writes the future into the next empty slot (with recycled slots, the
//!    one freed last) and links it into the ready queue.
//! 2. [`RunTasks::run`] pops it, clears `QUEUED` and polls it; `Pending` leaves it `SPAWNED`,
//!    waiting for a wake.
//! 3. A waker's `wake` links it into the ready queue — or, when it happens while tasks are
//!    being polled (a future waking itself), into the deferred queue, which joins the ready queue after
//!    the next reactor turn. A task woken while it is being polled is `SPAWNED|QUEUED` during
//!    the rest of its poll.
//! 4. `poll` returned `Ready`: the slot is marked `DROPPING` and the future dropped in place.
//! 5. (A finished task can still be linked into a queue, if it woke itself before finishing:
//!    the run loop skips headers that are not `SPAWNED`.)
//! 6. The slot is empty again. If a clone of its waker is still alive, that is a bug in the
//!    future: the executor panics with a clear message rather than let the waker point at a
//!    reused slot. If the future's `Drop` panics, the slot stays `DROPPING` — never dropped
//!    twice, never spawned into — until the next run resets it.
//!
//! The slots are the type parameter `L` ([`Slots`]): one per connection ([`PerConnection`],
//! taken in order and emptied only by the next run), or as many as the run's connection
//! limit ([`Recycled`]): then an emptied slot (6) goes back on a free list for the next spawn,
//! and a task that finished while linked into a queue (5) is `LINKED` instead, its slot given
//! back only once the run loop has popped that link (or the run ends). The accept loop stops
//! accepting while the limit's streams are live, and the executor keeps twice the limit's slots
//! (live tasks, and the `LINKED` ones of the last round), so a spawn always finds one. `PerConnection`'s
//! executor compiles to what it was before the limit existed: every `Recycled` step is behind
//! `L::RECYCLED`, a constant.
//!
//! The root task (the accept loop, a different future type) has its own header in the shared
//! state and is not queued: its waker (its own vtable) sets a flag, and the run loop polls the
//! root first in each round when the flag is set — as the driver accepts first in each round.
//!
//! Stricter than the `Waker` contract, on purpose: a clone of a task's waker alive when the
//! task completes, and a wake of a finished task, are panics rather than spurious wakes. In a
//! benchmark both mean a future is doing something the comparison should not hide.
//!
//! A panic that unwinds out of [`RunTasks::run`] leaves tasks in their slots; the next run (or
//! [`RunTasks::abandon`], which polls nothing) empties every slot before it starts, so a caught
//! panic never leaves a stale task to be polled.
//!
//! # Soundness of the wakers
//!
//! A waker is a pointer to a header plus one of two static vtables. Headers live in two
//! allocations the executor owns; it frees them only when no cloned waker is alive (each header
//! counts its clones), and otherwise leaks them, so a waker never dangles. Every waker operation
//! first checks that it runs on the executor's thread (a `Waker` is `Send`, the headers'
//! `Cell`s are not): a waker used from another thread panics instead of racing.
//!
//! A task's header is the first field of its `#[repr(C)]` slot, and every header pointer in a
//! queue or a waker is derived from a reference to the whole slot, so the run loop turns a
//! popped header back into its slot with a cast, without an index or a bounds check.
//!
//! The files, as embassy-executor splits its `raw/`: `queue.rs` (the task header, the intrusive
//! run queue, the state shared with the wakers), `waker.rs` (the two static vtables and their
//! functions); this file holds the task slot, the executor and its run loop. `queue.rs` imports
//! nothing, `waker.rs` the queue's header, and this file both; the folder imports the executor
//! traits of [`executor`](super), [`RunEnd`] and [`slots`](crate::slots), nothing of the reactor
//! or the driver.

mod queue;
mod waker;

use core::cell::{Cell, UnsafeCell};
use core::future::Future;
use core::mem::MaybeUninit;
use core::pin::{Pin, pin};
use core::ptr::{self, NonNull};
use core::task::{Context, Waker};

use self::queue::{DROPPING, Header, LINKED, QUEUED, Queue, ROOT, SPAWNED, Shared, current_thread};
use self::waker::{ROOT_VTABLE, VTABLE, borrowed_waker};
use super::{RunTasks, Spawn, Turn, wake_stored};
use crate::round::{RoundCount, RoundLimits, RunEnd};
#[cfg(doc)]
use crate::slots::Recycled;
use crate::slots::{FreeList, PerConnection, Slots};

/// One slot: a header and room for one future, initialised exactly when the header's state
/// has `SPAWNED`. The header comes first (`repr(C)`), so a header pointer is a slot pointer.
#[repr(C)]
struct Task<F> {
    header: Header,
    future: UnsafeCell<MaybeUninit<F>>,
}

impl<F> Task<F> {
    /// Drops the slot's future in place; the slot is empty afterwards, also if the future's
    /// `Drop` panics (the drop glue still drops the future's remaining fields while unwinding;
    /// nothing is dropped twice).
    ///
    /// # Safety
    ///
    /// - The state has `SPAWNED` (the future is initialised).
    /// - Nothing else references the future (it is not being polled).
    unsafe fn drop_future(&self) {
        self.header.state.set(DROPPING);
        // SAFETY: initialised by the first bullet, unreferenced by the second; `DROPPING` is
        // not `SPAWNED`, so it is never dropped again, and not 0, so nothing is spawned over it
        // while its `Drop` runs.
        unsafe { ptr::drop_in_place((*self.future.get()).as_mut_ptr()) };
        self.header.state.set(0);
    }
}

/// The no-alloc executor. See the [module docs](self).
pub struct Executor<F, G, L = PerConnection> {
    make: G,
    /// Owned; freed in `Drop` unless a waker is still alive (see the module docs).
    shared: NonNull<Shared>,
    /// Owned, like `shared`.
    tasks: NonNull<[Task<F>]>,
    spawned: Cell<usize>,
    /// The empty slots, in no queue ([`Recycled`] only; empty otherwise).
    free: FreeList,
    live: Cell<usize>,
    slots: core::marker::PhantomData<L>,
}

impl<F: Future<Output = ()>, G> Executor<F, G, PerConnection> {
    /// An executor with `capacity` task slots, each spawn taking the next, whose tasks are
    /// made by `make` from the argument of [`Spawn::spawn`]. This is the only allocation.
    pub fn new<A>(capacity: usize, make: G) -> Self
    where
        G: Fn(A) -> F,
    {
        Executor::with_slots(capacity, make)
    }
}

impl<F: Future<Output = ()>, G, L: Slots> Executor<F, G, L> {
    /// As [`new`](Executor::new), with the slots `L`: under [`Recycled`], an emptied slot is
    /// taken again by a later spawn (at most `capacity` tasks live at once).
    ///
    /// Under [`Recycled`] the executor keeps `2 × capacity` slots: a task that finished while
    /// linked into a queue (it woke itself in its last poll) keeps its slot `LINKED` until the
    /// run loop pops that link, in the round after it finished — after the root, polled first,
    /// may have spawned again. At most `capacity` tasks finish in a round, so at most
    /// `capacity` slots are `LINKED` at once, beside at most `capacity` live tasks.
    pub fn with_slots<A>(capacity: usize, make: G) -> Self
    where
        G: Fn(A) -> F,
    {
        let capacity = if L::RECYCLED {
            capacity.checked_mul(2).expect("slot counts fit in a usize")
        } else {
            capacity
        };
        let owner = current_thread();
        let shared_ptr = Box::into_raw(Box::new(Shared {
            ready: Queue::new(),
            deferred: Queue::new(),
            polling: Cell::new(false),
            root_woken: Cell::new(false),
            running: Cell::new(false),
            spawning: Cell::new(false),
            clean: Cell::new(true),
            root: Header::new(ptr::null(), owner, ROOT),
        }));
        // SAFETY: `shared_ptr` comes from `Box::into_raw`: valid, aligned, and not referenced
        // by anything else yet.
        unsafe { (*shared_ptr).root.shared = shared_ptr };
        // SAFETY: from `Box::into_raw`, so not null.
        let shared = unsafe { NonNull::new_unchecked(shared_ptr) };
        let tasks: Box<[Task<F>]> = (0..capacity)
            .map(|index| Task {
                header: Header::new(shared_ptr, owner, index),
                future: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        Executor {
            make,
            shared,
            tasks: NonNull::from(Box::leak(tasks)),
            spawned: Cell::new(0),
            free: FreeList::new(if L::RECYCLED { capacity } else { 0 }),
            live: Cell::new(0),
            slots: core::marker::PhantomData,
        }
    }

    #[inline]
    fn shared(&self) -> &Shared {
        // SAFETY: `shared` is owned by `self` and freed only in `Drop`.
        unsafe { self.shared.as_ref() }
    }

    #[inline]
    fn tasks(&self) -> &[Task<F>] {
        // SAFETY: `tasks` is owned by `self` and freed only in `Drop`.
        unsafe { self.tasks.as_ref() }
    }

    /// Polls the task whose header `header` is, which the caller has just unlinked from a
    /// queue; on `Ready`, drops its future and empties the slot.
    #[inline]
    fn poll_task(&self, header: NonNull<Header>) {
        // SAFETY: queued headers are task headers derived from a reference to their whole slot
        // (the `Queue` invariant), and a header is the first field of its `repr(C)` slot.
        let task = unsafe { header.cast::<Task<F>>().as_ref() };
        let state = task.header.state.get();
        if state & SPAWNED == 0 {
            // Finished after waking itself: with recycled slots, this was its last link.
            if L::RECYCLED && state == LINKED {
                task.header.state.set(0);
                self.free.put(task.header.index);
            }
            return;
        }
        task.header.state.set(state & !QUEUED);
        let waker = borrowed_waker(header.as_ptr(), &VTABLE);
        let mut cx = Context::from_waker(&waker);
        // SAFETY: `SPAWNED`, so the future is initialised; only `run` (not re-entrant) polls
        // or drops a spawned slot's future, so this is the only reference to it. The slot never
        // moves (the `tasks` allocation) and the future is dropped in place, never moved out.
        let future = unsafe { Pin::new_unchecked((*task.future.get()).assume_init_mut()) };
        if future.poll(&mut cx).is_ready() {
            // SAFETY: still `SPAWNED` (only `drop_future` clears it), and the poll is over.
            unsafe { self.retire(task) };
        }
    }

    /// Drops a finished or cancelled task's future, empties its slot, and checks that no clone
    /// of its waker survived it.
    ///
    /// # Safety
    ///
    /// As for [`Task::drop_future`].
    #[inline]
    unsafe fn retire(&self, task: &Task<F>) {
        let linked = L::RECYCLED && task.header.state.get() & QUEUED != 0;
        // SAFETY: the caller's contract.
        unsafe { task.drop_future() };
        self.live.set(self.live.get() - 1);
        task.header.check_no_wakers();
        if L::RECYCLED {
            if linked {
                task.header.state.set(LINKED);
            } else {
                self.free.put(task.header.index);
            }
        }
    }

    /// Empties `queue`, giving back the slots of the finished tasks it still linked
    /// ([`Recycled`] only).
    fn drain(&self, queue: &Queue) {
        while let Some(header) = queue.pop() {
            // SAFETY: a queued header is a live task header (the `Queue` invariant).
            let header = unsafe { header.as_ref() };
            if header.state.get() == LINKED {
                header.state.set(0);
                self.free.put(header.index);
            } else {
                header.state.set(header.state.get() & !QUEUED);
            }
        }
    }

    /// The reactor's wake, between rounds: this executor's own wakers wake their task directly
    /// — no indirect call, no thread check (this runs in `run`, on the executor's thread), no
    /// `polling` check (no task is being polled) — and stay stored; others go through
    /// [`wake_stored`].
    #[inline(always)]
    fn wake_from_reactor(&self, cell: &Cell<Option<Waker>>) {
        // SAFETY: nothing writes the cell while `stored` is borrowed: the borrow ends before
        // `wake_stored`, the only call below that can run foreign code (a waker's vtable), and
        // the code in between is this executor's, which never touches a reactor's cells.
        let stored = unsafe { &*cell.as_ptr() };
        let Some(waker) = stored else {
            return;
        };
        let vtable = waker.vtable();
        let own_task = ptr::eq(vtable, &VTABLE);
        if own_task || ptr::eq(vtable, &ROOT_VTABLE) {
            let data = waker.data().cast::<Header>();
            // SAFETY: a `VTABLE` or `ROOT_VTABLE` waker's data points at a header of a live or
            // leaked no-alloc executor, which outlives the waker (module docs).
            let header = unsafe { &*data };
            // Ours (compared before reading anything mutable: another executor's header may
            // belong to another thread) and spawned. A task that is not — finished, or being
            // dropped — is left to the vtable's wake below: a clear panic, or ignored.
            if ptr::eq(header.shared, self.shared.as_ptr()) {
                let state = header.state.get();
                if state & SPAWNED != 0 {
                    let shared = self.shared();
                    if !own_task {
                        shared.root_woken.set(true);
                    } else if state & QUEUED == 0 {
                        header.state.set(state | QUEUED);
                        // SAFETY: one of this executor's task headers, derived from a reference
                        // to its whole slot (as every `VTABLE` waker's data); not `QUEUED`, so
                        // in no queue.
                        unsafe { shared.ready.push(data) };
                    }
                    return;
                }
            }
        }
        wake_stored(cell);
    }

    /// The end of a run with [`Recycled`] slots: every slot back on the free list. A stalled
    /// run's tasks are unlinked first, so that every retired slot goes straight back; then the
    /// tasks that finished while linked (they woke themselves in the last round) are unlinked.
    fn end_recycled(&self, stalled: bool) {
        let shared = self.shared();
        if stalled {
            self.drain(&shared.ready);
            self.drain(&shared.deferred);
            for task in self.tasks() {
                if task.header.state.get() & SPAWNED != 0 {
                    // SAFETY: `SPAWNED`, and no poll is in progress (the rounds are over).
                    unsafe { self.retire(task) };
                }
            }
        }
        self.drain(&shared.ready);
        self.drain(&shared.deferred);
    }

    /// After a run that a panic unwound out of: drops every future still in a slot and
    /// empties every slot, so the next run starts as from a fresh executor.
    #[cold]
    fn recover(&self) {
        for task in self.tasks() {
            if task.header.state.get() & SPAWNED != 0 {
                // SAFETY: `SPAWNED`; no run is in progress (`run` calls this before polling
                // anything), so nothing references the slot's future.
                unsafe { task.drop_future() };
            }
            task.header.state.set(0);
        }
        if L::RECYCLED {
            self.free.reset();
        }
        self.live.set(0);
        self.shared().root.state.set(0);
    }
}

impl<A, F: Future<Output = ()>, G: Fn(A) -> F, L: Slots> Spawn<A> for Executor<F, G, L> {
    fn spawn(&self, arg: A) {
        assert!(
            self.shared().spawning.get(),
            "twinbench: spawn is for tasks inside Executor::run"
        );
        let index = if L::RECYCLED {
            self.free
                .take()
                .expect("twinbench: more live connection tasks than the executor has slots")
        } else {
            self.spawned.get()
        };
        let task = self
            .tasks()
            .get(index)
            .expect("twinbench: more connection tasks than the executor has slots");
        // Every path that empties a slot sets its state to 0 after dropping the future, and
        // every path that fills one sets it after writing: state 0 means "no future". A slot
        // whose future is being polled or dropped is not 0, so this also stops a task from
        // spawning over itself.
        assert_eq!(
            task.header.state.get(),
            0,
            "twinbench: spawn into a slot that is not empty"
        );
        // Reserved (or taken) before `make` runs, so a `spawn` from inside `make` takes another
        // slot.
        if !L::RECYCLED {
            self.spawned.set(index + 1);
        }
        let future = (self.make)(arg);
        // SAFETY: the slot's state is 0, so it holds no future and nothing references one:
        // only `run` polls or drops a slot's future, and only while its state is not 0.
        unsafe { (*task.future.get()).write(future) };
        self.live.set(self.live.get() + 1);
        task.header.state.set(SPAWNED | QUEUED);
        // SAFETY: derived from a reference to the whole slot; its state was 0, so it is in no
        // queue.
        unsafe { self.shared().ready.push(ptr::from_ref(task).cast()) };
    }
}

impl<A, F: Future<Output = ()>, G: Fn(A) -> F, L: Slots> RunTasks<A> for Executor<F, G, L> {
    fn run<'l, R: Future<Output = ()>>(
        &self,
        root: R,
        mut turn: impl Turn,
        limits: impl Into<RoundLimits<'l>>,
    ) -> RunEnd {
        let mut limits = limits.into();
        let shared = self.shared();
        assert!(
            !shared.running.replace(true),
            "twinbench: Executor::run is not re-entrant"
        );
        let _running = EndOfRun(shared);
        if !shared.clean.replace(false) {
            self.recover();
        } else if L::RECYCLED {
            // Every slot is empty after a clean run, but freed in its order: hand them out in
            // the first run's order again, as the driver's and the reactor's are.
            self.free.reset();
        }
        shared.ready.clear();
        shared.deferred.clear();
        self.spawned.set(0);
        shared.spawning.set(true);

        let end = {
            let mut root = pin!(root);
            let mut root_done = false;
            shared.root.state.set(SPAWNED);
            shared.root_woken.set(true);
            let root_waker = borrowed_waker(&shared.root, &ROOT_VTABLE);
            let mut rounds = RoundCount::default();
            let stalled = loop {
                shared.polling.set(true);
                if shared.root_woken.replace(false) && !root_done {
                    let mut cx = Context::from_waker(&root_waker);
                    if root.as_mut().poll(&mut cx).is_ready() {
                        shared.root.state.set(0);
                        root_done = true;
                    }
                }
                while let Some(header) = shared.ready.pop() {
                    self.poll_task(header);
                }
                shared.polling.set(false);
                if root_done && self.live.get() == 0 {
                    break false;
                }
                if rounds.end_of_round(&mut limits) {
                    break true;
                }
                turn.turn(|waker| self.wake_from_reactor(waker));
                shared.ready.append(&shared.deferred);
            };
            // Tearing down: a future's `Drop` (or the root's) may not spawn.
            shared.spawning.set(false);
            if stalled && !L::RECYCLED {
                for task in &self.tasks()[..self.spawned.get()] {
                    if task.header.state.get() & SPAWNED != 0 {
                        // SAFETY: `SPAWNED`, and no poll is in progress.
                        unsafe { self.retire(task) };
                    }
                }
            }
            if L::RECYCLED {
                self.end_recycled(stalled);
            }
            shared.root.state.set(0);
            rounds.end(stalled)
            // `root` is dropped here, after the tasks it spawned, as the driver deregisters the
            // listener last.
        };
        shared.root.check_no_wakers();
        shared.ready.clear();
        shared.deferred.clear();
        shared.clean.set(true);
        end
    }

    fn abandon(&self, _turn: impl Turn) {
        let shared = self.shared();
        assert!(
            !shared.running.get(),
            "twinbench: Executor::abandon inside Executor::run"
        );
        // What `run` does first after a panic, without polling anything: `run` stays the
        // only caller of the tasks' `poll`.
        if !shared.clean.replace(true) {
            self.recover();
        }
        shared.ready.clear();
        shared.deferred.clear();
    }
}

/// Marks the end of `run`, also when a panic unwinds out of it.
struct EndOfRun<'a>(&'a Shared);

impl Drop for EndOfRun<'_> {
    fn drop(&mut self) {
        self.0.running.set(false);
        self.0.spawning.set(false);
        self.0.polling.set(false);
        self.0.root_woken.set(false);
        // After a caught panic, a surviving clone of the root's waker is then a clear panic too.
        self.0.root.state.set(0);
    }
}

impl<F, G, L> Drop for Executor<F, G, L> {
    fn drop(&mut self) {
        // SAFETY: both allocations are owned by `self` and still alive.
        let (shared, tasks) = unsafe { (self.shared.as_ref(), self.tasks.as_ref()) };
        for task in tasks {
            if task.header.state.get() & SPAWNED != 0 {
                // SAFETY: `SPAWNED`; `&mut self`: no run is in progress, nothing else
                // references the futures.
                unsafe { task.drop_future() };
            }
        }
        let wakers_alive =
            shared.root.wakers.get() != 0 || tasks.iter().any(|task| task.header.wakers.get() != 0);
        if wakers_alive {
            // A waker still points into these allocations: leak them so it never dangles.
            return;
        }
        // SAFETY: both pointers came from `Box::leak` in `new` and are freed once, here; no
        // waker (the only other way to reach them) is alive.
        unsafe {
            drop(Box::from_raw(self.tasks.as_ptr()));
            drop(Box::from_raw(self.shared.as_ptr()));
        }
    }
}
