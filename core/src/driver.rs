//! The poll-loop side: the accept / process-ready-connections / poll loop, written once and
//! generic over the per-connection [`Machine`].
//!
//! This is the loop a careful person writes around hand-written state machines: connections
//! live in slots allocated once, in place (no copies of connection state, no per-event list
//! churn: a `queued` flag keeps each connection in the run queue at most once), and readiness
//! is tracked per connection so no I/O call is made that is known to block.
//!
//! It keeps the [`round`](crate::round)s both twins keep, so both make the same number of polls.
//!
//! Generic over the [`Backend`] (the fake network, or real sockets): the loop is the same.
//!
//! May import what both twins share — [`gate`](crate::gate), [`round`](crate::round),
//! [`io`](crate::io) and its [`Backend`], [`conn`](crate::conn),
//! [`scenario`](mod@crate::scenario), [`trace`](crate::trace), [`unwind`](crate::unwind),
//! [`watch`](crate::watch) — and never the async side,
//! [`runtime`](crate::runtime), its peer.

use core::task::Poll;
use std::collections::VecDeque;

use crate::conn::{ConnError, Io};
use crate::gate::{LISTENER_TOKEN, Readiness, conn_token, gated_read, gated_write};
use crate::io::{Backend, Events, Interest, Sockets, Stream};
use crate::round::{RoundCount, RoundLimits, RunEnd};
use crate::scenario::{Machine, Scenario};
use crate::trace::OpResult;
use crate::watch::Watch;

/// One connection's slot: its machine and what the loop knows about it.
struct Slot<M> {
    machine: M,
    ready: Readiness,
    /// Accepted and not finished.
    live: bool,
    /// In the run queue.
    queued: bool,
}

/// The poll-loop driver for one scenario on one backend, with everything allocated up front.
pub struct Driver<M, B> {
    backend: B,
    events: Events,
    slots: Box<[Slot<M>]>,
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

impl<M: Machine, B: Backend> Driver<M, B> {
    /// Allocates slots and queues for every connection of `backend`.
    pub fn new<S: Scenario<Machine = M>>(scenario: &S, backend: B) -> Self {
        let connections = backend.sockets().connections();
        Driver {
            backend,
            events: Events::with_capacity(connections + 1),
            slots: (0..connections)
                .map(|_| Slot {
                    machine: scenario.machine(),
                    ready: Readiness::default(),
                    live: false,
                    queued: false,
                })
                .collect(),
            queue: VecDeque::with_capacity(connections),
            deferred: Vec::with_capacity(connections),
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
            queue,
            deferred,
        } = self;
        let sockets = backend.sockets();
        let connections = slots.len();
        backend.register_listener(LISTENER_TOKEN);

        let mut can_accept = true;
        let mut accepted = 0;
        let mut live = 0;
        let mut rounds = RoundCount::default();
        let stalled = loop {
            while can_accept && accepted < connections {
                match sockets.accept() {
                    Ok(stream) => {
                        let conn = stream.conn();
                        backend.register(
                            &stream,
                            conn_token(conn),
                            Interest::READABLE | Interest::WRITABLE,
                        );
                        let slot = &mut slots[conn];
                        slot.machine = scenario.machine();
                        slot.ready = Readiness::new_ready();
                        slot.live = true;
                        slot.queued = true;
                        queue.push_back(conn);
                        accepted += 1;
                        live += 1;
                    }
                    Err(OpResult::WouldBlock) => can_accept = false,
                    // An accept error loses that one connection (the network records its
                    // outcome); accepting goes on, as in the async accept loop.
                    Err(_) => accepted += 1,
                }
            }

            while let Some(conn) = queue.pop_front() {
                let slot = &mut slots[conn];
                slot.queued = false;
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
                        backend.deregister(&io.stream, conn_token(conn));
                        sockets.close(io.stream, result);
                        slot.live = false;
                        live -= 1;
                    }
                    Poll::Pending if io.deferred => deferred.push(conn),
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
            for conn in deferred.drain(..) {
                let slot = &mut slots[conn];
                if !slot.queued {
                    slot.queued = true;
                    queue.push_back(conn);
                }
            }
        };

        if stalled {
            queue.clear();
            deferred.clear();
            for (conn, slot) in slots.iter_mut().enumerate().filter(|(_, slot)| slot.live) {
                slot.live = false;
                slot.queued = false;
                backend.deregister(&sockets.stream(conn), conn_token(conn));
            }
        }
        backend.deregister_listener(LISTENER_TOKEN);
        rounds.end(stalled)
    }
}

impl<M, B: Backend> Driver<M, B> {
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
        for (conn, slot) in self.slots.iter_mut().enumerate() {
            if slot.live {
                self.backend
                    .deregister(&sockets.stream(conn), conn_token(conn));
            }
            slot.live = false;
            slot.queued = false;
        }
        self.backend.deregister_listener(LISTENER_TOKEN);
    }
}
