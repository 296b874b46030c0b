//! [`Backend`]: the I/O both twins' loops are generic over — accept, register, deregister,
//! read, write, close, and poll into [`Events`]. The fake network is one implementation
//! ([`Poll`] over the fake [`Network`](crate::net::Network), in this file), real sockets and
//! epoll another ([`kernel`](crate::kernel)).
//!
//! Everything above the backend is shared by construction: the driver and the reactor keep
//! the same rounds and gate every call on the same [`Readiness`](crate::gate::Readiness)
//! whatever the backend, and the generated code only ever sees [`Io`](crate::conn::Io) and
//! [`AsyncIo`](crate::conn::AsyncIo).
//!
//! The listener is the backend's own (one per run, registered under a token the caller
//! picks); a connection is named by its index in accept order, as on the fake network.
//!
//! May import: its siblings [`token`](super::token), [`interest`](super::interest),
//! [`event`](super::event), [`poll`](super::poll) and [`stream`](super::stream) (the fake
//! implementation); [`conn`](crate::conn)'s [`ConnError`]; [`trace`](crate::trace).

use super::event::Events;
use super::interest::Interest;
use super::poll::Poll;
use super::stream::{FakeListener, FakeStream};
use super::token::Token;
use crate::conn::ConnError;
use crate::net::{ClientLayout, Network};
use crate::trace::{OpResult, Tracer};

/// One accepted connection as a backend hands it out: a cheap handle that reads and writes.
pub trait Stream: Copy {
    /// The connection's index (accept order, from 0).
    fn conn(&self) -> usize;
    /// Reads request bytes: `Done(0)` at EOF, or `WouldBlock`.
    fn read(&self, buf: &mut [u8]) -> OpResult;
    /// Writes reply bytes (a prefix of `buf`), or `WouldBlock`.
    fn write(&self, buf: &[u8]) -> OpResult;
}

/// A backend's sockets: the listener's accept, the connections' handles and their close. A
/// copyable handle (mio's `net`), so that a loop holds it in a local as it would hold a
/// network reference.
pub trait Sockets: Copy {
    /// An accepted connection.
    type Stream: Stream;
    /// Connections a run accepts.
    fn connections(self) -> usize;
    /// Accepts the next connection, or why not (`WouldBlock`, or an error that loses that
    /// one connection).
    fn accept(self) -> Result<Self::Stream, OpResult>;
    /// The handle of accepted connection `conn`.
    fn stream(self, conn: usize) -> Self::Stream;
    /// The server is done with `stream` (deregistered first), with `result`: closes it and
    /// records the server's side of its outcome.
    fn close(self, stream: Self::Stream, result: Result<(), ConnError>);
}

/// The I/O under both twins: a poller (mio's `Poll` and `Registry`) and its [`Sockets`].
///
/// The driver and the reactor are generic over it, so the rounds, the readiness gating and the
/// connection code are shared by construction: the fake network's poller ([`Poll`]) is one
/// implementation, real sockets and epoll ([`Kernel`](crate::kernel::Kernel)) another. The
/// listener is the backend's own, registered under a token the caller picks; a connection is
/// named by its index in accept order.
///
/// Misuse (a token registered twice, a deregistration of what is not registered) panics: the
/// loops assign tokens by accept order, so it is a bug in the loop, never an I/O condition.
pub trait Backend {
    /// The sockets the poller watches.
    type Sockets: Sockets;
    /// The sockets.
    fn sockets(&self) -> Self::Sockets;
    /// Registers the listener under `token`, for readability.
    fn register_listener(&self, token: Token);
    /// Deregisters the listener.
    fn deregister_listener(&self, token: Token);
    /// Registers `stream` under `token` for `interest`.
    fn register(&self, stream: &StreamOf<Self>, token: Token, interest: Interest);
    /// Deregisters `stream`, registered under `token`.
    fn deregister(&self, stream: &StreamOf<Self>, token: Token);
    /// Polls once, filling `events` with the sources that are ready.
    fn poll(&self, events: &mut Events);
}

/// The stream type of a backend's sockets.
pub type StreamOf<B> = <<B as Backend>::Sockets as Sockets>::Stream;

impl<T: Tracer, C: ClientLayout> Stream for FakeStream<'_, T, C> {
    #[inline(always)]
    fn conn(&self) -> usize {
        FakeStream::conn(self)
    }
    #[inline(always)]
    fn read(&self, buf: &mut [u8]) -> OpResult {
        FakeStream::read(self, buf)
    }
    #[inline(always)]
    fn write(&self, buf: &[u8]) -> OpResult {
        FakeStream::write(self, buf)
    }
}

// The fake implementation only forwards to what the loops called before there was a
// `Backend` (`FakeListener`, `FakeStream`, `Registry`, `Poll`): `inline(always)` keeps that
// layer out of the inliner's decisions, so the fake network's code is what it was.

/// The fake network's sockets: the network itself.
impl<'n, T: Tracer, C: ClientLayout> Sockets for &'n Network<T, C> {
    type Stream = FakeStream<'n, T, C>;

    #[inline(always)]
    fn connections(self) -> usize {
        Network::connections(self)
    }

    #[inline(always)]
    fn accept(self) -> Result<Self::Stream, OpResult> {
        FakeListener::new(self).accept()
    }

    #[inline(always)]
    fn stream(self, conn: usize) -> Self::Stream {
        FakeStream::new(self, conn)
    }

    #[inline(always)]
    fn close(self, stream: Self::Stream, result: Result<(), ConnError>) {
        self.finish(stream.conn(), result);
    }
}

/// The fake network's backend: its poller (which owns the registry and reaches the network).
impl<'n, T: Tracer, C: ClientLayout> Backend for Poll<'n, T, C> {
    type Sockets = &'n Network<T, C>;

    #[inline(always)]
    fn sockets(&self) -> &'n Network<T, C> {
        self.network()
    }

    fn register_listener(&self, token: Token) {
        let listener = FakeListener::new(self.network());
        self.registry()
            .register(&listener, token, Interest::READABLE)
            .expect("tokens are assigned by accept order and never reused while registered");
    }

    fn deregister_listener(&self, token: Token) {
        let listener = FakeListener::new(self.network());
        self.registry()
            .deregister(&listener, token)
            .expect("a source deregisters once, with the token it registered");
    }

    #[inline(always)]
    fn register(&self, stream: &FakeStream<'n, T, C>, token: Token, interest: Interest) {
        self.registry()
            .register(stream, token, interest)
            .expect("tokens are assigned by accept order and never reused while registered");
    }

    #[inline(always)]
    fn deregister(&self, stream: &FakeStream<'n, T, C>, token: Token) {
        self.registry()
            .deregister(stream, token)
            .expect("a source deregisters once, with the token it registered");
    }

    #[inline(always)]
    fn poll(&self, events: &mut Events) {
        Poll::poll(self, events);
    }
}
