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

use core::cell::Cell;
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
    /// Where [`find_resuming`](Self::find_resuming) starts, as an offset into `filled`: no
    /// delimiter it was last asked for starts before it. 0 but between a miss and the search
    /// after it. A `Cell`, so the search is a `&self` method like [`find`](Self::find) (a
    /// delimiter may borrow `buf`).
    scanned: Cell<usize>,
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
            scanned: Cell::new(0),
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

    /// [`find`](Self::find) as `read_until` calls it, once before each read: scans only the
    /// bytes no earlier call has scanned, so each byte is scanned once however the request
    /// trickles in. A miss remembers where `delim` may still start (its last `delim.len() - 1`
    /// bytes stay in, for a delimiter split across reads) and the next call, after more bytes
    /// arrive, resumes there; a hit and a new buffer start at the front of
    /// [`filled`](Self::filled). Between a miss and the next call nothing but reads
    /// ([`spare_mut`](Self::spare_mut), [`filled_by`](Self::filled_by)) may happen, and the
    /// next call looks for the same `delim` (else it may miss what it skips): `read_until`
    /// ends only at a hit or with an error, so a [`consume`](Self::consume) never finds a mark
    /// to drop.
    #[inline]
    pub fn find_resuming(&self, delim: &[u8]) -> Option<usize> {
        let filled = self.filled();
        let from = self.scanned.get();
        // One byte: an index loop over `filled` itself, from `from`: the offset found is then
        // plainly at most `filled.len()`, as `find`'s is, so the caller's `&buf[..end]` needs
        // no check of its own (a search over `filled[from..]`, or a `skip`, costs more per
        // call). It yields where the delimiter starts, its end added after: breaking with
        // `at + 1` costs a `mov` a byte (the incremented index is then kept in a second
        // register).
        let found = match delim {
            [] => None,
            [byte] => {
                let mut at = from;
                loop {
                    if at >= filled.len() {
                        break None;
                    }
                    if filled[at] == *byte {
                        break Some(at);
                    }
                    at += 1;
                }
            }
            // Longer delimiters: `find`'s `windows` search, which LLVM turns into one compare
            // of `n` bytes and a counted step a byte (an index loop,
            // `filled.get(at..at + n) == delim`, costs tens of instructions a request more).
            // From the front (every search but the ones after a miss) it is `find`'s loop over
            // `filled` as is: over `filled[from..]` LLVM keeps a second induction variable, an
            // instruction a byte more. After a miss, over the unscanned tail, its offset moved
            // back to `filled`'s. `from` is at most `filled.len()` (a miss sets it to at most
            // that, and `filled` only grows until the hit or `consume` that resets it), so
            // `get` yields `None` only in a broken buffer.
            _ if from == 0 => filled
                .windows(delim.len())
                .position(|window| window == delim),
            _ => filled.get(from..).and_then(|rest| {
                rest.windows(delim.len())
                    .position(|window| window == delim)
                    .map(|at| from + at)
            }),
        };
        match found {
            Some(at) => {
                // The next search, maybe for another delimiter, starts at the front. After a
                // search from the front (all but the ones after a miss) the mark is 0 already:
                // no store. A store costs more than this test where `buf` is a step
                // function's `&mut` (the async twin's step future then reloads it and what it
                // read through it, since the store may alias the future): layered async
                // −16.0 instr/req, resp −8.0; elsewhere the test costs both twins +1 to +2.
                if from != 0 {
                    self.scanned.set(0);
                }
                Some(at + delim.len())
            }
            None => {
                // `delim` may still start in the last `delim.len() - 1` bytes.
                let done = filled.len().saturating_sub(delim.len().saturating_sub(1));
                // Nothing new scanned (the common first search, in an empty buffer): no store.
                if done > from {
                    self.scanned.set(done);
                }
                None
            }
        }
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

    /// `find_resuming` as `read_until` calls it, counting the bytes each call scans.
    fn search<const N: usize>(
        buf: &RecvBuf<N>,
        delim: &[u8],
        scanned: &mut usize,
    ) -> Option<usize> {
        *scanned += buf.len() - buf.scanned.get();
        buf.find_resuming(delim)
    }

    /// Where the next search starts, as an offset into `filled`.
    fn mark<const N: usize>(buf: &RecvBuf<N>) -> usize {
        buf.scanned.get()
    }

    /// Fills `buf` with `request` a byte per read, searching after each as `read_until` does;
    /// the offset found and the bytes scanned in all.
    fn trickle<const N: usize>(
        buf: &mut RecvBuf<N>,
        request: &[u8],
        delim: &[u8],
    ) -> (Option<usize>, usize) {
        let mut scanned = 0;
        let mut rest = request;
        loop {
            if let Some(end) = search(buf, delim, &mut scanned) {
                return (Some(end), scanned);
            }
            let Some((&byte, tail)) = rest.split_first() else {
                return (None, scanned);
            };
            let Ok(spare) = buf.spare_mut() else {
                return (None, scanned);
            };
            spare[0] = byte;
            buf.filled_by(1);
            rest = tail;
        }
    }

    #[test]
    fn find_resuming_scans_each_byte_once_over_a_trickled_fill() {
        // 4,096 bytes without the delimiter, then it: rescanning after each read would scan
        // 4,096 × 4,097 / 2 bytes; resuming scans each once, plus up to `delim.len() - 1` again
        // per read (the bytes a delimiter split across reads may start in).
        let mut request = vec![b'x'; 4096];
        request.extend_from_slice(b"\r\n\r\n");
        let mut buf = RecvBuf::<8192>::new();
        let (found, scanned) = trickle(&mut buf, &request, b"\r\n\r\n");
        assert_eq!(found, Some(request.len()));
        assert!(scanned <= request.len() * 4, "{scanned} bytes scanned");
        assert_eq!(mark(&buf), 0, "a hit starts the next search at the front");

        let mut buf = RecvBuf::<8192>::new();
        let (found, scanned) = trickle(&mut buf, &request, b"\n");
        assert_eq!(found, Some(4096 + 2));
        assert_eq!(scanned, 4096 + 2);
    }

    #[test]
    fn find_resuming_finds_a_delimiter_split_across_reads_and_near_misses() {
        for request in [&b"ab\r\n\rc\r\n\r\n"[..], b"\r\r\n\r\r\n\r\n", b"\r\n\r\n"] {
            let mut buf = RecvBuf::<32>::new();
            let (found, _) = trickle(&mut buf, request, b"\r\n\r\n");
            assert_eq!(found, find(request, b"\r\n\r\n"), "{request:?}");
        }
    }

    #[test]
    fn find_resuming_keeps_its_mark_through_compaction_and_drops_it_on_a_hit() {
        let mut buf = RecvBuf::<8>::new();
        buf.spare_mut().unwrap().copy_from_slice(b"ab\ncdefg");
        buf.filled_by(8);
        buf.consume(3);
        assert_eq!(buf.find_resuming(b"\r\n"), None);
        assert_eq!(mark(&buf), 4);
        // Full at the tail: the next read moves `cdefg` to the front, the mark with it.
        buf.spare_mut().unwrap()[..2].copy_from_slice(b"\r\n");
        buf.filled_by(2);
        assert_eq!(buf.filled(), b"cdefg\r\n");
        assert_eq!(mark(&buf), 4);
        let mut scanned = 0;
        assert_eq!(search(&buf, b"\r\n", &mut scanned), Some(7));
        assert_eq!(scanned, 3);
        // The hit after the resumed search dropped the mark: a search for another
        // delimiter, one that starts before it, finds it.
        assert_eq!(mark(&buf), 0);
        assert_eq!(buf.find_resuming(b"d"), Some(2));
    }

    #[test]
    fn find_resuming_from_the_front_leaves_no_mark() {
        let mut buf = RecvBuf::<8>::new();
        buf.spare_mut().unwrap()[..5].copy_from_slice(b"a:b\nc");
        buf.filled_by(5);
        assert_eq!(buf.find_resuming(b"\n"), Some(4));
        assert_eq!(mark(&buf), 0);
        assert_eq!(buf.find_resuming(b":"), Some(2));
        buf.consume(4);
        // A miss, a read, then the hit: the next search, for another delimiter, starts at
        // the front again (the one-byte search's resumed loop; the test above resumes the
        // longer delimiters' `windows` search).
        assert_eq!(buf.find_resuming(b"\n"), None);
        assert_eq!(mark(&buf), 1);
        buf.spare_mut().unwrap()[..2].copy_from_slice(b"d\n");
        buf.filled_by(2);
        assert_eq!(buf.find_resuming(b"\n"), Some(3));
        assert_eq!(mark(&buf), 0);
        assert_eq!(buf.find_resuming(b"c"), Some(1));
    }

    #[test]
    fn find_resuming_takes_a_delimiter_borrowed_from_the_buffer() {
        let mut buf = RecvBuf::<8>::new();
        buf.spare_mut().unwrap()[..4].copy_from_slice(b"abca");
        buf.filled_by(4);
        assert_eq!(buf.find_resuming(&buf.filled()[..1]), Some(1));
        assert_eq!(buf.find_resuming(&buf.filled()[1..2]), Some(2));
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
