//! The scenario as a tree: data only, what `parse` recognised in the fn.
//!
//! Every node keeps the syn tokens it came from (and so their spans) and its [`Source`], so
//! errors point at the user's own tokens and the generated docs can quote the user's lines.
//! `parse` builds it, `validate` checks it (and fills in the facts marked below), and the back
//! ends read it through `validate::Checked`. Imports only `syn` and `source`.

use syn::{
    Attribute, Expr, Ident, Label, Lifetime, LitByteStr, Pat, Signature, Token, Type, Visibility,
};

use crate::internals::source::Source;

/// A parsed scenario: the fn's outside and the body as steps.
pub struct Scenario {
    /// The fn's attributes (docs and all), kept on the generated fn.
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    /// The fn's signature as written (`fn echo()`), for `validate` to check it is plain.
    pub sig: Signature,
    pub body: Block,
    /// Every binding the body declares (`let`s and loop variables), indexed by [`BindingId`].
    pub bindings: Vec<Binding>,
    /// The name and type of each `let` that `parse` dropped because its value is no valid
    /// step (none, a step that returns nothing, an unknown step): not bindings, but `validate`
    /// still checks them, so their other mistakes are reported in the same compile.
    pub dropped_lets: Vec<(Ident, Type)>,
    /// A step function's parameters, in order, then the binding its `return EXPR;` assigns
    /// (if it returns a value): in scope from the start of the body. Empty for a scenario.
    pub params: Vec<BindingId>,
    /// A step function's hidden return binding, the last of [`Scenario::params`].
    pub ret: Option<BindingId>,
}

/// Index into [`Scenario::bindings`].
pub type BindingId = usize;

/// A name the scenario declares: `let NAME: TYPE = …`, `let NAME: usize = read_until(…)`, or
/// the variable of a `for` loop.
pub struct Binding {
    /// As written (its span is the declaration's).
    pub ident: Ident,
    pub mutability: Option<Token![mut]>,
    /// As written; `usize` (spanned on the variable) for a loop variable.
    pub ty: Type,
    pub kind: BindingKind,
    /// The declaring statement.
    pub source: Source,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BindingKind {
    /// `let NAME: TYPE = EXPR;`
    Let,
    /// `let NAME: usize = read_until(…);`
    ReadUntil,
    /// `for NAME in a..b`
    LoopVar,
    /// `let NAME: bool = next_request();`, or the hidden one of `while next_request()`.
    NextRequest,
    /// A step function's parameter `NAME: TYPE`, or its hidden return binding.
    Param,
}

/// A `{ … }` of scenario statements.
pub struct Block {
    pub stmts: Vec<Stmt>,
}

/// One scenario statement.
pub struct Stmt {
    pub kind: StmtKind,
    pub source: Source,
    /// Filled in by `validate`: whether a wait point (an I/O step) lies inside.
    pub waits: bool,
    /// Filled in by `validate`: whether a `break`/`continue` inside leaves this statement (it
    /// targets a loop around it).
    pub escapes: bool,
    /// Filled in by `validate`: whether it never runs to its end (`return`, a jump, a `loop`
    /// no `break` leaves, a branch whose every arm diverges).
    pub diverges: bool,
}

pub enum StmtKind {
    /// `read_until(DELIM);`, `let NAME: usize = read_until(DELIM);` or
    /// `NAME = read_until(DELIM);`: a wait point.
    ReadUntil {
        delim: Delim,
        bind: Option<BindingId>,
        /// `NAME = read_until(…)`: the existing binding the offset is assigned to (`validate`
        /// resolves it to a hole, and checks it is a `mut` binding).
        assign: Option<UserExpr>,
    },
    /// `read_exact(N);`: a wait point.
    ReadExact {
        len: UserExpr,
    },
    /// `write(BYTES);`: a wait point.
    Write {
        bytes: UserExpr,
    },
    /// `consume(N);`: not a wait point.
    Consume {
        len: UserExpr,
    },
    /// `yield_now();`: a wait point.
    YieldNow,
    /// `let NAME: bool = next_request();` (or the step alone): a wait point, until `buf`
    /// holds a byte (`true`) or the peer closed the connection between requests (`false`).
    /// `while next_request() { … }` is a `loop` that begins with one and leaves on `false`.
    NextRequest {
        bind: Option<BindingId>,
    },
    /// `read_bulk(ARGS);` or `let NAME: TYPE = read_bulk(ARGS);`, a call of a step function
    /// listed in `steps = […]`: a wait point (the call's steps run on this connection).
    Call {
        /// The step function's name, as written at the call.
        callee: Ident,
        /// The whole call expression (its arguments' holes resolved by `validate`),
        /// evaluated once where the step begins.
        call: UserExpr,
        bind: Option<BindingId>,
    },
    /// `let NAME: TYPE = EXPR;` without I/O.
    Let {
        bind: BindingId,
        init: UserExpr,
    },
    /// Any other expression statement: plain computation.
    Compute {
        expr: UserExpr,
    },
    /// `if C1 { … } else if C2 { … } else { … }`.
    If {
        arms: Vec<IfArm>,
        otherwise: Option<Block>,
    },
    While {
        label: Option<Label>,
        cond: UserExpr,
        body: Block,
    },
    Loop {
        label: Option<Label>,
        body: Block,
    },
    /// `for NAME in START..END` (or `..=`, or `_` for the name).
    For {
        label: Option<Label>,
        var: Option<BindingId>,
        range: Box<ForRange>,
        body: Block,
    },
    /// A bare `{ … }` inside the body.
    Block(Block),
    /// `break;` or `break 'label;`.
    Break(Jump),
    /// `continue;` or `continue 'label;`.
    Continue(Jump),
    /// `return;`: the connection ends `Ok`.
    Return,
    /// `match SCRUTINEE { PAT if GUARD => …, … }`; `if let`, `while let` and `let … else`
    /// become one too (see [`MatchOrigin`]).
    Match {
        scrutinee: UserExpr,
        arms: Vec<MatchArm>,
        origin: MatchOrigin,
    },
}

/// What a [`StmtKind::Match`] was written as.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum MatchOrigin {
    Match,
    /// `if let PAT = EXPR { … } else { … }`: the arms `PAT => …` and `_ => else`.
    IfLet,
    /// `while let PAT = EXPR { … }`: a `loop` around the arms `PAT => …` and `_ => break`.
    WhileLet,
    /// `let PAT = EXPR else { … };`: the arms `PAT => the rest of the block` and `_ => else`,
    /// which must diverge.
    LetElse,
}

/// One arm of a `match`. The names its pattern binds are locals of the arm, live until its
/// first wait (their types are not written, so the machine cannot hold them across one).
pub struct MatchArm {
    /// As written; it holds no uses of scenario names, only the names it binds.
    pub pat: Pat,
    pub guard: Option<UserExpr>,
    pub body: Block,
    pub source: Source,
}

/// Where a `break` or `continue` goes.
pub struct Jump {
    pub label: Option<Lifetime>,
    /// Filled in by `validate`: the loop it targets, by depth (0 is the outermost loop).
    pub depth: usize,
}

impl StmtKind {
    /// Whether it is a step that waits.
    pub fn is_wait(&self) -> bool {
        matches!(
            self,
            StmtKind::ReadUntil { .. }
                | StmtKind::ReadExact { .. }
                | StmtKind::Write { .. }
                | StmtKind::YieldNow
                | StmtKind::NextRequest { .. }
                | StmtKind::Call { .. }
        )
    }

    /// [`StmtKind::wait_argument`], to fill in a fact.
    pub fn wait_argument_mut(&mut self) -> Option<&mut UserExpr> {
        match self {
            StmtKind::ReadUntil {
                delim: Delim::Expr(expr),
                ..
            } => Some(expr),
            StmtKind::ReadExact { len: expr } | StmtKind::Write { bytes: expr } => Some(expr),
            _ => None,
        }
    }

    /// The argument of a wait that has an expression for one (a delimiter given by an
    /// expression, a length, the bytes to write).
    pub fn wait_argument(&self) -> Option<&UserExpr> {
        match self {
            StmtKind::ReadUntil {
                delim: Delim::Expr(expr),
                ..
            } => Some(expr),
            StmtKind::ReadExact { len: expr } | StmtKind::Write { bytes: expr } => Some(expr),
            _ => None,
        }
    }
}

/// One `if COND { … }` (or `else if`) of an `if` chain.
pub struct IfArm {
    pub cond: UserExpr,
    pub body: Block,
    pub source: Source,
}

/// The range of a `for` loop: always a range of `usize`.
pub struct ForRange {
    pub start: UserExpr,
    pub end: UserExpr,
    /// `a..=b`
    pub inclusive: bool,
}

/// What `read_until` looks for.
pub enum Delim {
    /// A literal (`b'\n'` becomes `b"\n"` with the same span).
    Bytes(LitByteStr),
    /// Anything implementing `::twinbench::__private::Delimiter`.
    Expr(Box<UserExpr>),
}

/// A Rust expression from the user. After `validate`, every use of `buf` or of a scenario
/// binding in it is a [`Hole`]: a marker ident the back ends replace with their own lowering
/// (`self.buf.filled()` and `self.end` in the machine; `buf.filled()` and `end` in the async fn).
pub struct UserExpr {
    pub expr: Expr,
    pub holes: Vec<Hole>,
    /// Filled in by `validate`: the prefix of this expression's hole markers (`marker` then the
    /// hole's index), chosen so that no identifier the user wrote in it starts with it: a user
    /// item named like a marker is never taken for one.
    pub marker: String,
    /// Filled in by `validate` for a wait's argument: whether it computes something (calls a
    /// function, a macro, a method that is not a view, …), so both twins evaluate it once
    /// where the step begins and hold the result across the wait. Otherwise it only names
    /// data (`&buf[..end]`, `reply.as_bytes()`, `b"ok"`), and the machine re-derives it when
    /// it resumes, as a person re-slices `&self.buf[..self.end]`.
    pub computed: bool,
}

impl UserExpr {
    /// Whether `ident` is one of this expression's hole markers (not a user's name).
    pub fn hole_index(&self, ident: &str) -> Option<usize> {
        if self.marker.is_empty() {
            return None;
        }
        ident.strip_prefix(&self.marker)?.parse().ok()
    }

    pub fn new(expr: Expr) -> Self {
        UserExpr {
            expr,
            holes: Vec::new(),
            marker: String::new(),
            computed: false,
        }
    }
}

/// A name in a user expression that each back end lowers its own way.
pub struct Hole {
    /// The user's token (its span is the use site).
    pub ident: Ident,
    pub target: HoleTarget,
}

#[derive(Clone, Copy)]
pub enum HoleTarget {
    /// `buf`: the received, unconsumed bytes.
    Buf,
    /// `conn()`: the connection's index (accept order, from 0). The hole's ident is `conn`.
    Conn,
    Binding(BindingId),
}
