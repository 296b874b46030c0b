//! Scenarios that once broke one twin or the other, found by differential fuzzing of the macro.
//! Each must compile and pass the harness.

use twinbench::check::Differential;
use twinbench::prelude::*;

/// A user type named like the generated code's generic parameter used to be shadowed by it.
pub struct C;

impl C {
    /// A constant the scenario computes with.
    pub fn seven() -> usize {
        7
    }
}

#[scenario(connections = 4, buffer = 64, client(send = b"", expect = b"7"))]
pub fn user_type_named_c() {
    let x: usize = C::seven();
    write(&[b'0' + x as u8]);
}

/// Format strings that capture bindings and `buf` inline.
#[scenario(
    connections = 4,
    buffer = 64,
    client(send = b"abc\n", expect = b"end=4 buf=[97, 98, 99, 10] e=4!")
)]
pub fn inline_format_captures() {
    let end: usize = read_until(b'\n');
    let reply: String = format!("end={end} buf={buf:?} e={e}!", e = end);
    write(reply.as_bytes());
}

/// `stringify!` sees the tokens as written, in both twins.
#[scenario(connections = 4, buffer = 64, client(send = b"", expect = b"e"))]
pub fn stringify_is_not_rewritten() {
    let e: usize = 1;
    write(stringify!(e).as_bytes());
    std::hint::black_box(e);
}

/// `vec![value; len]` with a binding and `buf` inside.
#[scenario(
    connections = 4,
    buffer = 64,
    client(send = b"xyz\n", expect = b"xxxx")
)]
pub fn repeat_macro_arguments() {
    let end: usize = read_until(b'\n');
    let reply: Vec<u8> = vec![buf[0]; end];
    write(&reply);
}

fn check<S: Scenario + 'static>(scenario: &S) {
    Differential::new(scenario)
        .connections(3)
        .random_seeds(30)
        .run()
        .unwrap_or_else(|d| panic!("{d}"));
}

#[test]
fn each_regression_passes_the_harness() {
    check(&user_type_named_c());
    check(&inline_format_captures());
    check(&stringify_is_not_rewritten());
    check(&repeat_macro_arguments());
}
