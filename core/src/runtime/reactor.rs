//! The async side's view of the I/O: a [`Reactor`] that turns poll events into readiness and
//! wake-ups, and the async sources [`AsyncListener`] and [`AsyncStream`]. Generic over the
//! [`Backend`] (the fake network, or real sockets), as the driver is.
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
//! ([`gate`](crate::gate), [`io`](crate::io) and its [`Backend`], [`conn`](crate::conn),
//! [`trace`](crate::trace)); never the driver.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use super::executor::Turn;
use crate::conn::{AsyncIo, ConnError};
use crate::gate::{LISTENER_TOKEN, Readiness, conn_token, gated_read, gated_write};
use crate::io::{Backend, Events, Interest, Sockets, Stream, StreamOf, Token};
use crate::trace::OpResult;

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
pub struct Reactor<B> {
    backend: B,
    events: RefCell<Events>,
    registrations: Box<[Registration]>,
    /// The registrations whose task yielded since the last turn, in yield order: the first
    /// `yielded_len`. A task yields at most once per turn (it is not woken until then), so one
    /// entry per registration is enough.
    yielded: Box<[Cell<Token>]>,
    yielded_len: Cell<usize>,
}

impl<B: Backend> Reactor<B> {
    /// A reactor for a listener and every connection of `backend`.
    pub fn new(backend: B) -> Reactor<B> {
        let capacity = backend.sockets().connections() + 1;
        Reactor {
            backend,
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
        self.backend.poll(&mut events);
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

    /// Connections the backend accepts per run.
    #[inline]
    pub fn connections(&self) -> usize {
        self.backend.sockets().connections()
    }

    /// The backend the reactor polls.
    #[inline]
    pub fn backend(&self) -> &B {
        &self.backend
    }

    fn register(&self, stream: &StreamOf<B>, token: Token, interest: Interest) -> &Registration {
        let registration = &self.registrations[token.0];
        registration.ready.set(interest);
        self.backend.register(stream, token, interest);
        registration
    }

    /// Forgets the registration's waker and readiness.
    #[inline(always)]
    fn release(&self, token: Token) {
        let registration = &self.registrations[token.0];
        drop(registration.waker.take());
        registration.ready.clear_readable();
        registration.ready.clear_writable();
    }

    #[inline(always)] // into `AsyncStream::close`, as the driver's deregistration is inlined
    fn deregister(&self, stream: &StreamOf<B>, token: Token) {
        self.release(token);
        self.backend.deregister(stream, token);
    }
}

/// The listener, registered with a reactor for as long as it lives.
pub struct AsyncListener<'r, B: Backend> {
    reactor: &'r Reactor<B>,
    registration: &'r Registration,
}

impl<B: Backend> Turn for &Reactor<B> {
    #[inline]
    fn turn(&mut self, wake: impl FnMut(&Cell<Option<Waker>>)) {
        Reactor::turn(self, wake);
    }
}

impl<'r, B: Backend> AsyncListener<'r, B> {
    /// Registers the backend's listener with `reactor`.
    pub fn new(reactor: &'r Reactor<B>) -> Self {
        let registration = &reactor.registrations[LISTENER_TOKEN.0];
        registration.ready.set(Interest::READABLE);
        reactor.backend.register_listener(LISTENER_TOKEN);
        AsyncListener {
            reactor,
            registration,
        }
    }

    /// Accepts the next connection and registers it.
    pub fn accept(&self) -> Accept<'_, 'r, B> {
        Accept { listener: self }
    }
}

impl<B: Backend> Drop for AsyncListener<'_, B> {
    fn drop(&mut self) {
        self.reactor.release(LISTENER_TOKEN);
        self.reactor.backend.deregister_listener(LISTENER_TOKEN);
    }
}

/// Future of [`AsyncListener::accept`].
#[must_use = "futures do nothing unless awaited"]
pub struct Accept<'a, 'r, B: Backend> {
    listener: &'a AsyncListener<'r, B>,
}

impl<'r, B: Backend> Future for Accept<'_, 'r, B> {
    /// `Err` carries the backend's answer (an error, never `WouldBlock`).
    type Output = Result<AsyncStream<'r, B>, OpResult>;

    // Inlined into the accept loop, as the driver's accept is inlined into its loop; left to
    // the optimiser it stays a call, returning the stream through memory.
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let AsyncListener {
            reactor,
            registration,
        } = self.listener;
        if registration.ready.is_readable() {
            match reactor.backend.sockets().accept() {
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
pub struct AsyncStream<'r, B: Backend> {
    reactor: &'r Reactor<B>,
    registration: &'r Registration,
    stream: StreamOf<B>,
}

impl<'r, B: Backend> AsyncStream<'r, B> {
    // Into `Accept::poll`, as the driver registers inside its accept loop. Left to the
    // optimiser, a generic backend tips it out of line for the boxed executor (+40
    // instructions/request on echo, `async-box-arc`).
    #[inline(always)]
    fn new(reactor: &'r Reactor<B>, stream: StreamOf<B>) -> Self {
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

    /// Deregisters the connection, as dropping it does, then closes it with the server's
    /// `result` ([`Sockets::close`]), as the driver does. The connection task's way: inlined
    /// into the task, where the drop glue stays a call.
    #[inline(always)]
    pub fn close(self, result: Result<(), ConnError>) {
        // Nothing but the registration to release: the other fields need no drop.
        const { assert!(!core::mem::needs_drop::<StreamOf<B>>()) };
        let this = core::mem::ManuallyDrop::new(self);
        this.reactor
            .deregister(&this.stream, conn_token(this.stream.conn()));
        this.reactor.backend.sockets().close(this.stream, result);
    }
}

impl<B: Backend> Drop for AsyncStream<'_, B> {
    fn drop(&mut self) {
        crate::unwind::unwinding(self.stream.conn()); // names a panicking connection
        self.reactor
            .deregister(&self.stream, conn_token(self.stream.conn()));
    }
}

impl<B: Backend> AsyncIo for AsyncStream<'_, B> {
    #[inline]
    fn conn(&self) -> usize {
        self.stream.conn()
    }

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
