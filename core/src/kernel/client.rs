//! The client side of the kernel backend: one real socket per connection, connected at setup,
//! fed by the pump and checked byte for byte.
//!
//! What the fake network's clients do, over sockets: send the request (all at once, in
//! lock-step gates, or trickled), then half-close (`shutdown(SHUT_WR)`: the server reads EOF
//! after the request, as on the fake network); receive the reply and compare every byte with the
//! expectation. The pump ([`ClientSide::pump`]) runs at the start of every poll of the backend,
//! the same point in both twins; it reads replies during the run only for the clients that need
//! them to go on (lock-step gates, or a reply too large to wait in the socket buffers), and
//! every other reply is read after the run, outside the measured section, to EOF.
//!
//! May import: its sibling [`sys`](super::sys); [`net`](crate::net)'s faults and
//! [`BadReply`]; [`scenario`](mod@crate::scenario)'s [`Client`]; [`trace`](crate::trace).

use core::cell::Cell;

use libc::c_int;

use super::sys;
use crate::net::{BadReply, Fault};
use crate::scenario::Client;
use crate::trace::Tracer;

/// Replies larger than this are read by the pump during the run: a server's write of a larger
/// reply may find the socket buffers full, and only the client's reads free them.
pub(crate) const INLINE_REPLY_MAX: usize = 4096;

/// No descriptor.
pub(crate) const CLOSED: c_int = -1;

/// One connection's client: what it sends and expects, its socket, and how far it has got.
pub(crate) struct ClientSide<T: Tracer> {
    pub client: Client,
    pub fault: Option<Fault>,
    /// The client's socket (`CLOSED` before setup, after a reset fault, after the check).
    pub fd: Cell<c_int>,
    /// Request bytes sent.
    sent: Cell<usize>,
    /// The lock-step gate in force.
    gate: Cell<usize>,
    /// Reply bytes received.
    pub received: Cell<usize>,
    /// A reply byte differed from the expectation, or came after its end.
    pub bad: Cell<bool>,
    /// The request is complete and the client half-closed.
    shut: Cell<bool>,
    /// The client hung up (a reset fault) before the reply could be read.
    pub gone: Cell<bool>,
    /// The server's operations on this connection, when traced.
    pub log: T::Log,
}

/// What the pump did for one client.
pub(crate) struct Pumped {
    /// System calls made.
    pub calls: u64,
}

impl<T: Tracer> ClientSide<T> {
    pub fn new(client: Client, fault: Option<Fault>) -> Self {
        ClientSide {
            client,
            fault,
            fd: Cell::new(CLOSED),
            sent: Cell::new(0),
            gate: Cell::new(0),
            received: Cell::new(0),
            bad: Cell::new(false),
            shut: Cell::new(false),
            gone: Cell::new(false),
            log: T::Log::default(),
        }
    }

    /// How far this client has got, for stall detection: request bytes sent and expected reply
    /// bytes received (bytes past the expectation are not progress).
    pub fn progress(&self) -> u64 {
        (self.sent.get() + self.received.get().min(self.client.expect.len())) as u64
    }

    /// Back to the start, for a new socket `fd`.
    pub fn restart(&self, fd: c_int) {
        self.fd.set(fd);
        self.sent.set(0);
        self.gate.set(0);
        self.received.set(0);
        self.bad.set(false);
        self.shut.set(false);
        self.gone.set(false);
        T::take(&self.log);
    }

    /// Whether the pump reads this client's reply during the run.
    fn reads_during_run(&self) -> bool {
        !self.client.gates.is_empty() || self.client.expect.len() > INLINE_REPLY_MAX
    }

    /// Whether the pump has nothing left to do for this client.
    pub fn idle(&self) -> bool {
        self.fd.get() == CLOSED || (self.shut.get() && !self.reads_during_run())
    }

    /// End of the request bytes released so far (the lock-step gates, as on the fake network).
    fn released(&self) -> usize {
        self.client.released(self.received.get(), &self.gate)
    }

    /// One step of the pump: reads what reply has arrived (if this client reads during the
    /// run), then sends what the client may send now — at most `chunk` bytes, and at most its
    /// trickle — and half-closes once the request is complete. A reset fault strikes here.
    pub fn pump(
        &self,
        conn: usize,
        chunk: usize,
        scratch: &mut [u8],
        bad_replies: &mut Vec<BadReply>,
    ) -> Pumped {
        let mut calls = 0;
        let fd = self.fd.get();
        if self.reads_during_run() {
            calls += self.drain(conn, scratch, bad_replies, false).calls;
        }
        if self.shut.get() {
            return Pumped { calls };
        }
        if matches!(self.fault, Some(Fault::ResetOnRead { .. })) {
            // Reset before sending a byte: the server's first read finds the reset.
            calls += self.reset();
            return Pumped { calls };
        }
        let sent = self.sent.get();
        let pending = &self.client.send[sent..self.released()];
        let n = pending.len().min(chunk).min(self.client.trickle);
        if n > 0 {
            calls += 1;
            if let Ok(n) = sys::send(fd, &pending[..n]) {
                self.sent.set(sent + n);
            }
        }
        if self.sent.get() == self.client.send.len() {
            calls += 1;
            // A failed half-close (the server reset us) leaves nothing more to send either.
            let _ = sys::shutdown_write(fd);
            self.shut.set(true);
            if matches!(
                self.fault,
                Some(Fault::ResetOnWrite { .. } | Fault::BrokenPipe { .. })
            ) {
                // The whole request is sent; the reset lands before the reply is written.
                calls += self.reset();
            }
        }
        Pumped { calls }
    }

    /// `SO_LINGER {1, 0}` and close: the connection is reset, not closed.
    fn reset(&self) -> u64 {
        let fd = self.fd.replace(CLOSED);
        // Best effort: without the option the close is a plain close, still a hang-up.
        let _ = sys::set_linger_zero(fd);
        sys::close(fd);
        self.gone.set(true);
        2
    }

    /// Reads the reply that has arrived, checking every byte; with `to_eof`, waits (up to a
    /// timeout per read) until the server's close, so that extra bytes are caught too.
    pub fn drain(
        &self,
        conn: usize,
        scratch: &mut [u8],
        bad_replies: &mut Vec<BadReply>,
        to_eof: bool,
    ) -> Pumped {
        /// How long the check after the run waits for the rest of a reply: the server has
        /// closed its side by then, so this only bounds a kernel that is slow to deliver.
        const EOF_TIMEOUT_MS: c_int = 2_000;
        let fd = self.fd.get();
        let mut calls = 0;
        if fd == CLOSED {
            return Pumped { calls };
        }
        loop {
            calls += 1;
            match sys::recv(fd, scratch) {
                Ok(0) => break,
                Ok(n) => self.check(conn, &scratch[..n], bad_replies),
                Err(e) if e == libc::EAGAIN && to_eof => {
                    if !sys::wait_for(fd, libc::POLLIN, EOF_TIMEOUT_MS).unwrap_or(false) {
                        break;
                    }
                }
                Err(e) if e == libc::EINTR => {}
                // `EAGAIN` during the run: what has arrived is read. A reset: nothing more.
                Err(_) => break,
            }
        }
        Pumped { calls }
    }

    /// Compares reply bytes with the expectation at the current offset.
    fn check(&self, conn: usize, bytes: &[u8], bad_replies: &mut Vec<BadReply>) {
        let received = self.received.get();
        let expect = &self.client.expect[..];
        let matches = expect
            .get(received..received + bytes.len())
            .is_some_and(|expected| expected == bytes);
        if !matches && !self.bad.replace(true) {
            bad_replies.push(BadReply::locate(conn, expect, received, bytes));
        }
        self.received.set(received + bytes.len());
    }

    /// Closes the client's socket, if open.
    pub fn close(&self) {
        let fd = self.fd.replace(CLOSED);
        if fd != CLOSED {
            sys::close(fd);
        }
    }
}
