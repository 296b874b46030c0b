//! Bindings need no `Default`: a struct without one holding 1 KiB lives across waits, and
//! values with drop glue set again on each round of a loop are each dropped exactly once —
//! when the connection finishes, returns early, fails on a fault, or is dropped unfinished
//! at a run's round limit. Each scenario runs both twins through the differential harness
//! (every variant, 203 networks; a few under Miri).
//!
//! Every [`Counted`] registers itself in a thread-local set of live values when it is made and
//! leaves it when dropped, so a leak (a value still live after a run), a double drop (a value
//! dropped that is not live) and a drop of a value never made are all caught, whatever else
//! happened in between.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;

use twinbench::check::Differential;
use twinbench::prelude::*;
use twinbench::{Faults, Report};

thread_local! {
    /// The ids of the [`Counted`] values alive on this thread (each test runs on its own).
    static LIVE: RefCell<BTreeSet<u64>> = const { RefCell::new(BTreeSet::new()) };
    /// Values made so far, and the next id.
    static MADE: Cell<u64> = const { Cell::new(0) };
    /// Drops of values that were not alive.
    static BAD_DROPS: Cell<u64> = const { Cell::new(0) };
}

/// A copy of a request that knows whether it is alive: no `Default`, and a `Drop` that counts.
pub struct Counted {
    id: u64,
    bytes: Vec<u8>,
}

impl Counted {
    pub fn new(bytes: &[u8]) -> Self {
        let id = MADE.with(|made| made.replace(made.get() + 1));
        LIVE.with(|live| live.borrow_mut().insert(id));
        Counted {
            id,
            bytes: bytes.to_vec(),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        if !LIVE.with(|live| live.borrow_mut().remove(&self.id)) {
            BAD_DROPS.with(|bad| bad.set(bad.get() + 1));
        }
    }
}

/// Asserts that every [`Counted`] made so far on this thread was dropped exactly once.
fn assert_none_alive(what: &str) {
    let live = LIVE.with(|live| live.borrow().len());
    let bad = BAD_DROPS.with(Cell::get);
    let made = MADE.with(Cell::get);
    assert_eq!(live, 0, "{what}: {live} of {made} values leaked");
    assert_eq!(bad, 0, "{what}: {bad} drops of values not alive");
}

/// As [`assert_none_alive`], and some values were made.
fn assert_each_dropped_once(what: &str) {
    assert!(MADE.with(Cell::get) > 0, "{what}: no value was made");
    assert_none_alive(what);
}

/// Random networks per differential check: a few under Miri, which is slow.
const RANDOM_NETWORKS: u64 = if cfg!(miri) { 1 } else { 200 };

/// Runs both twins of `scenario` through the differential harness (three connections each).
fn differential<S: Scenario + 'static>(scenario: &S) {
    let networks = Differential::new(scenario)
        .connections(3)
        .random_seeds(RANDOM_NETWORKS)
        .run()
        .unwrap_or_else(|divergence| panic!("{divergence}"));
    assert_eq!(networks as u64, 3 + RANDOM_NETWORKS);
}

/// [`differential`], then checks every value was dropped once.
fn check<S: Scenario + 'static>(scenario: &S) {
    differential(scenario);
    assert_each_dropped_once(scenario.name());
}

/// A request copied out of `buf`: no `Default` (nor `Clone`), 1 KiB, no drop glue.
pub struct Block {
    bytes: [u8; 1024],
    len: usize,
}

impl Block {
    pub fn copy_of(bytes: &[u8]) -> Self {
        let mut block = Block {
            bytes: [0; 1024],
            len: bytes.len(),
        };
        block.bytes[..bytes.len()].copy_from_slice(bytes);
        block
    }

    pub fn filled(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The request, held in a [`Block`] across three waits (a yield and a write in two parts).
#[scenario(
    connections = 3,
    buffer = 64,
    client(send = b"hello\n", expect = b"hello\n")
)]
pub fn block_across_waits() {
    let end: usize = read_until(b'\n');
    let block: Block = Block::copy_of(&buf[..end]);
    consume(end);
    yield_now();
    write(&block.filled()[..1]);
    write(&block.filled()[1..]);
}

#[test]
fn a_struct_without_default_lives_across_waits() {
    differential(&block_across_waits());
}

/// Three requests on a connection, each copied into a [`Counted`] and a `String` that are set
/// again on the next round, both used across waits.
#[scenario(
    connections = 3,
    buffer = 64,
    requests = 3,
    client(exchanges = [(b"a\n", b"a\n"), (b"bb\n", b"bb\n"), (b"ccc\n", b"ccc\n")])
)]
pub fn reassigned_in_a_loop() {
    for _ in 0..3 {
        let end: usize = read_until(b'\n');
        let line: Counted = Counted::new(&buf[..end]);
        let text: String = String::from_utf8_lossy(&buf[..end]).into_owned();
        consume(end);
        yield_now();
        write(&line.bytes()[..1]);
        assert_eq!(text.as_bytes(), line.bytes());
        write(&text.as_bytes()[1..]);
    }
}

#[test]
fn values_set_again_in_a_loop_are_each_dropped_once() {
    check(&reassigned_in_a_loop());
}

#[test]
fn values_alive_when_a_fault_ends_the_connection_are_dropped_once() {
    for seed in 0..if cfg!(miri) { 2 } else { 20 } {
        let report = Differential::new(&reassigned_in_a_loop())
            .connections(4)
            .random_seeds(0)
            .faults(Faults { seed, one_in: 1 })
            .check(NetModel::Chunked(1))
            .unwrap_or_else(|divergence| panic!("{divergence}"));
        assert!(
            report
                .outcomes
                .iter()
                .any(|outcome| *outcome != Outcome::Ok),
            "seed {seed}: some connection meets its fault"
        );
    }
    assert_each_dropped_once("faulted runs");
}

/// Round limits apart: every one, or every fourth under Miri.
const ROUND_STEP: usize = if cfg!(miri) { 4 } else { 1 };

/// Runs `scenario` in every variant with round limits from 0 up, until a run finishes.
fn run_to_each_round_limit<S: Scenario + 'static>(scenario: &S) -> Vec<Report> {
    let mut stalled = Vec::new();
    for variant in Variant::compiled() {
        for max_rounds in (0..).step_by(ROUND_STEP) {
            let config = RunConfig::new(variant)
                .model(NetModel::Chunked(1))
                .connections(3)
                .max_rounds(max_rounds);
            let report = twinbench::run(scenario, &config).unwrap();
            assert_none_alive(&format!("{variant} stopped after {max_rounds} rounds"));
            if !report.end.stalled {
                break;
            }
            stalled.push(report);
        }
    }
    stalled
}

#[test]
fn values_alive_when_a_run_stalls_are_dropped_once() {
    let stalled = run_to_each_round_limit(&reassigned_in_a_loop());
    assert_each_dropped_once("runs to each round limit");
    assert!(
        stalled.len() > 10 / ROUND_STEP,
        "runs stop in the middle of the scenario"
    );
    assert!(
        stalled
            .iter()
            .all(|report| report.count(Outcome::Stalled) > 0)
    );
}

/// Lines echoed from a [`Counted`] until `quit`, which gets `bye` and returns from the state
/// that writes it, with the line still alive.
#[scenario(
    connections = 3,
    buffer = 32,
    requests = 3,
    client(exchanges = [(b"a\n", b"a\n"), (b"bb\n", b"bb\n"), (b"quit\n", b"bye\n")])
)]
pub fn returns_holding() {
    loop {
        let end: usize = read_until(b'\n');
        let line: Counted = Counted::new(&buf[..end]);
        consume(end);
        if line.bytes() == b"quit\n" {
            write(b"bye\n");
            return;
        }
        write(line.bytes());
    }
}

#[test]
fn a_value_alive_at_return_is_dropped_once() {
    check(&returns_holding());
}
