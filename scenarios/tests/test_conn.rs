//! `conn()`: the connection's index (accept order, from 0) in the scenario's own expressions,
//! the same in both twins: a server that greets with its id, one that branches on it, and a
//! step argument the machine re-derives on each resume. Each passes the differential harness.

mod support;

use support::check;
use twinbench::prelude::*;

/// Greets each client with its connection's index, computed before the first wait.
#[scenario(
    connections = 4,
    buffer = 32,
    client(send = b"hi\n", expect = |conn: usize| format!("hello {conn}\n").into_bytes())
)]
pub fn greeter() {
    let greeting: String = format!("hello {}\n", conn());
    read_until(b'\n');
    write(greeting.as_bytes());
}

#[test]
fn a_server_greets_with_its_connection_index() {
    check(&greeter());
}

/// `conn()` in a condition, in a computed step argument (evaluated once) and in one that only
/// names data (`conn().to_le_bytes()`, re-derived by the machine on resume).
#[scenario(
    connections = 4,
    buffer = 32,
    client(send = b"x\n", expect = |conn: usize| {
        let mut reply = if conn.is_multiple_of(2) { b"even ".to_vec() } else { b"odd ".to_vec() };
        reply.extend_from_slice(format!("{conn}:").as_bytes());
        reply.extend_from_slice(&(conn as u64).to_le_bytes());
        reply
    })
)]
pub fn parity() {
    read_until(b'\n');
    if conn().is_multiple_of(2) {
        write(b"even ");
    } else {
        write(b"odd ");
    }
    write(format!("{}:", conn()).as_bytes());
    write(&(conn() as u64).to_le_bytes());
}

#[test]
fn conn_in_conditions_and_step_arguments() {
    check(&parity());
}

/// Calls `with` on `value`.
fn apply(value: fn() -> u8, with: fn(fn() -> u8) -> u8) -> u8 {
    with(value)
}

/// A closure parameter named `conn` is the closure's, not the connection's index.
#[scenario(connections = 2, buffer = 32, client(send = b"x\n", expect = b"5"))]
pub fn shadowed() {
    read_until(b'\n');
    let five: u8 = apply(|| 5, |conn| conn());
    write(&[b'0' + five]);
}

#[test]
fn a_user_name_conn_shadows_the_index() {
    check(&shadowed());
}
