//! A panic in the scenario's own code points at the user's expression in every twin (issue
//! 18.4): the async twin used to report the `#[scenario]` attribute's line, because the lowered
//! `buf` carried the macro's span. Each twin runs under a panic hook that records the panic's
//! location; the run's panic is caught (a panic inside a run is not a `RunError` yet).

use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;

use twinbench::prelude::*;

/// Where the last panic on any thread was raised: (file, line).
static LOCATION: Mutex<Option<(String, u32)>> = Mutex::new(None);

/// An index past the request: `buf[end + 10]` panics.
#[scenario(connections = 1, buffer = 16, client(send = b"ab\n", expect = b"x"))]
pub fn indexes_past_the_request() {
    let end: usize = read_until(b'\n');
    let byte: u8 = buf[end + 10]; // PANICS HERE: index
    write(&[byte]);
}

/// `Option::unwrap` on `None` (a `#[track_caller]` panic) in a step's argument.
#[scenario(connections = 1, buffer = 16, client(send = b"ab\n", expect = b"x"))]
pub fn unwraps_none() {
    let end: usize = read_until(b'\n');
    write(&[*buf[..end].iter().find(|&&b| b == b'z').unwrap()]); // PANICS HERE: unwrap
}

/// A subtraction that overflows (debug builds check it) on a binding.
#[scenario(connections = 1, buffer = 16, client(send = b"ab\n", expect = b"x"))]
pub fn overflows() {
    let end: usize = read_until(b'\n');
    let before: usize = end - buf.len() - 1; // PANICS HERE: overflow
    write(&[before as u8]);
}

/// An overflow on `conn()`, which is 0 for the only connection.
#[scenario(connections = 1, buffer = 16, client(send = b"ab\n", expect = b"x"))]
pub fn overflows_on_conn() {
    read_until(b'\n');
    let previous: usize = conn() - 1; // PANICS HERE: conn
    write(&[previous as u8]);
}

/// An index past the request inside a step function, which reads `buf` as its parameter.
#[step]
fn reads_past() -> u8 {
    let end: usize = read_until(b'\n');
    let byte: u8 = buf[end + 10]; // PANICS HERE: step
    byte
}

/// Calls [`reads_past()`], whose expression panics.
#[scenario(
    connections = 1,
    buffer = 16,
    steps = [reads_past],
    client(send = b"ab\n", expect = b"x")
)]
pub fn indexes_past_in_a_step() {
    let byte: u8 = reads_past();
    write(&[byte]);
}

/// The line of this file holding `PANICS HERE: {what}`.
fn marked_line(what: &str) -> u32 {
    let marker = format!("PANICS HERE: {what}");
    let index = include_str!("test_panic_location.rs")
        .lines()
        .position(|line| line.contains(&marker) && !line.contains("format!"))
        .expect("the marker is in this file");
    u32::try_from(index + 1).expect("a short file")
}

/// Runs `scenario` in `variant` and returns where its panic was raised.
fn panic_location<S: Scenario + 'static>(scenario: &S, variant: Variant) -> Located {
    *LOCATION.lock().unwrap() = None;
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        twinbench::run(scenario, &RunConfig::new(variant))
    }));
    let location = LOCATION.lock().unwrap().take();
    location.unwrap_or_else(|| {
        panic!(
            "{variant:?} did not panic: {:?}",
            outcome.map(|r| r.map(|r| r.outcomes))
        )
    })
}

/// Where a case's panic was raised in a variant.
type Located = (String, u32);

#[test]
fn a_panic_in_user_code_points_at_the_users_expression_in_every_twin() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        if let Some(location) = info.location() {
            *LOCATION.lock().unwrap() = Some((location.file().to_owned(), location.line()));
        }
    }));
    let mut wrong = Vec::new();
    let cases: [(&str, &dyn Fn(Variant) -> Located); 5] = [
        ("index", &|v| panic_location(&indexes_past_the_request(), v)),
        ("unwrap", &|v| panic_location(&unwraps_none(), v)),
        ("overflow", &|v| panic_location(&overflows(), v)),
        ("conn", &|v| panic_location(&overflows_on_conn(), v)),
        ("step", &|v| panic_location(&indexes_past_in_a_step(), v)),
    ];
    for (what, run) in cases {
        let expected = marked_line(what);
        for variant in Variant::ALL {
            let (file, line) = run(variant);
            if !file.ends_with("test_panic_location.rs") || line != expected {
                wrong.push(format!(
                    "{what} in {variant:?}: {file}:{line}, not line {expected}"
                ));
            }
        }
    }
    panic::set_hook(previous);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
