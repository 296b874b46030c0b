//! [`Event`] and the reusable [`Events`] buffer a poll fills (mio's `event/`).
//!
//! May import: [`token`](super::token), [`interest`](super::interest).

use super::interest::Interest;
use super::token::Token;

/// A readiness event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub(super) token: Token,
    pub(super) readiness: Interest,
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

/// A reusable buffer of events, filled by [`Poll::poll`](super::Poll::poll).
pub struct Events {
    pub(super) inner: Vec<Event>,
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

    /// Adds an event: how a backend other than the fake poller fills the buffer.
    #[inline]
    pub(crate) fn push(&mut self, token: Token, readiness: Interest) {
        self.inner.push(Event { token, readiness });
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
