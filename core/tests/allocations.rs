//! After setup, a measured run of `manual` or no-alloc `async` makes no heap allocation; the
//! conventional executor allocates per task. Counted by
//! `twinbench::alloc::CountingAllocator`, as the harness counts them.

use twinbench::alloc::{CountingAllocator, measure};
use twinbench::handwritten::HandwrittenEcho;
use twinbench::{NetModel, NoTrace, RunConfig, Variant, prepare};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Allocations made by each of three consecutive runs after setup.
fn allocations_per_run(variant: Variant, model: NetModel) -> Vec<u64> {
    let config = RunConfig::new(variant).model(model);
    prepare::<_, NoTrace, _>(&HandwrittenEcho, &config, |prepared| {
        (0..3)
            .map(|_| {
                let (end, heap) = measure(|| prepared.run());
                assert!(!end.stalled);
                heap.allocations
            })
            .collect()
    })
    .unwrap()
}

// One test function: the counters are global, so runs must not overlap with other tests' runs.
#[test]
fn measured_runs_allocate_only_in_the_conventional_executor() {
    peak_heap_grows_with_the_connections();
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

/// Peak heap grows with the connections a run holds: setup allocates every connection's slot.
/// (Called from the one test function: the counters are global.)
fn peak_heap_grows_with_the_connections() {
    let peak = |variant, connections| {
        let config = RunConfig::new(variant).connections(connections);
        let (result, heap) = measure(|| {
            prepare::<_, NoTrace, _>(&HandwrittenEcho, &config, |prepared| prepared.run())
        });
        assert!(!result.unwrap().stalled);
        heap.peak_bytes
    };
    for variant in [Variant::Manual, Variant::Async] {
        let (small, large) = (peak(variant, 64), peak(variant, 4096));
        // 64× the connections: at least 16× the peak (fixed costs aside), a real measurement.
        assert!(
            large > 32 * small / 2 && large > small,
            "{variant}: {small} → {large}"
        );
    }
}
