//! [`Interest`]: what a source is registered for, and what an event reports (mio's
//! `interest.rs`).
//!
//! May import nothing.

use core::ops::BitOr;

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
