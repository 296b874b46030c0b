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
//! Connections are registered under the token of a slot ([`Slots`], the reactor's type
//! parameter `L`, as the driver's): under [`PerConnection`] slot `i` is connection `i`, and
//! nothing below costs anything. Under [`Recycled`] the reactor keeps as many registrations as
//! the run's connection limit: a free slot goes to each accepted stream and comes back when the
//! stream closes or drops, and the accept loop's [`Accept`] waits while none may be taken. As
//! in the driver, whose accept comes first in each round, a slot freed during a round can be
//! taken from the next round on: each turn sets the accepts the next round may make (its
//! quota) to the slots free then, and wakes the accept loop if it waits and one is. (Woken by
//! the close itself, an executor that polls its root after other tasks in a round — the boxed
//! one — would accept into slots freed earlier in that same round, where the driver waits a
//! round.)
//!
//! May import: the executors' [`Turn`] (which it implements), and what both twins share
//! ([`gate`](crate::gate), [`io`](crate::io) and its [`Backend`], [`conn`](crate::conn),
//! [`slots`](crate::slots), [`trace`](crate::trace)); never the driver.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use super::executor::Turn;
use crate::conn::{AsyncIo, ConnError};
use crate::gate::{LISTENER_TOKEN, Readiness, conn_token, gated_read, gated_write};
use crate::io::{Backend, Events, Interest, Sockets, Stream, StreamOf, Token};
use crate::slots::Slots;
#[cfg(doc)]
use crate::slots::{PerConnection, Recycled};
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
pub struct Reactor<B, L> {
    backend: B,
    events: RefCell<Events>,
    registrations: Box<[Registration]>,
    /// The registrations whose task yielded since the last turn, in yield order: the first
    /// `yielded_len`. A task yields at most once per turn (it is not woken until then), so one
    /// entry per registration is enough.
    yielded: Box<[Cell<Token>]>,
    yielded_len: Cell<usize>,
    /// Which connection slots are free (slot `i` is registration `conn_token(i)`).
    slots: L,
    /// The fields below are [`Recycled`]'s only.
    slot_count: usize,
    /// Streams registered now.
    live: Cell<usize>,
    /// Accepts the accept loop may make before the next turn: the slots free at the last one.
    quota: Cell<usize>,
    /// The accept loop waits for a slot (its waker is the listener's registration's).
    accept_waits: Cell<bool>,
}

impl<B: Backend, L: Slots> Reactor<B, L> {
    /// A reactor for a listener and `slots` connection slots (every connection of `backend`
    /// under [`PerConnection`], the connection limit under [`Recycled`]).
    pub fn new(backend: B, slots: usize) -> Reactor<B, L> {
        let capacity = slots + 1;
        Reactor {
            backend,
            events: RefCell::new(Events::with_capacity(capacity)),
            registrations: (0..capacity).map(|_| Registration::default()).collect(),
            yielded: (0..capacity).map(|_| Cell::new(Token(0))).collect(),
            yielded_len: Cell::new(0),
            slots: L::new(slots),
            slot_count: slots,
            live: Cell::new(0),
            quota: Cell::new(slots),
            accept_waits: Cell::new(false),
        }
    }

    /// Forgets the yields of a run that stopped at its round limit (no turn woke them), so the
    /// next run starts without them, and that the accept loop waited for a slot. Call it
    /// between runs, once every stream of the last run is dropped.
    pub fn reset(&self) {
        self.yielded_len.set(0);
        if L::RECYCLED {
            // Every slot free again, handed out in the first run's order, so that every run
            // of a prepared configuration registers the same tokens (and a slot a panic lost
            // between taking it and its stream's existence is back).
            self.slots.reset();
            self.live.set(0);
            self.accept_waits.set(false);
            self.quota.set(self.slot_count);
        }
    }

    /// Polls once; every event sets its source's readiness and hands the cell of the waker
    /// waiting on it to `wake` (see [`Turn`]); then hands over, in yield order, the wakers of
    /// the tasks that yielded since the last turn (a task both named by an event and yielded
    /// is woken by the event; its yield's wake finds it woken already).
    ///
    /// The waker stays stored after the wake: a task waits on its stream again and again, and
    /// `set_waker` then finds it already there (`will_wake`) instead of cloning a new one for
    /// every wait.
    ///
    /// Under [`Recycled`], a turn first refills the next round's accept quota, and wakes the
    /// accept loop if it waits and a slot is free (see the [module docs](self)).
    pub fn turn(&self, mut wake: impl FnMut(&Cell<Option<Waker>>)) {
        if L::RECYCLED {
            self.refill_quota(&mut wake);
        }
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

    /// The next round may accept into every slot free now; a waiting accept loop is woken.
    #[inline]
    fn refill_quota(&self, wake: &mut impl FnMut(&Cell<Option<Waker>>)) {
        let quota = self.slot_count - self.live.get();
        self.quota.set(quota);
        if quota != 0 && self.accept_waits.replace(false) {
            wake(&self.registrations[LISTENER_TOKEN.0].waker);
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

    /// Registers an accepted stream under its slot's token; returns the slot.
    fn register(&self, stream: &StreamOf<B>, interest: Interest) -> (usize, &Registration) {
        let slot = self.slots.take(stream.conn());
        if L::RECYCLED {
            self.quota.set(self.quota.get() - 1);
            self.live.set(self.live.get() + 1);
        }
        let token = conn_token(slot);
        let registration = &self.registrations[token.0];
        registration.ready.set(interest);
        self.backend.register(stream, token, interest);
        (slot, registration)
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
        if L::RECYCLED {
            self.slots.put(token.0 - 1);
            self.live.set(self.live.get() - 1);
        }
    }
}

/// The listener, registered with a reactor for as long as it lives.
pub struct AsyncListener<'r, B: Backend, L: Slots> {
    reactor: &'r Reactor<B, L>,
    registration: &'r Registration,
}

impl<B: Backend, L: Slots> Turn for &Reactor<B, L> {
    #[inline]
    fn turn(&mut self, wake: impl FnMut(&Cell<Option<Waker>>)) {
        Reactor::turn(self, wake);
    }
}

impl<'r, B: Backend, L: Slots> AsyncListener<'r, B, L> {
    /// Registers the backend's listener with `reactor`.
    pub fn new(reactor: &'r Reactor<B, L>) -> Self {
        let registration = &reactor.registrations[LISTENER_TOKEN.0];
        registration.ready.set(Interest::READABLE);
        reactor.backend.register_listener(LISTENER_TOKEN);
        AsyncListener {
            reactor,
            registration,
        }
    }

    /// Accepts the next connection and registers it — under [`Recycled`], once a slot may be
    /// taken (see the [module docs](self)).
    pub fn accept(&self) -> Accept<'_, 'r, B, L> {
        Accept { listener: self }
    }
}

impl<B: Backend, L: Slots> Drop for AsyncListener<'_, B, L> {
    fn drop(&mut self) {
        self.reactor.release(LISTENER_TOKEN);
        self.reactor.backend.deregister_listener(LISTENER_TOKEN);
    }
}

/// Future of [`AsyncListener::accept`].
#[must_use = "futures do nothing unless awaited"]
pub struct Accept<'a, 'r, B: Backend, L: Slots> {
    listener: &'a AsyncListener<'r, B, L>,
}

impl<'r, B: Backend, L: Slots> Future for Accept<'_, 'r, B, L> {
    /// `Err` carries the backend's answer (an error, never `WouldBlock`).
    type Output = Result<AsyncStream<'r, B, L>, OpResult>;

    // Inlined into the accept loop, as the driver's accept is inlined into its loop; left to
    // the optimiser it stays a call, returning the stream through memory.
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Both references copied out (`*`): bound through `self.listener` instead, every use
        // is a load from the listener, which LLVM may repeat after the readiness store below
        // (it did in the unlimited instantiation once the reactor became generic over its
        // slots: +1 instruction per accept, and +1 more of register moves it caused).
        let AsyncListener {
            reactor,
            registration,
        } = *self.listener;
        if L::RECYCLED && reactor.quota.get() == 0 {
            // At the limit: the turn that finds a slot free wakes the waker stored below.
            reactor.accept_waits.set(true);
        } else if registration.ready.is_readable() {
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
pub struct AsyncStream<'r, B: Backend, L: Slots> {
    reactor: &'r Reactor<B, L>,
    registration: &'r Registration,
    stream: StreamOf<B>,
    /// Its slot, if that is not its connection's index ([`Slots::pair`]).
    slot: L::Pair,
}

impl<'r, B: Backend, L: Slots> AsyncStream<'r, B, L> {
    // Into `Accept::poll`, as the driver registers inside its accept loop. Left to the
    // optimiser, a generic backend tips it out of line for the boxed executor (+40
    // instructions/request on echo, `async-box-arc`).
    #[inline(always)]
    fn new(reactor: &'r Reactor<B, L>, stream: StreamOf<B>) -> Self {
        let (slot, registration) =
            reactor.register(&stream, Interest::READABLE | Interest::WRITABLE);
        AsyncStream {
            reactor,
            registration,
            stream,
            slot: L::pair(slot),
        }
    }

    /// The token of its slot.
    #[inline(always)]
    fn token(&self) -> Token {
        conn_token(L::other(self.stream.conn(), self.slot))
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
        this.reactor.deregister(&this.stream, this.token());
        this.reactor.backend.sockets().close(this.stream, result);
    }
}

impl<B: Backend, L: Slots> Drop for AsyncStream<'_, B, L> {
    fn drop(&mut self) {
        crate::unwind::unwinding(self.stream.conn()); // names a panicking connection
        self.reactor.deregister(&self.stream, self.token());
    }
}

impl<B: Backend, L: Slots> AsyncIo for AsyncStream<'_, B, L> {
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
        self.reactor
            .defer(self.registration, self.token(), cx.waker());
    }
}
