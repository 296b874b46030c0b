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
    peak_heap_under_a_limit_is_held_by_the_live_connections();
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

/// Under a connection limit, the loops hold state for the live connections only: 4096
/// connections with a limit of 16 peak well below 4096 without one (each connection keeps only
/// the network's few words), and the measured runs still allocate nothing.
/// (Called from the one test function: the counters are global.)
fn peak_heap_under_a_limit_is_held_by_the_live_connections() {
    let peak = |variant, limit: Option<usize>| {
        let mut config = RunConfig::new(variant).connections(4096);
        config.connection_limit = limit;
        let (end, heap) = measure(|| {
            prepare::<_, NoTrace, _>(&HandwrittenEcho, &config, |prepared| prepared.run())
        });
        assert!(!end.unwrap().stalled);
        // The counters are reset by each `measure`: the serve's allocations apart.
        let allocations = prepare::<_, NoTrace, _>(&HandwrittenEcho, &config, |prepared| {
            prepared.run();
            let (end, serve) = measure(|| prepared.run());
            assert!(!end.stalled);
            serve.allocations
        });
        (allocations.unwrap(), heap.peak_bytes)
    };
    for variant in [
        Variant::Manual,
        Variant::Async,
        Variant::AsyncBox,
        Variant::AsyncBoxArc,
    ] {
        let (_, free) = peak(variant, None);
        let (allocations, limited) = peak(variant, Some(16));
        // The slots of manual and async are most of their heap; the boxed variants free each
        // future as it finishes anyway, and keep less live with the limit.
        let factor = if matches!(variant, Variant::Manual | Variant::Async) {
            4
        } else {
            1
        };
        assert!(
            limited * factor < free,
            "{variant}: {limited} with a limit, {free} without"
        );
        if matches!(variant, Variant::Manual | Variant::Async) {
            assert_eq!(allocations, 0, "{variant}: a measured run allocated");
        }
    }
}
