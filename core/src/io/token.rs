//! [`Token`]: which registered source an event is for (mio's `token.rs`).
//!
//! May import nothing.

/// Associates an event with the source it is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token(pub usize);
