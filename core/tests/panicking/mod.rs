//! A scenario whose code panics, shared by the panic tests and the kernel's descriptor count:
//! line echo that panics on connection 2's request (an out-of-bounds index, say); with `ONCE`,
//! only while [`ARMED`], which the panic disarms.

use std::sync::atomic::{AtomicBool, Ordering};

use super::common::{LineMachine, serve_line};
use twinbench::{AsyncIo, Client, Config, ConnError, Scenario};

/// Echo that panics on connection 2's request (with `ONCE`, only while [`ARMED`]).
pub struct PanicsOnTwo<const ONCE: bool = false>;

/// Arms a `PanicsOnTwo<true>` for one panic.
pub static ARMED: AtomicBool = AtomicBool::new(false);

fn reply_once(line: &[u8]) -> &[u8] {
    if line == b"2\n" && ARMED.swap(false, Ordering::Relaxed) {
        return reply(line);
    }
    line
}

fn reply(line: &[u8]) -> &[u8] {
    if line == b"2\n" {
        let at = line.len() + 5;
        return &line[..at]; // out of range
    }
    line
}

impl<const ONCE: bool> Scenario for PanicsOnTwo<ONCE> {
    type Machine = LineMachine<16>;
    fn name(&self) -> &'static str {
        "panics-on-two"
    }
    fn config(&self) -> Config {
        Config {
            connections: 5,
            buffer: 16,
            requests: 1,
        }
    }
    fn client(&self, conn: usize) -> Client {
        let line = format!("{conn}\n").into_bytes();
        Client::new(line.clone().into(), line.into())
    }
    fn machine(&self) -> LineMachine<16> {
        LineMachine::new(if ONCE { reply_once } else { reply })
    }
    fn serve<'a, C: AsyncIo + 'a>(
        &'a self,
        io: &'a mut C,
    ) -> impl Future<Output = Result<(), ConnError>> + 'a {
        serve_line::<16, C>(io, if ONCE { reply_once } else { reply })
    }
}
