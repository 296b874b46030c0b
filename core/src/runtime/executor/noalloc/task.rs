//! What a task is made of: the [`Header`] a waker points at (its state bits, its link in the
//! run queue, its waker count), the [`Shared`] state the executor and its wakers both reach, and
//! the [`Task`] slot that holds a header and one future.
//!
//! May import: [`queue`](super::queue) (the header is its node).

use core::cell::{Cell, UnsafeCell};
use core::mem::MaybeUninit;
use core::ptr;

use super::queue::{Node, Queue};

// The state bits of a `Header`; the executor's docs in `mod.rs` draw their lifecycle.
pub(super) const SPAWNED: u8 = 1 << 0;
pub(super) const QUEUED: u8 = 1 << 1;
pub(super) const DROPPING: u8 = 1 << 2;

/// The root task's index (for messages); spawned tasks are `0..capacity`.
pub(super) const ROOT: usize = usize::MAX;

thread_local! {
    /// Its address identifies the current thread; reading it is one instruction.
    static THREAD_MARKER: u8 = const { 0 };
}

#[inline]
pub(super) fn current_thread() -> *const u8 {
    THREAD_MARKER.with(ptr::from_ref)
}

/// What a waker points at.
pub(super) struct Header {
    pub(super) state: Cell<u8>,
    /// The next header in the queue this one is linked into.
    pub(super) next: Cell<*const Header>,
    /// Clones of this task's waker that are alive.
    pub(super) wakers: Cell<u32>,
    /// The executor's queues (in the `Shared` allocation, which outlives every waker).
    pub(super) shared: *const Shared,
    /// The thread the executor belongs to.
    pub(super) owner: *const u8,
    /// For messages.
    pub(super) index: usize,
}

impl Node for Header {
    #[inline]
    fn next(&self) -> &Cell<*const Header> {
        &self.next
    }
}

/// State shared by the executor and its wakers.
pub(super) struct Shared {
    pub(super) ready: Queue<Header>,
    pub(super) deferred: Queue<Header>,
    /// Tasks are being polled: wakes go to the deferred queue.
    pub(super) polling: Cell<bool>,
    /// The root task was woken: poll it at the start of the next round.
    pub(super) root_woken: Cell<bool>,
    /// `run` is in progress.
    pub(super) running: Cell<bool>,
    /// `spawn` is allowed: `run` is in progress and not yet tearing down.
    pub(super) spawning: Cell<bool>,
    /// The last run ended normally, so every slot is empty and no header is queued. False
    /// after a panic unwound out of `run` (and was caught): the next run recovers first.
    pub(super) clean: Cell<bool>,
    pub(super) root: Header,
}

/// One slot: a header and room for one future, initialised exactly when the header's state
/// has `SPAWNED`. The header comes first (`repr(C)`), so a header pointer is a slot pointer.
#[repr(C)]
pub(super) struct Task<F> {
    pub(super) header: Header,
    pub(super) future: UnsafeCell<MaybeUninit<F>>,
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
    pub(super) unsafe fn drop_future(&self) {
        self.header.state.set(DROPPING);
        // SAFETY: initialised by the first bullet, unreferenced by the second; `DROPPING` is
        // not `SPAWNED`, so it is never dropped again, and not 0, so nothing is spawned over it
        // while its `Drop` runs.
        unsafe { ptr::drop_in_place((*self.future.get()).as_mut_ptr()) };
        self.header.state.set(0);
    }
}

impl Header {
    pub(super) fn new(shared: *const Shared, owner: *const u8, index: usize) -> Header {
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
    pub(super) fn check_thread(&self) {
        if self.owner != current_thread() {
            wrong_thread();
        }
    }

    pub(super) fn check_no_wakers(&self) {
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
    pub(super) fn state_for_wake(&self) -> Option<u8> {
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

    pub(super) fn task_name(&self) -> String {
        if self.index == ROOT {
            "root".to_owned()
        } else {
            self.index.to_string()
        }
    }
}

#[cold]
pub(super) fn wrong_thread() -> ! {
    panic!(
        "twinbench: a Waker of the no-alloc executor was used on another thread; \
         the executor is single-threaded"
    );
}
