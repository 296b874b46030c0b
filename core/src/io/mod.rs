//! Fake I/O in mio's vocabulary: [`Poll`] owning a [`Registry`], [`Token`], [`Interest`],
//! [`Event`]s in a reusable [`Events`] buffer, and the in-memory [`FakeListener`] and
//! [`FakeStream`]. Someone who knows mio should feel at home; the difference is that there are
//! no sockets: every call goes to the fake [`Network`](crate::net::Network).
//!
//! Non-blocking semantics: an operation that cannot proceed returns
//! [`OpResult::WouldBlock`](crate::trace::OpResult::WouldBlock). The listener's and streams'
//! operations speak the network's [`OpResult`](crate::trace::OpResult), not `io::Error`, so
//! neither twin's hot path builds or decodes an `io::Error`. [`Poll::poll`] reports every
//! registered source as ready with its interest (the origin study's poller); the network model
//! decides what the next call does.
//!
//! The poller is called [`Poll`], as in mio; callers name it `io::Poll` (as mio's users write
//! `mio::Poll`) and never import it bare, so it does not meet `core::task::Poll`.
//!
//! One file per mio concept: [`Token`] (`token.rs`), [`Interest`] (`interest.rs`), [`Event`] and
//! [`Events`] (`event.rs`), [`Poll`], [`Registry`] and [`Source`] (`poll.rs`), the fake sockets
//! (`stream.rs`), and the [`Backend`] trait both twins' loops are generic over, with the fake
//! network's implementation (`backend.rs`). Files here import their siblings directly, never
//! this facade; the folder imports only the fake [`net`](crate::net), [`conn`](crate::conn)'s
//! `ConnError` and [`trace`](crate::trace). Both twins' loops, the [`gate`](crate::gate) and
//! the [`kernel`](crate::kernel) backend import it.

mod backend;
mod event;
mod interest;
mod poll;
mod stream;
mod token;

pub use self::backend::{Backend, Sockets, Stream, StreamOf};
pub use self::event::{Event, Events};
pub use self::interest::Interest;
pub use self::poll::{Poll, Registry, Source, SourceIdToken};
pub use self::stream::{FakeListener, FakeStream};
pub use self::token::Token;
