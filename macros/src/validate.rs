//! Checks the parsed scenario and resolves its names, producing the checked tree both back
//! ends read.
//!
//! Scoping follows Rust: a `let` is visible from the next statement to the end of its block, a
//! loop variable inside its loop; a later `let` of the same name shadows. A name that matches
//! some binding of the scenario but none in scope at its use is an error; names that match no
//! binding (module consts and fns) are left alone.

use std::collections::HashSet;

use syn::ext::IdentExt;

use crate::ast::{Binding, BindingId, Block, Delim, Scenario, Stmt, StmtKind, UserExpr};
use crate::attr::Args;
use crate::ctxt::Ctxt;
use crate::resolve::{self, Scope};

/// A scenario with no errors: names resolved, `waits`/`escapes` facts filled in. Only
/// [`check`] makes one, so a back end holding it knows there is nothing left to check.
pub struct Checked {
    pub scenario: Scenario,
    pub args: Args,
    /// Private: no other module can build a `Checked`.
    _sealed: (),
}

/// Checks `scenario`, reporting every error at once.
pub fn check(cx: Ctxt, mut scenario: Scenario) -> syn::Result<Checked> {
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
    let args = scenario.args.take();
    cx.check()?;
    match args {
        Some(args) => Ok(Checked {
            scenario,
            args,
            _sealed: (),
        }),
        // Unusable arguments always come with an error, so this is not reached.
        None => Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "invalid #[scenario] arguments",
        )),
    }
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
