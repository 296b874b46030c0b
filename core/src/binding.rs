//! Where the poll-loop twin keeps a binding that lives across a wait: a slot that holds no
//! value until the binding's `let` writes one, as a person's hand-written machine holds a value
//! only once it exists, so that a binding's type needs no `Default`.
//!
//! The generated machine names [`Binding`] (through `__private`) for each `let`. The `let`
//! [`set`](Binding::set)s it; every state that resumes in the binding's scope re-borrows it
//! with [`get_mut`](Binding::get_mut), once, and the user's code works on the place `(end).0`
//! of that `&mut Value<T>`, which the borrow checker sees. The slot drops its value when it is
//! set again and when the machine is dropped, through a drop flag that exists only for a type
//! with drop glue.

use core::mem::{self, MaybeUninit};

/// A binding's value, initialised by its `let` (see the module docs).
///
/// `FLAGS` is `needs_drop::<T>() as usize`, which the generated code writes out: 1 gives the
/// slot a drop flag, so that it drops its value; 0 gives it none, and then it never drops
/// its value, which for a type without drop glue costs nothing (with a type that does have
/// drop glue it would leak the value, which is safe). Any other count acts as 1.
pub struct Binding<T, const FLAGS: usize> {
    value: MaybeUninit<Value<T>>,
    /// `live[0]`, if there is one: whether `value` is initialised.
    live: [bool; FLAGS],
}

/// A binding's value, as the machine's code names it: `(end).0` for the user's `end`, where
/// `end: &mut Value<usize>`. A field of a reference is a place, read, written and borrowed as
/// the user's own local would be, that needs no `*` (so neither parentheses of the macro's nor
/// an explicit dereference shows in the user's expression, where lints would flag them).
#[repr(transparent)]
pub struct Value<T>(pub T);

impl<T, const FLAGS: usize> Binding<T, FLAGS> {
    /// A slot whose `let` has not run.
    ///
    /// Its bytes are zeroed, though nothing reads them before the `let` writes a value: a
    /// machine with uninitialised bytes is built on the stack and copied into the driver's
    /// slot (`slot.machine = scenario.machine()`), where a fully written one is built in place,
    /// as a machine of fields initialised at setup is. For http1 that copy was a 648-byte
    /// `memcpy` per connection, 84 instructions; zeroing costs what the hand-written machine's
    /// `end: 0` does.
    #[inline(always)]
    pub const fn new() -> Self {
        Binding {
            value: MaybeUninit::zeroed(),
            live: [false; FLAGS],
        }
    }

    /// A slot holding `value` from the start: a step function's parameter, set when its
    /// sub-machine is built from the call's arguments.
    #[inline(always)]
    pub fn of(value: T) -> Self {
        let mut slot = Self::new();
        slot.set(value);
        slot
    }

    /// Stores `value` (the binding's `let` ran) and returns the binding's place. A value the
    /// slot held already (the `let` of a loop's earlier round) is dropped, after `value` is
    /// stored: if its drop panics, the slot still holds a value.
    #[inline(always)]
    pub fn set(&mut self, value: T) -> &mut Value<T> {
        let value = Value(value);
        match self.live.first_mut() {
            Some(live) if *live => {
                // SAFETY: the flag is set only once `self.value` holds a value (below), and
                // nothing moves the value out or drops it without clearing the flag.
                let place = unsafe { self.value.assume_init_mut() };
                drop(mem::replace(place, value));
                place
            }
            Some(live) => {
                let place = self.value.write(value);
                *live = true;
                place
            }
            // No drop flag: an earlier value, if any, is not dropped (see the type's docs).
            None => self.value.write(value),
        }
    }

    /// The binding's place.
    ///
    /// # Safety
    ///
    /// - [`set`](Self::set) has been called on this slot.
    #[inline(always)]
    pub unsafe fn get_mut(&mut self) -> &mut Value<T> {
        debug_assert!(
            self.live.first().is_none_or(|live| *live),
            "a binding is read only after its `let`"
        );
        // SAFETY: `set` initialised the value (the caller's bullet), and nothing
        // de-initialises it: `set` replaces it with another, and only `drop` drops it.
        unsafe { self.value.assume_init_mut() }
    }
}

impl<T, const FLAGS: usize> Default for Binding<T, FLAGS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const FLAGS: usize> Drop for Binding<T, FLAGS> {
    #[inline(always)]
    fn drop(&mut self) {
        if let Some(true) = self.live.first() {
            // SAFETY: the flag says the value is initialised (see `set`); it is dropped once,
            // here, as the slot itself is.
            unsafe { self.value.assume_init_drop() }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::Binding;

    /// Counts its drops in a shared cell.
    struct Counted(Rc<Cell<usize>>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    type Slot = Binding<Counted, { core::mem::needs_drop::<Counted>() as usize }>;

    #[test]
    fn a_value_is_dropped_once_when_replaced_and_when_the_slot_is_dropped() {
        let drops = Rc::new(Cell::new(0));
        let mut slot = Slot::new();
        drop(Slot::new());
        assert_eq!(drops.get(), 0, "an empty slot drops nothing");
        slot.set(Counted(drops.clone()));
        slot.set(Counted(drops.clone()));
        assert_eq!(drops.get(), 1, "setting again drops the earlier value");
        // SAFETY: set above.
        assert!(Rc::ptr_eq(unsafe { &slot.get_mut().0.0 }, &drops));
        drop(slot);
        assert_eq!(drops.get(), 2);
    }

    #[test]
    fn plain_data_has_no_flag() {
        assert_eq!(
            size_of::<Binding<[u8; 1024], { core::mem::needs_drop::<[u8; 1024]>() as usize }>>(),
            1024
        );
        let mut slot = Binding::<u64, 0>::new();
        slot.set(1).0 += 1;
        // SAFETY: set above.
        assert_eq!(unsafe { slot.get_mut().0 }, 2);
    }

    /// Panics in its drop.
    struct PanicsOnDrop(Rc<Cell<usize>>);

    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
            if self.0.get() == 1 {
                panic!("the first drop panics");
            }
        }
    }

    #[test]
    fn a_panic_in_the_earlier_value_s_drop_leaves_the_new_value_in_place() {
        let drops = Rc::new(Cell::new(0));
        let mut slot = Binding::<PanicsOnDrop, 1>::new();
        slot.set(PanicsOnDrop(drops.clone()));
        let replaced = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            slot.set(PanicsOnDrop(drops.clone()));
        }));
        assert!(replaced.is_err());
        // SAFETY: set above, and the slot still holds the second value.
        assert!(Rc::ptr_eq(unsafe { &slot.get_mut().0.0 }, &drops));
        drop(slot);
        assert_eq!(drops.get(), 2, "each value is dropped once");
    }
}
