//! Checks the parsed scenario's meaning and resolves its names, producing the checked tree
//! both back ends read: the signature is a plain `fn()`, each binding has a usable name and a
//! type that can be a field of the machine, every name is in scope, `break`/`continue` are in
//! a loop. The back ends check nothing again.
//!
//! Scoping follows Rust: a `let` is visible from the next statement to the end of its block, a
//! loop variable inside its loop; a later `let` of the same name shadows. A name that matches
//! some binding of the scenario but none in scope at its use is an error; names that match no
//! binding (module consts and fns) are left alone.
//!
//! Imports `ast`, `attr` (the checked arguments travel with the tree), `ctxt` and `resolve`.

use std::collections::HashSet;

use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::{Ident, Signature, Type};

use crate::internals::ast::{
    Binding, BindingId, BindingKind, Block, Delim, Scenario, Stmt, StmtKind, UserExpr,
};
use crate::internals::attr::Args;
use crate::internals::ctxt::Ctxt;
use crate::internals::resolve::{self, Scope};

/// A scenario with no errors: names resolved, `waits`/`escapes` facts filled in. Only
/// [`check`] makes one, so a back end holding it knows there is nothing left to check.
pub struct Checked {
    pub scenario: Scenario,
    pub args: Args,
    /// Private: no other module can build a `Checked`.
    _sealed: (),
}

/// Checks `scenario`, reporting every error at once (its arguments' too: `attr::parse`
/// recorded them in `cx`).
pub fn check(cx: Ctxt, mut scenario: Scenario, args: Args) -> syn::Result<Checked> {
    check_signature(&cx, &scenario.sig);
    for binding in &scenario.bindings {
        check_binding(&cx, &binding.ident, &binding.ty);
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
        loops: 0,
    };
    validator.block(&mut scenario.body);
    cx.check()?;
    Ok(Checked {
        scenario,
        args,
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
    /// Bindings in scope, innermost block last.
    scopes: Vec<Vec<(String, BindingId)>>,
    /// Scenario loops around the current statement.
    loops: usize,
}

impl Scope for Validator<'_> {
    fn lookup(&self, name: &str) -> Option<BindingId> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.iter().rev())
            .find(|(n, _)| n == name)
            .map(|&(_, id)| id)
    }

    fn is_binding_name(&self, name: &str) -> bool {
        self.names.contains(name)
    }
}

impl Validator<'_> {
    /// Checks a block in a scope of its own; returns its (waits, escapes) facts.
    fn block(&mut self, block: &mut Block) -> (bool, bool) {
        self.scopes.push(Vec::new());
        let (mut waits, mut escapes) = (false, false);
        for stmt in &mut block.stmts {
            self.stmt(stmt);
            waits |= stmt.waits;
            escapes |= stmt.escapes;
        }
        self.scopes.pop();
        (waits, escapes)
    }

    fn declare(&mut self, binding: BindingId) {
        let name = self.bindings[binding].ident.unraw().to_string();
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((name, binding));
        }
    }

    fn expr(&mut self, expr: &mut UserExpr) {
        resolve::resolve(self.cx, &*self, expr);
    }

    fn loop_body(&mut self, body: &mut Block) -> bool {
        self.loops += 1;
        let (waits, _) = self.block(body);
        self.loops -= 1;
        waits
    }

    fn stmt(&mut self, stmt: &mut Stmt) {
        let (waits, escapes) = match &mut stmt.kind {
            StmtKind::ReadUntil { delim, bind } => {
                match delim {
                    Delim::Bytes(bytes) if bytes.value().is_empty() => {
                        self.cx.error_spanned_by(
                            &*bytes,
                            "empty delimiter: `read_until` needs at least one byte to look for",
                        );
                    }
                    Delim::Bytes(_) => {}
                    Delim::Expr(expr) => self.expr(expr),
                }
                if let Some(bind) = *bind {
                    self.declare(bind);
                }
                (true, false)
            }
            StmtKind::ReadExact { len } => {
                self.expr(len);
                (true, false)
            }
            StmtKind::Write { bytes } => {
                self.expr(bytes);
                (true, false)
            }
            StmtKind::Consume { len } => {
                self.expr(len);
                (false, false)
            }
            StmtKind::YieldNow => (true, false),
            StmtKind::Let { bind, init } => {
                self.expr(init);
                self.declare(*bind);
                (false, false)
            }
            StmtKind::Compute { expr } => {
                self.expr(expr);
                (false, false)
            }
            StmtKind::If { arms, otherwise } => {
                let (mut waits, mut escapes) = (false, false);
                for arm in arms {
                    self.expr(&mut arm.cond);
                    let (w, e) = self.block(&mut arm.body);
                    waits |= w;
                    escapes |= e;
                }
                if let Some(otherwise) = otherwise {
                    let (w, e) = self.block(otherwise);
                    waits |= w;
                    escapes |= e;
                }
                (waits, escapes)
            }
            StmtKind::While { cond, body } => {
                self.expr(cond);
                (self.loop_body(body), false)
            }
            StmtKind::Loop { body } => (self.loop_body(body), false),
            StmtKind::For { var, range, body } => {
                self.expr(&mut range.start);
                self.expr(&mut range.end);
                self.scopes.push(Vec::new());
                if let Some(var) = *var {
                    self.declare(var);
                }
                let waits = self.loop_body(body);
                self.scopes.pop();
                (waits, false)
            }
            StmtKind::Block(block) => self.block(block),
            StmtKind::Break | StmtKind::Continue => {
                if self.loops == 0 {
                    let keyword = if matches!(stmt.kind, StmtKind::Break) {
                        "break"
                    } else {
                        "continue"
                    };
                    self.cx.error_at(
                        stmt.source.span,
                        format_args!("`{keyword}` outside of a loop"),
                    );
                }
                (false, true)
            }
        };
        stmt.waits = waits;
        stmt.escapes = escapes;
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
