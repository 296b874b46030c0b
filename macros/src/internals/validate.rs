//! Checks the parsed scenario's meaning and resolves its names, producing the checked tree
//! both back ends read: the signature is a plain `fn()`, each binding has a usable name and a
//! type that can be a field of the machine, every name is in scope, `break`/`continue` are in
//! a loop (its label, if it names one, on a loop around it), a step's value is assigned only to
//! a `mut` binding. The back ends check nothing again.
//!
//! Scoping follows Rust: a `let` is visible from the next statement to the end of its block, a
//! loop variable inside its loop; a later `let` of the same name shadows. A name that matches
//! some binding of the scenario but none in scope at its use is an error; names that match no
//! binding (module consts and fns) are left alone.
//!
//! Imports `ast`, `attr` (the checked arguments travel with the tree), `ctxt` and `resolve`.

use std::collections::{BTreeSet, HashSet};

use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::{BinOp, Expr, Ident, Label, Signature, Type};

use proc_macro2::{TokenStream, TokenTree};

use crate::internals::ast::{
    Binding, BindingId, BindingKind, Block, Delim, HoleTarget, Jump, MatchArm, MatchOrigin,
    Scenario, Stmt, StmtKind, UserExpr,
};
use crate::internals::attr::Args;
use crate::internals::ctxt::Ctxt;
use crate::internals::resolve::{self, Scope};

/// A scenario with no errors: names resolved, `waits`/`escapes`/`diverges` facts filled in. Only
/// [`check`] makes one, so a back end holding it knows there is nothing left to check.
pub struct Checked {
    pub scenario: Scenario,
    pub args: Args,
    /// Whether the body can run to its end (it does not when it ends in a `loop` no `break`
    /// leaves, or in `return`): the async twin ends in `Ok(())` only then, so an endless
    /// scenario raises no `unreachable expression` warning.
    pub falls_through: bool,
    /// Private: no other module can build a `Checked`.
    _sealed: (),
}

/// Checks `scenario`, reporting every error at once (its arguments' too: `attr::parse`
/// recorded them in `cx`).
pub fn check(cx: Ctxt, scenario: Scenario, args: Args) -> syn::Result<Checked> {
    check_signature(&cx, &scenario.sig);
    check_body(cx, scenario, args)
}

/// Checks a `#[step]` fn (see [`parse::step_fn`](crate::internals::parse::step_fn)): a plain
/// fn whose parameters and return type are bindings (named as bindings are, of types the
/// machine can hold), and whose body is checked as a scenario's, its parameters in scope.
pub fn check_step(cx: Ctxt, scenario: Scenario, steps: Vec<Ident>) -> syn::Result<Checked> {
    check_step_signature(&cx, &scenario.sig);
    check_body(cx, scenario, Args::for_step(steps))
}

fn check_step_signature(cx: &Ctxt, sig: &Signature) {
    if let Some(token) = &sig.constness {
        cx.error_spanned_by(token, "a step function is a plain `fn`: remove `const`");
    }
    if let Some(token) = &sig.asyncness {
        cx.error_spanned_by(
            token,
            "a step function is a plain `fn`: remove `async` (the macro writes the async twin \
             itself)",
        );
    }
    if let Some(token) = &sig.unsafety {
        cx.error_spanned_by(token, "a step function is a plain `fn`: remove `unsafe`");
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(abi, "a step function is a plain `fn`: remove the ABI");
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(&sig.generics, "a step function cannot be generic");
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, "a step function cannot be variadic");
    }
}

fn check_body(cx: Ctxt, mut scenario: Scenario, args: Args) -> syn::Result<Checked> {
    for binding in &scenario.bindings {
        check_binding(&cx, &binding.ident, &binding.ty);
        if binding.kind == BindingKind::NextRequest && !is_bool(&binding.ty) {
            cx.error_spanned_by(
                &binding.ty,
                "`next_request` says whether a request follows: write \
                 `let NAME: bool = next_request();`",
            );
        }
        if binding.kind == BindingKind::ReadUntil && !is_usize(&binding.ty) {
            cx.error_spanned_by(
                &binding.ty,
                "`read_until` returns the end offset in `buf`: write \
                 `let NAME: usize = read_until(…);`",
            );
        }
    }
    for (ident, ty) in &scenario.dropped_lets {
        check_binding(&cx, ident, ty);
    }
    let names = scenario
        .bindings
        .iter()
        .map(|binding| binding.ident.unraw().to_string())
        .collect();
    let mut validator = Validator {
        cx: &cx,
        bindings: &scenario.bindings,
        names,
        scopes: Vec::new(),
        loops: Vec::new(),
    };
    // A step function's parameters (and return binding) are in scope from the start.
    validator.scopes.push(Vec::new());
    for &param in &scenario.params {
        validator.declare(param);
    }
    let falls_through = !validator.block(&mut scenario.body).diverges;
    cx.check()?;
    Ok(Checked {
        scenario,
        args,
        falls_through,
        _sealed: (),
    })
}

/// A binding's name and type (a loop variable's is `usize`, spanned on the variable).
fn check_binding(cx: &Ctxt, ident: &Ident, ty: &Type) {
    check_binding_name(cx, ident);
    check_field_type(cx, ty);
}

struct Validator<'a> {
    cx: &'a Ctxt,
    bindings: &'a [Binding],
    /// Every binding name of the scenario, in scope or not.
    names: HashSet<String>,
    /// Names in scope, innermost block last.
    scopes: Vec<Vec<(String, Name)>>,
    /// Scenario loops around the current statement, outermost first, with their labels.
    loops: Vec<Option<String>>,
}

/// What a name in scope is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Name {
    Binding(BindingId),
    /// Bound by a `match` arm's pattern; `false` once the arm has waited.
    Pattern(bool),
}

impl Validator<'_> {
    fn innermost(&self, name: &str) -> Option<Name> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.iter().rev())
            .find(|(n, _)| n == name)
            .map(|&(_, found)| found)
    }
}

impl Scope for Validator<'_> {
    fn lookup(&self, name: &str) -> Option<BindingId> {
        match self.innermost(name)? {
            Name::Binding(id) => Some(id),
            Name::Pattern(_) => None,
        }
    }

    fn is_binding_name(&self, name: &str) -> bool {
        self.names.contains(name) && !matches!(self.innermost(name), Some(Name::Pattern(_)))
    }

    fn pattern(&self, name: &str) -> Option<bool> {
        match self.innermost(name)? {
            Name::Pattern(live) => Some(live),
            Name::Binding(_) => None,
        }
    }
}

/// What lies inside a statement, for `Stmt::waits` and `Stmt::escapes`.
#[derive(Clone, Default)]
struct Facts {
    waits: bool,
    /// The outermost place a jump inside goes to: 0 for `return` (out of the scenario),
    /// `depth + 1` for a `break`/`continue` of the loop at `depth`.
    reach: Option<usize>,
    /// The depths of the loops a `break` inside leaves.
    breaks: BTreeSet<usize>,
    /// Whether it never runs to its end (Rust's divergence: `return`, `break`, `continue`, a
    /// `loop` no `break` leaves, an `if` whose every branch diverges, a block with such a
    /// statement).
    diverges: bool,
}

impl Facts {
    /// The facts of two statements in sequence (or, with `diverges` fixed by the caller, of
    /// alternatives).
    fn join(mut self, other: Facts) -> Facts {
        self.waits |= other.waits;
        self.reach = match (self.reach, other.reach) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.breaks.extend(other.breaks);
        self.diverges |= other.diverges;
        self
    }

    fn jump(reach: Option<usize>) -> Facts {
        Facts {
            reach,
            diverges: true,
            ..Facts::default()
        }
    }
}

impl Validator<'_> {
    /// Checks a block in a scope of its own.
    fn block(&mut self, block: &mut Block) -> Facts {
        self.scopes.push(Vec::new());
        let mut facts = Facts::default();
        for stmt in &mut block.stmts {
            facts = facts.join(self.stmt(stmt));
        }
        self.scopes.pop();
        facts
    }

    fn declare(&mut self, binding: BindingId) {
        let name = self.bindings[binding].ident.unraw().to_string();
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((name, Name::Binding(binding)));
        }
    }

    fn expr(&mut self, expr: &mut UserExpr) {
        resolve::resolve(self.cx, &*self, expr);
    }

    /// A wait's argument: resolved, and marked computed unless it only names data.
    fn wait_argument(&mut self, expr: &mut UserExpr) {
        self.expr(expr);
        expr.computed = !names_data(&expr.expr, &expr.marker);
    }

    /// A `match` arm: its pattern's names are locals until the arm's first wait, which is the
    /// last place they may be used (a step's argument that uses one is then evaluated where
    /// the step begins, and held). A compound statement with a wait inside cannot use them.
    fn arm(&mut self, arm: &mut MatchArm) -> Facts {
        let mut names = Vec::new();
        resolve::pattern_names(&arm.pat, &mut names);
        self.scopes.push(
            names
                .iter()
                .map(|name| (name.clone(), Name::Pattern(true)))
                .collect(),
        );
        if let Some(guard) = &mut arm.guard {
            self.expr(guard);
        }
        let mut facts = Facts::default();
        let mut live = true;
        self.scopes.push(Vec::new());
        for stmt in &mut arm.body.stmts {
            let step = live && stmt.kind.is_wait();
            if live && !step && contains_wait(stmt) {
                live = false;
                self.expire(&names);
            }
            if step && let Some(expr) = stmt.kind.wait_argument() {
                let uses = mentions(&expr.expr.to_token_stream(), &names);
                facts = facts.join(self.stmt(stmt));
                if uses && let Some(expr) = stmt.kind.wait_argument_mut() {
                    expr.computed = true;
                }
            } else {
                facts = facts.join(self.stmt(stmt));
            }
            if step {
                live = false;
                self.expire(&names);
            }
        }
        self.scopes.pop();
        self.scopes.pop();
        facts
    }

    /// Marks the pattern names of the arm being checked as no longer alive.
    fn expire(&mut self, names: &[String]) {
        let Some(scope) = self.scopes.iter_mut().rev().nth(1) else {
            return;
        };
        for (name, found) in scope.iter_mut() {
            if names.contains(name) {
                *found = Name::Pattern(false);
            }
        }
    }

    /// `NAME = read_until(…)`: `NAME` must be a `mut` binding in scope.
    fn assign_target(&mut self, target: &mut UserExpr) {
        self.expr(target);
        let name = target.expr.to_token_stream();
        match target.holes.as_slice() {
            [hole] => match hole.target {
                HoleTarget::Binding(id) if self.bindings[id].mutability.is_none() => {
                    self.cx.error_spanned_by(
                        &hole.ident,
                        format_args!(
                            "cannot assign twice to immutable binding `{}`: declare it \
                             `let mut {0}: usize = …;`",
                            hole.ident.unraw()
                        ),
                    );
                }
                HoleTarget::Binding(_) => {}
                HoleTarget::Buf => {
                    self.cx
                        .error_spanned_by(&hole.ident, "`buf` cannot be assigned to");
                }
                // A path is never `conn()`, a call.
                HoleTarget::Conn => {}
            },
            // Not `buf` nor a binding in scope (`resolve` reported one used out of scope).
            _ if !self.is_binding_name(&name.to_string()) => {
                self.cx.error_spanned_by(
                    name,
                    "a step's value is assigned to a binding of the scenario, declared before \
                     with `let mut NAME: usize = …;`",
                );
            }
            _ => {}
        }
    }

    /// A loop's body, one loop deeper; `label` names the loop. `endless` for `loop`, which
    /// diverges unless a `break` leaves it.
    fn loop_body(&mut self, label: Option<&Label>, body: &mut Block, endless: bool) -> Facts {
        let label = label.map(|label| label.name.ident.unraw().to_string());
        let depth = self.loops.len();
        self.loops.push(label);
        let mut facts = self.block(body);
        self.loops.pop();
        facts.diverges = endless && !facts.breaks.contains(&depth);
        facts.breaks.remove(&depth);
        // The loop's own `break`s and `continue`s stay inside it (inner loops kept theirs).
        if facts.reach == Some(depth + 1) {
            facts.reach = None;
        }
        facts
    }

    /// The loop a `break`/`continue` goes to, by depth, or an error if there is none.
    fn jump(&mut self, keyword: &str, jump: &mut Jump, span: proc_macro2::Span) -> Option<usize> {
        let depth = match &jump.label {
            None => self.loops.len().checked_sub(1),
            Some(label) => {
                let name = label.ident.unraw().to_string();
                let found = self
                    .loops
                    .iter()
                    .rposition(|known| known.as_deref() == Some(name.as_str()));
                if found.is_none() {
                    self.cx.error_spanned_by(
                        label,
                        format_args!("no loop labelled `{label}` around this `{keyword}`"),
                    );
                    return None;
                }
                found
            }
        };
        match depth {
            Some(depth) => jump.depth = depth,
            None => self
                .cx
                .error_at(span, format_args!("`{keyword}` outside of a loop")),
        }
        depth
    }

    fn stmt(&mut self, stmt: &mut Stmt) -> Facts {
        let wait = Facts {
            waits: true,
            ..Facts::default()
        };
        let plain = Facts::default();
        let facts = match &mut stmt.kind {
            StmtKind::ReadUntil {
                delim,
                bind,
                assign,
            } => {
                match delim {
                    Delim::Bytes(bytes) if bytes.value().is_empty() => {
                        self.cx.error_spanned_by(
                            &*bytes,
                            "empty delimiter: `read_until` needs at least one byte to look for",
                        );
                    }
                    Delim::Bytes(_) => {}
                    Delim::Expr(expr) => self.wait_argument(expr),
                }
                if let Some(target) = assign {
                    self.assign_target(target);
                }
                if let Some(bind) = *bind {
                    self.declare(bind);
                }
                wait
            }
            StmtKind::ReadExact { len } => {
                self.wait_argument(len);
                wait
            }
            StmtKind::Write { bytes } => {
                self.wait_argument(bytes);
                wait
            }
            StmtKind::Consume { len } => {
                self.expr(len);
                plain
            }
            StmtKind::YieldNow => wait,
            StmtKind::NextRequest { bind } => {
                if let Some(bind) = *bind {
                    self.declare(bind);
                }
                wait
            }
            StmtKind::Call { call, bind, .. } => {
                self.expr(call);
                if let Some(bind) = *bind {
                    self.declare(bind);
                }
                wait
            }
            StmtKind::Let { bind, init } => {
                self.expr(init);
                self.declare(*bind);
                plain
            }
            StmtKind::Compute { expr } => {
                self.expr(expr);
                plain
            }
            StmtKind::If { arms, otherwise } => {
                let mut facts = Facts::default();
                // Diverges only if every branch does, and there is an `else`.
                let mut every_branch = otherwise.is_some();
                for arm in arms {
                    self.expr(&mut arm.cond);
                    let arm = self.block(&mut arm.body);
                    every_branch &= arm.diverges;
                    facts = facts.join(arm);
                }
                if let Some(otherwise) = otherwise {
                    let otherwise = self.block(otherwise);
                    every_branch &= otherwise.diverges;
                    facts = facts.join(otherwise);
                }
                facts.diverges = every_branch;
                facts
            }
            StmtKind::While { label, cond, body } => {
                self.expr(cond);
                self.loop_body(label.as_ref(), body, false)
            }
            StmtKind::Loop { label, body } => self.loop_body(label.as_ref(), body, true),
            StmtKind::For {
                label,
                var,
                range,
                body,
            } => {
                self.expr(&mut range.start);
                self.expr(&mut range.end);
                self.scopes.push(Vec::new());
                if let Some(var) = *var {
                    self.declare(var);
                }
                let facts = self.loop_body(label.as_ref(), body, false);
                self.scopes.pop();
                facts
            }
            StmtKind::Block(block) => self.block(block),
            StmtKind::Break(jump) => {
                let depth = self.jump("break", jump, stmt.source.span);
                let mut facts = Facts::jump(depth.map(|d| d + 1));
                facts.breaks.extend(depth);
                facts
            }
            StmtKind::Continue(jump) => {
                Facts::jump(self.jump("continue", jump, stmt.source.span).map(|d| d + 1))
            }
            StmtKind::Return => Facts::jump(Some(0)),
            StmtKind::Match {
                scrutinee,
                arms,
                origin,
            } => {
                self.expr(scrutinee);
                let mut facts = Facts::default();
                let mut every_arm = true;
                let count = arms.len();
                for (index, arm) in arms.iter_mut().enumerate() {
                    let arm_facts = self.arm(arm);
                    if *origin == MatchOrigin::LetElse && index + 1 == count && !arm_facts.diverges
                    {
                        self.cx.error_at(
                            arm.source.span,
                            "the `else` of `let … else` must leave: end it with `return;`, \
                             `break;` or `continue;`",
                        );
                    }
                    every_arm &= arm_facts.diverges;
                    facts = facts.join(arm_facts);
                }
                // A `match` with no arm never completes (its scrutinee is uninhabited).
                facts.diverges = every_arm;
                facts
            }
        };
        stmt.waits = facts.waits;
        stmt.escapes = facts.reach.is_some();
        stmt.diverges = facts.diverges;
        // A jump that could not be resolved still marks its statement as escaping, so the
        // tree stays consistent; `check` fails on the error anyway.
        if matches!(stmt.kind, StmtKind::Break(_) | StmtKind::Continue(_)) {
            stmt.escapes = true;
        }
        facts
    }
}

/// Whether a statement has a wait inside (before `validate` fills in `Stmt::waits`).
fn contains_wait(stmt: &Stmt) -> bool {
    let block = |block: &Block| block.stmts.iter().any(contains_wait);
    match &stmt.kind {
        kind if kind.is_wait() => true,
        StmtKind::If { arms, otherwise } => {
            arms.iter().any(|arm| block(&arm.body)) || otherwise.as_ref().is_some_and(block)
        }
        StmtKind::While { body, .. }
        | StmtKind::Loop { body, .. }
        | StmtKind::For { body, .. }
        | StmtKind::Block(body) => block(body),
        StmtKind::Match { arms, .. } => arms.iter().any(|arm| block(&arm.body)),
        _ => false,
    }
}

/// Whether `tokens` name one of `names`.
fn mentions(tokens: &TokenStream, names: &[String]) -> bool {
    tokens.clone().into_iter().any(|token| match token {
        TokenTree::Ident(ident) => names.contains(&ident.unraw().to_string()),
        TokenTree::Group(group) => mentions(&group.stream(), names),
        _ => false,
    })
}

/// Whether a (resolved) wait argument only names data: literals, constants, `buf` and the
/// bindings, through `&`, parentheses, indexing and ranges, fields, arrays and tuples,
/// operators, casts and the
/// zero-argument views `as_*()`, `len()`, `is_empty()` and `to_{be,le,ne}_bytes()`. Those the
/// machine may re-derive on each resume with nothing anyone could observe (views are pure by
/// the naming convention of Rust APIs; inherent methods of slices and integers are). Anything
/// else may run the user's code, so it is evaluated once.
fn names_data(expr: &Expr, marker: &str) -> bool {
    let names_data = |expr: &Expr| names_data(expr, marker);
    match expr {
        Expr::Lit(_) | Expr::Path(_) => true,
        Expr::Verbatim(tokens) => tokens.to_string().starts_with(marker),
        Expr::Reference(expr) => expr.mutability.is_none() && names_data(&expr.expr),
        Expr::Paren(expr) => names_data(&expr.expr),
        Expr::Group(expr) => names_data(&expr.expr),
        Expr::Index(expr) => names_data(&expr.expr) && names_data(&expr.index),
        Expr::Range(expr) => [&expr.start, &expr.end]
            .into_iter()
            .all(|bound| bound.as_deref().is_none_or(&names_data)),
        Expr::Field(expr) => names_data(&expr.base),
        Expr::Array(expr) => expr.elems.iter().all(&names_data),
        Expr::Tuple(expr) => expr.elems.iter().all(&names_data),
        Expr::Repeat(expr) => names_data(&expr.expr) && names_data(&expr.len),
        Expr::Unary(expr) => names_data(&expr.expr),
        Expr::Cast(expr) => names_data(&expr.expr),
        Expr::Binary(expr) => {
            !is_assignment(&expr.op) && names_data(&expr.left) && names_data(&expr.right)
        }
        Expr::MethodCall(call) => {
            let method = call.method.unraw().to_string();
            let view = method.starts_with("as_")
                || matches!(
                    method.as_str(),
                    "len" | "is_empty" | "to_be_bytes" | "to_le_bytes" | "to_ne_bytes"
                );
            view && call.args.is_empty() && call.turbofish.is_none() && names_data(&call.receiver)
        }
        _ => false,
    }
}

fn is_assignment(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::AddAssign(_)
            | BinOp::SubAssign(_)
            | BinOp::MulAssign(_)
            | BinOp::DivAssign(_)
            | BinOp::RemAssign(_)
            | BinOp::BitXorAssign(_)
            | BinOp::BitAndAssign(_)
            | BinOp::BitOrAssign(_)
            | BinOp::ShlAssign(_)
            | BinOp::ShrAssign(_)
    )
}

fn check_signature(cx: &Ctxt, sig: &Signature) {
    if let Some(token) = &sig.constness {
        cx.error_spanned_by(token, "a scenario is a plain `fn`: remove `const`");
    }
    if let Some(token) = &sig.asyncness {
        cx.error_spanned_by(
            token,
            "a scenario is a plain `fn`: remove `async` (the macro writes the async twin itself)",
        );
    }
    if let Some(token) = &sig.unsafety {
        cx.error_spanned_by(token, "a scenario is a plain `fn`: remove `unsafe`");
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(abi, "a scenario is a plain `fn`: remove the ABI");
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(&sig.generics, "a scenario cannot be generic");
    }
    if !sig.inputs.is_empty() || sig.variadic.is_some() {
        let params = match (&sig.inputs.first(), &sig.variadic) {
            (Some(_), _) => sig.inputs.to_token_stream(),
            (None, variadic) => variadic.to_token_stream(),
        };
        cx.error_spanned_by(
            params,
            "a scenario takes no parameters: the connection is implicit, and `buf` names its \
             received bytes",
        );
    }
    if let syn::ReturnType::Type(arrow, ty) = &sig.output {
        cx.error_spanned_by(
            quote!(#arrow #ty),
            "a scenario has no return type: `#[scenario]` makes the fn return the scenario value",
        );
    }
}

fn check_binding_name(cx: &Ctxt, ident: &Ident) {
    if ident == "buf" {
        cx.error_spanned_by(
            ident,
            "`buf` names the connection's received bytes; pick another name",
        );
    } else if matches!(
        ident.to_string().as_str(),
        "self" | "Self" | "super" | "crate"
    ) {
        cx.error_spanned_by(
            ident,
            format_args!("`{ident}` cannot name a scenario binding"),
        );
    }
}

fn is_bool(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.is_ident("bool"))
}

fn is_usize(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.is_ident("usize"))
}

/// A binding becomes a field of the generated machine and lives across waits: it cannot
/// borrow, and its type must be written out.
fn check_field_type(cx: &Ctxt, ty: &Type) {
    struct Finder<'a> {
        cx: &'a Ctxt,
        found: bool,
    }
    impl<'ast> syn::visit::Visit<'ast> for Finder<'_> {
        fn visit_type_reference(&mut self, ty: &'ast syn::TypeReference) {
            if !self.found {
                self.found = true;
                self.cx.error_spanned_by(
                    ty,
                    "a scenario binding lives in the generated machine across waits, so it cannot \
                     borrow: keep an offset into `buf` (or an owned value) instead",
                );
            }
        }
        fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
            if !self.found {
                self.found = true;
                self.cx.error_spanned_by(
                    lifetime,
                    "a scenario binding lives in the generated machine, so its type cannot have \
                     a lifetime",
                );
            }
        }
        fn visit_type_infer(&mut self, ty: &'ast syn::TypeInfer) {
            self.cx.error_spanned_by(
                ty,
                "write the type out: a scenario binding is a field of the generated machine",
            );
        }
        fn visit_type_impl_trait(&mut self, ty: &'ast syn::TypeImplTrait) {
            self.cx.error_spanned_by(
                ty,
                "`impl Trait` cannot be a field type; write a concrete type",
            );
        }
    }
    syn::visit::Visit::visit_type(&mut Finder { cx, found: false }, ty);
}
