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
//! 1. [`Spawn::spawn`] writes the future into the next empty slot and links it into the ready
//!    queue.
//! 2. [`RunTasks::run`] pops it, clears `QUEUED` and polls it; `Pending` leaves it `SPAWNED`,
//!    waiting for a wake.
//! 3. A waker's `wake` links it into the ready queue — or, when it happens while tasks are
//!    being polled (`yield_now()`), into the deferred queue, which joins the ready queue after
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
//! The root task (the accept loop, a different future type) has its own header in the shared
//! state and is not queued: its waker (its own vtable) sets a flag, and the run loop polls the
//! root first in each round when the flag is set — as the driver accepts first in each round.
//!
//! Stricter than the `Waker` contract, on purpose: a clone of a task's waker alive when the
//! task completes, and a wake of a finished task, are panics rather than spurious wakes. In a
//! benchmark both mean a future is doing something the comparison should not hide.
//!
//! A panic that unwinds out of [`RunTasks::run`] leaves tasks in their slots; the next run empties
//! every slot before it starts, so a caught panic never leaves a stale task to be polled.
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

use core::cell::{Cell, UnsafeCell};
use core::future::Future;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::pin::{Pin, pin};
use core::ptr::{self, NonNull};
use core::task::{Context, RawWaker, RawWakerVTable, Waker};

use super::{RunTasks, Spawn, Turn, wake_stored};
use crate::round::RunEnd;

const SPAWNED: u8 = 1 << 0;
const QUEUED: u8 = 1 << 1;
const DROPPING: u8 = 1 << 2;

/// The root task's index (for messages); spawned tasks are `0..capacity`.
const ROOT: usize = usize::MAX;

thread_local! {
    /// Its address identifies the current thread; reading it is one instruction.
    static THREAD_MARKER: u8 = const { 0 };
}

#[inline]
fn current_thread() -> *const u8 {
    THREAD_MARKER.with(ptr::from_ref)
}

/// What a waker points at.
struct Header {
    state: Cell<u8>,
    /// The next header in the queue this one is linked into.
    next: Cell<*const Header>,
    /// Clones of this task's waker that are alive.
    wakers: Cell<u32>,
    /// The executor's queues (in the `Shared` allocation, which outlives every waker).
    shared: *const Shared,
    /// The thread the executor belongs to.
    owner: *const u8,
    /// For messages.
    index: usize,
}

/// An intrusive FIFO of headers.
///
/// Every pointer linked in is a task's header pointer derived from a reference to its whole
/// slot (see the module docs), and queued headers live in the executor's allocations, which
/// outlive the queues (they are freed together, and never while a run is in progress).
struct Queue {
    head: Cell<*const Header>,
    tail: Cell<*const Header>,
}

impl Queue {
    const fn new() -> Queue {
        Queue {
            head: Cell::new(ptr::null()),
            tail: Cell::new(ptr::null()),
        }
    }

    /// Links `header` in at the back.
    ///
    /// # Safety
    ///
    /// - `header` points at a live task header, derived from a reference to its whole slot.
    /// - It is not linked into any queue.
    #[inline]
    unsafe fn push(&self, header: *const Header) {
        // SAFETY: by the first bullet, `header` is valid; by the type's invariant, so is `tail`.
        unsafe {
            (*header).next.set(ptr::null());
            let tail = self.tail.get();
            if tail.is_null() {
                self.head.set(header);
            } else {
                (*tail).next.set(header);
            }
        }
        self.tail.set(header);
    }

    #[inline]
    fn pop(&self) -> Option<NonNull<Header>> {
        let head = NonNull::new(self.head.get().cast_mut())?;
        // SAFETY: a queued header is valid (the type's invariant).
        let next = unsafe { head.as_ref() }.next.get();
        self.head.set(next);
        if next.is_null() {
            self.tail.set(ptr::null());
        }
        Some(head)
    }

    /// Moves all of `other` to the back of `self`.
    #[inline]
    fn append(&self, other: &Queue) {
        let head = other.head.replace(ptr::null());
        if head.is_null() {
            return;
        }
        let tail = self.tail.get();
        if tail.is_null() {
            self.head.set(head);
        } else {
            // SAFETY: a queued header is valid (the type's invariant).
            unsafe { (*tail).next.set(head) };
        }
        self.tail.set(other.tail.replace(ptr::null()));
    }

    fn clear(&self) {
        self.head.set(ptr::null());
        self.tail.set(ptr::null());
    }
}

/// State shared by the executor and its wakers.
struct Shared {
    ready: Queue,
    deferred: Queue,
    /// Tasks are being polled: wakes go to the deferred queue.
    polling: Cell<bool>,
    /// The root task was woken: poll it at the start of the next round.
    root_woken: Cell<bool>,
    /// `run` is in progress.
    running: Cell<bool>,
    /// `spawn` is allowed: `run` is in progress and not yet tearing down.
    spawning: Cell<bool>,
    /// The last run ended normally, so every slot is empty and no header is queued. False
    /// after a panic unwound out of `run` (and was caught): the next run recovers first.
    clean: Cell<bool>,
    root: Header,
}

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
pub struct Executor<F, G> {
    make: G,
    /// Owned; freed in `Drop` unless a waker is still alive (see the module docs).
    shared: NonNull<Shared>,
    /// Owned, like `shared`.
    tasks: NonNull<[Task<F>]>,
    spawned: Cell<usize>,
    live: Cell<usize>,
}

impl<F: Future<Output = ()>, G> Executor<F, G> {
    /// An executor with `capacity` task slots, whose tasks are made by `make` from the argument
    /// of [`Spawn::spawn`]. This is the only allocation.
    pub fn new<A>(capacity: usize, make: G) -> Self
    where
        G: Fn(A) -> F,
    {
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
            live: Cell::new(0),
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
            return; // finished after waking itself
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
        // SAFETY: the caller's contract.
        unsafe { task.drop_future() };
        self.live.set(self.live.get() - 1);
        task.header.check_no_wakers();
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
        self.live.set(0);
        self.shared().root.state.set(0);
    }
}

impl Header {
    fn new(shared: *const Shared, owner: *const u8, index: usize) -> Header {
        Header {
            state: Cell::new(0),
            next: Cell::new(ptr::null()),
            wakers: Cell::new(0),
            shared,
            owner,
            index,
        }
    }

    #[inline]
    fn check_thread(&self) {
        if self.owner != current_thread() {
            wrong_thread();
        }
    }

    fn check_no_wakers(&self) {
        let alive = self.wakers.get();
        if alive != 0 {
            panic!(
                "twinbench: {alive} clone(s) of a task's Waker outlived the task (task {}); \
                 a future must drop its wakers before it completes",
                self.task_name()
            );
        }
    }

    /// The state, for a wake: `None` while the task's future is being dropped (a wake from
    /// its own `Drop` — a wake-on-drop guard, the other end of a channel it holds — is
    /// ignored); panics for a finished task: a wake then is a bug in its future.
    #[inline]
    fn state_for_wake(&self) -> Option<u8> {
        let state = self.state.get();
        if state & SPAWNED != 0 {
            return Some(state);
        }
        if state == DROPPING {
            return None;
        }
        panic!(
            "twinbench: a Waker woke task {} after it finished; wakers must not outlive their task",
            self.task_name()
        );
    }

    fn task_name(&self) -> String {
        if self.index == ROOT {
            "root".to_owned()
        } else {
            self.index.to_string()
        }
    }
}

#[cold]
fn wrong_thread() -> ! {
    panic!(
        "twinbench: a Waker of the no-alloc executor was used on another thread; \
         the executor is single-threaded"
    );
}

/// A spawned task's waker vtable.
static VTABLE: RawWakerVTable = RawWakerVTable::new(
    clone_waker::<false>,
    wake_waker::<false>,
    wake_by_ref_waker::<false>,
    drop_waker,
);

/// The root task's waker vtable.
static ROOT_VTABLE: RawWakerVTable = RawWakerVTable::new(
    clone_waker::<true>,
    wake_waker::<true>,
    wake_by_ref_waker::<true>,
    drop_waker,
);

/// The header a waker's data points at.
///
/// # Safety
///
/// - `data` must be the data pointer of a `RawWaker` built with [`VTABLE`] or [`ROOT_VTABLE`],
///   which is always a pointer to a [`Header`] of a live or leaked executor.
/// - The returned reference must not outlive that waker.
#[inline]
unsafe fn header<'a>(data: *const ()) -> &'a Header {
    // SAFETY: by the first bullet, `data` points at a Header, which is never freed while a
    // counted waker is alive and outlives every uncounted one (module docs).
    let header = unsafe { &*data.cast::<Header>() };
    header.check_thread();
    header
}

/// Wakes the task `data` points at: queues a spawned task unless it is queued already, or
/// flags the root.
///
/// # Safety
///
/// - As for [`header`]; `IS_ROOT` tells which of the two vtables the waker has.
#[inline]
unsafe fn wake<const IS_ROOT: bool>(data: *const ()) {
    // SAFETY: the caller's contract.
    let header = unsafe { header(data) };
    let Some(state) = header.state_for_wake() else {
        return;
    };
    // SAFETY: `shared` outlives every header (module docs).
    let shared = unsafe { &*header.shared };
    if IS_ROOT {
        shared.root_woken.set(true);
        return;
    }
    if state & QUEUED != 0 {
        return;
    }
    header.state.set(state | QUEUED);
    let queue = if shared.polling.get() {
        &shared.deferred
    } else {
        &shared.ready
    };
    // SAFETY: `data` is a task header (the waker has `VTABLE`) derived from a reference to its
    // whole slot (every `VTABLE` waker is made from a queued pointer, see `poll_task`), and it
    // was not `QUEUED`, so it is in no queue.
    unsafe { queue.push(data.cast()) };
}

/// The vtable's `clone`: one more counted waker for the same task.
///
/// # Safety
///
/// - `data` is the data pointer of one of this module's wakers (the `RawWakerVTable`
///   contract: only `Waker` calls it, with its own data), as [`header`] requires; `IS_ROOT`
///   tells which vtable.
unsafe fn clone_waker<const IS_ROOT: bool>(data: *const ()) -> RawWaker {
    // SAFETY: called by `Waker::clone` on one of our wakers (the vtable's contract).
    let header = unsafe { header(data) };
    header
        .wakers
        .set(header.wakers.get().checked_add(1).expect("too many wakers"));
    RawWaker::new(data, if IS_ROOT { &ROOT_VTABLE } else { &VTABLE })
}

/// The vtable's `wake`: wakes the task and gives up one counted waker.
///
/// # Safety
///
/// - `data` is the data pointer of one of this module's counted wakers, as [`header`]
///   requires; the waker is consumed.
unsafe fn wake_waker<const IS_ROOT: bool>(data: *const ()) {
    // SAFETY: called by `Waker::wake` on one of our (counted) wakers.
    unsafe { wake::<IS_ROOT>(data) };
    // Given up after the wake: if the wake panics, the count stays up and the executor leaks
    // its allocations rather than free them while the wake still borrows the header.
    // SAFETY: as above; the header is alive (this waker is still counted).
    let header = unsafe { header(data) };
    header.wakers.set(header.wakers.get() - 1);
}

/// The vtable's `wake_by_ref`: wakes the task.
///
/// # Safety
///
/// - `data` is the data pointer of one of this module's wakers, as [`header`] requires.
unsafe fn wake_by_ref_waker<const IS_ROOT: bool>(data: *const ()) {
    // SAFETY: called by `Waker::wake_by_ref` on one of our wakers.
    unsafe { wake::<IS_ROOT>(data) };
}

/// The vtable's `drop`: gives up one counted waker.
///
/// # Safety
///
/// - `data` is the data pointer of one of this module's counted wakers, as [`header`]
///   requires; the waker is not used again.
unsafe fn drop_waker(data: *const ()) {
    // SAFETY: called by `Waker::drop` on one of our (counted) wakers, so `data` points at a
    // header (see `header`); only its immutable `owner` is read before the thread check.
    let header = unsafe { &*data.cast::<Header>() };
    if header.owner != current_thread() {
        if std::thread::panicking() {
            // Dropped on a foreign thread while unwinding (after its `wake_by_ref` panicked
            // there, say): a second panic would abort. The count stays up, so the executor
            // leaks its allocations rather than free them under this waker.
            return;
        }
        wrong_thread();
    }
    header.wakers.set(header.wakers.get() - 1);
}

/// The uncounted waker `run` lends to a poll: it is borrowed by the `Context` only.
///
/// `header` must be a task header derived from a reference to its whole slot (with `VTABLE`)
/// or the root header (with `ROOT_VTABLE`).
#[inline]
fn borrowed_waker(header: *const Header, vtable: &'static RawWakerVTable) -> ManuallyDrop<Waker> {
    let raw = RawWaker::new(header.cast(), vtable);
    // SAFETY: `raw` satisfies the RawWakerVTable contract: the data is a header pointer of the
    // kind the vtable's functions expect, and the header outlives the returned waker's borrow
    // by the poll (it lives in the executor's allocations). It is never dropped, so it is not
    // counted.
    ManuallyDrop::new(unsafe { Waker::from_raw(raw) })
}

impl<A, F: Future<Output = ()>, G: Fn(A) -> F> Spawn<A> for Executor<F, G> {
    fn spawn(&self, arg: A) {
        assert!(
            self.shared().spawning.get(),
            "twinbench: spawn is for tasks inside Executor::run"
        );
        let index = self.spawned.get();
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
        // Reserved before `make` runs, so a `spawn` from inside `make` takes the next slot.
        self.spawned.set(index + 1);
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

impl<A, F: Future<Output = ()>, G: Fn(A) -> F> RunTasks<A> for Executor<F, G> {
    fn run<R: Future<Output = ()>>(&self, root: R, mut turn: impl Turn, max_rounds: u64) -> RunEnd {
        let shared = self.shared();
        assert!(
            !shared.running.replace(true),
            "twinbench: Executor::run is not re-entrant"
        );
        let _running = EndOfRun(shared);
        if !shared.clean.replace(false) {
            self.recover();
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
            let mut rounds = 0;
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
                if rounds == max_rounds {
                    break true;
                }
                rounds += 1;
                turn.turn(|waker| self.wake_from_reactor(waker));
                shared.ready.append(&shared.deferred);
            };
            // Tearing down: a future's `Drop` (or the root's) may not spawn.
            shared.spawning.set(false);
            if stalled {
                for task in &self.tasks()[..self.spawned.get()] {
                    if task.header.state.get() & SPAWNED != 0 {
                        // SAFETY: `SPAWNED`, and no poll is in progress.
                        unsafe { self.retire(task) };
                    }
                }
            }
            shared.root.state.set(0);
            RunEnd { rounds, stalled }
            // `root` is dropped here, after the tasks it spawned, as the driver deregisters the
            // listener last.
        };
        shared.root.check_no_wakers();
        shared.ready.clear();
        shared.deferred.clear();
        shared.clean.set(true);
        end
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

impl<F, G> Drop for Executor<F, G> {
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
