//! What a scenario is, as the runner sees it: a configuration, a fake client per connection,
//! and the two twins — a poll-loop [`Machine`] and an async fn — that serve one connection.
//!
//! `#[scenario]` implements these traits; so does the hand-written echo reference in
//! [`handwritten`](crate::handwritten).
//!
//! May import: [`conn`](crate::conn). The generated code names these types at the crate root.

use core::future::Future;
use core::task::Poll;
use std::borrow::Cow;

use crate::conn::{AsyncIo, ConnError, Io};

/// A workload: how many connections, what each client sends and expects, and the server code
/// for one connection written twice.
pub trait Scenario {
    /// The poll-loop twin.
    type Machine: Machine;

    /// The scenario's name, as written after `fn`.
    fn name(&self) -> &'static str;

    /// Connections, buffer size and requests per connection.
    fn config(&self) -> Config;

    /// What the client of connection `conn` (0-based, in accept order) sends and expects back.
    /// Called at setup, never inside a measured run.
    fn client(&self, conn: usize) -> Client;

    /// A fresh poll-loop machine for one connection.
    fn machine(&self) -> Self::Machine;

    /// The async twin: serves one connection.
    fn serve<'a, C: AsyncIo + 'a>(
        &'a self,
        io: &'a mut C,
    ) -> impl Future<Output = Result<(), ConnError>> + 'a;
}

/// The poll-loop twin of a scenario: the state a careful person keeps for one connection, and
/// a `resume` that runs until the connection finishes or would block.
pub trait Machine {
    /// Runs until done (`Ready`) or until an operation cannot proceed (`Pending`, after which
    /// the driver resumes it on the connection's next event or after a deferral).
    fn resume<C: Io>(&mut self, io: &mut C) -> Poll<Result<(), ConnError>>;
}

/// A scenario's fixed parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Connections per run.
    pub connections: usize,
    /// Receive buffer bytes per connection.
    pub buffer: usize,
    /// Requests each connection carries (for throughput: requests/s).
    pub requests: usize,
}

/// One connection's fake client: the bytes it sends, and the bytes it expects in reply.
///
/// By default the client sends its whole request at once (a pipelining client). One built
/// with [`Client::exchanges`] holds each request back until the reply to the previous one has
/// fully arrived (a keep-alive client that waits for each answer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    /// Request bytes, delivered by the network model in pieces it chooses.
    pub send: Cow<'static, [u8]>,
    /// The exact reply; every written byte is checked against it as it arrives.
    pub expect: Cow<'static, [u8]>,
    /// Lock-step gates: `send[..upto]` may be delivered once `after` reply bytes arrived.
    /// Empty: everything may be delivered at once.
    pub gates: Cow<'static, [Gate]>,
    /// At most this many request bytes per read, whatever the network allows (a client that
    /// trickles its request); `usize::MAX`: no limit.
    pub trickle: usize,
}

/// One lock-step gate of a [`Client`]: `send[..upto]` is available once the client has received
/// `after` reply bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Gate {
    /// End of the request bytes this gate releases.
    pub upto: usize,
    /// Reply bytes the client waits for first.
    pub after: usize,
}

impl Client {
    /// A client that sends `send` at once and expects `expect`.
    pub fn new(send: Cow<'static, [u8]>, expect: Cow<'static, [u8]>) -> Self {
        Client {
            send,
            expect,
            gates: Cow::Borrowed(&[]),
            trickle: usize::MAX,
        }
    }

    /// A client whose bytes are known at compile time.
    pub const fn fixed(send: &'static [u8], expect: &'static [u8]) -> Self {
        Client {
            send: Cow::Borrowed(send),
            expect: Cow::Borrowed(expect),
            gates: Cow::Borrowed(&[]),
            trickle: usize::MAX,
        }
    }

    /// A lock-step client: sends each request of `exchanges` only after the whole reply to the
    /// previous one arrived.
    pub fn exchanges(exchanges: &[(&[u8], &[u8])]) -> Self {
        Self::exchanges_of(exchanges.iter().copied())
    }

    /// [`Client::exchanges`] of any byte containers (a function of the connection index may
    /// make them: `client(exchanges = |conn| …)`).
    pub fn exchanges_of<R: AsRef<[u8]>, P: AsRef<[u8]>>(
        exchanges: impl IntoIterator<Item = (R, P)>,
    ) -> Self {
        let mut send = Vec::new();
        let mut expect = Vec::new();
        let mut gates = Vec::new();
        for (request, reply) in exchanges {
            let (request, reply) = (request.as_ref(), reply.as_ref());
            send.extend_from_slice(request);
            gates.push(Gate {
                upto: send.len(),
                after: expect.len(),
            });
            expect.extend_from_slice(reply);
        }
        Client {
            send: Cow::Owned(send),
            expect: Cow::Owned(expect),
            gates: Cow::Owned(gates),
            trickle: usize::MAX,
        }
    }

    /// End of the request bytes released once `received` reply bytes have arrived: every
    /// byte without lock-step gates, else up to the last gate passed. `gate` is the gate in
    /// force so far (a cursor, as reply bytes only grow).
    #[inline]
    pub(crate) fn released(&self, received: usize, gate: &core::cell::Cell<usize>) -> usize {
        let gates = &self.gates[..];
        if gates.is_empty() {
            return self.send.len();
        }
        let mut at = gate.get();
        while at + 1 < gates.len() && received >= gates[at + 1].after {
            at += 1;
        }
        gate.set(at);
        gates[at].upto
    }

    /// The same client, delivering at most `bytes` (≥ 1) request bytes per read.
    pub fn trickle(mut self, bytes: usize) -> Self {
        self.trickle = bytes.max(1);
        self
    }
}

/// How one connection ended: the server's result and the client's verdict on the reply.
/// Identical in every variant for the same network — that is what the equivalence tests check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The server finished and the reply was exactly what the client expected.
    Ok,
    /// The server finished but the reply differed from the expectation (a wrong or extra byte).
    BadReply,
    /// The server finished before writing the whole expected reply.
    ShortReply,
    /// The server stopped with an error.
    Failed(ConnError),
    /// `accept` failed for the connection (an injected fault): it was never served.
    AcceptFailed,
    /// The connection had not finished when the run hit its round limit (or was never accepted).
    Stalled,
}

impl core::fmt::Display for Outcome {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Outcome::Ok => f.write_str("ok"),
            Outcome::BadReply => f.write_str("bad reply"),
            Outcome::ShortReply => f.write_str("short reply"),
            Outcome::Failed(e) => write!(f, "failed: {e}"),
            Outcome::AcceptFailed => f.write_str("accept failed"),
            Outcome::Stalled => f.write_str("stalled"),
        }
    }
}

/// What `client(send = …, expect = …)` accepts: fixed bytes, or a function of the connection
/// index (evaluated at setup, once per connection).
#[doc(hidden)]
pub trait ClientBytes {
    /// The bytes for connection `conn`.
    fn for_conn(&self, conn: usize) -> Cow<'static, [u8]>;
}

impl ClientBytes for &'static [u8] {
    fn for_conn(&self, _conn: usize) -> Cow<'static, [u8]> {
        Cow::Borrowed(self)
    }
}

impl<const N: usize> ClientBytes for &'static [u8; N] {
    fn for_conn(&self, _conn: usize) -> Cow<'static, [u8]> {
        Cow::Borrowed(&self[..])
    }
}

impl<F, B> ClientBytes for F
where
    F: Fn(usize) -> B,
    B: Into<Cow<'static, [u8]>>,
{
    fn for_conn(&self, conn: usize) -> Cow<'static, [u8]> {
        self(conn).into()
    }
}

/// `client(exchanges = |conn| …)`: the lock-step client the closure makes for connection
/// `conn` (at setup, once per connection).
#[doc(hidden)]
pub fn exchanges_for_conn<F, E, R, P>(exchanges: F, conn: usize) -> Client
where
    F: Fn(usize) -> E,
    E: IntoIterator<Item = (R, P)>,
    R: AsRef<[u8]>,
    P: AsRef<[u8]>,
{
    Client::exchanges_of(exchanges(conn))
}

/// What `read_until(…)` accepts as a delimiter: a byte or a byte string.
#[doc(hidden)]
pub trait Delimiter {
    /// The delimiter as bytes.
    fn as_bytes(&self) -> &[u8];
}

impl Delimiter for u8 {
    #[inline]
    fn as_bytes(&self) -> &[u8] {
        core::slice::from_ref(self)
    }
}

impl Delimiter for [u8] {
    #[inline]
    fn as_bytes(&self) -> &[u8] {
        self
    }
}

impl<const N: usize> Delimiter for [u8; N] {
    #[inline]
    fn as_bytes(&self) -> &[u8] {
        self
    }
}

impl<T: Delimiter + ?Sized> Delimiter for &T {
    #[inline]
    fn as_bytes(&self) -> &[u8] {
        (**self).as_bytes()
    }
}

/// A call of a step function (`#[step] fn read_bulk(max: usize) -> usize`): the value of
/// `read_bulk(32)`, holding its arguments, from which each twin runs the function's steps.
///
/// `#[step]` implements it on a struct named like the fn (the fn is in the value namespace,
/// the struct in the type namespace), so a scenario calling `read_bulk(…)` as a step names
/// `<read_bulk as Step>` on the user's token: a fn that is not `#[step]` is a compile error
/// there.
pub trait Step {
    /// What the step function returns.
    type Output;
    /// The poll-loop twin: the sub-machine the caller's machine holds while it waits in the
    /// call, resumed from the caller's `resume`.
    type Machine: StepMachine<Output = Self::Output>;

    /// The sub-machine for this call, in its first state.
    fn machine(self) -> Self::Machine;

    /// The async twin: the step function's steps with `.await`, on the caller's connection
    /// and receive buffer.
    fn serve<const N: usize, C: AsyncIo>(
        self,
        io: &mut C,
        buf: &mut crate::RecvBuf<N>,
    ) -> impl Future<Output = Result<Self::Output, ConnError>>;
}

/// The poll-loop twin of a step function's call: a [`Machine`] that returns a value and
/// works on its caller's receive buffer.
pub trait StepMachine {
    /// What the step function returns.
    type Output;
    /// Whether dropping the machine drops a value: true if a binding's type or another field
    /// has drop glue. (`needs_drop` of the machine itself is always true, since its binding
    /// slots implement `Drop`.) The caller's slot for the sub-machine keeps a drop flag only
    /// when this is true, so that a machine of plain data is written in place.
    const NEEDS_DROP: bool;

    /// Runs until the function returns (`Ready`) or an operation cannot proceed (`Pending`;
    /// the caller returns `Pending` too and resumes this on its next `resume`).
    fn resume<const N: usize, C: Io>(
        &mut self,
        io: &mut C,
        buf: &mut crate::RecvBuf<N>,
    ) -> Poll<Result<Self::Output, ConnError>>;
}
