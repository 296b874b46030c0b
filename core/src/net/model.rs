//! The network models: what the fake network does with each operation, as a pure function of
//! the source, that source's operation index and the model.
//!
//! May import: the shared [`hash`](super::hash) only.

use super::hash::mix;

/// How the fake network behaves. Chosen per run; every model is deterministic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetModel {
    /// The origin study's network: each source's accepts, reads and writes alternate
    /// `WouldBlock` / success, starting with `WouldBlock`; a successful read delivers all
    /// pending request bytes (as many as fit), a successful write takes the whole buffer.
    Seed,
    /// Like [`Seed`](NetModel::Seed), but a successful read delivers at most `n` bytes and a
    /// successful write accepts at most `n` bytes (`n` ≥ 1).
    Chunked(usize),
    /// A seeded PRNG decides, per operation, between `WouldBlock`, a partial transfer and a
    /// full one.
    Random(u64),
}

impl core::fmt::Display for NetModel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            NetModel::Seed => f.write_str("seed"),
            NetModel::Chunked(n) => write!(f, "chunked({n})"),
            NetModel::Random(seed) => write!(f, "random({seed})"),
        }
    }
}

/// What the network does with one operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Decision {
    WouldBlock,
    /// Go ahead, transferring at most this many bytes.
    Transfer(usize),
}

/// The listener's source id, distinct from every connection index.
pub(super) const LISTENER: u64 = u64::MAX;

impl NetModel {
    #[inline]
    pub(super) fn decide(self, source: u64, op: u64) -> Decision {
        match self {
            NetModel::Seed | NetModel::Chunked(_) if op.is_multiple_of(2) => Decision::WouldBlock,
            NetModel::Seed => Decision::Transfer(usize::MAX),
            NetModel::Chunked(n) => Decision::Transfer(n.max(1)),
            NetModel::Random(seed) => {
                let h = mix(seed ^ mix(source ^ mix(op)));
                match h % 4 {
                    0 => Decision::WouldBlock,
                    1 => Decision::Transfer(usize::MAX),
                    _ => Decision::Transfer(1 + (h >> 8) as usize % 32),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_alternates_starting_with_would_block() {
        let decisions: Vec<_> = (0..4).map(|op| NetModel::Seed.decide(3, op)).collect();
        assert_eq!(
            decisions,
            [
                Decision::WouldBlock,
                Decision::Transfer(usize::MAX),
                Decision::WouldBlock,
                Decision::Transfer(usize::MAX)
            ]
        );
    }

    #[test]
    fn random_depends_only_on_source_op_and_seed() {
        let a: Vec<_> = (0..64)
            .map(|op| NetModel::Random(7).decide(5, op))
            .collect();
        let b: Vec<_> = (0..64)
            .map(|op| NetModel::Random(7).decide(5, op))
            .collect();
        let other_seed: Vec<_> = (0..64)
            .map(|op| NetModel::Random(8).decide(5, op))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, other_seed);
        assert!(a.contains(&Decision::WouldBlock));
        assert!(
            a.iter()
                .any(|d| matches!(d, Decision::Transfer(n) if *n < 64))
        );
    }
}
