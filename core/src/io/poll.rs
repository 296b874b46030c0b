//! The poller: [`Poll`] owning a [`Registry`] of [`Source`]s (mio's `poll.rs`). Its
//! `register`, `deregister` and `poll` are the fake system calls, inlined in neither twin.
//!
//! May import: its siblings [`token`](super::token), [`interest`](super::interest),
//! [`event`](super::event); the fake [`net`](crate::net) the calls go to; [`trace`](crate::trace).

use core::cell::{Cell, RefCell};
use std::io;

use super::event::{Event, Events};
use super::interest::Interest;
use super::token::Token;
use crate::net::{ClientLayout, Network, SourceId};
use crate::trace::Tracer;

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
pub struct Registry<'n, T: Tracer, C: ClientLayout> {
    net: &'n Network<T, C>,
    /// The registered sources, in a dense list so that a poll costs O(registered).
    registered: RefCell<Vec<(Token, Interest)>>,
    /// For each token, its index in `registered` (`u32::MAX`: not registered).
    position: Box<[Cell<u32>]>,
}

const UNREGISTERED: u32 = u32::MAX;

impl<'n, T: Tracer, C: ClientLayout> Registry<'n, T, C> {
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
pub struct Poll<'n, T: Tracer, C: ClientLayout> {
    registry: Registry<'n, T, C>,
}

impl<'n, T: Tracer, C: ClientLayout> Poll<'n, T, C> {
    /// A poller for tokens `0..capacity` on `net`.
    pub fn new(net: &'n Network<T, C>, capacity: usize) -> Poll<'n, T, C> {
        Poll {
            registry: Registry {
                net,
                registered: RefCell::new(Vec::with_capacity(capacity)),
                position: (0..capacity).map(|_| Cell::new(UNREGISTERED)).collect(),
            },
        }
    }

    /// The network the poller's sources belong to.
    #[inline]
    pub(crate) fn network(&self) -> &'n Network<T, C> {
        self.registry.net
    }

    /// The registry sources are registered with.
    #[inline]
    pub fn registry(&self) -> &Registry<'n, T, C> {
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
