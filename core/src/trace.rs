//! Counters and traces: what the twins did, for the report and for the equivalence tests.
//!
//! Counting is always on (one `Cell` increment per call, as in the origin). Tracing is a
//! type-level switch: a run with [`NoTrace`] compiles every `record` call away; a run with
//! [`Traced`] keeps, per connection, every operation and its result.
//!
//! May import nothing of the crate: everything else records into it.

use core::cell::{Cell, RefCell};
use core::fmt;
use std::io;

/// How many fake I/O calls a run made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Counts {
    /// Sources registered with the poller.
    pub register: u64,
    /// Sources deregistered.
    pub unregister: u64,
    /// Calls to `Poll::poll`.
    pub poll: u64,
    /// Calls to `accept`.
    pub accept: u64,
    /// Calls to `read`.
    pub read: u64,
    /// Calls to `write`.
    pub write: u64,
    /// Real system calls made in syscall mode (one per call above); over kernel I/O, every
    /// system call of the server side (the calls above and `close`); 0 otherwise.
    pub syscalls: u64,
    /// Over kernel I/O, connections the server closed (`close`); 0 on the fake network.
    pub close: u64,
    /// Over kernel I/O, the client pump's own system calls (sending requests, half-closing,
    /// reading replies during the run), counted apart from the server's; 0 on the fake network.
    pub pump: u64,
}

impl Counts {
    /// All I/O calls of the origin's six kinds (everything but `syscalls`, `close` and
    /// `pump`).
    pub fn calls(&self) -> u64 {
        self.register + self.unregister + self.poll + self.accept + self.read + self.write
    }
}

/// The origin study's form: `register=N unregister=N poll=N accept=N read=N write=N` (and
/// over kernel I/O ` close=N pump=N`).
impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "register={} unregister={} poll={} accept={} read={} write={}",
            self.register, self.unregister, self.poll, self.accept, self.read, self.write
        )?;
        if self.close != 0 || self.pump != 0 {
            write!(f, " close={} pump={}", self.close, self.pump)?;
        }
        Ok(())
    }
}

/// Live counters, bumped by the fake I/O.
#[derive(Default)]
pub(crate) struct Counters {
    pub register: Cell<u64>,
    pub unregister: Cell<u64>,
    pub poll: Cell<u64>,
    pub accept: Cell<u64>,
    pub read: Cell<u64>,
    pub write: Cell<u64>,
    pub syscalls: Cell<u64>,
}

impl Counters {
    #[inline]
    pub fn bump(counter: &Cell<u64>) {
        counter.set(counter.get() + 1);
    }

    pub fn snapshot(&self) -> Counts {
        Counts {
            register: self.register.get(),
            unregister: self.unregister.get(),
            poll: self.poll.get(),
            accept: self.accept.get(),
            read: self.read.get(),
            write: self.write.get(),
            syscalls: self.syscalls.get(),
            close: 0,
            pump: 0,
        }
    }

    pub fn reset(&self) {
        for counter in [
            &self.register,
            &self.unregister,
            &self.poll,
            &self.accept,
            &self.read,
            &self.write,
            &self.syscalls,
        ] {
            counter.set(0);
        }
    }
}

/// The result of one traced call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpResult {
    /// Transferred this many bytes (for `accept`, 1 connection).
    Done(usize),
    /// `WouldBlock`.
    WouldBlock,
    /// Any other error.
    Error(io::ErrorKind),
}

/// One operation on a source, as the equivalence tests compare them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// Registered with the poller.
    Register,
    /// Deregistered.
    Deregister,
    /// `accept` on the listener.
    Accept(OpResult),
    /// `read` offering `len` bytes of room.
    Read {
        /// Room offered by the caller.
        len: usize,
        /// What the network did.
        result: OpResult,
    },
    /// `write` offering `len` bytes.
    Write {
        /// Bytes offered by the caller.
        len: usize,
        /// What the network did.
        result: OpResult,
    },
}

/// The type-level tracing switch. Implemented by [`NoTrace`] and [`Traced`] only.
pub trait Tracer: 'static {
    /// Per-source storage.
    type Log: Default;
    /// Records `op` (a no-op for [`NoTrace`]).
    fn record(log: &Self::Log, op: Op);
    /// Takes the recorded operations (empty for [`NoTrace`]).
    fn take(log: &Self::Log) -> Vec<Op>;
}

/// Tracing off: every `record` compiles to nothing.
pub enum NoTrace {}

impl Tracer for NoTrace {
    type Log = ();
    #[inline(always)]
    fn record(_: &(), _: Op) {}
    fn take(_: &()) -> Vec<Op> {
        Vec::new()
    }
}

/// Tracing on: every operation of every source is kept.
pub enum Traced {}

impl Tracer for Traced {
    type Log = RefCell<Vec<Op>>;
    fn record(log: &Self::Log, op: Op) {
        log.borrow_mut().push(op);
    }
    fn take(log: &Self::Log) -> Vec<Op> {
        log.take()
    }
}
