//! The fake sockets: [`FakeListener`] and [`FakeStream`], thin handles onto the fake
//! [`Network`] (mio's `net/`).
//!
//! May import: [`poll`](super::poll) (to be a [`Source`]); the fake [`net`](crate::net);
//! [`trace`](crate::trace).

use super::poll::{Source, SourceIdToken};
use crate::net::{Network, SourceId};
use crate::trace::{OpResult, Tracer};

/// The fake listening socket: hands out the network's connections in order.
pub struct FakeListener<'n, T: Tracer> {
    net: &'n Network<T>,
}

impl<'n, T: Tracer> FakeListener<'n, T> {
    /// The listener of `net`.
    pub fn new(net: &'n Network<T>) -> FakeListener<'n, T> {
        FakeListener { net }
    }

    /// Accepts the next connection, or `WouldBlock`.
    #[inline]
    pub(crate) fn accept(&self) -> Result<FakeStream<'n, T>, OpResult> {
        self.net
            .accept()
            .map(|conn| FakeStream::new(self.net, conn))
    }
}

impl<T: Tracer> Source for FakeListener<'_, T> {
    fn source_id(&self) -> SourceIdToken {
        SourceIdToken(SourceId::Listener)
    }
}

/// One accepted fake connection: a handle onto its client in the [`Network`].
pub struct FakeStream<'n, T: Tracer> {
    net: &'n Network<T>,
    conn: usize,
}

impl<T: Tracer> Clone for FakeStream<'_, T> {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Tracer> Copy for FakeStream<'_, T> {}

impl<'n, T: Tracer> FakeStream<'n, T> {
    /// The handle of connection `conn` of `net`.
    #[inline]
    pub(crate) fn new(net: &'n Network<T>, conn: usize) -> Self {
        FakeStream { net, conn }
    }

    /// The connection's index (accept order, from 0).
    #[inline]
    pub fn conn(&self) -> usize {
        self.conn
    }

    /// The network the connection belongs to.
    #[inline]
    pub fn network(&self) -> &'n Network<T> {
        self.net
    }

    /// Reads request bytes: `Done(0)` at EOF, or `WouldBlock`.
    #[inline]
    pub(crate) fn read(&self, buf: &mut [u8]) -> OpResult {
        self.net.read(self.conn, buf)
    }

    /// Writes reply bytes (a prefix of `buf`), or `WouldBlock`.
    #[inline]
    pub(crate) fn write(&self, buf: &[u8]) -> OpResult {
        self.net.write(self.conn, buf)
    }
}

impl<T: Tracer> Source for FakeStream<'_, T> {
    fn source_id(&self) -> SourceIdToken {
        SourceIdToken(SourceId::Conn(self.conn))
    }
}
