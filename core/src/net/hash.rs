//! The one hash the network's randomness comes from, shared by the [`Random`] model and the
//! fault picker, so both are deterministic functions of their inputs.
//!
//! [`Random`]: super::NetModel::Random
//!
//! May import nothing.

/// splitmix64's finaliser: a cheap, well-mixed hash of one word.
#[inline]
pub(super) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}
