//! What a connection's code touches, in both twins alike.
//!
//! The poll-loop machine talks to an [`Io`], the async fn to an [`AsyncIo`]; both gate every
//! call on the readiness last reported for the source, so neither twin ever makes an I/O call
//! that is known to block. Both keep their received bytes in a [`RecvBuf`] and turn failures into
//! the same [`ConnError`]. Only the control flow differs between the twins: that is what
//! twinbench measures.
//!
//! May import: [`trace`](crate::trace) (the network's answers it translates). The generated code
//! names these types at the crate root.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::io;

use crate::trace::OpResult;

/// Why a connection's server side stopped early. Identical in every variant by construction:
/// each is produced by the shared helpers in this module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConnError {
    /// The peer closed before the request was complete (a read returned 0).
    UnexpectedEof,
    /// The request did not fit in the connection's buffer.
    RequestTooLarge,
    /// The peer reset the connection.
    Reset,
    /// A write found the peer gone (broken pipe, or a write that accepted 0 bytes).
    BrokenPipe,
    /// Any other I/O error.
    Other(io::ErrorKind),
}

impl From<io::Error> for ConnError {
    fn from(error: io::Error) -> Self {
        match error.kind() {
            io::ErrorKind::UnexpectedEof => ConnError::UnexpectedEof,
            io::ErrorKind::ConnectionReset => ConnError::Reset,
            io::ErrorKind::BrokenPipe | io::ErrorKind::WriteZero => ConnError::BrokenPipe,
            kind => ConnError::Other(kind),
        }
    }
}

impl core::fmt::Display for ConnError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConnError::UnexpectedEof => f.write_str("peer closed before the request was complete"),
            ConnError::RequestTooLarge => f.write_str("request larger than the connection buffer"),
            ConnError::Reset => f.write_str("connection reset by peer"),
            ConnError::BrokenPipe => f.write_str("broken pipe"),
            ConnError::Other(kind) => write!(f, "I/O error: {kind}"),
        }
    }
}

impl std::error::Error for ConnError {}

impl From<io::ErrorKind> for ConnError {
    fn from(kind: io::ErrorKind) -> Self {
        io::Error::from(kind).into()
    }
}

/// Turns the network's answer to a read into the twins' shared vocabulary: 0 bytes is EOF.
#[inline]
pub(crate) fn read_result(result: OpResult) -> Poll<Result<usize, ConnError>> {
    match result {
        OpResult::Done(0) => Poll::Ready(Err(ConnError::UnexpectedEof)),
        OpResult::Done(n) => Poll::Ready(Ok(n)),
        OpResult::WouldBlock => Poll::Pending,
        OpResult::Error(kind) => Poll::Ready(Err(kind.into())),
    }
}

/// Turns the network's answer to a write into the twins' shared vocabulary: 0 bytes is a
/// broken pipe.
#[inline]
pub(crate) fn write_result(result: OpResult) -> Poll<Result<usize, ConnError>> {
    match result {
        OpResult::Done(0) => Poll::Ready(Err(ConnError::BrokenPipe)),
        OpResult::Done(n) => Poll::Ready(Ok(n)),
        OpResult::WouldBlock => Poll::Pending,
        OpResult::Error(kind) => Poll::Ready(Err(kind.into())),
    }
}

/// A connection as the poll-loop machine sees it.
///
/// `Pending` means "not now": either the source is known not to be ready (no I/O call is made)
/// or the call returned `WouldBlock`. The driver resumes the machine after the next event for
/// the connection.
pub trait Io {
    /// Reads into `buf` (never empty). `Ok(n)` with `n > 0`; EOF is `Err(UnexpectedEof)`.
    fn poll_read(&mut self, buf: &mut [u8]) -> Poll<Result<usize, ConnError>>;
    /// Writes a prefix of `buf` (never empty). `Ok(n)` with `n > 0`.
    fn poll_write(&mut self, buf: &[u8]) -> Poll<Result<usize, ConnError>>;
    /// Asks to be resumed after the next poll of the network even without an event
    /// (`yield_now()`); the machine then returns `Pending`.
    fn defer(&mut self);
    /// The connection's index (accept order, from 0): `conn()` in a scenario.
    fn conn(&self) -> usize;
}

/// A connection as the async fn sees it: the same operations as [`Io`], with a waker.
pub trait AsyncIo {
    /// Like [`Io::poll_read`], registering `cx`'s waker when returning `Pending`.
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8])
    -> Poll<Result<usize, ConnError>>;
    /// Like [`Io::poll_write`], registering `cx`'s waker when returning `Pending`.
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<Result<usize, ConnError>>;
    /// The connection's index, as [`Io::conn`].
    fn conn(&self) -> usize;

    /// Reads into `buf`: `io.read(buf).await?`.
    #[inline]
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a, Self>
    where
        Self: Sized,
    {
        Read { io: self, buf }
    }

    /// Asks for `cx`'s waker to be woken after the next poll of the network even without an
    /// event (`yield_now()`): the async twin of [`Io::defer`]. The source, not the executor,
    /// holds the waker until then, so the task resumes after the next poll whichever executor
    /// runs it (one that re-polls a self-woken task at once would otherwise resume it before).
    fn defer(&mut self, cx: &mut Context<'_>);

    /// Writes a prefix of `buf`: `io.write(buf).await?`.
    #[inline]
    fn write<'a>(&'a mut self, buf: &'a [u8]) -> Write<'a, Self>
    where
        Self: Sized,
    {
        Write { io: self, buf }
    }

    /// Lets the other connections run, resuming after the next poll of the network:
    /// `io.yield_now().await` ([`defer`](AsyncIo::defer), then `Pending` once).
    #[inline]
    fn yield_now(&mut self) -> YieldNow<'_, Self>
    where
        Self: Sized,
    {
        YieldNow {
            io: self,
            yielded: false,
        }
    }
}

/// Future of [`AsyncIo::read`].
#[must_use = "futures do nothing unless awaited"]
pub struct Read<'a, T> {
    io: &'a mut T,
    buf: &'a mut [u8],
}

impl<T: AsyncIo> Future for Read<'_, T> {
    type Output = Result<usize, ConnError>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.io.poll_read(cx, this.buf)
    }
}

/// Future of [`AsyncIo::write`].
#[must_use = "futures do nothing unless awaited"]
pub struct Write<'a, T> {
    io: &'a mut T,
    buf: &'a [u8],
}

impl<T: AsyncIo> Future for Write<'_, T> {
    type Output = Result<usize, ConnError>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.io.poll_write(cx, this.buf)
    }
}

/// Future of [`AsyncIo::yield_now`].
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow<'a, T> {
    io: &'a mut T,
    yielded: bool,
}

impl<T: AsyncIo> Future for YieldNow<'_, T> {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.yielded {
            return Poll::Ready(());
        }
        this.yielded = true;
        this.io.defer(cx);
        Poll::Pending
    }
}

/// A connection's receive buffer: `N` bytes inline, of which `start..end` are received and not
/// yet consumed. This window is what a scenario calls `buf`.
pub struct RecvBuf<const N: usize> {
    bytes: [u8; N],
    start: usize,
    end: usize,
}

impl<const N: usize> Default for RecvBuf<N> {
    #[inline]
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> RecvBuf<N> {
    /// An empty buffer.
    #[inline]
    pub const fn new() -> Self {
        Self {
            bytes: [0; N],
            start: 0,
            end: 0,
        }
    }

    /// The received, unconsumed bytes (`buf` in a scenario).
    #[inline]
    pub fn filled(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    /// How many unconsumed bytes there are.
    #[inline]
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether no unconsumed bytes are left.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The offset just past the first occurrence of `delim` in [`filled`](Self::filled).
    #[inline]
    pub fn find(&self, delim: &[u8]) -> Option<usize> {
        find(self.filled(), delim)
    }

    /// Room to read into. Moves the unconsumed bytes to the front when the tail is full;
    /// `Err(RequestTooLarge)` when the unconsumed bytes fill the whole buffer.
    #[inline]
    pub fn spare_mut(&mut self) -> Result<&mut [u8], ConnError> {
        if self.end == N {
            if self.start == 0 {
                return Err(ConnError::RequestTooLarge);
            }
            self.bytes.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        Ok(&mut self.bytes[self.end..])
    }

    /// Records that a read put `n` bytes into [`spare_mut`](Self::spare_mut).
    #[inline]
    pub fn filled_by(&mut self, n: usize) {
        debug_assert!(n <= N - self.end);
        self.end += n;
    }

    /// Discards the first `n` unconsumed bytes (all of them if fewer are buffered).
    #[inline]
    pub fn consume(&mut self, n: usize) {
        self.start += n.min(self.end - self.start);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }
}

/// The offset just past the first occurrence of `delim` in `haystack`; an empty `delim` is never
/// found (the macro rejects it at compile time).
#[inline]
pub fn find(haystack: &[u8], delim: &[u8]) -> Option<usize> {
    match delim {
        [] => None,
        [byte] => haystack.iter().position(|b| b == byte).map(|at| at + 1),
        _ => haystack
            .windows(delim.len())
            .position(|window| window == delim)
            .map(|at| at + delim.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_single_and_multi_byte_delimiters() {
        assert_eq!(find(b"ab\ncd", b"\n"), Some(3));
        assert_eq!(find(b"PING\r\n", b"\r\n"), Some(6));
        assert_eq!(find(b"PING\r", b"\r\n"), None);
        assert_eq!(find(b"abc", b""), None);
    }

    #[test]
    fn recv_buf_compacts_and_reports_full() {
        let mut buf = RecvBuf::<4>::new();
        buf.spare_mut().unwrap().copy_from_slice(b"ab\nc");
        buf.filled_by(4);
        assert_eq!(buf.find(b"\n"), Some(3));
        buf.consume(3);
        assert_eq!(buf.filled(), b"c");
        // The tail is full but one byte is consumed-free: compaction makes room.
        assert_eq!(buf.spare_mut().unwrap().len(), 3);
        assert_eq!(buf.filled(), b"c");
        buf.filled_by(3);
        assert_eq!(buf.spare_mut(), Err(ConnError::RequestTooLarge));
        buf.consume(10);
        assert!(buf.is_empty());
        assert_eq!(buf.spare_mut().unwrap().len(), 4);
    }
}
