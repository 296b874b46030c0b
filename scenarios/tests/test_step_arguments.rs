//! A step's argument is evaluated once, where the step begins, in both twins: a side effect
//! happens once per step, a costly argument costs once, and the temporaries of an argument
//! live through the wait (`write(reply(&x).as_bytes())` compiles in both). Each scenario also
//! passes the differential harness.
//!
//! The networks below make writes block and deliver one byte at a time, so a twin that
//! evaluated an argument again on each resume would count more than one evaluation per step.

use std::cell::Cell;

mod support;

use support::check;
use twinbench::prelude::*;

thread_local! {
    /// Evaluations of the counted arguments on this thread (each test runs on its own).
    static EVALUATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    EVALUATIONS.with(|count| count.set(count.get() + 1));
}

/// Runs `scenario` on `model` in `variant` and returns how many counted evaluations it made.
fn evaluations<S: Scenario + 'static>(scenario: &S, variant: Variant, model: NetModel) -> usize {
    EVALUATIONS.with(|count| count.set(0));
    let report = twinbench::run(scenario, &RunConfig::new(variant).model(model))
        .unwrap_or_else(|error| panic!("{variant:?} on {model}: {error}"));
    assert!(
        report.all_ok(),
        "{variant:?} on {model}: {:?}",
        report.outcomes
    );
    EVALUATIONS.with(Cell::get)
}

/// Networks where every step waits, some many times: writes first block, then take one byte.
const MODELS: [NetModel; 3] = [NetModel::Seed, NetModel::Chunked(1), NetModel::Chunked(3)];

fn assert_evaluated_once_per_step<S: Scenario + 'static>(
    scenario: &S,
    steps_per_connection: usize,
) {
    let connections = scenario.config().connections;
    for model in MODELS {
        for variant in Variant::ALL {
            assert_eq!(
                evaluations(scenario, variant, model),
                connections * steps_per_connection,
                "{} in {variant:?} on {model}: each step's argument is evaluated once",
                scenario.name(),
            );
        }
    }
    check(scenario);
}

/// The next reply of a sequence: a side effect in a step's argument.
fn next_reply() -> &'static [u8] {
    count();
    b"hello, world\n"
}

#[scenario(
    connections = 4,
    buffer = 32,
    client(send = b"hi\n", expect = b"hello, world\n")
)]
pub fn side_effect() {
    read_until(b'\n');
    write(next_reply());
}

#[test]
fn a_side_effecting_write_argument_runs_once() {
    assert_evaluated_once_per_step(&side_effect(), 1);
}

/// A costly pure argument: the reply rendered from the request (and counted).
fn render(request: &[u8]) -> Vec<u8> {
    count();
    let mut reply = b"echo: ".to_vec();
    reply.extend_from_slice(request);
    reply
}

/// How many bytes the body holds, computed (and counted) from the header.
fn body_len(header: &[u8]) -> usize {
    count();
    usize::from(header[0] - b'0')
}

/// The delimiter, computed (and counted).
fn terminator() -> [u8; 2] {
    count();
    *b"\r\n"
}

#[scenario(
    connections = 4,
    buffer = 32,
    client(send = b"3abcline\r\n", expect = b"echo: 3abcline\r\n")
)]
pub fn costly() {
    read_exact(1);
    read_exact(1 + body_len(&buf[..1]));
    let end: usize = read_until(terminator());
    write(&render(&buf[..end]));
}

#[test]
fn costly_arguments_of_every_step_are_evaluated_once() {
    assert_evaluated_once_per_step(&costly(), 3);
}

/// An owned reply, for a step that borrows from it.
fn reply(request: &[u8]) -> String {
    format!("+{}\r\n", request.len())
}

/// The reply is a temporary borrowed across the wait: `reply(…)` lives while its bytes are
/// written, in both twins.
#[scenario(
    connections = 4,
    buffer = 32,
    client(send = b"ping\n", expect = b"+5\r\n")
)]
pub fn temporary() {
    let end: usize = read_until(b'\n');
    write(reply(&buf[..end]).as_bytes());
}

#[test]
fn a_temporary_borrowed_across_the_wait_lives_through_it() {
    for model in MODELS {
        for variant in Variant::ALL {
            let report =
                twinbench::run(&temporary(), &RunConfig::new(variant).model(model)).unwrap();
            assert!(
                report.all_ok(),
                "{variant:?} on {model}: {:?}",
                report.outcomes
            );
        }
    }
    check(&temporary());
}

/// A binding whose type has no `Default` (`[u8; 1024]`, past the 32 of `[T; N]: Default`)
/// lives across a wait.
#[scenario(
    connections = 3,
    buffer = 16,
    client(send = b"a\n", expect = b"1024 x")
)]
pub fn large_array() {
    let block: [u8; 1024] = [b'x'; 1024];
    read_until(b'\n');
    let pair: ([u8; 40], usize) = ([1; 40], block.len());
    yield_now();
    write(format!("{} {}", pair.1, block[1023] as char).as_bytes());
}

#[test]
fn a_binding_without_default_lives_across_a_wait() {
    check(&large_array());
}
