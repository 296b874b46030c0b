//! The scenario as a tree: what `#[scenario]` parsed out of the attribute and the fn.
//!
//! Every node keeps the syn tokens it came from (and so their spans) and its [`Source`], so
//! errors point at the user's own tokens and the generated docs can quote the user's lines.
//! This stage only recognises shapes; `validate` checks meaning and resolves names.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::{
    Attribute, Expr, ExprCall, ExprForLoop, ExprIf, ExprLoop, ExprWhile, Ident, ItemFn, LitByteStr,
    Local, Pat, Signature, Token, Type, Visibility,
};

use crate::attr::{self, Args};
use crate::ctxt::Ctxt;
use crate::source::Source;

/// A parsed scenario: the fn's outside, the attribute's arguments, and the body as steps.
pub struct Scenario {
    /// The fn's attributes (docs and all), kept on the generated fn.
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    /// The fn's name: `echo`.
    pub name: Ident,
    /// `None` when the arguments were unusable (the errors are in the `Ctxt`).
    pub args: Option<Args>,
    pub body: Block,
    /// Every binding the body declares (`let`s and loop variables), indexed by [`BindingId`].
    pub bindings: Vec<Binding>,
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
}

pub enum StmtKind {
    /// `read_until(DELIM);` or `let NAME: usize = read_until(DELIM);`: a wait point.
    ReadUntil {
        delim: Delim,
        bind: Option<BindingId>,
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
        cond: UserExpr,
        body: Block,
    },
    Loop {
        body: Block,
    },
    /// `for NAME in START..END` (or `..=`, or `_` for the name).
    For {
        var: Option<BindingId>,
        range: Box<ForRange>,
        body: Block,
    },
    /// A bare `{ … }` inside the body.
    Block(Block),
    Break,
    Continue,
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
}

impl UserExpr {
    pub fn new(expr: Expr) -> Self {
        UserExpr {
            expr,
            holes: Vec::new(),
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
    Binding(BindingId),
}

/// The five step names. A call of one of these bare names where a step may stand (a statement
/// of its own, or a `let` initializer) is that step.
pub const STEPS: [&str; 5] = ["read_until", "read_exact", "write", "consume", "yield_now"];

/// The rule for "unknown step": where a step may stand, a call of a bare name that looks like
/// a step (`read`, `read_*`, `write_*`, `consume_*`, `yield`, `yield_*`) but is none of the five
/// is a typo, not computation. Any other call (`f(x);`, `std::hint::black_box(…)`) is plain
/// computation; a function of your own named like a step is called by its path
/// (`self::read_line(…)`).
fn looks_like_step(name: &str) -> bool {
    matches!(name, "read" | "yield")
        || ["read_", "write_", "consume_", "yield_"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
}

/// The bare name a call is made to, if it is a single identifier (`read_until(…)`, not
/// `self::read_until(…)`).
pub fn bare_call_name(call: &ExprCall) -> Option<&Ident> {
    match &*call.func {
        Expr::Path(path)
            if path.qself.is_none()
                && path.path.leading_colon.is_none()
                && path.path.segments.len() == 1
                && path.path.segments[0].arguments.is_none() =>
        {
            Some(&path.path.segments[0].ident)
        }
        _ => None,
    }
}

/// A call to one of the five steps, before it is placed in a statement.
enum StepCall {
    ReadUntil(Delim),
    ReadExact(UserExpr),
    Write(UserExpr),
    Consume(UserExpr),
    YieldNow,
}

impl Scenario {
    /// Parses the attribute's arguments and the fn, recording every mistake in `cx` and going
    /// on past it, so that one compile reports them all.
    pub fn from_syn(cx: &Ctxt, args: TokenStream, item: ItemFn) -> Scenario {
        let args = attr::parse(cx, args);
        check_signature(cx, &item.sig);
        let mut parser = BodyParser {
            cx,
            bindings: Vec::new(),
            ordinal: 0,
        };
        let body = parser.block(item.block.stmts);
        Scenario {
            attrs: item.attrs,
            vis: item.vis,
            name: item.sig.ident,
            args,
            body,
            bindings: parser.bindings,
        }
    }
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

struct BodyParser<'a> {
    cx: &'a Ctxt,
    bindings: Vec<Binding>,
    ordinal: usize,
}

impl BodyParser<'_> {
    fn source(&mut self, tokens: TokenStream) -> Source {
        self.ordinal += 1;
        Source::new(tokens, self.ordinal)
    }

    fn block(&mut self, stmts: Vec<syn::Stmt>) -> Block {
        Block {
            stmts: stmts
                .into_iter()
                .filter_map(|stmt| self.stmt(stmt))
                .collect(),
        }
    }

    fn stmt(&mut self, stmt: syn::Stmt) -> Option<Stmt> {
        match stmt {
            syn::Stmt::Local(local) => self.local(local),
            syn::Stmt::Item(item) => {
                self.cx.error_spanned_by(
                    &item,
                    "items (fn, const, struct, use, …) cannot be declared inside a scenario; \
                     declare them next to it",
                );
                None
            }
            syn::Stmt::Macro(mac) => {
                let source = self.source(mac.to_token_stream());
                let expr = Expr::Macro(syn::ExprMacro {
                    attrs: mac.attrs,
                    mac: mac.mac,
                });
                Some(stmt_of(
                    StmtKind::Compute {
                        expr: UserExpr::new(expr),
                    },
                    source,
                ))
            }
            syn::Stmt::Expr(expr, semi) => self.expr_stmt(expr, semi),
        }
    }

    fn local(&mut self, local: Local) -> Option<Stmt> {
        let source = self.source(local.to_token_stream());
        let cx = self.cx;
        if let Some(attr) = local.attrs.first() {
            cx.error_spanned_by(attr, "attributes on scenario statements are not supported");
        }
        let (ident, mutability, ty) = match local.pat {
            Pat::Type(typed) => match *typed.pat {
                Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                    (pat.ident, pat.mutability, *typed.ty)
                }
                other => {
                    cx.error_spanned_by(
                        other,
                        "only `let NAME: TYPE = …;` is supported in a scenario (no patterns)",
                    );
                    return None;
                }
            },
            Pat::Ident(pat) => {
                cx.error_spanned_by(
                    &pat,
                    format_args!(
                        "`let` needs a type: `let {}: TYPE = …;` (the binding becomes a field of \
                         the generated machine)",
                        pat.ident.unraw()
                    ),
                );
                return None;
            }
            other => {
                cx.error_spanned_by(
                    other,
                    "only `let NAME: TYPE = …;` is supported in a scenario (no patterns)",
                );
                return None;
            }
        };
        check_binding_name(cx, &ident);
        check_field_type(cx, &ty);
        let Some(init) = local.init else {
            cx.error_spanned_by(
                &ident,
                format_args!(
                    "`let {}` needs a value: `let {0}: TYPE = …;`",
                    ident.unraw()
                ),
            );
            return None;
        };
        if let Some((else_token, _)) = &init.diverge {
            cx.error_spanned_by(else_token, "`let … else` is not supported in a scenario");
        }

        let step = match &*init.expr {
            Expr::Call(call) => self.step_call(call),
            _ => Ok(None),
        };
        let kind = match step {
            Err(()) => return None,
            Ok(Some(StepCall::ReadUntil(delim))) => {
                if !is_usize(&ty) {
                    cx.error_spanned_by(
                        &ty,
                        "`read_until` returns the end offset in `buf`: write \
                         `let NAME: usize = read_until(…);`",
                    );
                }
                let bind = self.declare(ident, mutability, ty, BindingKind::ReadUntil, &source);
                StmtKind::ReadUntil {
                    delim,
                    bind: Some(bind),
                }
            }
            Ok(Some(StepCall::YieldNow)) => {
                return self.unit_step_in_let(&init.expr, "yield_now");
            }
            Ok(Some(StepCall::ReadExact(_))) => {
                return self.unit_step_in_let(&init.expr, "read_exact");
            }
            Ok(Some(StepCall::Write(_))) => return self.unit_step_in_let(&init.expr, "write"),
            Ok(Some(StepCall::Consume(_))) => return self.unit_step_in_let(&init.expr, "consume"),
            Ok(None) => {
                let init = UserExpr::new(*init.expr);
                let bind = self.declare(ident, mutability, ty, BindingKind::Let, &source);
                StmtKind::Let { bind, init }
            }
        };
        Some(stmt_of(kind, source))
    }

    fn unit_step_in_let(&self, call: &Expr, name: &str) -> Option<Stmt> {
        self.cx.error_spanned_by(
            call,
            format_args!(
                "`{name}` returns nothing: call it as a statement of its own, `{name}(…);`"
            ),
        );
        None
    }

    fn declare(
        &mut self,
        ident: Ident,
        mutability: Option<Token![mut]>,
        ty: Type,
        kind: BindingKind,
        source: &Source,
    ) -> BindingId {
        self.bindings.push(Binding {
            ident,
            mutability,
            ty,
            kind,
            source: source.clone(),
        });
        self.bindings.len() - 1
    }

    /// `Ok(Some)` for a step, `Ok(None)` for a call that is computation, `Err` when the call is
    /// a malformed or unknown step (the error is recorded).
    fn step_call(&mut self, call: &ExprCall) -> Result<Option<StepCall>, ()> {
        let Some(name) = bare_call_name(call) else {
            return Ok(None);
        };
        let name_str = name.to_string();
        if !STEPS.contains(&name_str.as_str()) {
            if looks_like_step(&name_str) {
                self.cx.error_spanned_by(
                    name,
                    format_args!(
                        "unknown step `{name_str}`; expected one of `read_until`, `read_exact`, \
                         `write`, `consume`, `yield_now` (call a function of your own with this \
                         name by its path: `self::{name_str}(…)`)"
                    ),
                );
                return Err(());
            }
            return Ok(None);
        }
        let args: Vec<&Expr> = call.args.iter().collect();
        let wrong_arity = |expected: &str| {
            self.cx
                .error_spanned_by(call, format_args!("`{name_str}` takes {expected}"));
            Err(())
        };
        let step = match (name_str.as_str(), args.as_slice()) {
            ("read_until", [delim]) => StepCall::ReadUntil(self.delim(delim)?),
            ("read_until", _) => {
                return wrong_arity("one argument: the delimiter, like `b'\\n'` or `b\"\\r\\n\"`");
            }
            ("read_exact", [len]) => StepCall::ReadExact(UserExpr::new((*len).clone())),
            ("read_exact", _) => {
                return wrong_arity("one argument: how many bytes `buf` must hold");
            }
            ("write", [bytes]) => StepCall::Write(UserExpr::new((*bytes).clone())),
            ("write", _) => return wrong_arity("one argument: the bytes to write (a `&[u8]`)"),
            ("consume", [len]) => StepCall::Consume(UserExpr::new((*len).clone())),
            ("consume", _) => {
                return wrong_arity("one argument: how many bytes to discard from `buf`");
            }
            ("yield_now", []) => StepCall::YieldNow,
            _ => return wrong_arity("no arguments: `yield_now()`"),
        };
        Ok(Some(step))
    }

    fn delim(&self, expr: &Expr) -> Result<Delim, ()> {
        let Expr::Lit(lit) = expr else {
            return Ok(Delim::Expr(Box::new(UserExpr::new(expr.clone()))));
        };
        match &lit.lit {
            syn::Lit::Byte(byte) => Ok(Delim::Bytes(LitByteStr::new(&[byte.value()], byte.span()))),
            syn::Lit::ByteStr(bytes) => Ok(Delim::Bytes(bytes.clone())),
            syn::Lit::Str(_) | syn::Lit::Char(_) => {
                self.cx.error_spanned_by(
                    lit,
                    "a delimiter is bytes: write a byte literal (`b'\\n'`) or a byte string \
                     (`b\"\\r\\n\"`)",
                );
                Err(())
            }
            _ => Ok(Delim::Expr(Box::new(UserExpr::new(expr.clone())))),
        }
    }

    fn expr_stmt(&mut self, expr: Expr, semi: Option<Token![;]>) -> Option<Stmt> {
        if let Some(attr) = step_attrs(&expr).first() {
            self.cx
                .error_spanned_by(attr, "attributes on scenario statements are not supported");
        }
        let (kind, source) = match expr {
            Expr::Call(call) => {
                let source = self.source(quote!(#call #semi));
                return match self.step_call(&call) {
                    Err(()) => None,
                    Ok(None) => {
                        let expr = UserExpr::new(Expr::Call(call));
                        Some(stmt_of(StmtKind::Compute { expr }, source))
                    }
                    Ok(Some(step)) => {
                        let kind = match step {
                            StepCall::ReadUntil(delim) => StmtKind::ReadUntil { delim, bind: None },
                            StepCall::ReadExact(len) => StmtKind::ReadExact { len },
                            StepCall::Write(bytes) => StmtKind::Write { bytes },
                            StepCall::Consume(len) => StmtKind::Consume { len },
                            StepCall::YieldNow => StmtKind::YieldNow,
                        };
                        Some(stmt_of(kind, source))
                    }
                };
            }
            Expr::If(expr) => return self.if_stmt(expr),
            Expr::ForLoop(expr) => return self.for_stmt(expr),
            Expr::While(expr) => return self.while_stmt(expr),
            Expr::Loop(expr) => return self.loop_stmt(expr),
            Expr::Block(block) => {
                self.ordinal += 1;
                let span = block.block.brace_token.span.open();
                let source = Source::with_text("{ … }".to_owned(), span, self.ordinal);
                if let Some(label) = &block.label {
                    self.no_labels(label);
                }
                let body = self.block(block.block.stmts);
                (StmtKind::Block(body), source)
            }
            Expr::Break(expr) => {
                let source = self.source(quote!(#expr #semi));
                if let Some(label) = &expr.label {
                    self.no_labels(label);
                }
                if let Some(value) = &expr.expr {
                    self.cx.error_spanned_by(
                        value,
                        "`break` with a value is not supported in a scenario",
                    );
                }
                (StmtKind::Break, source)
            }
            Expr::Continue(expr) => {
                let source = self.source(quote!(#expr #semi));
                if let Some(label) = &expr.label {
                    self.no_labels(label);
                }
                (StmtKind::Continue, source)
            }
            Expr::Match(expr) => {
                self.cx.error_spanned_by(
                    expr.match_token,
                    "`match` is not supported in a scenario; use `if` / `else if`",
                );
                return None;
            }
            expr => {
                let source = self.source(quote!(#expr #semi));
                (
                    StmtKind::Compute {
                        expr: UserExpr::new(expr),
                    },
                    source,
                )
            }
        };
        Some(stmt_of(kind, source))
    }

    fn no_labels(&self, label: impl ToTokens) {
        self.cx
            .error_spanned_by(label, "labels are not supported in a scenario");
    }

    /// Rejects `if let` / `while let` (and `let` chains).
    fn plain_condition(&self, cond: &Expr, keyword: &str) -> bool {
        match cond {
            Expr::Let(expr) => {
                self.cx.error_spanned_by(
                    expr.let_token,
                    format_args!(
                        "`{keyword} let` is not supported in a scenario; use `{keyword}` with a \
                         condition"
                    ),
                );
                false
            }
            Expr::Binary(binary) if matches!(binary.op, syn::BinOp::And(_)) => {
                self.plain_condition(&binary.left, keyword)
                    & self.plain_condition(&binary.right, keyword)
            }
            _ => true,
        }
    }

    fn if_stmt(&mut self, expr: ExprIf) -> Option<Stmt> {
        let (if_token, cond) = (expr.if_token, &expr.cond);
        let source = self.source(quote!(#if_token #cond));
        let mut arms = Vec::new();
        let mut otherwise = None;
        let mut ok = true;
        let mut current = expr;
        let mut arm_source = source.clone();
        loop {
            ok &= self.plain_condition(&current.cond, "if");
            let body = self.block(current.then_branch.stmts);
            arms.push(IfArm {
                cond: UserExpr::new(*current.cond),
                body,
                source: arm_source,
            });
            let Some((else_token, else_branch)) = current.else_branch else {
                break;
            };
            match *else_branch {
                Expr::If(next) => {
                    let (if_token, cond) = (next.if_token, &next.cond);
                    arm_source = self.source(quote!(#else_token #if_token #cond));
                    current = next;
                }
                Expr::Block(block) => {
                    otherwise = Some(self.block(block.block.stmts));
                    break;
                }
                other => {
                    self.cx
                        .error_spanned_by(other, "expected `else { … }` or `else if`");
                    return None;
                }
            }
        }
        ok.then(|| stmt_of(StmtKind::If { arms, otherwise }, source))
    }

    fn for_stmt(&mut self, expr: ExprForLoop) -> Option<Stmt> {
        let ExprForLoop {
            label,
            for_token,
            pat,
            in_token,
            expr: range,
            body,
            ..
        } = expr;
        let source = self.source(quote!(#for_token #pat #in_token #range));
        if let Some(label) = &label {
            self.no_labels(label);
        }
        let cx = self.cx;
        let mut ok = true;
        let var = match *pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                check_binding_name(cx, &pat.ident);
                let ty: Type = syn::parse_quote_spanned!(pat.ident.span()=> usize);
                Some((pat.ident, pat.mutability, ty))
            }
            Pat::Wild(_) => None,
            other => {
                cx.error_spanned_by(other, "a `for` loop's variable is a name or `_`");
                ok = false;
                None
            }
        };
        let mut range = *range;
        while let Expr::Paren(paren) = range {
            range = *paren.expr;
        }
        let range = match range {
            Expr::Range(syn::ExprRange {
                start: Some(start),
                limits,
                end: Some(end),
                ..
            }) => Some(Box::new(ForRange {
                start: UserExpr::new(*start),
                end: UserExpr::new(*end),
                inclusive: matches!(limits, syn::RangeLimits::Closed(_)),
            })),
            other => {
                cx.error_spanned_by(
                    other,
                    "a scenario's `for` runs over a range of `usize`: `for NAME in START..END` \
                     (or `START..=END`)",
                );
                None
            }
        };
        let var = var.map(|(ident, mutability, ty)| {
            self.declare(ident, mutability, ty, BindingKind::LoopVar, &source)
        });
        let body = self.block(body.stmts);
        let range = range.filter(|_| ok)?;
        Some(stmt_of(StmtKind::For { var, range, body }, source))
    }

    fn while_stmt(&mut self, expr: ExprWhile) -> Option<Stmt> {
        let ExprWhile {
            label,
            while_token,
            cond,
            body,
            ..
        } = expr;
        let source = self.source(quote!(#while_token #cond));
        if let Some(label) = &label {
            self.no_labels(label);
        }
        let ok = self.plain_condition(&cond, "while");
        let body = self.block(body.stmts);
        ok.then(|| {
            stmt_of(
                StmtKind::While {
                    cond: UserExpr::new(*cond),
                    body,
                },
                source,
            )
        })
    }

    fn loop_stmt(&mut self, expr: ExprLoop) -> Option<Stmt> {
        let ExprLoop {
            label,
            loop_token,
            body,
            ..
        } = expr;
        let source = self.source(loop_token.to_token_stream());
        if let Some(label) = &label {
            self.no_labels(label);
        }
        let body = self.block(body.stmts);
        Some(stmt_of(StmtKind::Loop { body }, source))
    }
}

fn stmt_of(kind: StmtKind, source: Source) -> Stmt {
    Stmt {
        kind,
        source,
        waits: false,
        escapes: false,
    }
}

/// Attributes on statements the scenario interprets (steps and control flow); attributes on
/// computation stay with it.
fn step_attrs(expr: &Expr) -> &[Attribute] {
    match expr {
        Expr::Call(expr)
            if bare_call_name(expr).is_some_and(|name| STEPS.contains(&&*name.to_string())) =>
        {
            &expr.attrs
        }
        Expr::If(expr) => &expr.attrs,
        Expr::ForLoop(expr) => &expr.attrs,
        Expr::While(expr) => &expr.attrs,
        Expr::Loop(expr) => &expr.attrs,
        Expr::Block(expr) => &expr.attrs,
        Expr::Break(expr) => &expr.attrs,
        Expr::Continue(expr) => &expr.attrs,
        _ => &[],
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
