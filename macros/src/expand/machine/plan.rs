//! Which nodes of the graph are states, and their names: every wait, plus the control states
//! that break wait-free cycles and keep large shared code from being copied (see the module
//! docs of `machine`). Imports `graph`, the tree and `names`.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Ident, Span};

use super::graph::{BranchKind, Graph, Node, NodeId, evaluates_on_entry};
use syn::Expr;
use syn::ext::IdentExt;

use crate::internals::ast::{Delim, MatchOrigin, StmtKind, UserExpr};
use crate::names::{is_identifier, upper_camel};

/// Inlined code larger than this (in nodes) gets a state of its own when several paths reach
/// it, rather than being copied into each.
pub const INLINE_LIMIT: usize = 4;

/// Which nodes are states, why, and which is first.
pub struct Plan {
    pub states: Vec<Option<StateKind>>,
    pub initial: NodeId,
    /// The reachable states in source order, with their variant names.
    pub names: Vec<(NodeId, Ident)>,
}

/// How the planner's walk found a node along an edge.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Found {
    /// Not yet: the walk enters it now.
    New,
    /// On the current path: the edge closes a cycle.
    OnPath,
    /// Entered and finished before.
    Done,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum StateKind {
    Wait,
    Start,
    /// A path from it comes back to it without waiting.
    Cycle,
    /// Several paths reach it and its code is not small.
    Shared,
}

impl Graph<'_> {
    /// Chooses the states (see the module docs) and names them.
    pub fn plan(&mut self, entry: NodeId) -> Plan {
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
        let starts_waiting = matches!(self.nodes[first], Node::Wait { stmt, .. }
            if !matches!(stmt.kind, StmtKind::YieldNow) && !evaluates_on_entry(stmt));
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
            for succ in self.nodes[node].succs() {
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
        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut taken: HashSet<String> = HashSet::new();
        let names = reachable
            .into_iter()
            .map(|node| {
                let base = self.state_base_name(node);
                let count = counts.entry(base.clone()).or_default();
                let mut name = String::new();
                while name.is_empty() || !taken.insert(name.clone()) {
                    *count += 1;
                    name = if *count == 1 {
                        base.clone()
                    } else {
                        format!("{base}{count}")
                    };
                }
                (node, Ident::new(&name, Span::call_site()))
            })
            .collect();
        Plan {
            states,
            initial,
            names,
        }
    }

    /// The one depth-first walk of the planner: over the inlined edges (those into nodes that
    /// are not states, as `states` says at each step), from every state in node order, each
    /// node entered once. `edge` sees every inlined edge's target and how the walk found it,
    /// and may make states (the walk then stops following edges into them); `done` sees each
    /// node once its successors are done (post-order).
    fn walk_inlined(
        &self,
        states: &mut [Option<StateKind>],
        mut edge: impl FnMut(&mut [Option<StateKind>], NodeId, Found),
        mut done: impl FnMut(NodeId),
    ) {
        let mut found = vec![Found::New; self.nodes.len()];
        let roots: Vec<NodeId> = (0..self.nodes.len())
            .filter(|&n| states[n].is_some())
            .collect();
        for root in roots {
            if found[root] != Found::New {
                continue;
            }
            found[root] = Found::OnPath;
            let mut stack = vec![(root, 0usize)];
            while let Some((node, index)) = stack.last_mut() {
                let node = *node;
                let succs = self.nodes[node].succs();
                if *index < succs.len() {
                    let succ = succs[*index];
                    *index += 1;
                    if states[succ].is_some() {
                        continue;
                    }
                    edge(states, succ, found[succ]);
                    if found[succ] == Found::New {
                        found[succ] = Found::OnPath;
                        stack.push((succ, 0));
                    }
                } else {
                    found[node] = Found::Done;
                    done(node);
                    stack.pop();
                }
            }
        }
    }

    /// Makes a state of every node that a wait-free path leads back to (a back edge of the
    /// walk): inlining it would never end.
    pub fn break_cycles(&self, states: &mut [Option<StateKind>]) {
        self.walk_inlined(
            states,
            |states, succ, found| {
                if found == Found::OnPath {
                    states[succ] = Some(StateKind::Cycle);
                }
            },
            |_| {},
        );
    }

    /// Makes a state of every node reached by several inlined paths whose inlined code would
    /// exceed [`INLINE_LIMIT`] nodes. The inlined edges form a DAG once cycles are broken;
    /// sizes are computed leaves first.
    pub fn limit_copies(&self, states: &mut [Option<StateKind>]) {
        let count = self.nodes.len();
        let mut post = Vec::with_capacity(count);
        let mut preds = vec![0usize; count];
        self.walk_inlined(
            states,
            |_, succ, _| preds[succ] += 1,
            |node| post.push(node),
        );
        let mut cost = vec![0usize; count];
        for node in post {
            let size = self.nodes[node].succs().into_iter().fold(
                self.nodes[node].weight(),
                |size, succ| {
                    size.saturating_add(if states[succ].is_some() {
                        0
                    } else {
                        cost[succ]
                    })
                },
            );
            if states[node].is_none()
                && !self.pinned[node]
                && preds[node] >= 2
                && size > INLINE_LIMIT
            {
                states[node] = Some(StateKind::Shared);
            }
            cost[node] = if states[node].is_some() { 0 } else { size };
        }
    }

    /// A state's name before numbering: its step, and for a wait whose argument is one name
    /// (`write(reply.as_bytes())`, `read_exact(len)`, `read_until(SEMICOLON)`) what it waits
    /// for: `WriteReply`, `ReadExactLen`, `ReadUntilSemicolon`.
    pub fn state_base_name(&self, node: NodeId) -> String {
        // A step function's call is named after the function: `ReadBulk`.
        if let Node::Wait { stmt, .. } = &self.nodes[node]
            && let StmtKind::Call { callee, .. } = &stmt.kind
        {
            let name = upper_camel(&callee.unraw().to_string());
            if is_identifier(&name) {
                return name;
            }
        }
        let step = self.step_name(node);
        let waited = match &self.nodes[node] {
            Node::Wait { stmt, .. } => match &stmt.kind {
                StmtKind::ReadUntil {
                    delim: Delim::Expr(expr),
                    ..
                } => single_name(expr),
                StmtKind::ReadExact { len: expr } | StmtKind::Write { bytes: expr } => {
                    single_name(expr)
                }
                _ => None,
            },
            _ => None,
        };
        // A name whose words do not make identifier characters is left out (the step's name
        // alone is always an identifier).
        match waited.map(|name| format!("{step}{}", state_word(&name))) {
            Some(name) if is_identifier(&name) => name,
            _ => step.to_owned(),
        }
    }

    fn step_name(&self, node: NodeId) -> &'static str {
        match &self.nodes[node] {
            Node::Wait { stmt, .. } | Node::Plain { stmt, .. } => match &stmt.kind {
                StmtKind::ReadUntil { .. } => "ReadUntil",
                StmtKind::ReadExact { .. } => "ReadExact",
                StmtKind::Write { .. } => "Write",
                StmtKind::YieldNow => "Yield",
                StmtKind::NextRequest { .. } => "NextRequest",
                StmtKind::Consume { .. } => "Consume",
                StmtKind::Let { .. } => "Let",
                StmtKind::Compute { .. } => "Run",
                StmtKind::If { .. } => "If",
                StmtKind::While { .. } => "While",
                StmtKind::Loop { .. } => "Loop",
                StmtKind::For { .. } => "For",
                StmtKind::Block(_) => "Block",
                StmtKind::Break(_) => "Break",
                StmtKind::Continue(_) => "Continue",
                StmtKind::Return => "Return",
                StmtKind::Call { .. } => "Call",
                StmtKind::Match { origin, .. } => origin_name(*origin),
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
            Node::Match { stmt, .. } => match &stmt.kind {
                StmtKind::Match { origin, .. } => origin_name(*origin),
                _ => "Match",
            },
            Node::Nop {
                source: Some(_), ..
            } => "Loop",
            Node::Nop { source: None, .. } => "Start",
            Node::End => "End",
        }
    }
}

/// The state name of what a `match` was written as.
fn origin_name(origin: MatchOrigin) -> &'static str {
    match origin {
        MatchOrigin::Match => "Match",
        MatchOrigin::IfLet => "IfLet",
        MatchOrigin::WhileLet => "WhileLet",
        MatchOrigin::LetElse => "LetElse",
    }
}

/// The name an argument is, if it is one: `reply`, `&reply`, `reply.as_bytes()`, `SEMICOLON`
/// (a binding or `buf`, resolved to a hole, by the user's own token).
fn single_name(expr: &UserExpr) -> Option<String> {
    let mut inner = &expr.expr;
    loop {
        inner = match inner {
            Expr::Reference(reference) => &reference.expr,
            Expr::Paren(paren) => &paren.expr,
            Expr::MethodCall(call) if call.args.is_empty() => &call.receiver,
            _ => break,
        };
    }
    match inner {
        Expr::Path(path) if path.qself.is_none() => {
            path.path.get_ident().map(|ident| ident.unraw().to_string())
        }
        Expr::Verbatim(_) => match expr.holes.as_slice() {
            [hole] => Some(hole.ident.unraw().to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// `reply_head` → `ReplyHead`, `LARGE_BODY` → `LargeBody`.
fn state_word(name: &str) -> String {
    if name.chars().any(char::is_lowercase) {
        upper_camel(name)
    } else {
        upper_camel(&name.to_lowercase())
    }
}
