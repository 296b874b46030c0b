//! Fault injection: what goes wrong, and for which connection.
//!
//! With [`Faults`] in a run's configuration, each connection is given at most one [`Fault`],
//! chosen from the connection's index and the seed only — so every variant meets the same
//! faults on the same connections, however it interleaves them. A fault becomes a named
//! [`Outcome`](crate::scenario::Outcome) for its connection; the run goes on with the others.
//!
//! May import: the shared [`hash`](super::hash), [`scenario`](mod@crate::scenario) (the client a
//! fault changes).

use std::borrow::Cow;

use super::hash::mix;
use crate::scenario::{Client, Gate};

/// Which connections get a fault: about one in `one_in`, chosen by `seed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Faults {
    /// Picks the faulty connections and their faults.
    pub seed: u64,
    /// About one connection in `one_in` gets a fault (1: every connection; 0: none).
    pub one_in: u32,
}

/// One connection's fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The first read at or after the connection's operation `from_op` fails with
    /// `ConnectionReset`; the connection is dead from then on.
    ResetOnRead {
        /// Operation index (reads and writes, `WouldBlock`s included) from which it strikes.
        from_op: u64,
    },
    /// The first write at or after operation `from_op` fails with `ConnectionReset`.
    ResetOnWrite {
        /// As for [`ResetOnRead`](Fault::ResetOnRead).
        from_op: u64,
    },
    /// The first write at or after operation `from_op` fails with `BrokenPipe`.
    BrokenPipe {
        /// As for [`ResetOnRead`](Fault::ResetOnRead).
        from_op: u64,
    },
    /// The client sends only the first `keep` bytes of its request, then closes (EOF).
    EarlyEof {
        /// Request bytes sent before EOF.
        keep: usize,
    },
    /// The client prefixes its request with more filler bytes than the buffer holds.
    Oversize,
    /// `accept` fails for this connection (`ConnectionAborted`): it is never served.
    AcceptError,
}

impl Faults {
    /// The fault of connection `conn`, if any. `request_len` is its client's request length.
    pub fn pick(&self, conn: usize, request_len: usize) -> Option<Fault> {
        if self.one_in == 0 {
            return None;
        }
        let h = mix(self.seed ^ mix(conn as u64 ^ 0xFA17));
        if !h.is_multiple_of(u64::from(self.one_in)) {
            return None;
        }
        let from_op = (h >> 40) % 6;
        Some(match (h >> 16) % 6 {
            0 => Fault::ResetOnRead { from_op },
            1 => Fault::ResetOnWrite { from_op },
            2 => Fault::BrokenPipe { from_op },
            3 => Fault::EarlyEof {
                keep: (h >> 48) as usize % request_len.max(1),
            },
            4 => Fault::Oversize,
            _ => Fault::AcceptError,
        })
    }
}

impl Fault {
    /// The fault `faults` give connection `conn`, if any, with what it changes in the client
    /// (see [`apply`](Fault::apply)) done.
    pub(crate) fn strike(
        faults: Option<Faults>,
        conn: usize,
        client: &mut Client,
        buffer: usize,
    ) -> Option<Fault> {
        let fault = faults.and_then(|faults| faults.pick(conn, client.send.len()))?;
        fault.apply(client, buffer);
        Some(fault)
    }

    /// Changes what the client sends, for the faults that are the client's doing.
    pub(crate) fn apply(self, client: &mut Client, buffer: usize) {
        match self {
            Fault::EarlyEof { keep } => {
                let keep = keep.min(client.send.len());
                client.send = match std::mem::take(&mut client.send) {
                    Cow::Borrowed(bytes) => Cow::Borrowed(&bytes[..keep]),
                    Cow::Owned(mut bytes) => {
                        bytes.truncate(keep);
                        Cow::Owned(bytes)
                    }
                };
                let gates = client.gates.iter().map(|g| Gate {
                    upto: g.upto.min(keep),
                    ..*g
                });
                client.gates = gates.collect::<Vec<_>>().into();
            }
            Fault::Oversize => {
                let filler = buffer + 1;
                let mut bytes = vec![b'x'; filler];
                bytes.extend_from_slice(&client.send);
                client.send = Cow::Owned(bytes);
                let gates = client.gates.iter().map(|g| Gate {
                    upto: g.upto + filler,
                    ..*g
                });
                client.gates = gates.collect::<Vec<_>>().into();
            }
            _ => {}
        }
    }
}
