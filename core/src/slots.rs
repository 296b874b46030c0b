//! Connection slots: which slot of a loop serves which connection.
//!
//! Every loop keeps per-connection state in slots allocated at setup (the driver's machines,
//! the reactor's registrations, the executors' tasks). How connections map to slots is a type
//! parameter of those loops ([`Slots`]), chosen once when a run is prepared, so that each
//! choice is an instantiation of its own and neither pays for the other:
//!
//! - [`PerConnection`] (no connection limit, the default and what every measured row uses):
//!   one slot per connection, slot `i` serving connection `i`. It stores nothing and every
//!   method is a constant or the identity, so the loops compile to what they were before the
//!   limit existed.
//! - [`Recycled`] (a connection limit below the run's connections,
//!   [`RunConfig::connection_limit`](crate::RunConfig::connection_limit)): as many slots as the
//!   limit, handed out by a [`FreeList`]; both twins stop accepting while every slot is taken,
//!   and a connection's slot goes to the next one accepted once it closes. Slots are handed out
//!   most recently freed first (a stack, as a server's allocator would), so a run with few
//!   live connections keeps touching the same few slots.
//!
//! May import nothing of the crate.

use core::cell::Cell;

/// A stack of free slot indices over `0..len`, intrusive in one array of links: a free slot's
/// entry names the next free slot, `len` ends the list. Taking and putting back are a load
/// and two stores; nothing allocates after [`FreeList::new`].
pub struct FreeList {
    next: Box<[Cell<u32>]>,
    head: Cell<u32>,
}

impl FreeList {
    /// Every slot of `0..len` free, taken in index order first. `len` fits a `u32` (runs
    /// are limited to [`MAX_CONNECTIONS`](crate::runner::MAX_CONNECTIONS)).
    pub fn new(len: usize) -> FreeList {
        let len = u32::try_from(len).expect("slot counts fit in a u32");
        FreeList {
            next: (1..=len).map(Cell::new).collect(),
            head: Cell::new(0),
        }
    }

    /// How many slots there are (free or not).
    #[inline]
    pub fn len(&self) -> usize {
        self.next.len()
    }

    /// Whether there are no slots at all.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.next.is_empty()
    }

    /// Whether a slot is free.
    #[inline]
    pub fn any_free(&self) -> bool {
        (self.head.get() as usize) < self.next.len()
    }

    /// Takes a free slot, the one freed last, if any.
    #[inline]
    pub fn take(&self) -> Option<usize> {
        let head = self.head.get() as usize;
        let next = self.next.get(head)?;
        self.head.set(next.get());
        Some(head)
    }

    /// Gives slot `slot`, which was taken, back.
    #[inline]
    pub fn put(&self, slot: usize) {
        self.next[slot].set(self.head.get());
        self.head.set(slot as u32);
    }

    /// Every slot free again, in index order (after a run a panic unwound out of, when which
    /// slots were given back is not known).
    pub fn reset(&self) {
        for (slot, next) in self.next.iter().enumerate() {
            next.set(slot as u32 + 1);
        }
        self.head.set(0);
    }
}

/// How a loop maps connections to its slots. See the [module docs](self).
pub trait Slots: 'static {
    /// Whether slots are recycled (then accepting waits for a free one).
    const RECYCLED: bool;
    /// What a slot keeps of its connection's index, or a stream of its slot's: nothing when
    /// the two are the same.
    type Pair: Copy + Default;
    /// `len` slots, all free.
    fn new(len: usize) -> Self;
    /// Whether a slot is free for the next accepted connection.
    fn any_free(&self) -> bool;
    /// Takes the slot for the accepted connection `conn` (one must be free).
    fn take(&self, conn: usize) -> usize;
    /// Gives a taken slot back.
    fn put(&self, slot: usize);
    /// What to keep of `other` (a connection's index, or a slot's) beside the one it pairs with.
    fn pair(other: usize) -> Self::Pair;
    /// The index paired with `this`, from what [`pair`](Slots::pair) kept.
    fn other(this: usize, pair: Self::Pair) -> usize;
    /// Every slot free again (after a run a panic unwound out of).
    fn reset(&self);
}

/// One slot per connection: slot `i` serves connection `i`. Stores nothing.
pub struct PerConnection;

impl Slots for PerConnection {
    const RECYCLED: bool = false;
    type Pair = ();
    #[inline(always)]
    fn new(_: usize) -> Self {
        PerConnection
    }
    #[inline(always)]
    fn any_free(&self) -> bool {
        true
    }
    #[inline(always)]
    fn take(&self, conn: usize) -> usize {
        conn
    }
    #[inline(always)]
    fn put(&self, _: usize) {}
    #[inline(always)]
    fn pair(_: usize) {}
    #[inline(always)]
    fn other(this: usize, (): ()) -> usize {
        this
    }
    #[inline(always)]
    fn reset(&self) {}
}

/// As many slots as the connection limit, recycled through a [`FreeList`].
pub struct Recycled(FreeList);

impl Slots for Recycled {
    const RECYCLED: bool = true;
    type Pair = usize;
    fn new(len: usize) -> Self {
        Recycled(FreeList::new(len))
    }
    #[inline]
    fn any_free(&self) -> bool {
        self.0.any_free()
    }
    #[inline]
    fn take(&self, _: usize) -> usize {
        self.0
            .take()
            .expect("twinbench: a connection accepted with no slot free")
    }
    #[inline]
    fn put(&self, slot: usize) {
        self.0.put(slot);
    }
    #[inline]
    fn pair(other: usize) -> usize {
        other
    }
    #[inline]
    fn other(_: usize, pair: usize) -> usize {
        pair
    }
    fn reset(&self) {
        self.0.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::FreeList;

    #[test]
    fn slots_are_taken_in_order_then_most_recently_freed_first() {
        let free = FreeList::new(3);
        assert_eq!(
            [free.take(), free.take(), free.take(), free.take()],
            [Some(0), Some(1), Some(2), None]
        );
        assert!(!free.any_free());
        free.put(1);
        free.put(0);
        assert!(free.any_free());
        assert_eq!(
            [free.take(), free.take(), free.take()],
            [Some(0), Some(1), None]
        );
        free.reset();
        assert_eq!(free.take(), Some(0));
    }

    #[test]
    fn an_empty_list_has_nothing_to_take() {
        let free = FreeList::new(0);
        assert!(free.is_empty());
        assert!(!free.any_free());
        assert_eq!(free.take(), None);
    }
}
