//! The poll-loop twin: a struct holding what lives across waits, an enum of the places it
//! waits, and a `resume` that runs until it finishes or would block.
//!
//! # Lowering control flow to states
//!
//! The checked tree becomes a small control-flow graph: one node per wait point (`read_until`,
//! `read_exact`, `write`, `yield_now`), per piece of code without I/O, per branch (`if`,
//! `while`), per `for` step, and an end. Every wait point is a state: its match arm performs
//! the wait, then runs the code that follows, inlined, up to the next wait, where it sets the
//! next state (the dispatch loop then enters it, as in the hand-written echo). A statement with
//! no wait inside and no `break`/`continue` leaving it is emitted as plain Rust (`if`, `for`,
//! `while` and all) in one node.
//!
//! Inlining duplicates code reached by several paths (the head of a loop is reached on entry
//! and after each iteration). That is what a person writes, until it is not: a node becomes a
//! control state of its own when a path from it can come back to it without waiting (a loop
//! that may not wait: inlining would never end), or when several paths reach it and its inlined
//! code would be large. A machine starts in its first wait state, or in `Start` when code runs
//! before the first wait.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;

use super::{RenderPlain, buffer_generic, doc, first_span, lower};
use crate::internals::ast::{
    Binding, BindingId, Block, Hole, HoleTarget, Stmt, StmtKind, UserExpr,
};
use crate::internals::source::Source;
use crate::internals::validate::Checked;
use crate::names::Names;

/// The generated items, and the expression `Scenario::machine` builds a fresh machine with.
pub struct Output {
    pub items: TokenStream,
    pub init: TokenStream,
}

pub fn expand(checked: &Checked, names: &Names) -> Output {
    let slots = Slots::allocate(checked);
    let mut graph = Graph::new();
    let entry = graph.block(&checked.scenario.body, END);
    let plan = graph.plan(entry);
    let emitter = Emitter {
        graph: &graph,
        plan: &plan,
        slots: &slots,
        bindings: &checked.scenario.bindings,
        names,
        idents: Idents::new(),
    };
    Output {
        items: emitter.items(checked),
        init: emitter.init(),
    }
}

/// Where a binding lives in the machine.
#[derive(Clone)]
enum Slot {
    /// A field of the machine: `self.end`.
    Field(Ident),
    /// A local of one arm: the variable of a `for` loop without a wait inside.
    Local,
}

/// A field of the generated struct.
struct Field {
    ident: Ident,
    ty: TokenStream,
    init: TokenStream,
    doc: String,
}

/// The machine's fields, allocated in source order: `state`, `buf`, one per binding, one
/// `Range` per `for` loop with a wait inside (plus its variable), `written` if the scenario
/// writes. Names are the user's, numbered on repeats (`end`, `end_2`).
struct Slots {
    bindings: Vec<Slot>,
    /// The range field of each `for` loop with a wait inside, by the loop's ordinal.
    ranges: HashMap<usize, Ident>,
    fields: Vec<Field>,
    writes: bool,
    taken: HashSet<String>,
}

impl Slots {
    fn allocate(checked: &Checked) -> Self {
        let scenario = &checked.scenario;
        let mut slots = Slots {
            bindings: vec![Slot::Local; scenario.bindings.len()],
            ranges: HashMap::new(),
            fields: Vec::new(),
            writes: false,
            taken: ["state", "buf", "written"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        };
        slots.block(checked, &scenario.body);
        slots
    }

    fn name(&mut self, base: &str) -> Ident {
        let mut name = base.to_owned();
        let mut n = 1;
        while !self.taken.insert(name.clone()) {
            n += 1;
            name = format!("{base}_{n}");
        }
        field_ident(&name)
    }

    fn binding_field(&mut self, checked: &Checked, id: BindingId) {
        let binding = &checked.scenario.bindings[id];
        let mut ident = self.name(&binding.ident.unraw().to_string());
        ident.set_span(binding.ident.span());
        let ty = &binding.ty;
        let init = match binding.kind {
            crate::internals::ast::BindingKind::LoopVar => quote!(0),
            _ => quote_spanned!(first_span(ty)=> ::core::default::Default::default()),
        };
        let doc = match binding.kind {
            crate::internals::ast::BindingKind::LoopVar => {
                format!("The variable of {}.", binding.source.describe())
            }
            _ => format!("From {}.", binding.source.describe()),
        };
        self.fields.push(Field {
            ident: ident.clone(),
            ty: ty.to_token_stream(),
            init,
            doc,
        });
        self.bindings[id] = Slot::Field(ident);
    }

    fn block(&mut self, checked: &Checked, block: &Block) {
        for stmt in &block.stmts {
            match &stmt.kind {
                StmtKind::ReadUntil { bind: Some(id), .. } | StmtKind::Let { bind: id, .. } => {
                    self.binding_field(checked, *id);
                }
                StmtKind::Write { .. } => self.writes = true,
                StmtKind::If { arms, otherwise } => {
                    for arm in arms {
                        self.block(checked, &arm.body);
                    }
                    if let Some(otherwise) = otherwise {
                        self.block(checked, otherwise);
                    }
                }
                StmtKind::While { body, .. } | StmtKind::Loop { body } => self.block(checked, body),
                StmtKind::For { var, range, body } => {
                    if stmt.waits {
                        let ident = self.name("range");
                        let (ty, init) = if range.inclusive {
                            (
                                quote!(::core::ops::RangeInclusive<usize>),
                                quote!(::core::ops::RangeInclusive::new(1, 0)),
                            )
                        } else {
                            (quote!(::core::ops::Range<usize>), quote!(0..0))
                        };
                        let doc = format!("The iterations left of {}.", stmt.source.describe());
                        self.fields.push(Field {
                            ident: ident.clone(),
                            ty,
                            init,
                            doc,
                        });
                        self.ranges.insert(stmt.source.ordinal, ident);
                        if let Some(var) = var {
                            self.binding_field(checked, *var);
                        }
                    }
                    self.block(checked, body);
                }
                StmtKind::Block(block) => self.block(checked, block),
                StmtKind::ReadUntil { bind: None, .. }
                | StmtKind::ReadExact { .. }
                | StmtKind::Consume { .. }
                | StmtKind::YieldNow
                | StmtKind::Compute { .. }
                | StmtKind::Break
                | StmtKind::Continue => {}
            }
        }
    }
}

/// A field named `name`: raw if it is a keyword (`r#type`).
fn field_ident(name: &str) -> Ident {
    if syn::parse_str::<Ident>(name).is_ok() {
        Ident::new(name, Span::call_site())
    } else if matches!(name, "self" | "Self" | "super" | "crate" | "_") {
        // Cannot be raw either (and the front end rejects them as binding names).
        Ident::new(&format!("{name}_field"), Span::call_site())
    } else {
        Ident::new_raw(name, Span::call_site())
    }
}

type NodeId = usize;

/// The end of the scenario: always node 0.
const END: NodeId = 0;
/// An edge not known yet (a loop's body, patched once built).
const PATCH: NodeId = usize::MAX;

/// Inlined code larger than this (in nodes) gets a state of its own when several paths reach
/// it, rather than being copied into each.
const INLINE_LIMIT: usize = 4;

enum Node<'a> {
    /// `return Poll::Ready(Ok(()))`.
    End,
    /// A wait point: always a state.
    Wait { stmt: &'a Stmt, next: NodeId },
    /// A statement without I/O, emitted as plain Rust.
    Code { stmt: &'a Stmt, next: NodeId },
    /// The start of a `for` loop with a wait inside: `self.range = START..END;`.
    ForInit { stmt: &'a Stmt, next: NodeId },
    /// The head of such a loop: the next value, or leave.
    ForNext {
        stmt: &'a Stmt,
        body: NodeId,
        after: NodeId,
    },
    /// An `if` arm's or a `while`'s condition.
    Branch {
        cond: &'a UserExpr,
        source: &'a Source,
        kind: BranchKind,
        then: NodeId,
        otherwise: NodeId,
    },
    /// Nothing to do: the head of a `loop`, or the start.
    Nop {
        source: Option<&'a Source>,
        next: NodeId,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BranchKind {
    If,
    While,
}

impl Node<'_> {
    fn succs(&self) -> [Option<NodeId>; 2] {
        match *self {
            Node::End => [None, None],
            Node::Wait { next, .. }
            | Node::Code { next, .. }
            | Node::ForInit { next, .. }
            | Node::Nop { next, .. } => [Some(next), None],
            Node::ForNext { body, after, .. } => [Some(body), Some(after)],
            Node::Branch {
                then, otherwise, ..
            } => [Some(then), Some(otherwise)],
        }
    }

    /// Size of the node's own code, for the inlining limit.
    fn weight(&self) -> usize {
        match self {
            Node::Nop { .. } | Node::Wait { .. } => 0,
            _ => 1,
        }
    }
}

/// The loops around the statement being lowered: where `break` and `continue` go.
struct LoopTargets {
    break_to: NodeId,
    continue_to: NodeId,
}

struct Graph<'a> {
    nodes: Vec<Node<'a>>,
    /// Sort key of each node (source order), for naming states.
    order: Vec<(usize, u8)>,
    loops: Vec<LoopTargets>,
}

/// Which nodes are states, why, and which is first.
struct Plan {
    states: Vec<Option<StateKind>>,
    initial: NodeId,
    /// The reachable states in source order, with their variant names.
    names: Vec<(NodeId, Ident)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum StateKind {
    Wait,
    Start,
    /// A path from it comes back to it without waiting.
    Cycle,
    /// Several paths reach it and its code is not small.
    Shared,
}

impl<'a> Graph<'a> {
    fn new() -> Self {
        Graph {
            nodes: vec![Node::End],
            order: vec![(usize::MAX, 0)],
            loops: Vec::new(),
        }
    }

    fn push(&mut self, node: Node<'a>, order: (usize, u8)) -> NodeId {
        self.nodes.push(node);
        self.order.push(order);
        self.nodes.len() - 1
    }

    /// Lowers `block`, which continues at `next`; returns its entry node.
    fn block(&mut self, block: &'a Block, next: NodeId) -> NodeId {
        block
            .stmts
            .iter()
            .rev()
            .fold(next, |next, stmt| self.stmt(stmt, next))
    }

    fn stmt(&mut self, stmt: &'a Stmt, next: NodeId) -> NodeId {
        let order = (stmt.source.ordinal, 0);
        if !stmt.waits && !stmt.escapes {
            return self.push(Node::Code { stmt, next }, order);
        }
        match &stmt.kind {
            StmtKind::ReadUntil { .. }
            | StmtKind::ReadExact { .. }
            | StmtKind::Write { .. }
            | StmtKind::YieldNow => self.push(Node::Wait { stmt, next }, order),
            StmtKind::Break => self.loops.last().map_or(next, |targets| targets.break_to),
            StmtKind::Continue => self
                .loops
                .last()
                .map_or(next, |targets| targets.continue_to),
            StmtKind::Block(block) => self.block(block, next),
            StmtKind::If { arms, otherwise } => {
                let mut entry = match otherwise {
                    Some(otherwise) => self.block(otherwise, next),
                    None => next,
                };
                for arm in arms.iter().rev() {
                    let then = self.block(&arm.body, next);
                    entry = self.push(
                        Node::Branch {
                            cond: &arm.cond,
                            source: &arm.source,
                            kind: BranchKind::If,
                            then,
                            otherwise: entry,
                        },
                        (arm.source.ordinal, 0),
                    );
                }
                entry
            }
            StmtKind::While { cond, body } => {
                let head = self.push(
                    Node::Branch {
                        cond,
                        source: &stmt.source,
                        kind: BranchKind::While,
                        then: PATCH,
                        otherwise: next,
                    },
                    order,
                );
                let body_entry = self.loop_body(body, head, next);
                if let Node::Branch { then, .. } = &mut self.nodes[head] {
                    *then = body_entry;
                }
                head
            }
            StmtKind::Loop { body } => {
                let head = self.push(
                    Node::Nop {
                        source: Some(&stmt.source),
                        next: PATCH,
                    },
                    order,
                );
                let body_entry = self.loop_body(body, head, next);
                if let Node::Nop { next, .. } = &mut self.nodes[head] {
                    *next = body_entry;
                }
                head
            }
            StmtKind::For { body, .. } => {
                let head = self.push(
                    Node::ForNext {
                        stmt,
                        body: PATCH,
                        after: next,
                    },
                    (stmt.source.ordinal, 1),
                );
                let body_entry = self.loop_body(body, head, next);
                if let Node::ForNext { body, .. } = &mut self.nodes[head] {
                    *body = body_entry;
                }
                self.push(Node::ForInit { stmt, next: head }, order)
            }
            // Statements without a wait never escape: they are `Code` above.
            StmtKind::Consume { .. } | StmtKind::Let { .. } | StmtKind::Compute { .. } => {
                self.push(Node::Code { stmt, next }, order)
            }
        }
    }

    fn loop_body(&mut self, body: &'a Block, head: NodeId, after: NodeId) -> NodeId {
        self.loops.push(LoopTargets {
            break_to: after,
            continue_to: head,
        });
        let entry = self.block(body, head);
        self.loops.pop();
        entry
    }

    /// Chooses the states (see the module docs) and names them.
    fn plan(&mut self, entry: NodeId) -> Plan {
        let mut states: Vec<Option<StateKind>> = self
            .nodes
            .iter()
            .map(|node| matches!(node, Node::Wait { .. }).then_some(StateKind::Wait))
            .collect();
        // Skip the heads of `loop`s that open the scenario (they do nothing), bounded in case
        // they form a wait-free cycle (`loop {}`).
        let mut first = entry;
        for _ in 0..self.nodes.len() {
            match self.nodes[first] {
                Node::Nop { next, .. } => first = next,
                _ => break,
            }
        }
        let starts_waiting = matches!(self.nodes[first], Node::Wait { stmt, .. } if !matches!(stmt.kind, StmtKind::YieldNow));
        let initial = if starts_waiting {
            first
        } else {
            states.push(Some(StateKind::Start));
            self.push(
                Node::Nop {
                    source: None,
                    next: entry,
                },
                (0, 0),
            )
        };
        self.break_cycles(&mut states);
        self.limit_copies(&mut states);

        // The states reachable from the initial one, in source order.
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![initial];
        seen[initial] = true;
        while let Some(node) = stack.pop() {
            for succ in self.nodes[node].succs().into_iter().flatten() {
                if !seen[succ] {
                    seen[succ] = true;
                    stack.push(succ);
                }
            }
        }
        let mut reachable: Vec<NodeId> = (0..self.nodes.len())
            .filter(|&n| seen[n] && states[n].is_some())
            .collect();
        reachable.sort_by_key(|&n| self.order[n]);
        let mut counts: HashMap<&'static str, usize> = HashMap::new();
        let names = reachable
            .into_iter()
            .map(|node| {
                let base = self.state_base_name(node);
                let count = counts.entry(base).or_default();
                *count += 1;
                let name = if *count == 1 {
                    base.to_owned()
                } else {
                    format!("{base}{count}")
                };
                (node, Ident::new(&name, Span::call_site()))
            })
            .collect();
        Plan {
            states,
            initial,
            names,
        }
    }

    /// Makes a state of every node that a wait-free path leads back to (a back edge of a
    /// depth-first walk over the inlined edges): inlining it would never end.
    fn break_cycles(&self, states: &mut [Option<StateKind>]) {
        const WHITE: u8 = 0;
        const GRAY: u8 = 1;
        const BLACK: u8 = 2;
        let mut color = vec![WHITE; self.nodes.len()];
        let roots: Vec<NodeId> = (0..self.nodes.len())
            .filter(|&n| states[n].is_some())
            .collect();
        for root in roots {
            if color[root] != WHITE {
                continue;
            }
            color[root] = GRAY;
            let mut stack = vec![(root, 0usize)];
            while let Some((node, index)) = stack.last_mut() {
                let node = *node;
                let succs = self.nodes[node].succs();
                if *index < succs.len() {
                    let succ = succs[*index];
                    *index += 1;
                    let Some(succ) = succ else { continue };
                    if states[succ].is_some() {
                        continue;
                    }
                    match color[succ] {
                        WHITE => {
                            color[succ] = GRAY;
                            stack.push((succ, 0));
                        }
                        GRAY => states[succ] = Some(StateKind::Cycle),
                        _ => {}
                    }
                } else {
                    color[node] = BLACK;
                    stack.pop();
                }
            }
        }
    }

    /// Makes a state of every node reached by several inlined paths whose inlined code would
    /// exceed [`INLINE_LIMIT`] nodes. The inlined edges form a DAG once cycles are broken;
    /// sizes are computed leaves first.
    fn limit_copies(&self, states: &mut [Option<StateKind>]) {
        let count = self.nodes.len();
        // Post-order over the inlined edges from every state.
        let mut post = Vec::with_capacity(count);
        let mut seen = vec![false; count];
        let mut preds = vec![0usize; count];
        for root in (0..count).filter(|&n| states[n].is_some()) {
            if seen[root] {
                continue;
            }
            seen[root] = true;
            let mut stack = vec![(root, 0usize)];
            while let Some((node, index)) = stack.last_mut() {
                let node = *node;
                let succs = self.nodes[node].succs();
                if *index < succs.len() {
                    let succ = succs[*index];
                    *index += 1;
                    let Some(succ) = succ else { continue };
                    if states[succ].is_some() {
                        continue;
                    }
                    preds[succ] += 1;
                    if !seen[succ] {
                        seen[succ] = true;
                        stack.push((succ, 0));
                    }
                } else {
                    post.push(node);
                    stack.pop();
                }
            }
        }
        let mut cost = vec![0usize; count];
        for node in post {
            let size = self.nodes[node].succs().into_iter().flatten().fold(
                self.nodes[node].weight(),
                |size, succ| {
                    size.saturating_add(if states[succ].is_some() {
                        0
                    } else {
                        cost[succ]
                    })
                },
            );
            if states[node].is_none() && preds[node] >= 2 && size > INLINE_LIMIT {
                states[node] = Some(StateKind::Shared);
            }
            cost[node] = if states[node].is_some() { 0 } else { size };
        }
    }

    fn state_base_name(&self, node: NodeId) -> &'static str {
        match &self.nodes[node] {
            Node::Wait { stmt, .. } | Node::Code { stmt, .. } => match &stmt.kind {
                StmtKind::ReadUntil { .. } => "ReadUntil",
                StmtKind::ReadExact { .. } => "ReadExact",
                StmtKind::Write { .. } => "Write",
                StmtKind::YieldNow => "Yield",
                StmtKind::Consume { .. } => "Consume",
                StmtKind::Let { .. } => "Let",
                StmtKind::Compute { .. } => "Run",
                StmtKind::If { .. } => "If",
                StmtKind::While { .. } => "While",
                StmtKind::Loop { .. } => "Loop",
                StmtKind::For { .. } => "For",
                StmtKind::Block(_) => "Block",
                StmtKind::Break => "Break",
                StmtKind::Continue => "Continue",
            },
            Node::ForInit { .. } => "ForStart",
            Node::ForNext { .. } => "For",
            Node::Branch {
                kind: BranchKind::If,
                ..
            } => "If",
            Node::Branch {
                kind: BranchKind::While,
                ..
            } => "While",
            Node::Nop {
                source: Some(_), ..
            } => "Loop",
            Node::Nop { source: None, .. } => "Start",
            Node::End => "End",
        }
    }
}

/// Internal locals and parameters: mixed-site, so they cannot clash with the user's names.
struct Idents {
    io: Ident,
    n: Ident,
    found: Ident,
    bytes: Ident,
    value: Ident,
}

impl Idents {
    fn new() -> Self {
        let mixed = |name: &str| Ident::new(name, Span::mixed_site());
        Idents {
            io: mixed("io"),
            n: mixed("n"),
            found: mixed("found"),
            bytes: mixed("bytes"),
            value: mixed("value"),
        }
    }
}

struct Emitter<'a> {
    graph: &'a Graph<'a>,
    plan: &'a Plan,
    slots: &'a Slots,
    bindings: &'a [Binding],
    names: &'a Names,
    idents: Idents,
}

impl Emitter<'_> {
    fn state_name(&self, node: NodeId) -> &Ident {
        let (_, name) = self
            .plan
            .names
            .iter()
            .find(|(n, _)| *n == node)
            .expect("every state reached is named");
        name
    }

    fn items(&self, checked: &Checked) -> TokenStream {
        let Names {
            vis,
            machine,
            state,
            ..
        } = self.names;
        let buffer = buffer_generic(&checked.args.buffer);
        let scenario = self.names.name_str();

        let fields = self.slots.fields.iter().map(
            |Field {
                 ident,
                 ty,
                 doc: text,
                 ..
             }| {
                let doc = doc(text.clone());
                quote!(#doc #ident: #ty,)
            },
        );
        let written = self.slots.writes.then(|| {
            let doc = doc("Bytes of the current `write(…)` written so far.".to_owned());
            quote!(#doc written: usize,)
        });
        let machine_doc = doc(format!(
            "The poll-loop twin of [`{scenario}`]: the state to resume in, the receive buffer, and \
             what lives across a wait. Generated by `#[scenario]`."
        ));
        let state_field_doc = doc(format!("Where the machine waits: see [`{state}`]."));
        let buf_doc = doc(
            "The connection's receive buffer: `buf` in the scenario is its unconsumed bytes."
                .to_owned(),
        );
        let state_doc = doc(format!(
            "The states of [`{machine}`]: one per wait point of `{scenario}`, named after its \
             step."
        ));
        let variants = self.plan.names.iter().map(|(node, name)| {
            let doc = doc(self.state_doc(*node));
            quote!(#doc #name,)
        });
        let arms = self.plan.names.iter().map(|(node, name)| {
            let body = self.arm(*node);
            quote!(#state::#name => #body)
        });
        let io = &self.idents.io;
        quote! {
            #machine_doc
            #vis struct #machine {
                #state_field_doc
                state: #state,
                #buf_doc
                buf: ::twinbench::RecvBuf<#buffer>,
                #(#fields)*
                #written
            }

            #state_doc
            #[derive(Clone, Copy, Debug, PartialEq, Eq)]
            #vis enum #state {
                #(#variants)*
            }

            impl ::twinbench::Machine for #machine {
                fn resume<__TwinbenchIo: ::twinbench::Io>(
                    &mut self,
                    #io: &mut __TwinbenchIo,
                ) -> ::core::task::Poll<::core::result::Result<(), ::twinbench::ConnError>> {
                    loop {
                        match self.state {
                            #(#arms)*
                        }
                    }
                }
            }
        }
    }

    fn init(&self) -> TokenStream {
        let Names { machine, state, .. } = self.names;
        let initial = self.state_name(self.plan.initial);
        let fields = self
            .slots
            .fields
            .iter()
            .map(|Field { ident, init, .. }| quote!(#ident: #init,));
        let written = self.slots.writes.then(|| quote!(written: 0,));
        quote! {
            #machine {
                state: #state::#initial,
                buf: ::twinbench::RecvBuf::new(),
                #(#fields)*
                #written
            }
        }
    }

    fn state_doc(&self, node: NodeId) -> String {
        let kind = self.plan.states[node];
        match &self.graph.nodes[node] {
            Node::Wait { stmt, .. } => {
                let at = stmt.source.describe();
                match stmt.kind {
                    StmtKind::ReadUntil { .. } => {
                        format!("Waits in {at} until `buf` holds the delimiter.")
                    }
                    StmtKind::ReadExact { .. } => {
                        format!("Waits in {at} until `buf` holds enough bytes.")
                    }
                    StmtKind::Write { .. } => format!("Waits in {at} until every byte is written."),
                    _ => format!("Resumes after {at}, which let the other connections run."),
                }
            }
            Node::Nop { source: None, .. } => {
                "Runs the scenario's first statements, up to its first wait.".to_owned()
            }
            node => {
                let at = match node {
                    Node::Code { stmt, .. }
                    | Node::ForInit { stmt, .. }
                    | Node::ForNext { stmt, .. } => stmt.source.describe(),
                    Node::Branch { source, .. }
                    | Node::Nop {
                        source: Some(source),
                        ..
                    } => source.describe(),
                    _ => String::new(),
                };
                let why = if kind == Some(StateKind::Cycle) {
                    "a path through the loop may not wait, so each round goes through the dispatch loop"
                } else {
                    "several paths lead here, so its code is not copied into each"
                };
                format!("Runs {at} and what follows, up to the next wait: a control state ({why}).")
            }
        }
    }

    /// The match arm of a state.
    fn arm(&self, node: NodeId) -> TokenStream {
        let Idents {
            io,
            n,
            found,
            bytes,
            ..
        } = &self.idents;
        let fill = quote! {
            let #n = ::core::task::ready!(#io.poll_read(self.buf.spare_mut()?))?;
            self.buf.filled_by(#n);
        };
        let Node::Wait { stmt, next } = &self.graph.nodes[node] else {
            let body = self.inline(node);
            return quote!({ #body });
        };
        let next = *next;
        let span = stmt.source.span;
        match &stmt.kind {
            StmtKind::ReadUntil { delim, bind } => {
                let delim = self.delim(delim);
                let goto = self.goto(next);
                let found_arm = match bind {
                    Some(bind) => {
                        let store = self.store(*bind, found);
                        quote!(::core::option::Option::Some(#found) => { #store #goto })
                    }
                    None => quote!(::core::option::Option::Some(_) => { #goto }),
                };
                quote! {
                    match self.buf.find(#delim) {
                        #found_arm
                        ::core::option::Option::None => {
                            #fill
                        }
                    },
                }
            }
            StmtKind::ReadExact { len } => {
                let len = self.expr(len);
                let goto = self.goto(next);
                quote! {
                    {
                        if self.buf.len() < #len {
                            #fill
                        } else {
                            #goto
                        }
                    }
                }
            }
            StmtKind::Write { bytes: expr } => {
                let expr = self.expr(expr);
                // A finished machine is never resumed: no need to reset the progress at the end.
                let reset = (next != END).then(|| quote!(self.written = 0;));
                let goto = self.goto(next);
                // Spanned on the step, so a non-`&[u8]` argument is explained at `write`. The
                // rest keeps the macro's span: lints about generated code are not the user's.
                let bind = quote_spanned!(span=> let #bytes: &[u8] = #expr;);
                quote! {
                    {
                        #bind
                        while self.written < #bytes.len() {
                            self.written += ::core::task::ready!(#io.poll_write(&#bytes[self.written..]))?;
                        }
                        #reset
                        #goto
                    }
                }
            }
            // Entering `Yield` deferred and returned `Pending` (see `goto`); resuming continues
            // at the next node, which may itself be a state (another wait).
            _ => {
                let body = self.goto(next);
                quote!({ #body })
            }
        }
    }

    /// Code that continues at `node`: enter its state, or run it inline.
    fn goto(&self, node: NodeId) -> TokenStream {
        if self.plan.states[node].is_none() {
            return self.inline(node);
        }
        let state = &self.names.state;
        let name = self.state_name(node);
        match &self.graph.nodes[node] {
            Node::Wait { stmt, .. } if matches!(stmt.kind, StmtKind::YieldNow) => {
                let io = &self.idents.io;
                quote! {
                    #io.defer();
                    self.state = #state::#name;
                    return ::core::task::Poll::Pending;
                }
            }
            _ => quote!(self.state = #state::#name;),
        }
    }

    /// A node's own code followed by where it continues. Straight runs of statements are
    /// collected in a loop; only branches recurse.
    fn inline(&self, mut node: NodeId) -> TokenStream {
        let mut out = TokenStream::new();
        let mut first = true;
        loop {
            if !first && self.plan.states[node].is_some() {
                out.extend(self.goto(node));
                return out;
            }
            first = false;
            match &self.graph.nodes[node] {
                Node::End => {
                    out.extend(
                        quote!(return ::core::task::Poll::Ready(::core::result::Result::Ok(()));),
                    );
                    return out;
                }
                Node::Nop { next, .. } => node = *next,
                Node::Code { stmt, next } => {
                    out.extend(self.native(stmt));
                    node = *next;
                }
                Node::ForInit { stmt, next } => {
                    let StmtKind::For { range, .. } = &stmt.kind else {
                        unreachable!("ForInit is made from a for loop")
                    };
                    let field = &self.slots.ranges[&stmt.source.ordinal];
                    let (start, end) = (self.expr(&range.start), self.expr(&range.end));
                    let value = if range.inclusive {
                        quote!(::core::ops::RangeInclusive::new(#start, #end))
                    } else {
                        quote!(#start..#end)
                    };
                    out.extend(quote!(self.#field = #value;));
                    node = *next;
                }
                Node::ForNext { stmt, body, after } => {
                    let StmtKind::For { var, .. } = &stmt.kind else {
                        unreachable!("ForNext is made from a for loop")
                    };
                    let field = &self.slots.ranges[&stmt.source.ordinal];
                    let value = &self.idents.value;
                    let (pattern, store) = match var {
                        Some(var) => (quote!(#value), self.store(*var, value)),
                        None => (quote!(_), TokenStream::new()),
                    };
                    let (body, after) = (self.goto(*body), self.goto(*after));
                    out.extend(quote! {
                        match self.#field.next() {
                            ::core::option::Option::Some(#pattern) => {
                                #store
                                #body
                            }
                            ::core::option::Option::None => {
                                #after
                            }
                        }
                    });
                    return out;
                }
                Node::Branch {
                    cond,
                    then,
                    otherwise,
                    ..
                } => {
                    let cond = self.expr(cond);
                    let then = self.goto(*then);
                    // The next arm of an `if` chain reads as `else if`.
                    let chained = self.plan.states[*otherwise].is_none()
                        && matches!(
                            self.graph.nodes[*otherwise],
                            Node::Branch {
                                kind: BranchKind::If,
                                ..
                            }
                        );
                    let otherwise = self.goto(*otherwise);
                    let otherwise = if chained {
                        otherwise
                    } else {
                        quote!({ #otherwise })
                    };
                    out.extend(quote! {
                        if #cond {
                            #then
                        } else #otherwise
                    });
                    return out;
                }
                Node::Wait { .. } => unreachable!("a wait is always a state"),
            }
        }
    }

    /// `self.end = found;`, spanned on the binding's type so a mismatch points there.
    fn store(&self, bind: BindingId, value: &Ident) -> TokenStream {
        match &self.slots.bindings[bind] {
            Slot::Field(field) => quote_spanned!(field.span()=> self.#field = #value;),
            Slot::Local => unreachable!("a read's binding is always a field"),
        }
    }

    /// A statement without I/O as plain Rust (it may contain loops and branches, but no wait,
    /// and no `break`/`continue` leaving it — those are edges of the graph instead).
    fn native(&self, stmt: &Stmt) -> TokenStream {
        match &stmt.kind {
            StmtKind::Let { bind, init } => {
                let init = self.expr(init);
                let Slot::Field(field) = &self.slots.bindings[*bind] else {
                    unreachable!("a `let` binding is always a field");
                };
                quote!(self.#field = #init;)
            }
            StmtKind::Consume { len } => {
                let len = self.expr(len);
                quote!(self.buf.consume(#len);)
            }
            StmtKind::ReadUntil { .. }
            | StmtKind::ReadExact { .. }
            | StmtKind::Write { .. }
            | StmtKind::YieldNow => unreachable!("a wait is never native"),
            _ => self.plain(stmt),
        }
    }
}

impl RenderPlain for Emitter<'_> {
    /// A user expression with `buf` → `self.buf.filled()` and bindings → `self.field`.
    fn expr(&self, expr: &UserExpr) -> TokenStream {
        lower(expr, &|hole: &Hole| {
            let span = hole.ident.span();
            match hole.target {
                HoleTarget::Buf => quote_spanned!(span=> self.buf.filled()),
                HoleTarget::Binding(id) => match &self.slots.bindings[id] {
                    Slot::Field(field) => {
                        let mut field = field.clone();
                        field.set_span(span);
                        quote_spanned!(span=> self.#field)
                    }
                    Slot::Local => hole.ident.to_token_stream(),
                },
            }
        })
    }

    fn block(&self, block: &Block) -> TokenStream {
        block.stmts.iter().map(|stmt| self.native(stmt)).collect()
    }

    fn bindings(&self) -> &[Binding] {
        self.bindings
    }
}
