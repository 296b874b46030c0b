//! The run queues and what they link: the task [`Header`] a waker points at (its state bits,
//! its waker count, its link), the intrusive [`Queue`] of headers, and the [`Shared`] state —
//! both queues and the run's flags — that every header points back to. embassy-executor keeps
//! its run queue in `raw/run_queue.rs`; here the header, the queue and the shared state refer to
//! one another, so they share this file, and the files of the folder stay acyclic.
//!
//! May import nothing of the crate.

use core::cell::Cell;
use core::ptr::{self, NonNull};

// The state bits of a `Header`; the executor's docs in `mod.rs` draw their lifecycle.
pub(super) const SPAWNED: u8 = 1 << 0;
pub(super) const QUEUED: u8 = 1 << 1;
pub(super) const DROPPING: u8 = 1 << 2;
/// Alone, with recycled slots only: the task finished while still linked into a queue (it woke
/// itself during its last poll). Its slot goes back to the free list when the run loop pops
/// that stale link, or when the run ends, never before: a slot reused while linked would
/// corrupt the queue.
pub(super) const LINKED: u8 = 1 << 3;

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

/// An intrusive FIFO of headers.
///
/// Every pointer linked in is a task's header pointer derived from a reference to its whole
/// slot (see the executor's docs in `mod.rs`), and queued headers live in the executor's allocations, which
/// outlive the queues (they are freed together, and never while a run is in progress).
pub(super) struct Queue {
    head: Cell<*const Header>,
    tail: Cell<*const Header>,
}

impl Queue {
    pub(super) const fn new() -> Queue {
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
    pub(super) unsafe fn push(&self, header: *const Header) {
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
    pub(super) fn pop(&self) -> Option<NonNull<Header>> {
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
    pub(super) fn append(&self, other: &Queue) {
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

    pub(super) fn clear(&self) {
        self.head.set(ptr::null());
        self.tail.set(ptr::null());
    }
}

/// State shared by the executor and its wakers.
pub(super) struct Shared {
    pub(super) ready: Queue,
    pub(super) deferred: Queue,
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
