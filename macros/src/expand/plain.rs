//! What both back ends share, so that the twins' plain statements are identical: the
//! rendering of plain statements ([`RenderPlain`]), the lowering of holes in user
//! expressions ([`lower`]), the internal identifiers ([`Idents`]) and small token helpers.
//!
//! Imports the front end's tree (`internals::ast`) only.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::{Expr, LitStr};

use crate::internals::ast::{Binding, Block, Delim, Hole, MatchArm, Stmt, StmtKind, UserExpr};

/// Internal locals and parameters of the generated code: mixed-site, so they cannot clash with
/// the user's names. One set for both twins, so a local means the same in each.
pub struct Idents {
    /// The connection parameter.
    pub io: Ident,
    /// The async twin's receive buffer (the machine's is its `buf` field).
    pub buf: Ident,
    /// Bytes one read delivered.
    pub n: Ident,
    /// The offset `read_until` found.
    pub found: Ident,
    /// The bytes of the current `write(…)`.
    pub bytes: Ident,
    /// Progress through them: the async twin's, and the machine's where a computed argument's
    /// write begins (across a wait, the machine's is its `written` field).
    pub written: Ident,
    /// A computed delimiter, evaluated where its `read_until` begins.
    pub delim: Ident,
    /// A computed `read_exact` length, likewise.
    pub len: Ident,
    /// The machine's next value of a `for` loop with a wait inside.
    pub value: Ident,
}

impl Idents {
    pub fn new() -> Self {
        let mixed = |name: &str| Ident::new(name, Span::mixed_site());
        Idents {
            io: mixed("io"),
            buf: mixed("buf"),
            n: mixed("n"),
            found: mixed("found"),
            bytes: mixed("bytes"),
            written: mixed("written"),
            delim: mixed("delim"),
            len: mixed("len"),
            value: mixed("value"),
        }
    }
}

/// What both back ends render alike: the *plain statements* — no wait inside, no
/// `break`/`continue` leaving them — as ordinary Rust. Each back
/// end supplies only how a user expression reads `buf` and the bindings (`expr`), and how it
/// renders a nested block (`block`, which comes back here for these statements). Sharing the
/// rendering, not copying it, is what keeps the two twins' plain statements identical.
pub trait RenderPlain {
    /// A user expression, with `buf` and the bindings mapped to the back end's storage.
    fn expr(&self, expr: &UserExpr) -> TokenStream;
    /// A nested block.
    fn block(&self, block: &Block) -> TokenStream;
    /// The scenario's bindings (for a `for` loop's variable, a local in both twins).
    fn bindings(&self) -> &[Binding];

    /// A delimiter argument: a byte literal as it is, an expression through `Delimiter`.
    fn delim(&self, delim: &Delim) -> TokenStream {
        match delim {
            Delim::Bytes(bytes) => bytes.to_token_stream(),
            Delim::Expr(expr) => {
                let expr = self.expr(expr);
                quote_spanned!(first_span(&expr)=> ::twinbench::__private::Delimiter::as_bytes(&(#expr)))
            }
        }
    }

    /// A `match` arm's `if GUARD`, if it has one.
    fn guard(&self, arm: &MatchArm) -> Option<TokenStream> {
        arm.guard.as_ref().map(|guard| {
            let guard = self.expr(guard);
            quote!(if #guard)
        })
    }

    /// `Compute`, `if`, `match`, `while`, `loop`, `for`, a block, `break`, `continue`. The other
    /// statements (`let`, `consume`, `return`, the waits) are each back end's own.
    fn plain(&self, stmt: &Stmt) -> TokenStream {
        let span = stmt.source.span;
        match &stmt.kind {
            StmtKind::Compute { expr } => {
                let expr = self.expr(expr);
                quote!(#expr;)
            }
            StmtKind::If { arms, otherwise } => {
                let arms = arms.iter().map(|arm| {
                    let (cond, body) = (self.expr(&arm.cond), self.block(&arm.body));
                    quote!(if #cond { #body })
                });
                let otherwise = otherwise.as_ref().map(|otherwise| {
                    let body = self.block(otherwise);
                    quote!(else { #body })
                });
                quote!(#(#arms)else* #otherwise)
            }
            StmtKind::While { label, cond, body } => {
                let (cond, body) = (self.expr(cond), self.block(body));
                quote!(#label while #cond { #body })
            }
            StmtKind::Loop { label, body } => {
                let body = self.block(body);
                quote!(#label loop { #body })
            }
            StmtKind::For {
                label,
                var,
                range,
                body,
            } => {
                let var = match var {
                    Some(var) => {
                        let Binding {
                            mutability, ident, ..
                        } = &self.bindings()[*var];
                        quote!(#mutability #ident)
                    }
                    None => quote!(_),
                };
                let (start, end, body) = (
                    self.expr(&range.start),
                    self.expr(&range.end),
                    self.block(body),
                );
                let dots = if range.inclusive {
                    quote!(..=)
                } else {
                    quote!(..)
                };
                quote!(#label for #var in #start #dots #end { #body })
            }
            StmtKind::Block(block) => {
                let body = self.block(block);
                quote!({ #body })
            }
            StmtKind::Break(jump) => {
                let label = &jump.label;
                quote_spanned!(span=> break #label;)
            }
            StmtKind::Continue(jump) => {
                let label = &jump.label;
                quote_spanned!(span=> continue #label;)
            }
            StmtKind::Match {
                scrutinee, arms, ..
            } => {
                let scrutinee = self.expr(scrutinee);
                let arms = arms.iter().map(|arm| {
                    let (pat, guard) = (&arm.pat, self.guard(arm));
                    let body = self.block(&arm.body);
                    quote!(#pat #guard => { #body })
                });
                quote!(match #scrutinee { #(#arms)* })
            }
            StmtKind::Return
            | StmtKind::Let { .. }
            | StmtKind::Consume { .. }
            | StmtKind::ReadUntil { .. }
            | StmtKind::ReadExact { .. }
            | StmtKind::Write { .. }
            | StmtKind::YieldNow
            | StmtKind::NextRequest { .. }
            | StmtKind::Call { .. } => unreachable!("rendered by each back end"),
        }
    }
}

/// `buffer` as a const generic argument: literals and paths as they are, anything else in
/// braces.
pub fn buffer_generic(buffer: &Expr) -> TokenStream {
    match buffer {
        Expr::Lit(lit) if lit.attrs.is_empty() => buffer.to_token_stream(),
        Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => {
            buffer.to_token_stream()
        }
        // Braces make any expression a const argument (an attribute on it included).
        _ => quote!({ #buffer }),
    }
}

/// An internal local (mixed-site, see [`Idents`]) standing where the user's token `at` stood,
/// in parentheses spanned on that token: `(buf)`. A panic's location is that of the expression
/// it is raised in, and an expression whose first token came from the macro is the macro's
/// (rustc reports the attribute); the parentheses make the user's token the expression's first,
/// so a panic in it (an index out of bounds, an overflow, an `unwrap`) points at the user's
/// line, in both twins, as the machine's `self.buf` (all user-spanned) always did.
pub fn in_user_parens(local: &Ident, at: Span) -> TokenStream {
    let mut group =
        proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, local.to_token_stream());
    group.set_span(at);
    TokenTree::Group(group).into()
}

/// A `#[doc = "…"]` attribute.
pub fn doc(text: String) -> TokenStream {
    let text = LitStr::new(format!(" {text}").trim_end(), Span::call_site());
    quote!(#[doc = #text])
}

/// The span of the first token of `tokens` (syn's `Spanned` joins spans only on nightly).
pub fn first_span(tokens: impl ToTokens) -> Span {
    tokens
        .into_token_stream()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span())
}

/// The user's expression with each hole filled by `fill` (each back end lowers `buf` and the
/// bindings its own way).
pub fn lower(expr: &UserExpr, fill: &dyn Fn(&Hole) -> TokenStream) -> TokenStream {
    let tokens = expr.expr.to_token_stream();
    if expr.holes.is_empty() {
        tokens
    } else {
        fill_holes(tokens, expr, fill)
    }
}

fn fill_holes(
    tokens: TokenStream,
    expr: &UserExpr,
    fill: &dyn Fn(&Hole) -> TokenStream,
) -> TokenStream {
    let mut out = TokenStream::new();
    for token in tokens {
        match token {
            TokenTree::Group(group) => {
                let mut filled = proc_macro2::Group::new(
                    group.delimiter(),
                    fill_holes(group.stream(), expr, fill),
                );
                filled.set_span(group.span());
                out.extend([TokenTree::Group(filled)]);
            }
            TokenTree::Ident(ident) => {
                let hole = expr
                    .hole_index(&ident.to_string())
                    .and_then(|index| expr.holes.get(index));
                match hole {
                    Some(hole) => out.extend(fill(hole)),
                    None => out.extend([TokenTree::Ident(ident)]),
                }
            }
            other => out.extend([other]),
        }
    }
    out
}
