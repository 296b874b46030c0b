//! From syn's fn to the scenario tree of `ast`: recognises the shapes of steps and control
//! flow, and records every statement it cannot take (with the user's tokens) in the `Ctxt`.
//! Meaning (types, names, scopes, the signature) is `validate`'s.
//!
//! Imports `ast`, `ctxt` and `source`.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::{
    Attribute, Expr, ExprCall, ExprForLoop, ExprIf, ExprLoop, ExprWhile, Ident, ItemFn, LitByteStr,
    Local, Pat, Token, Type,
};

use crate::internals::ast::{
    Binding, BindingId, BindingKind, Block, Delim, ForRange, IfArm, Jump, MatchArm, MatchOrigin,
    Scenario, Stmt, StmtKind, UserExpr,
};
use crate::internals::ctxt::Ctxt;
use crate::internals::source::{Source, fresh_name};

/// The step names. A call of one of these bare names where a step may stand (a statement of
/// its own, or a `let` initializer) is that step.
pub const STEPS: [&str; 6] = [
    "read_until",
    "read_exact",
    "write",
    "consume",
    "yield_now",
    "next_request",
];

/// The hidden binding of `while next_request() { … }`, lengthened until no name in the
/// scenario starts with it (see [`fresh_name`]).
const OPEN: &str = "__twinbench_open";

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
    NextRequest,
    /// A step function's call (its name is listed in `steps = […]`).
    Call(Ident, ExprCall),
}

impl StepCall {
    fn name(&self) -> &'static str {
        match self {
            StepCall::ReadUntil(_) => "read_until",
            StepCall::ReadExact(_) => "read_exact",
            StepCall::Write(_) => "write",
            StepCall::Consume(_) => "consume",
            StepCall::YieldNow => "yield_now",
            StepCall::NextRequest => "next_request",
            StepCall::Call(..) => "a step function",
        }
    }
}

/// Recognises the fn as a scenario, recording every mistake in `cx` and going on past it, so
/// that one compile reports them all.
pub fn scenario(cx: &Ctxt, item: ItemFn, steps: &[Ident]) -> Scenario {
    let open = fresh_name(OPEN, item.block.to_token_stream());
    let mut parser = BodyParser::new(cx, open, steps, None);
    let body = parser.block(item.block.stmts);
    Scenario {
        attrs: item.attrs,
        vis: item.vis,
        sig: item.sig,
        body,
        bindings: parser.bindings,
        dropped_lets: parser.dropped_lets,
        params: Vec::new(),
        ret: None,
    }
}

/// The hidden binding a value-returning step function's `return EXPR;` assigns, lengthened
/// until no name in the body starts with it.
const RET: &str = "__twinbench_ret";

/// Recognises a `#[step]` fn: its parameters (`NAME: TYPE`, each a binding in scope from
/// the start), its body as a scenario's, and, if it returns a value, a hidden `mut` binding
/// of the return type that `return EXPR;` (or the body's tail expression) assigns before
/// returning. The signature's other mistakes are `validate`'s.
pub fn step_fn(cx: &Ctxt, mut item: ItemFn, steps: &[Ident]) -> Scenario {
    let tokens = item.to_token_stream();
    let open = fresh_name(OPEN, tokens.clone());
    let ret_name = fresh_name(RET, tokens);
    let own = item.sig.ident.unraw().to_string();
    let mut parser = BodyParser::new(cx, open, steps, Some(own));
    let mut params = Vec::new();
    for input in &item.sig.inputs {
        let syn::FnArg::Typed(typed) = input else {
            cx.error_spanned_by(input, "a step function takes no `self`");
            continue;
        };
        match &*typed.pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                let source = parser.source(typed.to_token_stream());
                let id = parser.declare(
                    pat.ident.clone(),
                    pat.mutability,
                    (*typed.ty).clone(),
                    BindingKind::Param,
                    &source,
                );
                params.push(id);
            }
            other => cx.error_spanned_by(
                other,
                "a step function's parameter is `NAME: TYPE` (no patterns)",
            ),
        }
    }
    let ret = match &item.sig.output {
        syn::ReturnType::Type(_, ty) => {
            let ident = Ident::new(&ret_name, item.sig.ident.span());
            let source = parser.source(item.sig.output.to_token_stream());
            let id = parser.declare(
                ident.clone(),
                Some(Default::default()),
                (**ty).clone(),
                BindingKind::Param,
                &source,
            );
            parser.ret = Some(ident);
            params.push(id);
            Some(id)
        }
        syn::ReturnType::Default => None,
    };
    // The tail expression of a value-returning body is its `return`.
    if ret.is_some()
        && let Some(syn::Stmt::Expr(tail, None)) = item.block.stmts.last()
        && !matches!(
            tail,
            Expr::If(_)
                | Expr::Match(_)
                | Expr::While(_)
                | Expr::Loop(_)
                | Expr::ForLoop(_)
                | Expr::Block(_)
                | Expr::Return(_)
        )
    {
        let tail = tail.clone();
        let semi = Token![;](first_span(&tail));
        let last = item.block.stmts.len() - 1;
        item.block.stmts[last] = syn::Stmt::Expr(syn::parse_quote!(return #tail), Some(semi));
    }
    let body = parser.block(item.block.stmts);
    Scenario {
        attrs: item.attrs,
        vis: item.vis,
        sig: item.sig,
        body,
        bindings: parser.bindings,
        dropped_lets: parser.dropped_lets,
        params,
        ret,
    }
}

/// The span of an expression's first token.
fn first_span(expr: &Expr) -> proc_macro2::Span {
    expr.to_token_stream()
        .into_iter()
        .next()
        .map_or_else(proc_macro2::Span::call_site, |token| token.span())
}

struct BodyParser<'a> {
    cx: &'a Ctxt,
    /// The name of the hidden binding of `while next_request()`.
    open: String,
    bindings: Vec<Binding>,
    dropped_lets: Vec<(Ident, Type)>,
    ordinal: usize,
    /// The step functions the body calls as steps (`steps = […]`).
    steps: Vec<String>,
    /// A step function's own name: calling it is recursion, an error.
    own: Option<String>,
    /// A value-returning step function's hidden return binding.
    ret: Option<Ident>,
}

impl<'a> BodyParser<'a> {
    fn new(cx: &'a Ctxt, open: String, steps: &[Ident], own: Option<String>) -> Self {
        BodyParser {
            cx,
            open,
            bindings: Vec::new(),
            dropped_lets: Vec::new(),
            ordinal: 0,
            steps: steps.iter().map(|name| name.unraw().to_string()).collect(),
            own,
            ret: None,
        }
    }

    fn source(&mut self, tokens: TokenStream) -> Source {
        self.ordinal += 1;
        Source::new(tokens, self.ordinal)
    }

    fn block(&mut self, stmts: Vec<syn::Stmt>) -> Block {
        let mut out = Vec::new();
        let mut stmts = stmts.into_iter();
        while let Some(stmt) = stmts.next() {
            match stmt {
                // The rest of the block is the arm in which the pattern matched.
                syn::Stmt::Local(local)
                    if local
                        .init
                        .as_ref()
                        .is_some_and(|init| init.diverge.is_some()) =>
                {
                    out.extend(self.let_else(local, stmts.collect()));
                    break;
                }
                stmt => out.extend(self.stmt(stmt)),
            }
        }
        Block { stmts: out }
    }

    /// `let PAT = EXPR else { … };` followed by `rest`: a match of `EXPR` whose first arm is
    /// `rest`, the second the `else`.
    fn let_else(&mut self, local: Local, rest: Vec<syn::Stmt>) -> Option<Stmt> {
        let Local {
            attrs,
            let_token,
            pat,
            init,
            ..
        } = local;
        let init = init?;
        let (else_token, diverge) = init.diverge?;
        let expr = init.expr;
        let source = self.source(quote!(#let_token #pat = #expr #else_token));
        if let Some(attr) = attrs.first() {
            self.cx
                .error_spanned_by(attr, "attributes on scenario statements are not supported");
        }
        // `let PAT: TYPE = …` keeps its type on the value matched.
        let (pat, scrutinee) = match pat {
            Pat::Type(typed) => {
                let ty = typed.ty;
                let scrutinee: Expr = syn::parse_quote!(::core::convert::identity::<#ty>(#expr));
                (*typed.pat, scrutinee)
            }
            pat => (pat, *expr),
        };
        let otherwise = match *diverge {
            Expr::Block(block) if block.label.is_none() => self.block(block.block.stmts),
            other => {
                self.cx
                    .error_spanned_by(other, "expected `else { … }` after `let PAT = EXPR`");
                return None;
            }
        };
        let body = self.block(rest);
        Some(self.two_arms(
            scrutinee,
            pat,
            body,
            otherwise,
            source,
            MatchOrigin::LetElse,
        ))
    }

    /// A match of `PAT => then` and `_ => otherwise`, which `if let`, `while let` and
    /// `let … else` are.
    fn two_arms(
        &mut self,
        scrutinee: Expr,
        pat: Pat,
        then: Block,
        otherwise: Block,
        source: Source,
        origin: MatchOrigin,
    ) -> Stmt {
        let wild = Pat::Wild(syn::PatWild {
            attrs: Vec::new(),
            underscore_token: Token![_](source.span),
        });
        let arms = vec![
            MatchArm {
                pat,
                guard: None,
                body: then,
                source: source.clone(),
            },
            MatchArm {
                pat: wild,
                guard: None,
                body: otherwise,
                source: source.clone(),
            },
        ];
        stmt_of(
            StmtKind::Match {
                scrutinee: UserExpr::new(scrutinee),
                arms,
                origin,
            },
            source,
        )
    }

    fn match_stmt(&mut self, expr: syn::ExprMatch) -> Option<Stmt> {
        let syn::ExprMatch {
            attrs: _,
            match_token,
            expr: scrutinee,
            arms,
            ..
        } = expr;
        let source = self.source(quote!(#match_token #scrutinee));
        let arms = arms
            .into_iter()
            .map(|arm| {
                if let Some(attr) = arm.attrs.first() {
                    self.cx
                        .error_spanned_by(attr, "attributes on `match` arms are not supported");
                }
                let (pat, guard) = (&arm.pat, arm.guard.as_ref().map(|(_, guard)| guard));
                let if_token = guard.map(|_| quote!(if));
                let arm_source = self.source(quote!(#pat #if_token #guard));
                let body = match *arm.body {
                    Expr::Block(block) if block.label.is_none() && block.attrs.is_empty() => {
                        self.block(block.block.stmts)
                    }
                    body => Block {
                        stmts: self.expr_stmt(body, None).into_iter().collect(),
                    },
                };
                MatchArm {
                    pat: arm.pat,
                    guard: arm.guard.map(|(_, guard)| UserExpr::new(*guard)),
                    body,
                    source: arm_source,
                }
            })
            .collect();
        Some(stmt_of(
            StmtKind::Match {
                scrutinee: UserExpr::new(*scrutinee),
                arms,
                origin: MatchOrigin::Match,
            },
            source,
        ))
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
        let Some(init) = local.init else {
            self.dropped_lets.push((ident.clone(), ty));
            cx.error_spanned_by(
                &ident,
                format_args!(
                    "`let {}` needs a value: `let {0}: TYPE = …;`",
                    ident.unraw()
                ),
            );
            return None;
        };

        let step = match &*init.expr {
            Expr::Call(call) => self.step_call(call),
            _ => Ok(None),
        };
        let kind = match step {
            Ok(Some(StepCall::ReadUntil(delim))) => {
                let bind = self.declare(ident, mutability, ty, BindingKind::ReadUntil, &source);
                StmtKind::ReadUntil {
                    delim,
                    bind: Some(bind),
                    assign: None,
                }
            }
            Ok(Some(StepCall::NextRequest)) => {
                let bind = self.declare(ident, mutability, ty, BindingKind::NextRequest, &source);
                StmtKind::NextRequest { bind: Some(bind) }
            }
            Ok(Some(StepCall::Call(callee, call))) => {
                let bind = self.declare(ident, mutability, ty, BindingKind::Let, &source);
                StmtKind::Call {
                    callee,
                    call: UserExpr::new(Expr::Call(call)),
                    bind: Some(bind),
                }
            }
            Ok(None) => {
                let init = UserExpr::new(*init.expr);
                let bind = self.declare(ident, mutability, ty, BindingKind::Let, &source);
                StmtKind::Let { bind, init }
            }
            Err(()) => {
                self.dropped_lets.push((ident, ty));
                return None;
            }
            Ok(Some(unit)) => {
                self.dropped_lets.push((ident, ty));
                return self.unit_step_in_let(&init.expr, unit.name());
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
        let name_str = name.unraw().to_string();
        if self.own.as_deref() == Some(name_str.as_str()) {
            self.cx.error_spanned_by(
                name,
                format_args!(
                    "step function `{name_str}` calls itself: a step function cannot recurse (its \
                     machine would hold a machine of itself, of infinite size); write the \
                     repetition as a loop"
                ),
            );
            return Err(());
        }
        if self.steps.contains(&name_str) {
            return Ok(Some(StepCall::Call(name.clone(), call.clone())));
        }
        if !STEPS.contains(&name_str.as_str()) {
            if looks_like_step(&name_str) {
                self.cx.error_spanned_by(
                    name,
                    format_args!(
                        "unknown step `{name_str}`; expected one of `read_until`, `read_exact`, \
                         `write`, `consume`, `yield_now`, `next_request` (call a function of your \
                         own with this name by its path: `self::{name_str}(…)`)"
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
            ("yield_now", _) => return wrong_arity("no arguments: `yield_now()`"),
            ("next_request", []) => StepCall::NextRequest,
            _ => return wrong_arity("no arguments: `next_request()`"),
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
                            StepCall::ReadUntil(delim) => StmtKind::ReadUntil {
                                delim,
                                bind: None,
                                assign: None,
                            },
                            StepCall::ReadExact(len) => StmtKind::ReadExact { len },
                            StepCall::Write(bytes) => StmtKind::Write { bytes },
                            StepCall::Consume(len) => StmtKind::Consume { len },
                            StepCall::YieldNow => StmtKind::YieldNow,
                            StepCall::NextRequest => StmtKind::NextRequest { bind: None },
                            StepCall::Call(callee, call) => StmtKind::Call {
                                callee,
                                call: UserExpr::new(Expr::Call(call)),
                                bind: None,
                            },
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
                if let Some(value) = &expr.expr {
                    self.cx.error_spanned_by(
                        value,
                        "`break` with a value is not supported in a scenario",
                    );
                }
                (StmtKind::Break(jump(expr.label)), source)
            }
            Expr::Continue(expr) => {
                let source = self.source(quote!(#expr #semi));
                (StmtKind::Continue(jump(expr.label)), source)
            }
            Expr::Return(expr) => {
                let source = self.source(quote!(#expr #semi));
                if let (Some(value), Some(ret)) = (&expr.expr, &self.ret) {
                    // `return EXPR;` of a step function: assign the hidden binding, return.
                    let assign = stmt_of(
                        StmtKind::Compute {
                            expr: UserExpr::new(syn::parse_quote!(#ret = #value)),
                        },
                        source.clone(),
                    );
                    let body = Block {
                        stmts: vec![assign, stmt_of(StmtKind::Return, source.clone())],
                    };
                    return Some(stmt_of(StmtKind::Block(body), source));
                }
                if let Some(value) = &expr.expr {
                    let message = if self.own.is_some() {
                        "this step function returns nothing: write `return;`, or give it a \
                         return type (`-> TYPE`)"
                    } else {
                        "a scenario returns nothing: write `return;` (the connection ends `Ok`)"
                    };
                    self.cx.error_spanned_by(value, message);
                }
                (StmtKind::Return, source)
            }
            Expr::Assign(assign) if is_step_call(&assign.right) => {
                return self.assign_step(assign, semi);
            }
            Expr::Match(expr) => return self.match_stmt(expr),
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
        self.cx.error_spanned_by(
            label,
            "a label on a block is not supported in a scenario; label a loop instead",
        );
    }

    /// `NAME = read_until(…);`: the step's value assigned to an existing binding.
    fn assign_step(&mut self, assign: syn::ExprAssign, semi: Option<Token![;]>) -> Option<Stmt> {
        let source = self.source(quote!(#assign #semi));
        if let Some(attr) = assign.attrs.first() {
            self.cx
                .error_spanned_by(attr, "attributes on scenario statements are not supported");
        }
        let Expr::Call(call) = *assign.right else {
            unreachable!("is_step_call matched a call")
        };
        let target = match *assign.left {
            Expr::Path(path) if path.path.get_ident().is_some() && path.qself.is_none() => {
                Expr::Path(path)
            }
            other => {
                self.cx.error_spanned_by(
                    other,
                    "a step's value is assigned to a binding of the scenario: `NAME = read_until(…);`",
                );
                return None;
            }
        };
        match self.step_call(&call) {
            Ok(Some(StepCall::ReadUntil(delim))) => Some(stmt_of(
                StmtKind::ReadUntil {
                    delim,
                    bind: None,
                    assign: Some(UserExpr::new(target)),
                },
                source,
            )),
            Ok(Some(unit)) => {
                self.cx.error_spanned_by(
                    &call,
                    format_args!(
                        "`{}` returns nothing: call it as a statement of its own, `{0}(…);`",
                        unit.name()
                    ),
                );
                None
            }
            Ok(None) | Err(()) => None,
        }
    }

    /// Rejects `let` chains (`if let` and `while let` alone are taken before).
    fn plain_condition(&self, cond: &Expr, keyword: &str) -> bool {
        match cond {
            Expr::Let(expr) => {
                self.cx.error_spanned_by(
                    expr.let_token,
                    format_args!(
                        "`let` chains are not supported in a scenario; nest `{keyword} let` \
                         and `if`"
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
            if matches!(*current.cond, Expr::Let(_)) {
                // This arm and the rest of the chain are a match; after other arms, their `else`.
                let if_let = self.if_let(current, arm_source);
                if arms.is_empty() {
                    return if_let;
                }
                otherwise = Some(Block {
                    stmts: if_let.into_iter().collect(),
                });
                break;
            }
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

    /// `if let PAT = EXPR { … } else …`, as a match.
    fn if_let(&mut self, expr: ExprIf, source: Source) -> Option<Stmt> {
        let Expr::Let(condition) = *expr.cond else {
            unreachable!("if_let is called on `if let`")
        };
        let then = self.block(expr.then_branch.stmts);
        let otherwise = match expr.else_branch {
            None => Block { stmts: Vec::new() },
            Some((_, otherwise)) => match *otherwise {
                Expr::If(next) => Block {
                    stmts: self.if_stmt(next).into_iter().collect(),
                },
                Expr::Block(block) => self.block(block.block.stmts),
                other => {
                    self.cx
                        .error_spanned_by(other, "expected `else { … }` or `else if`");
                    return None;
                }
            },
        };
        Some(self.two_arms(
            *condition.expr,
            *condition.pat,
            then,
            otherwise,
            source,
            MatchOrigin::IfLet,
        ))
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
        let source = self.source(quote!(#label #for_token #pat #in_token #range));
        let cx = self.cx;
        let mut ok = true;
        let var = match *pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
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
        Some(stmt_of(
            StmtKind::For {
                label,
                var,
                range,
                body,
            },
            source,
        ))
    }

    fn while_stmt(&mut self, expr: ExprWhile) -> Option<Stmt> {
        let ExprWhile {
            label,
            while_token,
            cond,
            body,
            ..
        } = expr;
        let source = self.source(quote!(#label #while_token #cond));
        if matches!(&*cond, Expr::Call(call) if call.args.is_empty()
            && bare_call_name(call).is_some_and(|name| name == "next_request"))
        {
            return Some(self.while_next_request(label, body, source));
        }
        if let Expr::Let(condition) = *cond {
            // `loop { match EXPR { PAT => { … } _ => break } }`
            let body = self.block(body.stmts);
            let leave = Block {
                stmts: vec![stmt_of(StmtKind::Break(jump(None)), source.clone())],
            };
            let arms = self.two_arms(
                *condition.expr,
                *condition.pat,
                body,
                leave,
                source.clone(),
                MatchOrigin::WhileLet,
            );
            let body = Block { stmts: vec![arms] };
            return Some(stmt_of(StmtKind::Loop { label, body }, source));
        }
        let ok = self.plain_condition(&cond, "while");
        let body = self.block(body.stmts);
        ok.then(|| {
            stmt_of(
                StmtKind::While {
                    label,
                    cond: UserExpr::new(*cond),
                    body,
                },
                source,
            )
        })
    }

    /// `while next_request() { … }`: `loop { let open: bool = next_request(); if !open {
    /// break; } … }`, with a hidden `open`.
    fn while_next_request(
        &mut self,
        label: Option<syn::Label>,
        body: syn::Block,
        source: Source,
    ) -> Stmt {
        let open = Ident::new(&self.open, source.span);
        let ty: Type = syn::parse_quote_spanned!(source.span=> bool);
        let bind = self.declare(open.clone(), None, ty, BindingKind::NextRequest, &source);
        let wait = stmt_of(StmtKind::NextRequest { bind: Some(bind) }, source.clone());
        let leave = stmt_of(
            StmtKind::If {
                arms: vec![IfArm {
                    cond: UserExpr::new(syn::parse_quote!(!#open)),
                    body: Block {
                        stmts: vec![stmt_of(StmtKind::Break(jump(None)), source.clone())],
                    },
                    source: source.clone(),
                }],
                otherwise: None,
            },
            source.clone(),
        );
        let mut stmts = vec![wait, leave];
        stmts.extend(self.block(body.stmts).stmts);
        stmt_of(
            StmtKind::Loop {
                label,
                body: Block { stmts },
            },
            source,
        )
    }

    fn loop_stmt(&mut self, expr: ExprLoop) -> Option<Stmt> {
        let ExprLoop {
            label,
            loop_token,
            body,
            ..
        } = expr;
        let source = self.source(quote!(#label #loop_token));
        let body = self.block(body.stmts);
        Some(stmt_of(StmtKind::Loop { label, body }, source))
    }
}

fn jump(label: Option<syn::Lifetime>) -> Jump {
    Jump { label, depth: 0 }
}

/// Whether `expr` is a call of one of the steps by its bare name.
fn is_step_call(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(call)
        if bare_call_name(call).is_some_and(|name| STEPS.contains(&&*name.to_string())))
}

fn stmt_of(kind: StmtKind, source: Source) -> Stmt {
    Stmt {
        kind,
        source,
        waits: false,
        escapes: false,
        diverges: false,
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
        Expr::Return(expr) => &expr.attrs,
        Expr::Match(expr) => &expr.attrs,
        _ => &[],
    }
}
