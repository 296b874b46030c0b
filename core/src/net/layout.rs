//! Where a peer keeps its client: whole, in the peer ([`Inline`]), or in a [`Template`] shared
//! by every identical client ([`Shared`]).
//!
//! A network's peers all use one layout, the network's type parameter, chosen when a run is
//! prepared. Runs without a connection limit (every measured row) use `Inline`, the layout the
//! rows were measured with: its reads of the client are loads from the peer itself. Under a
//! connection limit the loops hold state for the live connections only, and the network's
//! peers are most of what is left: `Shared` keeps a peer to a few words (a million connections
//! in some tens of megabytes), at the price of one more load wherever the client is read.
//!
//! May import: its siblings [`arena`](super::arena) and [`fault`](super::fault), the folder's
//! peers, [`scenario`](mod@crate::scenario)'s clients and [`trace`](crate::trace).

use core::cell::Cell;
use core::ptr::NonNull;
use std::borrow::Cow;
use std::collections::HashMap;

use super::Peer;
use super::arena::{Arena, ArenaBuilder, Bytes, Place};
use super::fault::{Fault, Faults};
use crate::scenario::{Client, Gate};
use crate::trace::Tracer;

/// What the layouts have in common; sealed (see [`ClientLayout`]).
pub trait Layout: Sized + 'static {
    /// The request bytes.
    fn send(&self) -> &[u8];
    /// Length of the request.
    fn send_len(&self) -> usize;
    /// The expected reply.
    fn expect(&self) -> &[u8];
    /// Length of the expected reply.
    fn expect_len(&self) -> usize;
    /// The lock-step gates.
    fn gates(&self) -> &[Gate];
    /// The trickle.
    fn trickle(&self) -> usize;
    /// The injected fault, if any.
    fn fault(&self) -> Option<Fault>;
    /// Every peer of a network, made from its clients, and the blocks they point into.
    fn build<T: Tracer>(
        clients: impl IntoIterator<Item = Client>,
        faults: Option<Faults>,
        buffer: usize,
    ) -> Built<T, Self>;
}

/// How a network's peers keep their clients: [`Inline`] (each peer its whole client: the
/// layout without a connection limit) or [`Shared`] (a template per distinct client: the
/// layout under a connection limit, a few words per connection).
pub trait ClientLayout: Layout {}

impl ClientLayout for Inline {}
impl ClientLayout for Shared {}

/// A network's peers and what they point into, declared in drop order: the peers first.
pub struct Built<T: Tracer, C> {
    pub(super) peers: Box<[Peer<T, C>]>,
    pub(super) templates: Vec<Template>,
    pub(super) arena: Arena,
}

/// From which operation `fault` strikes (`u64::MAX`: never, so the hot path pays one
/// predictable comparison).
fn fault_from_op(fault: Option<Fault>) -> u64 {
    match fault {
        Some(
            Fault::ResetOnRead { from_op }
            | Fault::ResetOnWrite { from_op }
            | Fault::BrokenPipe { from_op },
        ) => from_op,
        _ => u64::MAX,
    }
}

/// The whole client in the peer: the layout without a connection limit.
pub struct Inline {
    /// The client's gates and trickle; its bytes are `send` and `expect`.
    client: Client,
    /// `client.send`, in the network's [`Arena`].
    send: Bytes,
    /// `client.expect`, in the network's [`Arena`].
    expect: Bytes,
    /// The injected fault, if any.
    fault: Option<Fault>,
}

impl Layout for Inline {
    #[inline]
    fn send(&self) -> &[u8] {
        // SAFETY: a peer lives in its network's `peers`, which the network drops before its
        // `arena`; the slice is borrowed from the peer, so from the network.
        unsafe { self.send.get() }
    }
    #[inline]
    fn send_len(&self) -> usize {
        self.send.len()
    }
    #[inline]
    fn expect(&self) -> &[u8] {
        // SAFETY: as for `send`.
        unsafe { self.expect.get() }
    }
    #[inline]
    fn expect_len(&self) -> usize {
        self.expect.len()
    }
    #[inline]
    fn gates(&self) -> &[Gate] {
        &self.client.gates[..]
    }
    #[inline]
    fn trickle(&self) -> usize {
        self.client.trickle
    }
    #[inline]
    fn fault(&self) -> Option<Fault> {
        self.fault
    }

    fn build<T: Tracer>(
        clients: impl IntoIterator<Item = Client>,
        faults: Option<Faults>,
        buffer: usize,
    ) -> Built<T, Self> {
        // Allocates as the network did before the layouts existed: the heap's layout after
        // setup, and so where the loops' buffers land, is the same (glibc's `memcpy` takes
        // paths that follow alignment; see `arena`).
        let mut clients: Vec<Client> = clients.into_iter().collect();
        let faults: Vec<(Option<Fault>, u64)> = clients
            .iter_mut()
            .enumerate()
            .map(|(conn, client)| {
                let fault = Fault::strike(faults, conn, client, buffer);
                (fault, fault_from_op(fault))
            })
            .collect();
        let mut builder = ArenaBuilder::default();
        let places: Vec<_> = clients
            .iter()
            .map(|client| (builder.add(&client.send), builder.add(&client.expect)))
            .collect();
        let arena = builder.build();
        let peers = clients
            .into_iter()
            .zip(places)
            .zip(faults)
            .map(|((mut client, (send, expect)), (fault, fault_from_op))| {
                // The arena holds the bytes now; an owned copy would only take memory.
                client.send = Cow::Borrowed(&[]);
                client.expect = Cow::Borrowed(&[]);
                let inline = Inline {
                    client,
                    send: arena.bytes(send),
                    expect: arena.bytes(expect),
                    fault,
                };
                Peer::new(inline, fault_from_op)
            })
            .collect();
        Built {
            peers,
            templates: Vec::new(),
            arena,
        }
    }
}

/// What the clients of one or more connections have in common: the bytes they send and
/// expect, their gates and trickle, their injected fault. Stored once per distinct client, so
/// a million connections with the same client share one.
pub(super) struct Template {
    /// `client.send`, in the network's [`Arena`].
    send: Bytes,
    /// `client.expect`, in the network's [`Arena`].
    expect: Bytes,
    /// The client's lock-step gates.
    gates: Box<[Gate]>,
    /// The client's trickle.
    trickle: usize,
    /// The injected fault, if any.
    fault: Option<Fault>,
}

/// What a [`Template`] is told apart by (its bytes by their index in [`Strings`]).
#[derive(PartialEq, Eq, Hash)]
struct TemplateKey {
    send: u32,
    expect: u32,
    gates: Box<[Gate]>,
    trickle: usize,
    fault: Option<Fault>,
}

/// The distinct byte strings of the clients, owned (the clients are dropped as they come),
/// in the order first seen.
#[derive(Default)]
struct Strings {
    list: Vec<Box<[u8]>>,
    ids: HashMap<Box<[u8]>, u32>,
}

impl Strings {
    /// The index of `bytes`, added if new.
    fn id(&mut self, bytes: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(bytes) {
            return id;
        }
        let id = u32::try_from(self.list.len()).expect("distinct strings fit in a u32");
        self.list.push(bytes.into());
        self.ids.insert(bytes.into(), id);
        id
    }
}

/// A pointer to the peer's template (its client's bytes, gates, trickle and fault), shared
/// with every peer of the same client: the layout under a connection limit.
pub struct Shared {
    /// A `&Template` into the network's `templates`, without the lifetime.
    template: NonNull<Template>,
}

// SAFETY: it stands for a `&Template` into a block its network owns and never writes after
// building it; as sendable as that reference's network (`Template` is `Send`). Not `Sync`:
// nothing shares a network between threads.
unsafe impl Send for Shared {}

impl Shared {
    #[inline(always)]
    fn template(&self) -> &Template {
        // SAFETY: a peer lives in its network's `peers`, which the network drops before its
        // `templates`, a block never written after the network is built (a `Vec`, never moved
        // by a method after that: moving a `Box` would assert unique access to the block and
        // void these pointers); the reference is borrowed from the peer, so from the network.
        unsafe { self.template.as_ref() }
    }
}

impl Layout for Shared {
    #[inline]
    fn send(&self) -> &[u8] {
        // SAFETY: the network drops its peers (and so their templates) before its `arena`;
        // the slice is borrowed from the peer, so from the network.
        unsafe { self.template().send.get() }
    }
    #[inline]
    fn send_len(&self) -> usize {
        self.template().send.len()
    }
    #[inline]
    fn expect(&self) -> &[u8] {
        // SAFETY: as for `send`.
        unsafe { self.template().expect.get() }
    }
    #[inline]
    fn expect_len(&self) -> usize {
        self.template().expect.len()
    }
    #[inline]
    fn gates(&self) -> &[Gate] {
        &self.template().gates
    }
    #[inline]
    fn trickle(&self) -> usize {
        self.template().trickle
    }
    #[inline]
    fn fault(&self) -> Option<Fault> {
        self.template().fault
    }

    /// Each client is folded in as it comes (its bytes into the arena, the rest into a
    /// template shared by every identical client) and dropped: a run of a million connections
    /// never holds a million `Client`s at once.
    fn build<T: Tracer>(
        clients: impl IntoIterator<Item = Client>,
        faults: Option<Faults>,
        buffer: usize,
    ) -> Built<T, Self> {
        let mut strings = Strings::default();
        let mut keys: HashMap<TemplateKey, u32> = HashMap::new();
        let mut templates: Vec<TemplateKey> = Vec::new();
        // Each connection's template, by index: the peers are built before the templates'
        // block exists, and pointed into it once it does.
        let mut indices: Vec<u32> = Vec::new();
        let mut peers: Box<[Peer<T, Shared>]> = clients
            .into_iter()
            .enumerate()
            .map(|(conn, mut client)| {
                let fault = Fault::strike(faults, conn, &mut client, buffer);
                let key = TemplateKey {
                    send: strings.id(&client.send),
                    expect: strings.id(&client.expect),
                    gates: client.gates[..].into(),
                    trickle: client.trickle,
                    fault,
                };
                let index = *keys.entry(key).or_insert_with_key(|key| {
                    templates.push(TemplateKey {
                        gates: key.gates.clone(),
                        ..*key
                    });
                    u32::try_from(templates.len() - 1).expect("templates fit in a u32")
                });
                indices.push(index);
                let shared = Shared {
                    template: NonNull::dangling(),
                };
                Peer::new(shared, fault_from_op(fault))
            })
            .collect();
        drop(keys);
        drop(strings.ids);
        let mut builder = ArenaBuilder::default();
        let places: Vec<Place> = strings
            .list
            .iter()
            .map(|bytes| builder.add(bytes))
            .collect();
        let arena = builder.build();
        let templates: Vec<Template> = templates
            .into_iter()
            .map(|key| Template {
                send: arena.bytes(places[key.send as usize]),
                expect: arena.bytes(places[key.expect as usize]),
                gates: key.gates,
                trickle: key.trickle,
                fault: key.fault,
            })
            .collect();
        for (peer, index) in peers.iter_mut().zip(indices) {
            peer.client.template = NonNull::from(&templates[index as usize]);
        }
        Built {
            peers,
            templates,
            arena,
        }
    }
}

/// Peers start every run from these (see `Network::reset`).
impl<T: Tracer, C> Peer<T, C> {
    fn new(client: C, fault_from_op: u64) -> Self {
        Peer {
            client,
            ops: Cell::new(0),
            sent: Cell::new(0),
            gate: Cell::new(0),
            received: Cell::new(0),
            bad_reply: Cell::new(false),
            outcome: Cell::new(crate::scenario::Outcome::Stalled),
            fault_from_op,
            dead: Cell::new(false),
            log: T::Log::default(),
        }
    }
}
