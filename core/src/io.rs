//! Fake I/O in mio's vocabulary: [`Poll`] owning a [`Registry`], [`Token`], [`Interest`],
//! [`Event`]s in a reusable [`Events`] buffer, and the in-memory [`FakeListener`] and
//! [`FakeStream`]. Someone who knows mio should feel at home; the difference is that there are
//! no sockets: every call goes to the fake [`Network`].
//!
//! Non-blocking semantics: an operation that cannot proceed returns [`OpResult::WouldBlock`].
//! The listener's and streams' operations speak the network's [`OpResult`], not `io::Error`, so
//! neither twin's hot path builds or decodes an `io::Error`. [`Poll::poll`] reports every
//! registered source as ready with its interest (the origin study's poller); the network model
//! decides what the next call does.

use core::cell::{Cell, RefCell};
use core::ops::BitOr;
use std::io;

use crate::net::{Network, SourceId};
use crate::trace::{OpResult, Tracer};

/// Associates an event with the source it is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token(pub usize);

/// Readiness a source is registered for (or is reported with).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(pub(crate) u8);

impl Interest {
    /// Readable.
    pub const READABLE: Interest = Interest(0b01);
    /// Writable.
    pub const WRITABLE: Interest = Interest(0b10);

    /// Both `self` and `other`.
    #[inline]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// Whether this includes readable.
    #[inline]
    pub const fn is_readable(self) -> bool {
        self.0 & Self::READABLE.0 != 0
    }

    /// Whether this includes writable.
    #[inline]
    pub const fn is_writable(self) -> bool {
        self.0 & Self::WRITABLE.0 != 0
    }
}

impl BitOr for Interest {
    type Output = Interest;
    #[inline]
    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl core::fmt::Debug for Interest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match (self.is_readable(), self.is_writable()) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            (false, true) => f.write_str("WRITABLE"),
            (false, false) => f.write_str("(none)"),
        }
    }
}

/// A readiness event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    token: Token,
    readiness: Interest,
}

impl Event {
    /// The token the source was registered with.
    #[inline]
    pub fn token(&self) -> Token {
        self.token
    }

    /// The reported readiness.
    #[inline]
    pub fn readiness(&self) -> Interest {
        self.readiness
    }

    /// Whether the source is readable.
    #[inline]
    pub fn is_readable(&self) -> bool {
        self.readiness.is_readable()
    }

    /// Whether the source is writable.
    #[inline]
    pub fn is_writable(&self) -> bool {
        self.readiness.is_writable()
    }
}

/// A reusable buffer of events, filled by [`Poll::poll`].
pub struct Events {
    inner: Vec<Event>,
}

impl Events {
    /// Room for `capacity` events without reallocating.
    pub fn with_capacity(capacity: usize) -> Events {
        Events {
            inner: Vec::with_capacity(capacity),
        }
    }

    /// The events of the last poll.
    #[inline]
    pub fn iter(&self) -> core::slice::Iter<'_, Event> {
        self.inner.iter()
    }

    /// Whether the last poll reported nothing.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// How many events the last poll reported.
    #[inline]
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Forgets the events.
    #[inline]
    pub fn clear(&mut self) {
        self.inner.clear();
    }
}

impl<'a> IntoIterator for &'a Events {
    type Item = &'a Event;
    type IntoIter = core::slice::Iter<'a, Event>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Something that can be registered with a [`Registry`].
pub trait Source {
    #[doc(hidden)]
    fn source_id(&self) -> SourceIdToken;
}

/// Opaque identity of a source, for counting and tracing.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct SourceIdToken(pub(crate) SourceId);

/// Where sources are registered; owned by a [`Poll`].
pub struct Registry<'n, T: Tracer> {
    net: &'n Network<T>,
    /// The registered sources, in a dense list so that a poll costs O(registered).
    registered: RefCell<Vec<(Token, Interest)>>,
    /// For each token, its index in `registered` (`u32::MAX`: not registered).
    position: Box<[Cell<u32>]>,
}

const UNREGISTERED: u32 = u32::MAX;

impl<'n, T: Tracer> Registry<'n, T> {
    /// Registers `source` under `token`. `token` must be below the poll's capacity and free.
    #[inline(never)] // a system call in a real server; inlined in neither twin
    pub fn register<S: Source>(
        &self,
        source: &S,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        let slot = self.slot(token)?;
        if slot.get() != UNREGISTERED {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "token already registered",
            ));
        }
        self.net.on_register(source.source_id().0);
        let mut registered = self.registered.borrow_mut();
        slot.set(registered.len() as u32);
        registered.push((token, interest));
        Ok(())
    }

    /// Deregisters the source registered under `token`.
    #[inline(never)] // a system call in a real server; inlined in neither twin
    pub fn deregister<S: Source>(&self, source: &S, token: Token) -> io::Result<()> {
        let slot = self.slot(token)?;
        let index = slot.get();
        if index == UNREGISTERED {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "token not registered",
            ));
        }
        self.net.on_deregister(source.source_id().0);
        let mut registered = self.registered.borrow_mut();
        registered.swap_remove(index as usize);
        if let Some(&(moved, _)) = registered.get(index as usize) {
            self.position[moved.0].set(index);
        }
        slot.set(UNREGISTERED);
        Ok(())
    }

    fn slot(&self, token: Token) -> io::Result<&Cell<u32>> {
        self.position.get(token.0).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "token beyond the poll's capacity",
            )
        })
    }
}

/// The poller: reports readiness of registered sources.
pub struct Poll<'n, T: Tracer> {
    registry: Registry<'n, T>,
}

impl<'n, T: Tracer> Poll<'n, T> {
    /// A poller for tokens `0..capacity` on `net`.
    pub fn new(net: &'n Network<T>, capacity: usize) -> Poll<'n, T> {
        Poll {
            registry: Registry {
                net,
                registered: RefCell::new(Vec::with_capacity(capacity)),
                position: (0..capacity).map(|_| Cell::new(UNREGISTERED)).collect(),
            },
        }
    }

    /// The registry sources are registered with.
    #[inline]
    pub fn registry(&self) -> &Registry<'n, T> {
        &self.registry
    }

    /// Fills `events` with one event per registered source, reporting its interest.
    ///
    /// Takes `&self` where mio's takes `&mut self`: the poller keeps its state in the
    /// registry's cells anyway, and the reactor polls through the shared reference its
    /// sources register through.
    #[inline(never)] // a system call in a real server; inlined in neither twin
    pub fn poll(&self, events: &mut Events) {
        self.registry.net.on_poll();
        events.inner.clear();
        let registered = self.registry.registered.borrow();
        events.inner.extend(
            registered
                .iter()
                .map(|&(token, readiness)| Event { token, readiness }),
        );
    }
}

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
