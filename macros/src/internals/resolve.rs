//! Name resolution and checks inside the user's Rust expressions.
//!
//! Every use of `buf` or of a scenario binding becomes a [`Hole`] (a marker ident) that each
//! back end fills its own way. Names the expression binds itself (closure parameters, `let`s in
//! inner blocks, `match` arms, inner loop variables) shadow the scenario's, as in Rust. The
//! same walk rejects what would make the twins differ or cannot be lowered to a state machine:
//! `.await`, `async`, `return`, `?`, a step nested in an expression or a closure, and a
//! `break`/`continue` that would leave the expression.
//!
//! Run by `validate`, with its scopes; imports `ast`, `ctxt` and `parse`'s step names.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Pat, Token};

use crate::internals::ast::{BindingId, Hole, HoleTarget, UserExpr};
use crate::internals::ctxt::Ctxt;
use crate::internals::parse::{STEPS, bare_call_name};
use crate::internals::source::fresh_name;

/// The standard macros whose format string may capture names inline (`"{end}"`).
const FORMAT_MACROS: &[&str] = &[
    "format",
    "format_args",
    "write",
    "writeln",
    "print",
    "println",
    "eprint",
    "eprintln",
    "panic",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "unreachable",
    "todo",
    "unimplemented",
];

/// The names a format string captures inline: `{name}` and `{name:…}`, not `{{`, `{}` or
/// `{0}`; each once, in order.
fn format_captures(format: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '{' => {
                let name: String = chars
                    .by_ref()
                    .take_while(|&c| c != '}')
                    .collect::<String>()
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_owned();
                let is_ident = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_alphanumeric() || c == '_');
                if is_ident && !names.contains(&name) {
                    names.push(name);
                }
            }
            _ => {}
        }
    }
    names
}

/// Where the prefix of the marker idents that stand for holes starts: an expression whose own
/// identifiers start with it gets a longer one (see [`fresh_name`]).
const HOLE_PREFIX: &str = "__twinbench_hole_";

/// The scenario's bindings visible at one point of the body.
pub trait Scope {
    /// The binding `name` refers to here, if any.
    fn lookup(&self, name: &str) -> Option<BindingId>;
    /// Whether some binding of the scenario (in scope or not) has this name.
    fn is_binding_name(&self, name: &str) -> bool;
    /// Whether `name` here is bound by the pattern of a `match` arm around: `Some(true)`
    /// before the arm's first wait, `Some(false)` after it (where it is no longer alive).
    fn pattern(&self, name: &str) -> Option<bool>;
}

/// Resolves the names in `expr` against `scope` and checks it, recording errors in `cx`.
pub fn resolve(cx: &Ctxt, scope: &dyn Scope, expr: &mut UserExpr) {
    let marker = fresh_name(HOLE_PREFIX, quote::ToTokens::to_token_stream(&expr.expr));
    let mut resolver = Resolver {
        cx,
        scope,
        marker,
        shadowed: Vec::new(),
        closures: 0,
        loops: 0,
        labels: Vec::new(),
        holes: Vec::new(),
    };
    resolver.visit_expr_mut(&mut expr.expr);
    expr.holes = resolver.holes;
    expr.marker = resolver.marker;
}

struct Resolver<'a> {
    cx: &'a Ctxt,
    scope: &'a dyn Scope,
    /// The prefix of this expression's hole markers.
    marker: String,
    /// Names bound inside the expression, innermost last.
    shadowed: Vec<String>,
    /// Closures around the current point.
    closures: usize,
    /// Loops inside the expression (and inside the innermost closure) around the current point.
    loops: usize,
    /// Labels of loops and blocks inside the expression around the current point.
    labels: Vec<String>,
    holes: Vec<Hole>,
}

impl Resolver<'_> {
    /// A hole for `ident` if it names `buf` or a binding in scope.
    fn resolve_ident(&mut self, ident: &Ident) -> Option<Expr> {
        let name = ident.unraw().to_string();
        if self.shadowed.contains(&name) {
            return None;
        }
        match self.scope.pattern(&name) {
            // A local of the arm in both twins: left as it is.
            Some(true) => return None,
            Some(false) => {
                self.cx.error_spanned_by(
                    ident,
                    format_args!(
                        "`{name}` is bound by the pattern, and lives only until the arm's first \
                         wait (its type is not written, so the machine cannot hold it): before \
                         the first step, copy what you need into a binding, \
                         `let {name}: TYPE = {name};`"
                    ),
                );
                return None;
            }
            None => {}
        }
        let target = if name == "buf" {
            HoleTarget::Buf
        } else if let Some(binding) = self.scope.lookup(&name) {
            HoleTarget::Binding(binding)
        } else {
            if self.scope.is_binding_name(&name) {
                self.cx.error_spanned_by(
                    ident,
                    format_args!(
                        "binding `{name}` used before it is defined (or outside the block that \
                         defines it)"
                    ),
                );
            }
            return None;
        };
        Some(self.hole(ident.clone(), target))
    }

    /// A marker for a new hole at `ident`.
    fn hole(&mut self, ident: Ident, target: HoleTarget) -> Expr {
        let marker = Ident::new(
            &format!("{}{}", self.marker, self.holes.len()),
            ident.span(),
        );
        self.holes.push(Hole { ident, target });
        Expr::Verbatim(TokenTree::Ident(marker).into())
    }

    /// Whether `call` is `conn(…)`, the connection's index: a bare call of `conn` where no name
    /// of the user's (a closure parameter, a local of the expression, a binding, a pattern's
    /// name) is `conn`.
    fn is_conn(&self, call: &syn::ExprCall) -> bool {
        bare_call_name(call).is_some_and(|name| name == "conn")
            && !self.shadowed.iter().any(|name| name == "conn")
            && self.scope.lookup("conn").is_none()
            && self.scope.pattern("conn").is_none()
    }

    fn path(&mut self, path: &syn::ExprPath) -> Option<Expr> {
        if path.qself.is_some() || path.path.leading_colon.is_some() {
            return None;
        }
        let first = &path.path.segments[0].ident;
        if first == "Self" || (first == "self" && path.path.segments.len() == 1) {
            self.cx.error_spanned_by(
                first,
                format_args!(
                    "`{first}` is not available in a scenario (the twins differ in what it means)"
                ),
            );
            return None;
        }
        if path.path.segments.len() != 1 || !path.path.segments[0].arguments.is_none() {
            return None;
        }
        self.resolve_ident(first)
    }

    /// Runs `f` with the names bound by `pats` shadowing the scenario's.
    fn with_shadows<'p>(
        &mut self,
        pats: impl IntoIterator<Item = &'p Pat>,
        f: impl FnOnce(&mut Self),
    ) {
        let depth = self.shadowed.len();
        for pat in pats {
            pattern_names(pat, &mut self.shadowed);
        }
        f(self);
        self.shadowed.truncate(depth);
    }

    fn with_loop(&mut self, label: Option<&syn::Label>, f: impl FnOnce(&mut Self)) {
        let labels = self.labels.len();
        if let Some(label) = label {
            self.labels.push(label.name.ident.to_string());
        }
        self.loops += 1;
        f(self);
        self.loops -= 1;
        self.labels.truncate(labels);
    }

    /// `break`/`continue` must stay inside the expression: the scenario's own loops are
    /// lowered to states, and only a `break;` statement can leave them.
    fn check_jump(
        &self,
        keyword: &str,
        label: Option<&syn::Lifetime>,
        span_of: &dyn quote::ToTokens,
    ) {
        let inside = match label {
            Some(label) => self.labels.iter().any(|known| label.ident == known),
            None => self.loops > 0,
        };
        if !inside {
            self.cx.error_spanned_by(
                span_of,
                format_args!(
                    "`{keyword}` inside an expression cannot leave a scenario loop; write \
                     `{keyword};` as a statement of its own"
                ),
            );
        }
    }

    /// A macro call's tokens are opaque to syn. Most macros take comma-separated
    /// expressions (`format!`, `assert_eq!`, `vec!`, …): those are resolved like any other
    /// expression. Otherwise `buf` and bindings cannot be rewritten inside, which is an error
    /// when they appear.
    fn mac(&mut self, mac: &mut syn::Macro) {
        let name = mac
            .path
            .segments
            .last()
            .map(|segment| segment.ident.to_string())
            .unwrap_or_default();
        // `stringify!` never evaluates its input: rewriting it would change the text.
        if name == "stringify" {
            return;
        }
        let holes = self.holes.len();
        let parser = Punctuated::<Expr, Token![,]>::parse_terminated;
        if let Ok(mut args) = parser.parse2(mac.tokens.clone()) {
            if FORMAT_MACROS.contains(&name.as_str()) {
                self.name_format_captures(&mut args);
            }
            for arg in args.iter_mut() {
                match arg {
                    // `name = value` in a format macro: only the value is an expression.
                    Expr::Assign(assign) if matches!(&*assign.left, Expr::Path(_)) => {
                        self.visit_expr_mut(&mut assign.right)
                    }
                    _ => self.visit_expr_mut(arg),
                }
            }
            if self.holes.len() > holes {
                mac.tokens = quote::ToTokens::to_token_stream(&args);
            }
            return;
        }
        // `vec![value; len]` and the like.
        let repeat = |input: syn::parse::ParseStream| {
            let value: Expr = input.parse()?;
            let semi: Token![;] = input.parse()?;
            let len: Expr = input.parse()?;
            Ok((value, semi, len))
        };
        if let Ok((mut value, semi, mut len)) = repeat.parse2(mac.tokens.clone()) {
            self.visit_expr_mut(&mut value);
            self.visit_expr_mut(&mut len);
            if self.holes.len() > holes {
                mac.tokens = quote::quote!(#value #semi #len);
            }
            return;
        }
        self.opaque_tokens(mac.tokens.clone());
    }

    /// Makes the bindings a format string captures inline (`"{end}"`) explicit arguments
    /// (`end = end`), so that they are rewritten like any other use.
    fn name_format_captures(&mut self, args: &mut Punctuated<Expr, Token![,]>) {
        let Some(format) = args.iter().find_map(|arg| match arg {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(format),
                ..
            }) => Some(format.clone()),
            _ => None,
        }) else {
            return;
        };
        let named: Vec<String> = args
            .iter()
            .filter_map(|arg| match arg {
                Expr::Assign(assign) => match &*assign.left {
                    Expr::Path(path) => path.path.get_ident().map(Ident::to_string),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        for name in format_captures(&format.value()) {
            let shadowed = self.shadowed.contains(&name);
            let ours = name == "buf" || self.scope.is_binding_name(&name);
            if shadowed || !ours || named.contains(&name) {
                continue;
            }
            let ident = Ident::new(&name, format.span());
            args.push(syn::parse_quote!(#ident = #ident));
        }
    }

    fn opaque_tokens(&mut self, tokens: TokenStream) {
        for token in tokens {
            match token {
                TokenTree::Group(group) => self.opaque_tokens(group.stream()),
                TokenTree::Ident(ident) => {
                    let name = ident.unraw().to_string();
                    let shadowed = self.shadowed.contains(&name);
                    if !shadowed && (name == "buf" || self.scope.is_binding_name(&name)) {
                        self.cx.error_spanned_by(
                            &ident,
                            format_args!(
                                "`{name}` cannot be rewritten inside this macro call; bind what \
                                 you need first with `let NAME: TYPE = …;` outside it"
                            ),
                        );
                    }
                }
                TokenTree::Punct(_) | TokenTree::Literal(_) => {}
            }
        }
    }
}

impl VisitMut for Resolver<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Path(path) => {
                if let Some(hole) = self.path(path) {
                    *expr = hole;
                }
            }
            Expr::Await(inner) => {
                self.cx.error_spanned_by(
                    inner.await_token,
                    "`.await` is not allowed in a scenario: its steps are the wait points, and \
                     `#[scenario]` writes the async fn itself",
                );
                self.visit_expr_mut(&mut inner.base);
            }
            Expr::Async(inner) => {
                self.cx.error_spanned_by(
                    inner.async_token,
                    "`async` blocks are not allowed in a scenario: its steps are the wait points",
                );
            }
            Expr::Return(inner) if self.closures == 0 => {
                self.cx.error_spanned_by(
                    inner.return_token,
                    "`return` inside an expression cannot end the scenario; write `return;` as \
                     a statement of its own",
                );
                visit_mut::visit_expr_return_mut(self, inner);
            }
            Expr::Try(inner) if self.closures == 0 => {
                self.cx.error_spanned_by(
                    inner.question_token,
                    "`?` is not supported in a scenario: a scenario's only errors are the \
                     connection's",
                );
                self.visit_expr_mut(&mut inner.expr);
            }
            Expr::Yield(inner) => {
                self.cx
                    .error_spanned_by(inner.yield_token, "`yield` is not supported in a scenario");
            }
            Expr::Call(call) if self.is_conn(call) => {
                if let Some(arg) = call.args.first() {
                    self.cx.error_spanned_by(
                        arg,
                        "`conn()` takes no arguments: it is the connection's index (accept order, \
                         from 0)",
                    );
                }
                let ident = bare_call_name(call)
                    .cloned()
                    .expect("is_conn saw a bare name");
                *expr = self.hole(ident, HoleTarget::Conn);
            }
            Expr::Call(call)
                if bare_call_name(call).is_some_and(|name| STEPS.contains(&&*name.to_string()))
                    && !self.shadowed.iter().any(|shadowed| {
                        bare_call_name(call).is_some_and(|name| name == shadowed)
                    }) =>
            {
                let name = bare_call_name(call)
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let message = if self.closures > 0 {
                    format!(
                        "`{name}` cannot be used inside a closure: a step is a wait point of the scenario itself"
                    )
                } else {
                    format!(
                        "`{name}` must be a statement of its own (or the value of \
                         `let NAME: usize = read_until(…);`), not part of an expression"
                    )
                };
                self.cx.error_spanned_by(&*call, message);
                for arg in call.args.iter_mut() {
                    self.visit_expr_mut(arg);
                }
            }
            Expr::Closure(closure) => {
                if let Some(token) = closure.asyncness {
                    self.cx
                        .error_spanned_by(token, "async closures are not allowed in a scenario");
                }
                let (loops, labels) = (self.loops, std::mem::take(&mut self.labels));
                self.loops = 0;
                self.closures += 1;
                let inputs: Vec<Pat> = closure.inputs.iter().cloned().collect();
                self.with_shadows(&inputs, |this| this.visit_expr_mut(&mut closure.body));
                self.closures -= 1;
                self.loops = loops;
                self.labels = labels;
            }
            Expr::Macro(inner) => self.mac(&mut inner.mac),
            Expr::ForLoop(inner) => {
                self.visit_expr_mut(&mut inner.expr);
                let pat = (*inner.pat).clone();
                let label = inner.label.clone();
                self.with_shadows([&pat], |this| {
                    this.with_loop(label.as_ref(), |this| this.visit_block_mut(&mut inner.body))
                });
            }
            Expr::While(inner) => {
                let label = inner.label.clone();
                let mut pats = Vec::new();
                let_patterns(&inner.cond, &mut pats);
                self.visit_expr_mut(&mut inner.cond);
                self.with_shadows(&pats, |this| {
                    this.with_loop(label.as_ref(), |this| this.visit_block_mut(&mut inner.body))
                });
            }
            Expr::Loop(inner) => {
                let label = inner.label.clone();
                self.with_loop(label.as_ref(), |this| this.visit_block_mut(&mut inner.body));
            }
            Expr::Block(inner) => {
                let labels = self.labels.len();
                if let Some(label) = &inner.label {
                    self.labels.push(label.name.ident.to_string());
                }
                self.visit_block_mut(&mut inner.block);
                self.labels.truncate(labels);
            }
            Expr::Break(inner) => {
                self.check_jump("break", inner.label.as_ref(), &inner.break_token);
                if let Some(value) = &mut inner.expr {
                    self.visit_expr_mut(value);
                }
            }
            Expr::Continue(inner) => {
                self.check_jump("continue", inner.label.as_ref(), &inner.continue_token);
            }
            Expr::Match(inner) => {
                self.visit_expr_mut(&mut inner.expr);
                for arm in &mut inner.arms {
                    let pat = arm.pat.clone();
                    self.with_shadows([&pat], |this| {
                        if let Some((_, guard)) = &mut arm.guard {
                            this.visit_expr_mut(guard);
                        }
                        this.visit_expr_mut(&mut arm.body);
                    });
                }
            }
            Expr::If(inner) => {
                let mut pats = Vec::new();
                let_patterns(&inner.cond, &mut pats);
                self.visit_expr_mut(&mut inner.cond);
                self.with_shadows(&pats, |this| this.visit_block_mut(&mut inner.then_branch));
                if let Some((_, otherwise)) = &mut inner.else_branch {
                    self.visit_expr_mut(otherwise);
                }
            }
            Expr::Let(inner) => self.visit_expr_mut(&mut inner.expr),
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_field_value_mut(&mut self, field: &mut syn::FieldValue) {
        // `Foo { end }` must become `Foo { end: self.end }`.
        let shorthand = field.colon_token.is_none();
        self.visit_expr_mut(&mut field.expr);
        if shorthand && matches!(field.expr, Expr::Verbatim(_)) {
            field.colon_token = Some(Token![:](Span::call_site()));
        }
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let depth = self.shadowed.len();
        for stmt in &mut block.stmts {
            match stmt {
                syn::Stmt::Local(local) => {
                    if let Some(init) = &mut local.init {
                        self.visit_expr_mut(&mut init.expr);
                        if let Some((_, diverge)) = &mut init.diverge {
                            self.visit_expr_mut(diverge);
                        }
                    }
                    pattern_names(&local.pat, &mut self.shadowed);
                }
                // Items cannot capture the scenario's names.
                syn::Stmt::Item(_) => {}
                syn::Stmt::Expr(expr, _) => self.visit_expr_mut(expr),
                syn::Stmt::Macro(mac) => self.mac(&mut mac.mac),
            }
        }
        self.shadowed.truncate(depth);
    }

    // Patterns, types and items hold no uses of scenario names.
    fn visit_pat_mut(&mut self, _: &mut Pat) {}
    fn visit_type_mut(&mut self, _: &mut syn::Type) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The names a pattern binds (an ident pattern may also be a constant: shadowing it too is
/// harmless, it only keeps a scenario name from being rewritten there).
pub fn pattern_names(pat: &Pat, names: &mut Vec<String>) {
    match pat {
        Pat::Ident(pat) => {
            names.push(pat.ident.unraw().to_string());
            if let Some((_, sub)) = &pat.subpat {
                pattern_names(sub, names);
            }
        }
        Pat::Or(pat) => pat.cases.iter().for_each(|case| pattern_names(case, names)),
        Pat::Paren(pat) => pattern_names(&pat.pat, names),
        Pat::Reference(pat) => pattern_names(&pat.pat, names),
        Pat::Slice(pat) => pat.elems.iter().for_each(|elem| pattern_names(elem, names)),
        Pat::Struct(pat) => pat
            .fields
            .iter()
            .for_each(|field| pattern_names(&field.pat, names)),
        Pat::Tuple(pat) => pat.elems.iter().for_each(|elem| pattern_names(elem, names)),
        Pat::TupleStruct(pat) => pat.elems.iter().for_each(|elem| pattern_names(elem, names)),
        Pat::Type(pat) => pattern_names(&pat.pat, names),
        _ => {}
    }
}

/// The patterns of the `let`s in an `if`/`while` condition (`let` chains included).
fn let_patterns(cond: &Expr, pats: &mut Vec<Pat>) {
    match cond {
        Expr::Let(expr) => pats.push((*expr.pat).clone()),
        Expr::Binary(expr) if matches!(expr.op, syn::BinOp::And(_)) => {
            let_patterns(&expr.left, pats);
            let_patterns(&expr.right, pats);
        }
        Expr::Paren(expr) => let_patterns(&expr.expr, pats),
        _ => {}
    }
}
