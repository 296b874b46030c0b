//! The run queue: an intrusive FIFO linked through each node's own `next` cell, so queueing a
//! task never allocates (embassy-executor's `raw/run_queue.rs`).
//!
//! May import nothing: it is generic over the [`Node`] linked in, which keeps it below the task
//! header ([`task`](super::task)) that embeds it.

use core::cell::Cell;
use core::ptr::{self, NonNull};

/// Something linked into a [`Queue`] through its own `next` cell.
pub(super) trait Node: Sized {
    /// The next node in the queue this one is linked into.
    fn next(&self) -> &Cell<*const Self>;
}

/// An intrusive FIFO of task headers (any [`Node`]: the executor links only its `Header`s).
///
/// Every pointer linked in is a task's header pointer derived from a reference to its whole
/// slot (see the executor's docs in `mod.rs`), and queued headers live in the executor's allocations, which
/// outlive the queues (they are freed together, and never while a run is in progress).
pub(super) struct Queue<N> {
    head: Cell<*const N>,
    tail: Cell<*const N>,
}

impl<N: Node> Queue<N> {
    pub(super) const fn new() -> Queue<N> {
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
    pub(super) unsafe fn push(&self, header: *const N) {
        // SAFETY: by the first bullet, `header` is valid; by the type's invariant, so is `tail`.
        unsafe {
            (*header).next().set(ptr::null());
            let tail = self.tail.get();
            if tail.is_null() {
                self.head.set(header);
            } else {
                (*tail).next().set(header);
            }
        }
        self.tail.set(header);
    }

    #[inline]
    pub(super) fn pop(&self) -> Option<NonNull<N>> {
        let head = NonNull::new(self.head.get().cast_mut())?;
        // SAFETY: a queued header is valid (the type's invariant).
        let next = unsafe { head.as_ref() }.next().get();
        self.head.set(next);
        if next.is_null() {
            self.tail.set(ptr::null());
        }
        Some(head)
    }

    /// Moves all of `other` to the back of `self`.
    #[inline]
    pub(super) fn append(&self, other: &Queue<N>) {
        let head = other.head.replace(ptr::null());
        if head.is_null() {
            return;
        }
        let tail = self.tail.get();
        if tail.is_null() {
            self.head.set(head);
        } else {
            // SAFETY: a queued header is valid (the type's invariant).
            unsafe { (*tail).next().set(head) };
        }
        self.tail.set(other.tail.replace(ptr::null()));
    }

    pub(super) fn clear(&self) {
        self.head.set(ptr::null());
        self.tail.set(ptr::null());
    }
}
