//! The no-alloc wakers, the embassy way (embassy-executor's `raw/waker.rs`): a waker's data is
//! a pointer to its task's [`Header`], with one of two `static` vtables (a spawned task's, the
//! root's). Waking queues the task; clones are counted so the executor never frees a header a
//! waker still points at.
//!
//! May import: [`queue`](super::queue) (the header and the shared state a wake reaches).

use core::mem::ManuallyDrop;
use core::task::{RawWaker, RawWakerVTable, Waker};

use super::queue::{Header, QUEUED, current_thread, wrong_thread};

/// A spawned task's waker vtable.
pub(super) static VTABLE: RawWakerVTable = RawWakerVTable::new(
    clone_waker::<false>,
    wake_waker::<false>,
    wake_by_ref_waker::<false>,
    drop_waker,
);

/// The root task's waker vtable.
pub(super) static ROOT_VTABLE: RawWakerVTable = RawWakerVTable::new(
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
    // counted waker is alive and outlives every uncounted one (the executor's docs in `mod.rs`).
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
    // SAFETY: `shared` outlives every header (the executor's docs in `mod.rs`).
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
pub(super) fn borrowed_waker(
    header: *const Header,
    vtable: &'static RawWakerVTable,
) -> ManuallyDrop<Waker> {
    let raw = RawWaker::new(header.cast(), vtable);
    // SAFETY: `raw` satisfies the RawWakerVTable contract: the data is a header pointer of the
    // kind the vtable's functions expect, and the header outlives the returned waker's borrow
    // by the poll (it lives in the executor's allocations). It is never dropped, so it is not
    // counted.
    ManuallyDrop::new(unsafe { Waker::from_raw(raw) })
}
