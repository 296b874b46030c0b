//! After setup, a measured run of `manual` or no-alloc `async` makes no heap allocation; the
//! conventional executor allocates per task. Counted with a global allocator wrapper.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use twinbench::handwritten::HandwrittenEcho;
use twinbench::{NetModel, NoTrace, RunConfig, Variant, prepare};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call to `System` unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by each of three consecutive runs after setup.
fn allocations_per_run(variant: Variant, model: NetModel) -> Vec<u64> {
    let config = RunConfig::new(variant).model(model);
    prepare::<_, NoTrace, _>(&HandwrittenEcho, &config, |prepared| {
        (0..3)
            .map(|_| {
                let before = ALLOCATIONS.load(Ordering::Relaxed);
                let end = prepared.run();
                let after = ALLOCATIONS.load(Ordering::Relaxed);
                assert!(!end.stalled);
                after - before
            })
            .collect()
    })
    .unwrap()
}

// One test function: the counter is global, so runs must not overlap with other tests' runs.
#[test]
fn measured_runs_allocate_only_in_the_conventional_executor() {
    for model in [NetModel::Seed, NetModel::Chunked(1), NetModel::Random(3)] {
        assert_eq!(
            allocations_per_run(Variant::Manual, model),
            [0, 0, 0],
            "manual, {model}"
        );
        assert_eq!(
            allocations_per_run(Variant::Async, model),
            [0, 0, 0],
            "async, {model}"
        );
        let boxed = allocations_per_run(Variant::AsyncBoxArc, model);
        assert!(
            boxed.iter().all(|&n| n >= 2 * handwritten_connections()),
            "async-box-arc boxes each future and Arc-allocates each waker: {boxed:?}"
        );
    }
}

fn handwritten_connections() -> u64 {
    twinbench::handwritten::CONNECTIONS as u64
}
