//! The poll-loop side: the accept / process-ready-connections / poll loop, written once and
//! generic over the per-connection [`Machine`].
//!
//! This is the loop a careful person writes around hand-written state machines: connections
//! live in slots allocated once, in place (no copies of connection state, no per-event list
//! churn: a `queued` flag keeps each connection in the run queue at most once), and readiness
//! is tracked per connection so no I/O call is made that is known to block.
//!
//! Which slot serves which connection is the type parameter `L` ([`Slots`]): one slot per
//! connection ([`PerConnection`], slot `i` for connection `i`: no connection limit), or as many
//! as the run's connection limit, recycled ([`Recycled`]): a free slot goes to each accepted
//! connection and comes back when it closes, and while none is free the loop stops accepting
//! (the listener's readiness is kept: no accept call is made). Tokens name slots; under
//! `Recycled` a slot remembers which connection it serves.
//!
//! It keeps the [`round`](crate::round)s both twins keep, so both make the same number of polls.
//!
//! Generic over the [`Backend`] (the fake network, or real sockets): the loop is the same.
//!
//! May import what both twins share — [`gate`](crate::gate), [`round`](crate::round),
//! [`io`](crate::io) and its [`Backend`], [`conn`](crate::conn),
//! [`scenario`](mod@crate::scenario), [`slots`](crate::slots), [`trace`](crate::trace),
//! [`unwind`](crate::unwind), [`watch`](crate::watch) — and never the async side,
//! [`runtime`](crate::runtime), its peer.

use core::task::Poll;
use std::collections::VecDeque;

use crate::conn::{ConnError, Io};
use crate::gate::{LISTENER_TOKEN, Readiness, conn_token, gated_read, gated_write};
use crate::io::{Backend, Events, Interest, Sockets, Stream};
use crate::round::{RoundCount, RoundLimits, RunEnd};
use crate::scenario::{Machine, Scenario};
use crate::slots::Slots;
#[cfg(doc)]
use crate::slots::{PerConnection, Recycled};
use crate::trace::OpResult;
use crate::watch::Watch;

/// One connection's slot: its machine and what the loop knows about it.
struct Slot<M, P> {
    machine: M,
    ready: Readiness,
    /// Accepted and not finished.
    live: bool,
    /// In the run queue.
    queued: bool,
    /// The connection it serves, if that is not its index ([`Slots::pair`]).
    conn: P,
}

/// The poll-loop driver for one scenario on one backend, with everything allocated up front.
pub struct Driver<M, B, L: Slots> {
    backend: B,
    events: Events,
    slots: Box<[Slot<M, L::Pair>]>,
    free: L,
    queue: VecDeque<usize>,
    deferred: Vec<usize>,
}

/// The driver's [`Io`] for one connection during one `resume`. `W` (see [`watch`](crate::watch))
/// only makes a watched run's `resume` an instantiation of its own, so that the measured one
/// keeps its single caller (and is inlined into the loop as before).
struct SlotIo<'a, S, W> {
    stream: S,
    ready: &'a Readiness,
    deferred: bool,
    watch: core::marker::PhantomData<W>,
}

impl<S: Stream, W> Io for SlotIo<'_, S, W> {
    #[inline]
    fn poll_read(&mut self, buf: &mut [u8]) -> Poll<Result<usize, ConnError>> {
        gated_read(&self.stream, self.ready, buf)
    }

    #[inline]
    fn poll_write(&mut self, buf: &[u8]) -> Poll<Result<usize, ConnError>> {
        gated_write(&self.stream, self.ready, buf)
    }

    #[inline]
    fn defer(&mut self) {
        self.deferred = true;
    }

    #[inline]
    fn conn(&self) -> usize {
        self.stream.conn()
    }
}

impl<M: Machine, B: Backend, L: Slots> Driver<M, B, L> {
    /// Allocates `slots` connection slots (one per connection of `backend` under
    /// [`PerConnection`], the connection limit under [`Recycled`]) and the queues for them.
    pub fn new<S: Scenario<Machine = M>>(scenario: &S, backend: B, slots: usize) -> Self {
        Driver {
            backend,
            events: Events::with_capacity(slots + 1),
            slots: (0..slots)
                .map(|_| Slot {
                    machine: scenario.machine(),
                    ready: Readiness::default(),
                    live: false,
                    queued: false,
                    conn: L::Pair::default(),
                })
                .collect(),
            free: L::new(slots),
            queue: VecDeque::with_capacity(slots),
            deferred: Vec::with_capacity(slots),
        }
    }

    /// Serves every connection of the network once. Allocates nothing.
    pub fn run<S: Scenario<Machine = M>, W: Watch>(
        &mut self,
        scenario: &S,
        mut limits: RoundLimits<'_>,
    ) -> RunEnd {
        let Driver {
            backend,
            events,
            slots,
            free,
            queue,
            deferred,
        } = self;
        let sockets = backend.sockets();
        let connections = if L::RECYCLED {
            sockets.connections()
        } else {
            slots.len()
        };
        backend.register_listener(LISTENER_TOKEN);

        let mut can_accept = true;
        let mut accepted = 0;
        let mut live = 0;
        let mut rounds = RoundCount::default();
        let stalled = loop {
            // At the connection limit (no free slot), accepting waits for a close.
            while can_accept && accepted < connections && free.any_free() {
                match sockets.accept() {
                    Ok(stream) => {
                        let conn = stream.conn();
                        let index = free.take(conn);
                        backend.register(
                            &stream,
                            conn_token(index),
                            Interest::READABLE | Interest::WRITABLE,
                        );
                        let slot = &mut slots[index];
                        slot.machine = scenario.machine();
                        slot.ready = Readiness::new_ready();
                        slot.live = true;
                        slot.queued = true;
                        slot.conn = L::pair(conn);
                        queue.push_back(index);
                        accepted += 1;
                        live += 1;
                    }
                    Err(OpResult::WouldBlock) => can_accept = false,
                    // An accept error loses that one connection (the network records its
                    // outcome); accepting goes on, as in the async accept loop.
                    Err(_) => accepted += 1,
                }
            }

            while let Some(index) = queue.pop_front() {
                let slot = &mut slots[index];
                slot.queued = false;
                let conn = L::other(index, slot.conn);
                let stream = sockets.stream(conn);
                let mut io = SlotIo::<_, W> {
                    stream,
                    ready: &slot.ready,
                    deferred: false,
                    watch: core::marker::PhantomData,
                };
                W::resuming(conn); // nothing, unless watched (`watch`)
                let serving = crate::unwind::Serving(conn); // names it if its code panics
                let resumed = slot.machine.resume(&mut io);
                core::mem::forget(serving);
                match resumed {
                    Poll::Ready(result) => {
                        backend.deregister(&io.stream, conn_token(index));
                        sockets.close(io.stream, result);
                        slot.live = false;
                        free.put(index);
                        live -= 1;
                    }
                    Poll::Pending if io.deferred => deferred.push(index),
                    Poll::Pending => {}
                }
            }

            if accepted == connections && live == 0 {
                break false;
            }
            if rounds.end_of_round(&mut limits) {
                break true;
            }
            backend.poll(events);
            for event in events.iter() {
                if event.token() == LISTENER_TOKEN {
                    can_accept = true;
                    continue;
                }
                let slot = &mut slots[event.token().0 - 1];
                slot.ready.set(event.readiness());
                if !slot.queued {
                    slot.queued = true;
                    queue.push_back(event.token().0 - 1);
                }
            }
            for index in deferred.drain(..) {
                let slot = &mut slots[index];
                if !slot.queued {
                    slot.queued = true;
                    queue.push_back(index);
                }
            }
        };

        if stalled {
            queue.clear();
            deferred.clear();
            for (index, slot) in slots.iter_mut().enumerate().filter(|(_, slot)| slot.live) {
                slot.live = false;
                slot.queued = false;
                free.put(index);
                let conn = L::other(index, slot.conn);
                backend.deregister(&sockets.stream(conn), conn_token(index));
            }
        }
        backend.deregister_listener(LISTENER_TOKEN);
        rounds.end(stalled)
    }
}

impl<M, B: Backend, L: Slots> Driver<M, B, L> {
    /// After a panic unwound out of [`run`](Driver::run) (a connection is still live): deregisters
    /// the connections it left live and the listener, and empties the queues, so the next run
    /// starts as from a fresh driver. It closes nothing, as a stalled run does not: the next
    /// reset does (over kernel I/O, the server's sockets). After a run that ended, it does
    /// nothing.
    pub fn recover(&mut self) {
        if !self.slots.iter().any(|slot| slot.live) {
            return;
        }
        self.queue.clear();
        self.deferred.clear();
        let sockets = self.backend.sockets();
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if slot.live {
                let conn = L::other(index, slot.conn);
                self.backend
                    .deregister(&sockets.stream(conn), conn_token(index));
            }
            slot.live = false;
            slot.queued = false;
        }
        self.free.reset();
        self.backend.deregister_listener(LISTENER_TOKEN);
    }
}
