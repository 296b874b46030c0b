//! The fake network: what every variant talks to.
//!
//! A [`Network`] holds one fake client per connection (the bytes it sends, the reply it expects,
//! how far both have got), the counters, the optional traces and the syscall-mode pipe. The
//! fake I/O types in [`io`](crate::io) are thin handles onto it.
//!
//! # Determinism
//!
//! What the network does with an operation is a function of the source (a connection index or
//! the listener), that source's own operation index, and the [`NetModel`] — never of global
//! ordering. The poll loop and the executors interleave connections differently; each
//! connection still sees exactly the same network in every variant.
//!
//! # Layout
//!
//! This file holds the [`Network`] and its per-connection peers; `model.rs` the [`NetModel`]s,
//! `fault.rs` the [`Faults`], `hash.rs` the one hash both draw from, `syscall.rs` the
//! syscall-mode pipe, `arena.rs` the block the clients' bytes are copied to, `layout.rs` how
//! a peer keeps its client ([`ClientLayout`], the network's second type parameter). Files here import their siblings directly (`model` and `fault` only
//! `hash`); the folder imports [`conn`](crate::conn), [`scenario`](mod@crate::scenario) and
//! [`trace`](crate::trace), never the fake I/O or either twin.

use core::cell::{Cell, RefCell};
use std::io;

mod arena;
mod fault;
mod hash;
mod layout;
mod model;
mod progress;
mod syscall;

pub use self::fault::{Fault, Faults};
pub use self::layout::{ClientLayout, Inline, Shared};
pub use self::model::NetModel;

use self::arena::Arena;
use self::layout::{Layout, Template};
use self::model::{Decision, LISTENER};
use self::syscall::EmptyPipe;
use crate::conn::ConnError;
use crate::scenario::{Client, Outcome};
use crate::trace::{Counters, Counts, Op, OpResult, Tracer};

/// Which source an operation is on (for counting and tracing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SourceId {
    Listener,
    Conn(usize),
}

/// One connection's fake client (kept as the layout `C` keeps it) and what it has seen.
struct Peer<T: Tracer, C> {
    /// The client's bytes, gates, trickle and injected fault.
    client: C,
    /// Operations on this connection so far (the network model's clock for it).
    ops: Cell<u64>,
    /// Request bytes delivered to the server.
    sent: Cell<usize>,
    /// The lock-step gate in force (index into `client.gates`).
    gate: Cell<usize>,
    /// Reply bytes received from the server.
    received: Cell<usize>,
    /// Whether a reply byte differed from the expectation, or came after its end.
    bad_reply: Cell<bool>,
    outcome: Cell<Outcome>,
    /// From which operation the injected fault strikes (`u64::MAX`: never, so the hot path
    /// pays one predictable comparison).
    fault_from_op: u64,
    /// A reset or broken pipe struck: every later operation fails.
    dead: Cell<bool>,
    log: T::Log,
}

impl<T: Tracer, C: Layout> Peer<T, C> {
    /// The request bytes.
    #[inline]
    fn send(&self) -> &[u8] {
        self.client.send()
    }

    /// The expected reply.
    #[inline]
    fn expect(&self) -> &[u8] {
        self.client.expect()
    }

    /// End of the request bytes the client has released so far.
    #[inline]
    fn released(&self) -> usize {
        let gates = self.client.gates();
        if gates.is_empty() {
            return self.client.send_len();
        }
        let received = self.received.get();
        let mut gate = self.gate.get();
        while gate + 1 < gates.len() && received >= gates[gate + 1].after {
            gate += 1;
        }
        self.gate.set(gate);
        gates[gate].upto
    }

    /// Whether the connection's fault strikes this operation (a write if `write`), given that
    /// the operation is at or after the fault's first operation. Marks the connection dead.
    #[cold]
    fn strikes(&self, write: bool) -> bool {
        let strikes = self.dead.get()
            || match self.client.fault() {
                Some(Fault::ResetOnRead { .. }) => !write,
                Some(Fault::ResetOnWrite { .. } | Fault::BrokenPipe { .. }) => write,
                _ => false,
            };
        self.dead.set(strikes);
        strikes
    }

    /// The error a write on a dead connection gets.
    #[cold]
    fn write_error(&self) -> OpResult {
        match self.client.fault() {
            Some(Fault::ResetOnWrite { .. }) => OpResult::Error(io::ErrorKind::ConnectionReset),
            _ => OpResult::Error(io::ErrorKind::BrokenPipe),
        }
    }
}

/// The fake network of one run, its peers keeping their clients as `C` says. See the
/// [module docs](self).
pub struct Network<T: Tracer, C = Inline> {
    model: NetModel,
    counters: Counters,
    pipe: Option<EmptyPipe>,
    listener_ops: Cell<u64>,
    listener_log: T::Log,
    accepted: Cell<usize>,
    /// Declared before `templates` and `arena`, so dropped before them: every peer points
    /// into them.
    peers: Box<[Peer<T, C>]>,
    /// [`Shared`]'s templates, one per distinct client (empty for [`Inline`]); only the peers
    /// read them, through their pointers.
    #[expect(dead_code, reason = "owns the block the peers point into")]
    templates: Vec<Template>,
    /// Every client's bytes (see [`arena`]); only the peers read it, through their pointers.
    #[expect(dead_code, reason = "owns the block the peers point into")]
    arena: Arena,
    /// Each connection's first wrong reply bytes, in the order they were written.
    bad_replies: RefCell<Vec<BadReply>>,
}

/// Where a connection's reply first differed from what its client expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadReply {
    /// The connection.
    pub connection: usize,
    /// Offset in the reply of the first wrong byte (at the expected reply's length: a byte
    /// past its end).
    pub offset: usize,
    /// The expected reply bytes around it, from `offset - before`.
    pub expected: Vec<u8>,
    /// The bytes written there, from `offset - before`.
    pub actual: Vec<u8>,
    /// How many bytes of `expected` and `actual` come before `offset`.
    pub before: usize,
}

impl BadReply {
    /// Where `written`, received at reply offset `received` of connection `conn`, first
    /// differs from `expect` (a byte past its end counts as a difference).
    pub(crate) fn locate(conn: usize, expect: &[u8], received: usize, written: &[u8]) -> Self {
        /// Bytes shown on each side of the first difference.
        const CONTEXT: usize = 16;
        let at = (0..written.len())
            .find(|&i| expect.get(received + i) != Some(&written[i]))
            .unwrap_or(0);
        let offset = received + at;
        let before = at.min(CONTEXT);
        let from = offset - before;
        let expected = expect.get(from..).unwrap_or(&[]);
        BadReply {
            connection: conn,
            offset,
            expected: expected[..expected.len().min(before + CONTEXT)].to_vec(),
            actual: written[at - before..written.len().min(at + CONTEXT)].to_vec(),
            before,
        }
    }
}

impl core::fmt::Display for BadReply {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let escaped = |bytes: &[u8]| bytes.escape_ascii().to_string();
        write!(
            f,
            "reply byte {} differs: expected \"{}\", got \"{}\" (from byte {})",
            self.offset,
            escaped(&self.expected),
            escaped(&self.actual),
            self.offset - self.before
        )
    }
}

impl<T: Tracer, C: ClientLayout> Network<T, C> {
    /// A network with one fake client per item of `clients`. With `syscalls`, every I/O call
    /// also makes one real system call. `faults` picks the connections that misbehave;
    /// `buffer` (the scenario's) sizes the oversize requests.
    pub fn new(
        model: NetModel,
        clients: impl IntoIterator<Item = Client>,
        syscalls: bool,
        faults: Option<Faults>,
        buffer: usize,
    ) -> io::Result<Self> {
        let pipe = if syscalls {
            Some(EmptyPipe::new()?)
        } else {
            None
        };
        let layout::Built {
            peers,
            templates,
            arena,
        } = C::build::<T>(clients, faults, buffer);
        Ok(Network {
            model,
            counters: Counters::default(),
            pipe,
            listener_ops: Cell::new(0),
            listener_log: T::Log::default(),
            accepted: Cell::new(0),
            peers,
            templates,
            arena,
            bad_replies: RefCell::new(Vec::new()),
        })
    }

    /// Each connection's first wrong reply bytes, in the order they were written.
    pub fn bad_replies(&self) -> Vec<BadReply> {
        self.bad_replies.borrow().clone()
    }

    /// A write to `conn` at reply offset `received` did not match the expectation: marks the
    /// reply bad and, the first time, records the bytes around the first difference. Cold:
    /// the measured path of a correct reply only tests the comparison's result, as before.
    #[cold]
    #[inline(never)]
    fn bad_reply(&self, conn: usize, received: usize, written: &[u8]) {
        let peer = &self.peers[conn];
        if peer.bad_reply.replace(true) {
            return;
        }
        let bad = BadReply::locate(conn, peer.expect(), received, written);
        self.bad_replies.borrow_mut().push(bad);
    }

    /// How many connections the clients will open.
    pub fn connections(&self) -> usize {
        self.peers.len()
    }

    /// Puts every client back at the start, clears counters and traces: the next run sees the
    /// same network again. Allocates nothing.
    pub fn reset(&self) {
        self.counters.reset();
        self.listener_ops.set(0);
        T::take(&self.listener_log);
        self.accepted.set(0);
        self.bad_replies.borrow_mut().clear();
        for peer in self.peers.iter() {
            peer.ops.set(0);
            peer.sent.set(0);
            peer.gate.set(0);
            peer.received.set(0);
            peer.bad_reply.set(false);
            peer.outcome.set(Outcome::Stalled);
            peer.dead.set(false);
            T::take(&peer.log);
        }
    }

    /// The counts so far.
    pub fn counts(&self) -> Counts {
        self.counters.snapshot()
    }

    /// Each connection's outcome, in accept order.
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.peers.iter().map(|peer| peer.outcome.get()).collect()
    }

    /// Takes the traces recorded so far: the listener's, then each connection's.
    pub fn take_traces(&self) -> (Vec<Op>, Vec<Vec<Op>>) {
        let listener = T::take(&self.listener_log);
        let conns = self.peers.iter().map(|peer| T::take(&peer.log)).collect();
        (listener, conns)
    }

    /// Bumps `counter` and, in syscall mode, makes the one real system call.
    #[inline]
    fn call(&self, counter: &Cell<u64>) {
        Counters::bump(counter);
        if let Some(pipe) = &self.pipe {
            Counters::bump(&self.counters.syscalls);
            pipe.call();
        }
    }

    #[inline]
    fn log(&self, source: SourceId, op: Op) {
        match source {
            SourceId::Listener => T::record(&self.listener_log, op),
            SourceId::Conn(conn) => T::record(&self.peers[conn].log, op),
        }
    }

    #[inline]
    pub(crate) fn on_register(&self, source: SourceId) {
        self.call(&self.counters.register);
        self.log(source, Op::Register);
    }

    #[inline]
    pub(crate) fn on_deregister(&self, source: SourceId) {
        self.call(&self.counters.unregister);
        self.log(source, Op::Deregister);
    }

    #[inline]
    pub(crate) fn on_poll(&self) {
        self.call(&self.counters.poll);
    }

    /// Accepts the next connection: its index, or why not (`WouldBlock`, or an error).
    ///
    /// The network's operations speak [`OpResult`], not `io::Error`: both twins' hot paths
    /// skip `io::Error`'s construction, decoding and drop.
    ///
    /// Always inlined: the manual twin calls it from the driver's `serve`, into which the whole
    /// machine is inlined, and LLVM's choice flipped with the size of the scenario's code
    /// (a call, and the spills around it, in some scenarios' rows and not in others').
    #[inline(always)]
    pub(crate) fn accept(&self) -> Result<usize, OpResult> {
        self.call(&self.counters.accept);
        let op = self.listener_ops.get();
        self.listener_ops.set(op + 1);
        let conn = self.accepted.get();
        let result = match self.model.decide(LISTENER, op) {
            Decision::Transfer(_) if conn < self.peers.len() => {
                self.accepted.set(conn + 1);
                if self.peers[conn].client.fault() == Some(Fault::AcceptError) {
                    self.peers[conn].outcome.set(Outcome::AcceptFailed);
                    Err(OpResult::Error(io::ErrorKind::ConnectionAborted))
                } else {
                    Ok(conn)
                }
            }
            _ => Err(OpResult::WouldBlock),
        };
        T::record(
            &self.listener_log,
            Op::Accept(result.map_or_else(|e| e, |_| OpResult::Done(1))),
        );
        result
    }

    /// Connection `conn`'s next operation, by the network model.
    #[inline]
    fn decide(&self, peer: &Peer<T, C>, conn: usize) -> Decision {
        let op = peer.ops.get();
        peer.ops.set(op + 1);
        self.model.decide(conn as u64, op)
    }

    /// The server reads from connection `conn`: request bytes, `Done(0)` at EOF (the client
    /// has sent everything), or `WouldBlock`.
    #[inline]
    pub(crate) fn read(&self, conn: usize, buf: &mut [u8]) -> OpResult {
        self.call(&self.counters.read);
        let peer = &self.peers[conn];
        let op = peer.ops.get();
        let result = match self.decide(peer, conn) {
            _ if op >= peer.fault_from_op && peer.strikes(false) => {
                OpResult::Error(io::ErrorKind::ConnectionReset)
            }
            Decision::WouldBlock => OpResult::WouldBlock,
            Decision::Transfer(limit) => {
                let sent = peer.sent.get();
                let released = peer.released();
                let pending = &peer.send()[sent..released];
                if pending.is_empty() && released < peer.client.send_len() {
                    // A lock-step client waiting for its reply: nothing to read yet, no EOF.
                    OpResult::WouldBlock
                } else {
                    let n = pending
                        .len()
                        .min(buf.len())
                        .min(limit)
                        .min(peer.client.trickle());
                    buf[..n].copy_from_slice(&pending[..n]);
                    peer.sent.set(sent + n);
                    OpResult::Done(n)
                }
            }
        };
        T::record(
            &peer.log,
            Op::Read {
                len: buf.len(),
                result,
            },
        );
        result
    }

    /// The server writes to connection `conn`; the client checks every accepted byte against
    /// its expected reply.
    #[inline]
    pub(crate) fn write(&self, conn: usize, buf: &[u8]) -> OpResult {
        self.call(&self.counters.write);
        let peer = &self.peers[conn];
        let op = peer.ops.get();
        let result = match self.decide(peer, conn) {
            _ if op >= peer.fault_from_op && peer.strikes(true) => peer.write_error(),
            Decision::WouldBlock => OpResult::WouldBlock,
            Decision::Transfer(limit) => {
                let n = buf.len().min(limit);
                let received = peer.received.get();
                let matches = peer
                    .expect()
                    .get(received..received + n)
                    .is_some_and(|expected| expected == &buf[..n]);
                if !matches {
                    self.bad_reply(conn, received, &buf[..n]);
                }
                peer.received.set(received + n);
                OpResult::Done(n)
            }
        };
        T::record(
            &peer.log,
            Op::Write {
                len: buf.len(),
                result,
            },
        );
        result
    }

    /// Records how connection `conn` ended: the server's result, judged by its client.
    pub(crate) fn finish(&self, conn: usize, result: Result<(), ConnError>) {
        let peer = &self.peers[conn];
        let outcome = match result {
            Err(error) => Outcome::Failed(error),
            Ok(()) if peer.bad_reply.get() => Outcome::BadReply,
            Ok(()) if peer.received.get() < peer.client.expect_len() => Outcome::ShortReply,
            Ok(()) => Outcome::Ok,
        };
        peer.outcome.set(outcome);
    }
}
