//! Step functions (`#[step]`): a body in the scenario language called as a step from a
//! scenario or another step function. Both twins run them (the async twin awaits the step
//! function's async fn, the machine holds and resumes its sub-machine) and pass the
//! differential harness.

mod support;

use support::check;
use twinbench::prelude::*;

/// Parses ASCII decimal digits (0 for anything else).
fn digits(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .fold(0, |n, &b| n * 10 + usize::from(b.wrapping_sub(b'0')) % 10)
}

/// Reads `LEN\n` and returns `LEN`, consumed.
#[step]
fn read_len() -> usize {
    let end: usize = read_until(b'\n');
    let len: usize = digits(&buf[..end - 1]);
    consume(end);
    len
}

/// Reads a length line and that many bytes; echoes them with a prefix.
#[step(steps = [read_len])]
fn echo_body(prefix: u8) {
    let len: usize = read_len();
    read_exact(len);
    write(&[prefix]);
    write(&buf[..len]);
    consume(len);
}

#[scenario(
    connections = 8,
    buffer = 64,
    steps = [echo_body, read_len],
    client(send = b"5\nhello3\nabc2\n", expect = b"<hello>abc2")
)]
pub fn nested() {
    echo_body(b'<');
    echo_body(b'>');
    let n: usize = read_len();
    write(format!("{n}").as_bytes());
}

#[test]
fn nested_step_functions_pass_the_differential_harness() {
    check(&nested());
}

/// Reads lines up to a blank one (or `budget` lines), yielding after each: returns the first
/// line. A mutable parameter, a non-`Copy` value (moved out of its binding with `take`: a
/// binding is a field of the machine), `return` from inside a loop.
#[step]
fn read_lines(mut budget: usize) -> Vec<u8> {
    let mut first: Vec<u8> = Vec::new();
    loop {
        let end: usize = read_until(b'\n');
        if end == 1 {
            consume(1);
            return std::mem::take(&mut first);
        }
        if first.is_empty() {
            first = buf[..end - 1].to_vec();
        }
        consume(end);
        yield_now();
        budget -= 1;
        if budget == 0 {
            return std::mem::take(&mut first);
        }
    }
}

/// The connection's index, a colon and the first line: `conn()` and a computed write inside a
/// step function, a value from a nested one.
#[step(steps = [read_lines])]
fn greet() -> usize {
    let first: Vec<u8> = read_lines(8);
    write(format!("{}:", conn()).as_bytes());
    write(&first);
    return first.len();
}

#[scenario(
    connections = 4,
    buffer = 32,
    requests = 2,
    steps = [greet],
    client(exchanges = |conn| [
        (b"ab\ncd\n\n".to_vec(), format!("{conn}:ab2\n").into_bytes()),
        (b"xyz\n\n".to_vec(), format!("{conn}:xyz3\n").into_bytes()),
    ])
)]
pub fn chatty() {
    while next_request() {
        let n: usize = greet();
        write(&[b'0' + n as u8, b'\n']);
    }
}

#[test]
fn step_functions_in_a_loop_with_conn_yields_and_early_returns() {
    check(&chatty());
}

/// The operations of every connection of `scenario` in `variant` on `model`.
fn traces<S: Scenario + 'static>(
    scenario: &S,
    variant: Variant,
    model: NetModel,
) -> Vec<Vec<twinbench::Op>> {
    let config = RunConfig::new(variant).model(model);
    let (report, traces) = twinbench::run_traced(scenario, &config)
        .unwrap_or_else(|error| panic!("{variant:?} on {model}: {error}"));
    assert!(
        report.all_ok(),
        "{variant:?} on {model}: {:?}",
        report.outcomes
    );
    traces.connections
}

/// A step function is a way of writing steps, not different I/O: the composed built-ins do
/// exactly the operations of their flattened forms, in every variant, on every network.
#[test]
fn composed_and_flattened_do_the_same_io() {
    let models = [NetModel::Seed, NetModel::Chunked(1), NetModel::Chunked(7)]
        .into_iter()
        .chain((0..20).map(NetModel::Random));
    for model in models {
        for variant in Variant::ALL {
            assert_eq!(
                traces(&twinbench_scenarios::layered(), variant, model),
                traces(&twinbench_scenarios::layered_flat(), variant, model),
                "layered vs layered_flat, {variant:?} on {model}"
            );
            assert_eq!(
                traces(&twinbench_scenarios::http1_steps(), variant, model),
                traces(&twinbench_scenarios::http1(), variant, model),
                "http1_steps vs http1, {variant:?} on {model}"
            );
        }
    }
}

#[test]
fn the_step_function_built_ins_pass_the_differential_harness() {
    check(&twinbench_scenarios::resp());
    check(&twinbench_scenarios::http1_steps());
    check(&twinbench_scenarios::layered());
}
