//! The async side's view of the fake network: a [`Reactor`] that turns poll events into
//! readiness and wake-ups, and the async sources [`AsyncListener`] and [`AsyncStream`].
//!
//! The origin study's techniques, which keep the async variant's I/O calls identical to the
//! poll loop's:
//!
//! - sources register when created and deregister when closed or dropped, not per operation;
//! - each registration remembers its readiness at all times, so an operation on a source known
//!   not to be ready returns `Pending` without an I/O call (exactly when the poll loop's driver
//!   skips the call too: both use [`Readiness`]).
//!
//! And two of this project's: each registration keeps its task's waker from wait to wait, and a
//! turn hands it to the executor ([`Turn`]), which wakes its own tasks without the waker's
//! vtable — as the driver queues a connection straight from its event loop. And a task that
//! yields (`yield_now()`, [`AsyncIo::defer`]) leaves its waker with its registration, which the
//! next turn wakes after the events' — as the driver queues deferred machines after the
//! connections its events name — so a yield means the same on every executor: tokio's,
//! async-executor's and `LocalPool` re-poll a self-woken task before any turn, ours after it.
//!
//! May import: the executors' [`Turn`] (which it implements), and what both twins share
//! ([`gate`](crate::gate), [`io`], [`net`](crate::net), [`conn`](crate::conn),
//! [`trace`](crate::trace)); never the driver.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use super::executor::Turn;
use crate::conn::{AsyncIo, ConnError};
use crate::gate::{LISTENER_TOKEN, Readiness, conn_token, gated_read, gated_write};
use crate::io::{self, Events, FakeListener, FakeStream, Interest, Token};
use crate::net::Network;
use crate::trace::{OpResult, Tracer};

/// One registered source: its readiness, and the task waiting on it.
#[derive(Default)]
pub struct Registration {
    ready: Readiness,
    waker: Cell<Option<Waker>>,
}

impl Registration {
    /// Remembers `waker` to wake on the next event, cloning only if it is a different task's.
    #[inline]
    fn set_waker(&self, waker: &Waker) {
        // SAFETY: nothing writes the cell while `stored` is borrowed: `will_wake` only compares
        // the two wakers' data and vtable pointers, and the borrow ends before the `clone`
        // (which runs the vtable's code) and the `set`.
        let stored = unsafe { &*self.waker.as_ptr() };
        if !stored
            .as_ref()
            .is_some_and(|stored| stored.will_wake(waker))
        {
            self.waker.set(Some(waker.clone()));
        }
    }
}

/// Turns poll events into readiness and wake-ups.
pub struct Reactor<'n, T: Tracer> {
    poll: io::Poll<'n, T>,
    events: RefCell<Events>,
    registrations: Box<[Registration]>,
    /// The registrations whose task yielded since the last turn, in yield order: the first
    /// `yielded_len`. A task yields at most once per turn (it is not woken until then), so one
    /// entry per registration is enough.
    yielded: Box<[Cell<Token>]>,
    yielded_len: Cell<usize>,
}

impl<'n, T: Tracer> Reactor<'n, T> {
    /// A reactor for a listener and `connections` connections on `net`.
    pub fn new(net: &'n Network<T>, connections: usize) -> Reactor<'n, T> {
        let capacity = connections + 1;
        Reactor {
            poll: io::Poll::new(net, capacity),
            events: RefCell::new(Events::with_capacity(capacity)),
            registrations: (0..capacity).map(|_| Registration::default()).collect(),
            yielded: (0..capacity).map(|_| Cell::new(Token(0))).collect(),
            yielded_len: Cell::new(0),
        }
    }

    /// Forgets the yields of a run that stopped at its round limit (no turn woke them), so the
    /// next run starts without them. Call it between runs.
    pub fn reset(&self) {
        self.yielded_len.set(0);
    }

    /// Polls once; every event sets its source's readiness and hands the cell of the waker
    /// waiting on it to `wake` (see [`Turn`]); then hands over, in yield order, the wakers of
    /// the tasks that yielded since the last turn (a task both named by an event and yielded
    /// is woken by the event; its yield's wake finds it woken already).
    ///
    /// The waker stays stored after the wake: a task waits on its stream again and again, and
    /// `set_waker` then finds it already there (`will_wake`) instead of cloning a new one for
    /// every wait.
    pub fn turn(&self, mut wake: impl FnMut(&Cell<Option<Waker>>)) {
        let mut events = self.events.borrow_mut();
        self.poll.poll(&mut events);
        for event in events.iter() {
            let registration = &self.registrations[event.token().0];
            registration.ready.set(event.readiness());
            wake(&registration.waker);
        }
        if self.yielded_len.get() != 0 {
            self.wake_yielded(&mut wake);
        }
    }

    /// The second half of a turn, out of line: most turns have no yields to wake, and the
    /// events' loop then compiles as before.
    #[cold]
    #[inline(never)]
    fn wake_yielded(&self, wake: &mut impl FnMut(&Cell<Option<Waker>>)) {
        let len = self.yielded_len.replace(0);
        for token in &self.yielded[..len] {
            wake(&self.registrations[token.get().0].waker);
        }
    }

    /// Remembers that the task waiting on `token` yielded: the next turn wakes `waker`.
    #[inline]
    fn defer(&self, registration: &Registration, token: Token, waker: &Waker) {
        registration.set_waker(waker);
        let len = self.yielded_len.get();
        self.yielded[len].set(token);
        self.yielded_len.set(len + 1);
    }

    fn register<S: io::Source>(
        &self,
        source: &S,
        token: Token,
        interest: Interest,
    ) -> &Registration {
        let registration = &self.registrations[token.0];
        registration.ready.set(interest);
        self.poll
            .registry()
            .register(source, token, interest)
            .expect("tokens are assigned by accept order and never reused while registered");
        registration
    }

    #[inline(always)] // into `AsyncStream::close`, as the driver's deregistration is inlined
    fn deregister<S: io::Source>(&self, source: &S, token: Token) {
        let registration = &self.registrations[token.0];
        drop(registration.waker.take());
        registration.ready.clear_readable();
        registration.ready.clear_writable();
        self.poll
            .registry()
            .deregister(source, token)
            .expect("a source deregisters once, with the token it registered");
    }
}

/// The listener, registered with a reactor for as long as it lives.
pub struct AsyncListener<'r, 'n, T: Tracer> {
    reactor: &'r Reactor<'n, T>,
    registration: &'r Registration,
    listener: FakeListener<'n, T>,
}

impl<T: Tracer> Turn for &Reactor<'_, T> {
    #[inline]
    fn turn(&mut self, wake: impl FnMut(&Cell<Option<Waker>>)) {
        Reactor::turn(self, wake);
    }
}

impl<'r, 'n, T: Tracer> AsyncListener<'r, 'n, T> {
    /// Registers the network's listener with `reactor`.
    pub fn new(reactor: &'r Reactor<'n, T>, net: &'n Network<T>) -> Self {
        let listener = FakeListener::new(net);
        let registration = reactor.register(&listener, LISTENER_TOKEN, Interest::READABLE);
        AsyncListener {
            reactor,
            registration,
            listener,
        }
    }

    /// Accepts the next connection and registers it.
    pub fn accept(&self) -> Accept<'_, 'r, 'n, T> {
        Accept { listener: self }
    }
}

impl<T: Tracer> Drop for AsyncListener<'_, '_, T> {
    fn drop(&mut self) {
        self.reactor.deregister(&self.listener, LISTENER_TOKEN);
    }
}

/// Future of [`AsyncListener::accept`].
#[must_use = "futures do nothing unless awaited"]
pub struct Accept<'a, 'r, 'n, T: Tracer> {
    listener: &'a AsyncListener<'r, 'n, T>,
}

impl<'r, 'n, T: Tracer> Future for Accept<'_, 'r, 'n, T> {
    /// `Err` carries the network's answer (an error, never `WouldBlock`).
    type Output = Result<AsyncStream<'r, 'n, T>, OpResult>;

    // Inlined into the accept loop, as the driver's accept is inlined into its loop; left to
    // the optimiser it stays a call, returning the stream through memory.
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let AsyncListener {
            reactor,
            registration,
            listener,
        } = self.listener;
        if registration.ready.is_readable() {
            match listener.accept() {
                Ok(stream) => return Poll::Ready(Ok(AsyncStream::new(reactor, stream))),
                Err(OpResult::WouldBlock) => registration.ready.clear_readable(),
                Err(other) => return Poll::Ready(Err(other)),
            }
        }
        registration.set_waker(cx.waker());
        Poll::Pending
    }
}

/// An accepted connection, registered with a reactor for as long as it lives.
pub struct AsyncStream<'r, 'n, T: Tracer> {
    reactor: &'r Reactor<'n, T>,
    registration: &'r Registration,
    stream: FakeStream<'n, T>,
}

impl<'r, 'n, T: Tracer> AsyncStream<'r, 'n, T> {
    fn new(reactor: &'r Reactor<'n, T>, stream: FakeStream<'n, T>) -> Self {
        let token = conn_token(stream.conn());
        let registration =
            reactor.register(&stream, token, Interest::READABLE | Interest::WRITABLE);
        AsyncStream {
            reactor,
            registration,
            stream,
        }
    }

    /// The connection's index.
    #[inline]
    pub fn conn(&self) -> usize {
        self.stream.conn()
    }

    /// The network the connection belongs to.
    #[inline]
    pub fn network(&self) -> &'n Network<T> {
        self.stream.network()
    }

    /// Deregisters the connection, as dropping it does. The connection task's way: inlined
    /// into the task, where the drop glue stays a call.
    #[inline(always)]
    pub fn close(self) {
        // Nothing but the registration to release: the other fields need no drop.
        const { assert!(!core::mem::needs_drop::<FakeStream<'n, T>>()) };
        let this = core::mem::ManuallyDrop::new(self);
        this.reactor
            .deregister(&this.stream, conn_token(this.stream.conn()));
    }
}

impl<T: Tracer> Drop for AsyncStream<'_, '_, T> {
    fn drop(&mut self) {
        crate::unwind::unwinding(self.stream.conn()); // names a panicking connection
        self.reactor
            .deregister(&self.stream, conn_token(self.stream.conn()));
    }
}

impl<T: Tracer> AsyncIo for AsyncStream<'_, '_, T> {
    #[inline]
    fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<Result<usize, ConnError>> {
        let polled = gated_read(&self.stream, &self.registration.ready, buf);
        if polled.is_pending() {
            self.registration.set_waker(cx.waker());
        }
        polled
    }

    #[inline]
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<Result<usize, ConnError>> {
        let polled = gated_write(&self.stream, &self.registration.ready, buf);
        if polled.is_pending() {
            self.registration.set_waker(cx.waker());
        }
        polled
    }

    #[inline]
    fn defer(&mut self, cx: &mut Context<'_>) {
        self.reactor.defer(
            self.registration,
            conn_token(self.stream.conn()),
            cx.waker(),
        );
    }
}
