//! The fake sockets: [`FakeListener`] and [`FakeStream`], thin handles onto the fake
//! [`Network`] (mio's `net/`).
//!
//! May import: [`poll`](super::poll) (to be a [`Source`]); the fake [`net`](crate::net);
//! [`trace`](crate::trace).

use super::poll::{Source, SourceIdToken};
use crate::net::{ClientLayout, Network, SourceId};
use crate::trace::{OpResult, Tracer};

/// The fake listening socket: hands out the network's connections in order.
pub struct FakeListener<'n, T: Tracer, C: ClientLayout> {
    net: &'n Network<T, C>,
}

impl<'n, T: Tracer, C: ClientLayout> FakeListener<'n, T, C> {
    /// The listener of `net`.
    pub fn new(net: &'n Network<T, C>) -> FakeListener<'n, T, C> {
        FakeListener { net }
    }

    /// Accepts the next connection, or `WouldBlock`.
    #[inline]
    pub(crate) fn accept(&self) -> Result<FakeStream<'n, T, C>, OpResult> {
        self.net
            .accept()
            .map(|conn| FakeStream::new(self.net, conn))
    }
}

impl<T: Tracer, C: ClientLayout> Source for FakeListener<'_, T, C> {
    fn source_id(&self) -> SourceIdToken {
        SourceIdToken(SourceId::Listener)
    }
}

/// One accepted fake connection: a handle onto its client in the [`Network`].
pub struct FakeStream<'n, T: Tracer, C: ClientLayout> {
    net: &'n Network<T, C>,
    conn: usize,
}

impl<T: Tracer, C: ClientLayout> Clone for FakeStream<'_, T, C> {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Tracer, C: ClientLayout> Copy for FakeStream<'_, T, C> {}

impl<'n, T: Tracer, C: ClientLayout> FakeStream<'n, T, C> {
    /// The handle of connection `conn` of `net`.
    #[inline]
    pub(crate) fn new(net: &'n Network<T, C>, conn: usize) -> Self {
        FakeStream { net, conn }
    }

    /// The connection's index (accept order, from 0).
    #[inline]
    pub fn conn(&self) -> usize {
        self.conn
    }

    /// The network the connection belongs to.
    #[inline]
    pub fn network(&self) -> &'n Network<T, C> {
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

impl<T: Tracer, C: ClientLayout> Source for FakeStream<'_, T, C> {
    fn source_id(&self) -> SourceIdToken {
        SourceIdToken(SourceId::Conn(self.conn))
    }
}
