//! Counting heap allocations: the memory columns of the harness (allocations per request, peak
//! heap) and the no-allocation tests read the same counters.
//!
//! Install it once per binary (the harness's `main!` does it for you), then measure a closure:
//!
//! ```
//! #[global_allocator]
//! static ALLOCATOR: twinbench::alloc::CountingAllocator = twinbench::alloc::CountingAllocator;
//!
//! let (boxed, heap) = twinbench::alloc::measure(|| std::hint::black_box(Box::new([0u8; 64])));
//! assert_eq!(heap.allocations, 1);
//! assert_eq!(heap.peak_bytes, 64);
//! # drop(boxed);
//! ```
//!
//! Counting is off outside [`measure`]: the allocator then adds one relaxed load and a branch
//! per call, so the timed runs of an allocating variant are not slowed by the bookkeeping.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, Ordering::Relaxed};

/// A global allocator that forwards to [`System`] and, inside [`measure`], counts every
/// allocation and tracks the peak of live bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct CountingAllocator;

static ON: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
/// Bytes allocated minus bytes freed since counting began (negative when the closure frees
/// what was allocated before it).
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

/// What [`measure`] saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Heap {
    /// Allocations and reallocations made.
    pub allocations: u64,
    /// The most bytes live at once, above what was live when counting began.
    pub peak_bytes: usize,
}

/// Runs `f` with counting on and returns what it allocated. Counting is process-wide: other
/// threads' allocations meanwhile are counted too. Everything is 0 unless
/// [`CountingAllocator`] is the `#[global_allocator]`: see [`is_counting`].
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Heap) {
    ALLOCATIONS.store(0, Relaxed);
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    ON.store(true, Relaxed);
    let result = f();
    ON.store(false, Relaxed);
    let heap = Heap {
        allocations: ALLOCATIONS.load(Relaxed),
        peak_bytes: PEAK.load(Relaxed).max(0) as usize,
    };
    (result, heap)
}

/// Whether [`CountingAllocator`] is this process's global allocator (one allocation is made to
/// find out).
pub fn is_counting() -> bool {
    measure(|| drop(std::hint::black_box(Box::new(0u64))))
        .1
        .allocations
        > 0
}

fn allocated(bytes: usize) {
    if ON.load(Relaxed) {
        ALLOCATIONS.fetch_add(1, Relaxed);
        let live = LIVE.fetch_add(bytes as isize, Relaxed) + bytes as isize;
        PEAK.fetch_max(live, Relaxed);
    }
}

fn freed(bytes: usize) {
    if ON.load(Relaxed) {
        LIVE.fetch_sub(bytes as isize, Relaxed);
    }
}

// SAFETY: forwards every call to `System` unchanged; it only counts.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        allocated(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        freed(layout.size());
        // SAFETY: as above, for `dealloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        allocated(layout.size());
        // SAFETY: as above, for `alloc_zeroed`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        freed(layout.size());
        allocated(new_size);
        // SAFETY: as above, for `realloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
