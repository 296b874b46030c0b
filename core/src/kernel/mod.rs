//! Real kernel I/O: the [`Kernel`] backend, non-blocking sockets and edge-triggered epoll
//! through libc, under both twins unchanged.
//!
//! - **Sockets**: TCP over loopback by default, or AF_UNIX stream sockets
//!   ([`SocketKind::Unix`]: a real accept, no ports and no `TIME_WAIT`, on an abstract address,
//!   so no file either). The listener is created at setup with a backlog of the connection
//!   count and `TCP_NODELAY`, which the accepted sockets inherit (a lock-step reply must not wait
//!   for Nagle).
//! - **epoll**, edge-triggered, one event buffer sized to the connection count; `send` with
//!   `MSG_NOSIGNAL`; an error or hang-up event marks both directions ready, so the next call finds
//!   out what happened. The poll does not block: on loopback, a send is in its peer's receive
//!   queue, and its readiness in epoll, by the time `send` returns.
//! - **Clients** (`client.rs`) connect during setup ([`Run::reset`](crate::Run::reset)) and wait
//!   in the accept queue; each run accepts exactly the connection count. Their requests are
//!   released by one pump that runs at the start of every poll — the same point in both twins —
//!   so the first read of each connection blocks, as on the fake network. Replies are read and
//!   checked byte for byte after the run, to EOF (a lock-step client's and a large reply are read
//!   by the pump as they come).
//! - **Counts**: every system call of the server side, per kind ([`Counts`]: `register` and
//!   `unregister` are `epoll_ctl`, `poll` is `epoll_wait`, and `close`); the pump's own calls are
//!   counted apart (`pump`).
//! - **Limits**, checked before the run: `RLIMIT_NOFILE` is raised to what the connection count
//!   needs (two descriptors per connection) or the run is refused; so is a count above
//!   `somaxconn`. No connect blocks; every descriptor is closed on every path (`Drop`).
//! - **Faults** ([`Faults`]): an early EOF is a client that half-closes mid-request; a reset is
//!   a client closing with `SO_LINGER {1, 0}` (before its request for a reset on read: the
//!   server's read is reset, or reads EOF over AF_UNIX; right after it for a reset on write and
//!   a broken pipe: the server's write finds a broken pipe); an accept error stays injected here.
//!   Partial
//!   transfers come from [`NetModel::Chunked`] (the pump trickles that many bytes per poll) and
//!   the scenario's own `trickle`.
//!
//! The files: this one holds the backend and its run-level side (setup, reset, the check);
//! `client.rs` the client sockets and the pump; `sys.rs` the system calls, every `unsafe` block
//! of the backend.
//!
//! May import: [`io`](crate::io)'s [`Backend`] and vocabulary, [`net`](crate::net)'s faults,
//! models and [`BadReply`], [`conn`](crate::conn), [`scenario`](mod@crate::scenario),
//! [`trace`](crate::trace); never either twin's loop. The [`runner`](crate::runner) builds it.

mod client;
mod sys;

use core::cell::{Cell, RefCell};
use std::io;

use libc::c_int;

use self::client::{CLOSED, ClientSide};
use self::sys::{Addr, Fd};
use crate::conn::ConnError;
use crate::io::{Backend, Events, Interest, Sockets, Stream, Token};
use crate::net::{BadReply, Fault, Faults, NetModel};
use crate::scenario::{Client, Outcome};
use crate::trace::{Counts, Op, OpResult, Tracer};

/// Which sockets the kernel backend serves over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SocketKind {
    /// TCP over loopback (`127.0.0.1`), the default.
    #[default]
    Tcp,
    /// AF_UNIX stream sockets on an abstract address.
    Unix,
}

impl SocketKind {
    /// `tcp` or `unix`.
    pub const fn name(self) -> &'static str {
        match self {
            SocketKind::Tcp => "tcp",
            SocketKind::Unix => "unix",
        }
    }
}

/// Why the kernel backend could not be set up.
#[derive(Debug)]
pub enum SetupError {
    /// A system call of the setup failed.
    Io(&'static str, io::Error),
    /// The connections need more descriptors than the hard `RLIMIT_NOFILE` allows.
    FdLimit {
        /// Descriptors the run needs (two per connection, the listener, epoll, those open).
        needed: u64,
        /// The hard limit.
        hard: u64,
    },
    /// More connections than the kernel's accept queue holds (`net.core.somaxconn`).
    Backlog {
        /// Connections asked for.
        connections: usize,
        /// `net.core.somaxconn`.
        somaxconn: usize,
    },
    /// A client's connect did not complete in time.
    ConnectTimeout {
        /// The connection.
        connection: usize,
    },
}

impl core::fmt::Display for SetupError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SetupError::Io(what, e) => write!(f, "kernel I/O setup: {what}: {e}"),
            SetupError::FdLimit { needed, hard } => write!(
                f,
                "kernel I/O needs {needed} file descriptors (two per connection), but the hard \
                 RLIMIT_NOFILE is {hard}: raise it (`ulimit -Hn`) or use fewer connections"
            ),
            SetupError::Backlog {
                connections,
                somaxconn,
            } => write!(
                f,
                "kernel I/O queues every connection before the run, but net.core.somaxconn is \
                 {somaxconn} (< {connections} connections): raise it or use fewer connections"
            ),
            SetupError::ConnectTimeout { connection } => write!(
                f,
                "kernel I/O: connection {connection}'s connect did not complete within 5 s"
            ),
        }
    }
}

impl std::error::Error for SetupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SetupError::Io(_, e) => Some(e),
            _ => None,
        }
    }
}

/// The server side's system calls, per kind, and the pump's.
#[derive(Default)]
struct Counters {
    register: Cell<u64>,
    unregister: Cell<u64>,
    poll: Cell<u64>,
    accept: Cell<u64>,
    read: Cell<u64>,
    write: Cell<u64>,
    close: Cell<u64>,
    pump: Cell<u64>,
}

#[inline]
fn bump(counter: &Cell<u64>) {
    counter.set(counter.get() + 1);
}

/// The epoll flags every connection is registered with (edge-triggered).
const CONN_EVENTS: u32 = (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET) as u32;

/// The kernel backend of one prepared run. See the [module docs](self).
pub struct Kernel<T: Tracer> {
    kind: SocketKind,
    listener: Fd,
    /// Where the clients connect.
    address: Addr,
    epoll: Fd,
    counters: Counters,
    /// `epoll_wait`'s buffer: one event per connection and the listener.
    events: RefCell<Box<[libc::epoll_event]>>,
    /// Connections accepted in this run (the next one's index).
    accepted: Cell<usize>,
    /// The server's socket of each connection, by accept order (`CLOSED` when closed).
    servers: Box<[Cell<c_int>]>,
    /// How each connection's server side ended (`None`: not yet).
    ends: Box<[Cell<Option<Outcome>>]>,
    clients: Box<[ClientSide<T>]>,
    /// At most this many request bytes per client per poll ([`NetModel::Chunked`]).
    chunk: usize,
    /// The reply bytes the pump and the check read into.
    scratch: RefCell<Box<[u8]>>,
    bad_replies: RefCell<Vec<BadReply>>,
    /// The last run's replies were checked (and its clients closed).
    checked: Cell<bool>,
    /// Connected by `reset` and not served since: a second `reset` keeps the connections.
    fresh: Cell<bool>,
    outcomes: RefCell<Vec<Outcome>>,
    listener_log: T::Log,
    /// Clients connected so far, over all runs: picks each TCP client's source address.
    connects: Cell<u64>,
}

impl<T: Tracer> Kernel<T> {
    /// A backend for one client per entry of `clients`, over `kind` sockets. The model's
    /// `Chunked(n)` makes the pump trickle `n` bytes per poll; `Seed` and `Random` deliver each
    /// request at once. `faults` as on the fake network; `buffer` sizes oversize requests.
    pub fn new(
        kind: SocketKind,
        model: NetModel,
        clients: Vec<Client>,
        faults: Option<Faults>,
        buffer: usize,
    ) -> Result<Self, SetupError> {
        let connections = clients.len();
        check_limits(connections)?;
        let (listener, address) = listen(kind, connections)?;
        let epoll = sys::epoll_create().map_err(|e| SetupError::Io("epoll_create1", e))?;
        let clients = clients
            .into_iter()
            .enumerate()
            .map(|(conn, mut client)| {
                let fault = Fault::strike(faults, conn, &mut client, buffer);
                ClientSide::new(client, fault)
            })
            .collect();
        let chunk = match model {
            NetModel::Chunked(n) => n.max(1),
            NetModel::Seed | NetModel::Random(_) => usize::MAX,
        };
        Ok(Kernel {
            kind,
            listener,
            address,
            epoll,
            counters: Counters::default(),
            events: RefCell::new(
                (0..=connections)
                    .map(|_| libc::epoll_event { events: 0, u64: 0 })
                    .collect(),
            ),
            accepted: Cell::new(0),
            servers: (0..connections).map(|_| Cell::new(CLOSED)).collect(),
            ends: (0..connections).map(|_| Cell::new(None)).collect(),
            clients,
            chunk,
            scratch: RefCell::new(vec![0; 64 * 1024].into_boxed_slice()),
            bad_replies: RefCell::new(Vec::new()),
            checked: Cell::new(true),
            fresh: Cell::new(false),
            outcomes: RefCell::new(vec![Outcome::Stalled; connections]),
            listener_log: T::Log::default(),
            connects: Cell::new(0),
        })
    }

    /// The sockets this backend serves over.
    pub fn kind(&self) -> SocketKind {
        self.kind
    }

    /// Checks the last run (if not yet), then connects every client anew and clears the
    /// counters and traces: the next serve accepts them all.
    pub fn reset(&self) -> Result<(), SetupError> {
        if self.fresh.get() {
            return Ok(());
        }
        self.check();
        for (counter, _) in self.counter_cells() {
            counter.set(0);
        }
        T::take(&self.listener_log);
        self.accepted.set(0);
        self.bad_replies.borrow_mut().clear();
        for end in self.ends.iter() {
            end.set(None);
        }
        for client in self.clients.iter() {
            client.close();
            let fd = self.connect()?;
            client.restart(fd);
        }
        // A non-blocking connect on loopback has completed by the time it returns, all but
        // always; wait for any that has not, with a deadline, never blocking in `connect`.
        for (conn, client) in self.clients.iter().enumerate() {
            let fd = client.fd.get();
            let connected =
                sys::wait_for(fd, libc::POLLOUT, 5_000).map_err(|e| SetupError::Io("poll", e))?;
            if !connected {
                return Err(SetupError::ConnectTimeout { connection: conn });
            }
            match sys::socket_error(fd) {
                Ok(0) => {}
                Ok(errno) => {
                    return Err(SetupError::Io(
                        "connect",
                        io::Error::from_raw_os_error(errno),
                    ));
                }
                Err(e) => return Err(SetupError::Io("getsockopt", e)),
            }
        }
        self.checked.set(false);
        self.fresh.set(true);
        Ok(())
    }

    /// A client socket, its connect started.
    fn connect(&self) -> Result<c_int, SetupError> {
        let io = |what| move |e| SetupError::Io(what, e);
        let family = match self.kind {
            SocketKind::Tcp => libc::AF_INET,
            SocketKind::Unix => libc::AF_UNIX,
        };
        let fd = sys::stream_socket(family).map_err(io("socket"))?;
        if self.kind == SocketKind::Tcp {
            sys::set_int_option(&fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1)
                .map_err(io("TCP_NODELAY"))?;
            // Each client from its own loopback address (127.1.x.y): the client half-closes
            // first, so its side ends in TIME_WAIT, and one source address would run out of
            // ports within a few hundred runs.
            let n = self.connects.get();
            self.connects.set(n + 1);
            let source = Addr::loopback([1, (n >> 8) as u8, n as u8], 0);
            sys::bind(&fd, &source).map_err(io("bind"))?;
        }
        sys::connect(&fd, &self.address).map_err(|e| {
            if e.raw_os_error() == Some(libc::EAGAIN) {
                SetupError::Backlog {
                    connections: self.clients.len(),
                    somaxconn: somaxconn().unwrap_or(0),
                }
            } else {
                SetupError::Io("connect", e)
            }
        })?;
        Ok(fd.into_raw())
    }

    /// After a run: closes what the server left open (a stalled run), reads every reply to
    /// EOF and judges each connection. Outside the measured section; idempotent.
    fn check(&self) {
        if self.checked.replace(true) {
            return;
        }
        for server in self.servers.iter() {
            let fd = server.replace(CLOSED);
            if fd != CLOSED {
                sys::close(fd);
            }
        }
        // Connections a run stopped before accepting: closed, so that their clients read EOF.
        while let Ok(fd) = sys::accept(self.listener.raw()) {
            sys::close(fd);
        }
        if self.fresh.get() {
            // Never served: nothing to check.
            for client in self.clients.iter() {
                client.close();
            }
            return;
        }
        let mut scratch = self.scratch.borrow_mut();
        let mut bad_replies = self.bad_replies.borrow_mut();
        let mut outcomes = self.outcomes.borrow_mut();
        for (conn, client) in self.clients.iter().enumerate() {
            client.drain(conn, &mut scratch, &mut bad_replies, true);
            client.close();
            outcomes[conn] = match self.ends[conn].get() {
                None => Outcome::Stalled,
                Some(Outcome::Ok) if client.bad.get() => Outcome::BadReply,
                Some(Outcome::Ok) if client.received.get() < client.client.expect.len() => {
                    Outcome::ShortReply
                }
                Some(end) => end,
            };
        }
    }

    /// The serve's progress so far, as the fake network's
    /// ([`Network::progress`](crate::net::Network::progress)): connections accepted and ended,
    /// request bytes the clients sent, expected reply bytes they received. Once per stall
    /// window, never per operation.
    pub fn progress(&self) -> u64 {
        let ended = self.ends.iter().filter(|end| end.get().is_some()).count();
        let clients: u64 = self.clients.iter().map(ClientSide::progress).sum();
        (self.accepted.get() + ended) as u64 + clients
    }

    /// The counts of the last run.
    pub fn counts(&self) -> Counts {
        let c = &self.counters;
        let server: u64 = self
            .counter_cells()
            .iter()
            .filter(|(_, server)| *server)
            .map(|(counter, _)| counter.get())
            .sum();
        Counts {
            register: c.register.get(),
            unregister: c.unregister.get(),
            poll: c.poll.get(),
            accept: c.accept.get(),
            read: c.read.get(),
            write: c.write.get(),
            syscalls: server,
            close: c.close.get(),
            pump: c.pump.get(),
        }
    }

    /// Every counter, and whether it counts the server side's calls (not the pump's).
    fn counter_cells(&self) -> [(&Cell<u64>, bool); 8] {
        let c = &self.counters;
        [
            (&c.register, true),
            (&c.unregister, true),
            (&c.poll, true),
            (&c.accept, true),
            (&c.read, true),
            (&c.write, true),
            (&c.close, true),
            (&c.pump, false),
        ]
    }

    /// Each connection's outcome in the last run (its replies checked first).
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.check();
        self.outcomes.borrow().clone()
    }

    /// Where the last run's wrong replies first differed (its replies checked first).
    pub fn bad_replies(&self) -> Vec<BadReply> {
        self.check();
        self.bad_replies.borrow().clone()
    }

    /// Takes the traces of the last run: the listener's, then each connection's.
    pub fn take_traces(&self) -> (Vec<Op>, Vec<Vec<Op>>) {
        let listener = T::take(&self.listener_log);
        let conns = self.clients.iter().map(|c| T::take(&c.log)).collect();
        (listener, conns)
    }

    /// The pump: one step for every client that still has something to do.
    #[inline(never)]
    fn pump(&self) {
        let mut scratch = self.scratch.borrow_mut();
        let mut bad_replies = self.bad_replies.borrow_mut();
        let mut calls = 0;
        for (conn, client) in self.clients.iter().enumerate() {
            if !client.idle() {
                calls += client
                    .pump(conn, self.chunk, &mut scratch, &mut bad_replies)
                    .calls;
            }
        }
        let pump = &self.counters.pump;
        pump.set(pump.get() + calls);
    }

    fn log(&self, conn: usize, op: Op) {
        T::record(&self.clients[conn].log, op);
    }
}

impl<T: Tracer> Drop for Kernel<T> {
    fn drop(&mut self) {
        for server in self.servers.iter() {
            let fd = server.replace(CLOSED);
            if fd != CLOSED {
                sys::close(fd);
            }
        }
        for client in self.clients.iter() {
            client.close();
        }
        // The listener and epoll close as `Fd`s.
    }
}

/// An `errno` as the twins' vocabulary: `WouldBlock`, or the error's kind.
#[inline]
fn op_error(errno: c_int) -> OpResult {
    if errno == libc::EAGAIN || errno == libc::EWOULDBLOCK {
        OpResult::WouldBlock
    } else {
        error_kind(errno)
    }
}

#[cold]
fn error_kind(errno: c_int) -> OpResult {
    OpResult::Error(io::Error::from_raw_os_error(errno).kind())
}

/// One accepted connection of the kernel backend.
pub struct KernelStream<'k, T: Tracer> {
    kernel: &'k Kernel<T>,
    conn: usize,
    fd: c_int,
}

impl<T: Tracer> Clone for KernelStream<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Tracer> Copy for KernelStream<'_, T> {}

impl<T: Tracer> Stream for KernelStream<'_, T> {
    #[inline]
    fn conn(&self) -> usize {
        self.conn
    }

    #[inline]
    fn read(&self, buf: &mut [u8]) -> OpResult {
        bump(&self.kernel.counters.read);
        let result = match sys::recv(self.fd, buf) {
            Ok(n) => OpResult::Done(n),
            Err(errno) => op_error(errno),
        };
        let len = buf.len();
        self.kernel.log(self.conn, Op::Read { len, result });
        result
    }

    #[inline]
    fn write(&self, buf: &[u8]) -> OpResult {
        bump(&self.kernel.counters.write);
        let result = match sys::send(self.fd, buf) {
            Ok(n) => OpResult::Done(n),
            Err(errno) => op_error(errno),
        };
        let len = buf.len();
        self.kernel.log(self.conn, Op::Write { len, result });
        result
    }
}

impl<'k, T: Tracer> Sockets for &'k Kernel<T> {
    type Stream = KernelStream<'k, T>;

    #[inline]
    fn connections(self) -> usize {
        self.clients.len()
    }

    #[inline]
    fn accept(self) -> Result<Self::Stream, OpResult> {
        bump(&self.counters.accept);
        let result = match sys::accept(self.listener.raw()) {
            Ok(fd) => {
                let conn = self.accepted.get();
                self.accepted.set(conn + 1);
                match self.clients.get(conn) {
                    Some(client) if client.fault == Some(Fault::AcceptError) => {
                        // The injected accept error: the connection is lost, as on the fake
                        // network.
                        bump(&self.counters.close);
                        sys::close(fd);
                        self.ends[conn].set(Some(Outcome::AcceptFailed));
                        Err(OpResult::Error(io::ErrorKind::ConnectionAborted))
                    }
                    Some(_) => {
                        self.servers[conn].set(fd);
                        Ok(KernelStream {
                            kernel: self,
                            conn,
                            fd,
                        })
                    }
                    None => unreachable_connection(fd),
                }
            }
            Err(errno) => Err(op_error(errno)),
        };
        T::record(
            &self.listener_log,
            Op::Accept(result.map_or_else(|e| e, |_| OpResult::Done(1))),
        );
        result
    }

    #[inline]
    fn stream(self, conn: usize) -> Self::Stream {
        KernelStream {
            kernel: self,
            conn,
            fd: self.servers[conn].get(),
        }
    }

    #[inline]
    fn close(self, stream: Self::Stream, result: Result<(), ConnError>) {
        bump(&self.counters.close);
        sys::close(stream.fd);
        self.servers[stream.conn()].set(CLOSED);
        let end = match result {
            Ok(()) => Outcome::Ok,
            Err(error) => Outcome::Failed(error),
        };
        self.ends[stream.conn()].set(Some(end));
    }
}

impl<'k, T: Tracer> Backend for &'k Kernel<T> {
    type Sockets = &'k Kernel<T>;

    #[inline]
    fn sockets(&self) -> &'k Kernel<T> {
        self
    }

    fn register_listener(&self, token: Token) {
        // The first call of every serve.
        self.fresh.set(false);
        bump(&self.counters.register);
        let events = (libc::EPOLLIN | libc::EPOLLET) as u32;
        sys::epoll_add(
            self.epoll.raw(),
            self.listener.raw(),
            events,
            token.0 as u64,
        )
        .unwrap_or_else(|errno| ctl_failed("register the listener", errno));
        T::record(&self.listener_log, Op::Register);
    }

    fn deregister_listener(&self, _token: Token) {
        bump(&self.counters.unregister);
        sys::epoll_del(self.epoll.raw(), self.listener.raw())
            .unwrap_or_else(|errno| ctl_failed("deregister the listener", errno));
        T::record(&self.listener_log, Op::Deregister);
    }

    #[inline]
    fn register(&self, stream: &KernelStream<'k, T>, token: Token, interest: Interest) {
        bump(&self.counters.register);
        let mut events = CONN_EVENTS;
        if !interest.is_readable() {
            events &= !(libc::EPOLLIN as u32);
        }
        if !interest.is_writable() {
            events &= !(libc::EPOLLOUT as u32);
        }
        sys::epoll_add(self.epoll.raw(), stream.fd, events, token.0 as u64)
            .unwrap_or_else(|errno| ctl_failed("register a connection", errno));
        self.log(stream.conn(), Op::Register);
    }

    #[inline]
    fn deregister(&self, stream: &KernelStream<'k, T>, _token: Token) {
        bump(&self.counters.unregister);
        sys::epoll_del(self.epoll.raw(), stream.fd)
            .unwrap_or_else(|errno| ctl_failed("deregister a connection", errno));
        self.log(stream.conn(), Op::Deregister);
    }

    #[inline]
    fn poll(&self, events: &mut Events) {
        self.pump();
        bump(&self.counters.poll);
        let mut buffer = self.events.borrow_mut();
        let n = match sys::epoll_wait(self.epoll.raw(), &mut buffer) {
            Ok(n) => n,
            Err(libc::EINTR) => 0,
            Err(errno) => ctl_failed("epoll_wait", errno),
        };
        events.clear();
        for event in &buffer[..n] {
            let flags = event.events;
            let token = Token(event.u64 as usize);
            let mut readiness = Interest(0);
            if flags & (libc::EPOLLIN | libc::EPOLLRDHUP) as u32 != 0 {
                readiness = readiness | Interest::READABLE;
            }
            if flags & libc::EPOLLOUT as u32 != 0 {
                readiness = readiness | Interest::WRITABLE;
            }
            if flags & (libc::EPOLLERR | libc::EPOLLHUP) as u32 != 0 {
                // An error or hang-up: both directions, so the next call of either finds it.
                readiness = Interest::READABLE | Interest::WRITABLE;
            }
            events.push(token, readiness);
        }
    }
}

#[cold]
#[inline(never)]
fn ctl_failed(what: &str, errno: c_int) -> ! {
    panic!(
        "twinbench: kernel I/O could not {what}: {}",
        io::Error::from_raw_os_error(errno)
    )
}

#[cold]
#[inline(never)]
fn unreachable_connection(fd: c_int) -> ! {
    sys::close(fd);
    panic!("twinbench: kernel I/O accepted more connections than its clients opened")
}

/// Checks the descriptor limit (raising the soft limit if the hard one allows) and the accept
/// queue's, before anything is opened.
fn check_limits(connections: usize) -> Result<(), SetupError> {
    let open = std::fs::read_dir("/proc/self/fd").map_or(64, |dir| dir.count() as u64);
    // Two per connection, the listener and epoll, what is open already, and a margin for the
    // harness (its pipes, a callgrind child's).
    let needed = 2 * connections as u64 + 2 + open + 32;
    let (soft, hard) = sys::nofile_limit().map_err(|e| SetupError::Io("getrlimit", e))?;
    if soft < needed {
        if hard < needed {
            return Err(SetupError::FdLimit { needed, hard });
        }
        sys::raise_nofile_limit(needed, hard).map_err(|e| SetupError::Io("setrlimit", e))?;
    }
    let somaxconn = somaxconn().unwrap_or(usize::MAX);
    if connections > somaxconn {
        return Err(SetupError::Backlog {
            connections,
            somaxconn,
        });
    }
    Ok(())
}

/// `net.core.somaxconn`: the longest accept queue a listener gets.
fn somaxconn() -> Option<usize> {
    std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The listening socket of `kind`, with a backlog of `connections`, and its address.
fn listen(kind: SocketKind, connections: usize) -> Result<(Fd, Addr), SetupError> {
    let io = |what| move |e| SetupError::Io(what, e);
    let backlog = c_int::try_from(connections).unwrap_or(c_int::MAX);
    match kind {
        SocketKind::Tcp => {
            let fd = sys::stream_socket(libc::AF_INET).map_err(io("socket"))?;
            sys::set_int_option(&fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1)
                .map_err(io("TCP_NODELAY"))?;
            sys::bind(&fd, &Addr::loopback([0, 0, 1], 0)).map_err(io("bind"))?;
            sys::listen(&fd, backlog).map_err(io("listen"))?;
            let port = sys::local_port(&fd).map_err(io("getsockname"))?;
            Ok((fd, Addr::loopback([0, 0, 1], port)))
        }
        SocketKind::Unix => {
            static LISTENERS: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
            let n = LISTENERS.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
            let name = format!("twinbench-{}-{n}", std::process::id());
            let address = Addr::abstract_unix(name.as_bytes());
            let fd = sys::stream_socket(libc::AF_UNIX).map_err(io("socket"))?;
            sys::bind(&fd, &address).map_err(io("bind"))?;
            sys::listen(&fd, backlog).map_err(io("listen"))?;
            Ok((fd, address))
        }
    }
}
