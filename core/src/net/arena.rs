//! The clients' request and reply bytes, copied at setup to addresses that do not depend on the
//! build.
//!
//! glibc's `memcpy` and `memcmp`, which every read and every reply check call, take paths that
//! depend on where their operands sit (alignment, distance to the end of a page). A scenario's
//! `b"hello world\n"` sits wherever the linker put it, and that moves whenever any code of the
//! binary changes: adding a scenario, or compiling a runtime in, moved every variant's
//! instruction count by up to 8 per request, the manual twin's too. Here every distinct byte
//! string is copied once into one page-aligned block, each at a multiple of [`ALIGN`] bytes, so
//! its address modulo the page size is a function of the scenario's clients alone.

use core::ptr::NonNull;
use std::alloc::{self, Layout};
use std::collections::HashMap;

/// Where each byte string starts, relative to the others.
const ALIGN: usize = 64;
/// The block's alignment: a page, so that page-crossing checks see the same offsets too.
const PAGE: usize = 4096;

/// One block holding every client's bytes. Never written after [`ArenaBuilder::build`].
pub(crate) struct Arena {
    block: NonNull<u8>,
    /// `None`: nothing to hold, nothing allocated.
    layout: Option<Layout>,
}

/// A byte string in an [`Arena`]: a `&[u8]` without the lifetime, read with [`Bytes::get`].
#[derive(Clone, Copy)]
pub(crate) struct Bytes {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: `Bytes` points at bytes that are never written while it exists (see `Bytes::get`); it
// is as sendable as the `&[u8]` it stands for, so a `Network` stays `Send`. (Not `Sync`: nothing
// shares a network between threads.)
unsafe impl Send for Bytes {}
// SAFETY: the block is owned by the arena, and never written after it is built.
unsafe impl Send for Arena {}

impl Bytes {
    /// The bytes.
    ///
    /// # Safety
    ///
    /// The [`Arena`] this came from must be alive, for as long as the returned slice is used.
    #[inline]
    pub(crate) unsafe fn get(&self) -> &[u8] {
        // SAFETY: `ptr..ptr + len` is inside the arena's block (or `len` is 0 and `ptr` is
        // dangling but aligned), initialised by `build` and never written after it; the caller
        // keeps the arena alive.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// Its length, without reading it.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

/// Collects the byte strings of an [`Arena`], each distinct string once.
#[derive(Default)]
pub(crate) struct ArenaBuilder<'a> {
    /// Distinct strings, in the order first added, and where each goes in the block.
    strings: Vec<(&'a [u8], usize)>,
    places: HashMap<&'a [u8], usize>,
    size: usize,
}

/// A string's place in the block being built.
#[derive(Clone, Copy)]
pub(crate) struct Place {
    offset: usize,
    len: usize,
}

impl<'a> ArenaBuilder<'a> {
    /// Adds `bytes` (once, however often it is added).
    pub(crate) fn add(&mut self, bytes: &'a [u8]) -> Place {
        let len = bytes.len();
        if len == 0 {
            return Place { offset: 0, len };
        }
        let offset = *self.places.entry(bytes).or_insert_with(|| {
            let offset = self.size;
            self.strings.push((bytes, offset));
            self.size = (offset + len).next_multiple_of(ALIGN);
            offset
        });
        Place { offset, len }
    }

    /// Copies every string into one page-aligned block.
    pub(crate) fn build(self) -> Arena {
        if self.size == 0 {
            return Arena {
                block: NonNull::dangling(),
                layout: None,
            };
        }
        let layout = Layout::from_size_align(self.size, PAGE).expect("client bytes fit in memory");
        // SAFETY: `layout` has a non-zero size.
        let block = NonNull::new(unsafe { alloc::alloc(layout) })
            .unwrap_or_else(|| alloc::handle_alloc_error(layout));
        for (bytes, offset) in self.strings {
            // SAFETY: `offset + bytes.len() <= self.size`, the block's size; the block is fresh,
            // so it cannot overlap `bytes`.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    bytes.as_ptr(),
                    block.as_ptr().add(offset),
                    bytes.len(),
                );
            }
        }
        Arena {
            block,
            layout: Some(layout),
        }
    }
}

impl Arena {
    /// The string at `place`, which the builder of this arena returned.
    pub(crate) fn bytes(&self, place: Place) -> Bytes {
        if place.len == 0 {
            return Bytes {
                ptr: NonNull::dangling(),
                len: 0,
            };
        }
        let size = self.layout.map_or(0, |layout| layout.size());
        assert!(place.offset + place.len <= size, "a place of another arena");
        Bytes {
            // SAFETY: in bounds of the block, just checked.
            ptr: unsafe { self.block.add(place.offset) },
            len: place.len,
        }
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        if let Some(layout) = self.layout {
            // SAFETY: allocated in `build` with this layout, freed once.
            unsafe { alloc::dealloc(self.block.as_ptr(), layout) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_copied_once_each_at_aligned_places() {
        let mut builder = ArenaBuilder::default();
        let places = [
            builder.add(b"hello"),
            builder.add(b""),
            builder.add(b"world!"),
            builder.add(b"hello"),
        ];
        let arena = builder.build();
        let bytes: Vec<Bytes> = places.iter().map(|&place| arena.bytes(place)).collect();
        // SAFETY: `arena` is alive.
        let read = |b: &Bytes| unsafe { b.get() }.to_vec();
        assert_eq!(read(&bytes[0]), b"hello");
        assert_eq!(read(&bytes[1]), b"");
        assert_eq!(read(&bytes[2]), b"world!");
        assert_eq!(
            bytes[3].ptr, bytes[0].ptr,
            "identical strings share one copy"
        );
        for b in [&bytes[0], &bytes[2]] {
            assert_eq!(b.ptr.as_ptr() as usize % ALIGN, 0);
        }
        assert_eq!(bytes[0].ptr.as_ptr() as usize % PAGE, 0);
    }

    #[test]
    fn an_arena_of_empty_strings_allocates_nothing() {
        let mut builder = ArenaBuilder::default();
        let place = builder.add(b"");
        let arena = builder.build();
        assert!(arena.layout.is_none());
        let bytes = arena.bytes(place);
        // SAFETY: `arena` is alive.
        assert!(unsafe { bytes.get() }.is_empty());
    }
}
