//! The async side: what runs the generated async fn. The [`reactor`] turns the fake poller's
//! events into readiness and wake-ups; the [`executor`]s poll the tasks (a no-alloc one and a
//! conventional boxed/`Arc` one). The poll-loop side's peer is [`driver`](crate::driver).
//!
//! May import what both twins share — the fake I/O ([`io`](crate::io)), the readiness
//! [`gate`](crate::gate), the [`round`](crate::round)s, [`conn`](crate::conn),
//! [`net`](crate::net), [`trace`](crate::trace) — and never the driver. Inside, the reactor
//! imports the executors' [`Turn`](executor::Turn); the executors import nothing of the reactor.
//! (Not `async/`: that is a keyword.)

pub mod executor;
pub mod reactor;
