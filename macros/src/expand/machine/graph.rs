//! The control-flow graph of the scenario: one node per wait point, plain statement, branch
//! and `for` step (see the module docs of `machine`), built from the checked tree, which is
//! all it imports.

use crate::internals::ast::{Block, Stmt, StmtKind, UserExpr};
use crate::internals::source::Source;

pub type NodeId = usize;

/// The end of the scenario: always node 0.
pub const END: NodeId = 0;
/// An edge not known yet (a loop's body, patched once built).
pub const PATCH: NodeId = usize::MAX;

/// A node of the graph: what runs there, and where it continues.
pub enum Node<'a> {
    /// `return Poll::Ready(Ok(()))`.
    End,
    /// A wait point: always a state.
    Wait { stmt: &'a Stmt, next: NodeId },
    /// A plain statement (see `plain`), emitted as ordinary Rust in one piece.
    Plain { stmt: &'a Stmt, next: NodeId },
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
    /// A `match` with a wait or a jump in some arm: each arm's entry.
    Match { stmt: &'a Stmt, arms: Vec<NodeId> },
    /// Nothing to do: the head of a `loop`, or the start.
    Nop {
        source: Option<&'a Source>,
        next: NodeId,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BranchKind {
    If,
    While,
}

impl Node<'_> {
    pub fn succs(&self) -> Vec<NodeId> {
        match self {
            Node::End => Vec::new(),
            Node::Wait { next, .. }
            | Node::Plain { next, .. }
            | Node::ForInit { next, .. }
            | Node::Nop { next, .. } => vec![*next],
            Node::ForNext { body, after, .. } => vec![*body, *after],
            Node::Branch {
                then, otherwise, ..
            } => vec![*then, *otherwise],
            Node::Match { arms, .. } => arms.clone(),
        }
    }

    /// Size of the node's own code, for the inlining limit.
    pub fn weight(&self) -> usize {
        match self {
            Node::Nop { .. } | Node::Wait { .. } => 0,
            _ => 1,
        }
    }
}

/// Whether a wait evaluates a computed argument where it begins (in the code that enters its
/// state), so that it cannot be the machine's first state.
pub fn evaluates_on_entry(stmt: &Stmt) -> bool {
    // A step function's call makes its sub-machine where the step begins.
    matches!(stmt.kind, StmtKind::Call { .. })
        || stmt.kind.wait_argument().is_some_and(|expr| expr.computed)
}

/// A loop around the statement being lowered: where its `break` and `continue` go.
pub struct LoopTargets {
    break_to: NodeId,
    continue_to: NodeId,
}

pub struct Graph<'a> {
    pub nodes: Vec<Node<'a>>,
    /// Sort key of each node (source order), for naming states.
    pub order: Vec<(usize, u8)>,
    /// Nodes that must be inlined, never states of their own: the code of a `match` arm
    /// before its first wait, which uses the names the arm's pattern binds.
    pub pinned: Vec<bool>,
    /// The loops around the statement being lowered, outermost first (a jump's depth indexes
    /// it).
    pub loops: Vec<LoopTargets>,
}

impl<'a> Graph<'a> {
    pub fn new() -> Self {
        Graph {
            nodes: vec![Node::End],
            order: vec![(usize::MAX, 0)],
            pinned: vec![false],
            loops: Vec::new(),
        }
    }

    pub fn push(&mut self, node: Node<'a>, order: (usize, u8)) -> NodeId {
        self.nodes.push(node);
        self.order.push(order);
        self.pinned.push(false);
        self.nodes.len() - 1
    }

    /// Lowers `block`, which continues at `next`; returns its entry node.
    pub fn block(&mut self, block: &'a Block, next: NodeId) -> NodeId {
        block
            .stmts
            .iter()
            .rev()
            .fold(next, |next, stmt| self.stmt(stmt, next))
    }

    pub fn stmt(&mut self, stmt: &'a Stmt, next: NodeId) -> NodeId {
        let order = (stmt.source.ordinal, 0);
        if !stmt.waits && !stmt.escapes {
            return self.push(Node::Plain { stmt, next }, order);
        }
        match &stmt.kind {
            StmtKind::ReadUntil { .. }
            | StmtKind::ReadExact { .. }
            | StmtKind::Write { .. }
            | StmtKind::YieldNow
            | StmtKind::NextRequest { .. }
            | StmtKind::Call { .. } => self.push(Node::Wait { stmt, next }, order),
            // `validate` resolved each jump to a loop around it, all of them lowered here.
            StmtKind::Break(jump) => self
                .loops
                .get(jump.depth)
                .map_or(next, |targets| targets.break_to),
            StmtKind::Continue(jump) => self
                .loops
                .get(jump.depth)
                .map_or(next, |targets| targets.continue_to),
            StmtKind::Return => END,
            StmtKind::Match { arms, .. } => {
                let arms = arms.iter().map(|arm| self.arm(&arm.body, next)).collect();
                self.push(Node::Match { stmt, arms }, order)
            }
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
            StmtKind::While { cond, body, .. } => {
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
            StmtKind::Loop { body, .. } => {
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
            // Statements without a wait never escape: they are `Plain` above.
            StmtKind::Consume { .. } | StmtKind::Let { .. } | StmtKind::Compute { .. } => {
                self.push(Node::Plain { stmt, next }, order)
            }
        }
    }

    /// A `match` arm's body, its code before the first wait pinned (see [`Graph::pinned`]).
    fn arm(&mut self, body: &'a Block, next: NodeId) -> NodeId {
        let first_wait = body
            .stmts
            .iter()
            .position(|stmt| stmt.waits)
            .unwrap_or(body.stmts.len());
        let mut entry = next;
        for (index, stmt) in body.stmts.iter().enumerate().rev() {
            let before = self.nodes.len();
            entry = self.stmt(stmt, entry);
            if index < first_wait {
                self.pinned[before..].fill(true);
            }
        }
        entry
    }

    pub fn loop_body(&mut self, body: &'a Block, head: NodeId, after: NodeId) -> NodeId {
        self.loops.push(LoopTargets {
            break_to: after,
            continue_to: head,
        });
        let entry = self.block(body, head);
        self.loops.pop();
        entry
    }
}
