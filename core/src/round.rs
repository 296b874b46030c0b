//! How both twins' loops go round, when a run of rounds gives up ([`RoundLimits`], [`RoundCount`]),
//! and how it ended ([`RunEnd`]).
//!
//! One round is: accept while the listener is ready; run every queued connection until it
//! finishes or would block; poll once; queue the connections the events name, then those that
//! deferred themselves (`yield_now()`: the driver keeps them, and on the async side the
//! [`reactor`](crate::runtime::reactor) keeps their wakers, whatever the executor). The
//! poll-loop [`driver`](crate::driver) and every executor in
//! [`executor`](crate::runtime::executor) keep these rounds, so both twins make the same number
//! of polls; each counts them with a [`RoundCount`] and returns a [`RunEnd`].
//!
//! # Stalls
//!
//! A run gives up when a window of [`RoundLimits::stall_rounds`] rounds passes in which no
//! connection made progress, or at a hard cap of [`RoundLimits::max_rounds`] rounds. Progress
//! is read from what the network keeps anyway (connections accepted and ended, request bytes
//! delivered, expected reply bytes received), and only at a checkpoint once per window: the
//! loops' per-round cost is the one compare they always made (`rounds == limit`), and a
//! checkpoint costs one pass over the connections accepted so far. The windows start at round
//! 0, but the checkpoint there reads nothing: progress is first read at the end of the first
//! window, where a run that is still going has the time to pay for the pass (over kernel I/O
//! every connection is accepted by round 0, and reading it there cost echo 13 instructions per
//! request). So a run that stops progressing ends one to two windows later (one that never
//! progresses, after two); a long run that keeps
//! progressing — a million connections accepted one per round, a megabyte trickled a byte per
//! read — is never cut short. The count is the network's, identical in every variant at the
//! end of each round, so every variant gives up after the same round.
//!
//! May import nothing of the crate: both twins' loops import it.

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunEnd {
    /// Polls made.
    pub rounds: u64,
    /// Whether the run gave up (a stall, or the hard round cap) with connections unfinished
    /// (they are reported as [`Outcome::Stalled`](crate::scenario::Outcome::Stalled)).
    pub stalled: bool,
}

/// When a run of rounds gives up: see the [module docs](self).
#[derive(Clone, Copy)]
pub struct RoundLimits<'a> {
    /// Rounds in all, whatever the progress; `u64::MAX`: no cap.
    pub max_rounds: u64,
    /// Rounds of a window without progress that end the run (at least 1).
    pub stall_rounds: u64,
    /// The network's progress count; `None` (an executor driven by hand): only the cap applies.
    progress: Option<&'a dyn Fn() -> u64>,
    /// The progress at the last checkpoint that read it (`None` before the first: round 0's
    /// reads nothing).
    last: Option<u64>,
}

impl<'a> RoundLimits<'a> {
    /// At most `max_rounds` rounds, with no stall detection (no progress to read).
    pub const fn max_rounds(max_rounds: u64) -> RoundLimits<'static> {
        RoundLimits {
            max_rounds,
            stall_rounds: u64::MAX,
            progress: None,
            last: None,
        }
    }

    /// At most `max_rounds` rounds, and a stall after `stall_rounds` rounds without a change of
    /// `progress` (read once per window).
    pub fn new(max_rounds: u64, stall_rounds: u64, progress: &'a dyn Fn() -> u64) -> Self {
        RoundLimits {
            max_rounds,
            stall_rounds: stall_rounds.max(1),
            progress: Some(progress),
            last: None,
        }
    }

    /// At the checkpoint of round `round`: `None` to give up, or the round of the next
    /// checkpoint. Cold: once per window.
    #[cold]
    #[inline(never)]
    fn checkpoint(&mut self, round: u64) -> Option<u64> {
        if round >= self.max_rounds {
            return None;
        }
        let Some(progress) = self.progress else {
            return Some(self.max_rounds);
        };
        if round != 0 {
            let now = progress();
            if self.last.replace(now) == Some(now) {
                return None;
            }
        }
        Some(round.saturating_add(self.stall_rounds).min(self.max_rounds))
    }
}

/// A hard cap of that many rounds, without stall detection (for an executor driven by hand).
impl From<u64> for RoundLimits<'static> {
    fn from(max_rounds: u64) -> Self {
        RoundLimits::max_rounds(max_rounds)
    }
}

/// The rounds of one run, as both twins' loops count them: a plain value the loop keeps in
/// registers, compared once per round with the next checkpoint.
#[derive(Clone, Copy, Default)]
pub struct RoundCount {
    /// Polls made.
    pub done: u64,
    /// The round of the next checkpoint (0: the first round checks).
    until: u64,
}

impl RoundCount {
    /// At the end of a round's work, before the poll: whether to give up (`true`); otherwise
    /// counts the round. The one per-round cost is the compare with the next checkpoint.
    #[inline(always)]
    pub fn end_of_round(&mut self, limits: &mut RoundLimits<'_>) -> bool {
        if self.done == self.until {
            match limits.checkpoint(self.done) {
                Some(until) => self.until = until,
                None => return true,
            }
        }
        self.done += 1;
        false
    }

    /// How the run ended, after `done` polls.
    #[inline]
    pub fn end(self, stalled: bool) -> RunEnd {
        RunEnd {
            rounds: self.done,
            stalled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;

    fn rounds_until_given_up(mut limits: RoundLimits<'_>, cap: u64) -> u64 {
        let mut rounds = RoundCount::default();
        while !rounds.end_of_round(&mut limits) {
            assert!(rounds.done < cap, "never gave up");
        }
        rounds.done
    }

    #[test]
    fn a_hard_cap_alone_stops_at_the_cap() {
        assert_eq!(rounds_until_given_up(RoundLimits::max_rounds(0), 10), 0);
        assert_eq!(rounds_until_given_up(7.into(), 10), 7);
    }

    #[test]
    fn a_window_without_progress_stops_the_run_and_progress_keeps_it_going() {
        // No progress ever: read first at round 4, the second window (rounds 4..8) passes
        // without a change.
        let still = || 5;
        assert_eq!(
            rounds_until_given_up(RoundLimits::new(u64::MAX, 4, &still), 100),
            8
        );
        // Progress until round 10, then none: given up at the end of the window it stopped in.
        let round = Cell::new(0u64);
        let progress = || round.get().min(10);
        let mut limits = RoundLimits::new(u64::MAX, 4, &progress);
        let mut rounds = RoundCount::default();
        while !rounds.end_of_round(&mut limits) {
            round.set(rounds.done);
            assert!(rounds.done < 100);
        }
        assert_eq!(rounds.done, 16);
        // The cap still applies to a run that keeps progressing.
        let always = || round.get();
        round.set(0);
        let mut limits = RoundLimits::new(9, 4, &always);
        let mut rounds = RoundCount::default();
        while !rounds.end_of_round(&mut limits) {
            round.set(rounds.done);
        }
        assert_eq!(rounds.done, 9);
    }
}
