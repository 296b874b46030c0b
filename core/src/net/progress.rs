//! How far a run has got, for stall detection ([`round`](crate::round)): read from what the
//! network keeps anyway, so no operation pays for it.
//!
//! May import: the folder's [`Network`] and [`scenario`](mod@crate::scenario)'s [`Outcome`].

use super::Network;
use super::layout::ClientLayout;
use crate::scenario::Outcome;
use crate::trace::Tracer;

impl<T: Tracer, C: ClientLayout> Network<T, C> {
    /// The run's progress so far: connections accepted (or refused) and ended, request bytes
    /// delivered, expected reply bytes received. Bytes past the expected reply are not
    /// progress, so a server that writes for ever stalls too. It only grows, and it cannot
    /// grow for ever, so a run whose progress keeps changing ends.
    ///
    /// One pass over the connections accepted so far: both twins' loops read it once per
    /// stall window, never per operation.
    pub fn progress(&self) -> u64 {
        let accepted = self.accepted.get();
        let peers = self.peers[..accepted].iter().map(|peer| {
            let received = peer.received.get().min(peer.client.expect_len());
            let ended = peer.outcome.get() != Outcome::Stalled;
            (peer.sent.get() + received) as u64 + u64::from(ended)
        });
        accepted as u64 + peers.sum::<u64>()
    }
}
