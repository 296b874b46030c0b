//! Counting heap allocations: the allocations/request column of the harness and the
//! no-allocation tests read the same counter.
//!
//! Install it once per binary (the harness's `main!` does it for you):
//!
//! ```
//! #[global_allocator]
//! static ALLOCATOR: twinbench::alloc::CountingAllocator = twinbench::alloc::CountingAllocator;
//!
//! let before = twinbench::alloc::allocations();
//! let boxed = std::hint::black_box(Box::new(7));
//! assert_eq!(twinbench::alloc::allocations() - before, 1);
//! # drop(boxed);
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

/// A global allocator that forwards to [`System`] and counts every allocation and
/// reallocation. Its cost is one relaxed atomic increment per allocation, paid alike by every
/// variant (only those that allocate pay it at all).
#[derive(Clone, Copy, Debug, Default)]
pub struct CountingAllocator;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

/// Allocations (and reallocations) so far, process-wide. Always 0 unless [`CountingAllocator`]
/// is the `#[global_allocator]`: see [`is_counting`].
pub fn allocations() -> u64 {
    ALLOCATIONS.load(Ordering::Relaxed)
}

/// Whether [`CountingAllocator`] is this process's global allocator (one allocation is made to
/// find out).
pub fn is_counting() -> bool {
    let before = allocations();
    drop(std::hint::black_box(Box::new(0u64)));
    allocations() != before
}

// SAFETY: forwards every call to `System` unchanged; it only counts.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above, for `dealloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as above, for `alloc_zeroed`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as above, for `realloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
