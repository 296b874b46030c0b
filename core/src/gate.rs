//! The readiness gate: the one rule both twins follow for every I/O call, and the tokens both
//! register their sources under.
//!
//! Each source's [`Readiness`] is set by poll events and cleared by a `WouldBlock`; an operation
//! on a source known not to be ready is not attempted (`gated_read`, `gated_write`). The
//! poll-loop [`driver`](crate::driver) and the async side's
//! [`reactor`](crate::runtime::reactor) both call these, so neither twin makes an I/O call the other
//! would skip.
//!
//! May import: the I/O vocabulary and its [`Stream`] ([`io`](crate::io)), [`conn`](crate::conn)'s
//! shared result vocabulary. Imported by both twins' loops; imports neither.

use core::cell::Cell;
use core::task::Poll;

use crate::conn::{ConnError, read_result, write_result};
use crate::io::{Interest, Stream, Token};

/// The listener's token; connection `i` has token `i + 1` (in the driver too).
pub const LISTENER_TOKEN: Token = Token(0);

/// The token of connection `conn`.
#[inline]
pub const fn conn_token(conn: usize) -> Token {
    Token(conn + 1)
}

/// Readiness of one source, as the driver and the reactor track it: set by events, cleared by a
/// `WouldBlock`. An operation whose readiness is clear is not attempted. One byte of
/// [`Interest`] bits, so an event sets it with one `or`.
#[derive(Default)]
pub struct Readiness(Cell<u8>);

impl Readiness {
    /// Ready both ways, as a newly accepted connection is.
    #[inline]
    pub fn new_ready() -> Readiness {
        Readiness(Cell::new((Interest::READABLE | Interest::WRITABLE).0))
    }

    /// Whether a read may be attempted.
    #[inline]
    pub fn is_readable(&self) -> bool {
        self.0.get() & Interest::READABLE.0 != 0
    }

    /// Whether a write may be attempted.
    #[inline]
    pub fn is_writable(&self) -> bool {
        self.0.get() & Interest::WRITABLE.0 != 0
    }

    /// Adds what an event reported.
    #[inline]
    pub fn set(&self, event: Interest) {
        self.0.set(self.0.get() | event.0);
    }

    /// A read would block: don't try again until an event says otherwise.
    #[inline]
    pub fn clear_readable(&self) {
        self.0.set(self.0.get() & !Interest::READABLE.0);
    }

    /// A write would block: don't try again until an event says otherwise.
    #[inline]
    pub fn clear_writable(&self) {
        self.0.set(self.0.get() & !Interest::WRITABLE.0);
    }
}

/// A read unless the source is known not to be readable; a `WouldBlock` clears readability.
/// The one rule both twins follow.
#[inline]
pub(crate) fn gated_read<S: Stream>(
    stream: &S,
    ready: &Readiness,
    buf: &mut [u8],
) -> Poll<Result<usize, ConnError>> {
    if !ready.is_readable() {
        return Poll::Pending;
    }
    let polled = read_result(stream.read(buf));
    if polled.is_pending() {
        ready.clear_readable();
    }
    polled
}

/// A write unless the source is known not to be writable; a `WouldBlock` clears writability.
#[inline]
pub(crate) fn gated_write<S: Stream>(
    stream: &S,
    ready: &Readiness,
    buf: &[u8],
) -> Poll<Result<usize, ConnError>> {
    if !ready.is_writable() {
        return Poll::Pending;
    }
    let polled = write_result(stream.write(buf));
    if polled.is_pending() {
        ready.clear_writable();
    }
    polled
}
