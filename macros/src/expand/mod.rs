//! Generation: the items shared by both twins (the scenario value and its `Scenario` impl),
//! and the entry point that runs the front end and both back ends.
//!
//! `machine` and `async_fn` read the same [`Checked`] tree; neither parses or checks anything.

mod async_fn;
mod machine;

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::{Expr, ItemFn, LitStr};

use crate::fallback;
use crate::internals::ast::{Binding, Block, Delim, Hole, Scenario, Stmt, StmtKind, UserExpr};
use crate::internals::attr::{self, ClientSpec};
use crate::internals::ctxt::Ctxt;
use crate::internals::parse;
use crate::internals::resolve::HOLE_PREFIX;
use crate::internals::validate::{self, Checked};
use crate::names::Names;

/// Expands `#[scenario(args)] item`. A mistake in the scenario is reported as compile errors
/// followed by stub items (`Ok`); only an item that is not a fn at all is an `Err`.
pub fn scenario(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(error) => return fallback::unparsed(item, error),
    };
    let names = Names::new(&func.vis, &func.sig.ident, &func.attrs);
    let cx = Ctxt::new();
    let args = attr::parse(&cx, args);
    let scenario = parse::scenario(&cx, func);
    match validate::check(cx, scenario, args) {
        Ok(checked) => Ok(generate(&checked, &names)),
        Err(error) => Ok(fallback::expand(&names, error)),
    }
}

fn generate(checked: &Checked, names: &Names) -> TokenStream {
    let Scenario {
        attrs, vis, sig, ..
    } = &checked.scenario;
    let name = &sig.ident;
    let Names { scenario: ty, .. } = names;
    let machine = machine::expand(checked, names);
    let serve_conn = async_fn::expand(checked, names);
    let scenario_impl = scenario_impl(checked, names, &machine.init);
    let machine_items = machine.items;
    let docs = &names.docs;
    let type_doc = doc(format!(
        "The scenario [`{}`]: generated from `fn {0}` by `#[scenario]`, with its poll-loop \
         twin [`{}`] and its async twin [`{ty}::serve_conn`].",
        names.name_str(),
        names.machine,
    ));
    let separator = (!docs.is_empty()).then(|| doc(String::new()));
    let fn_token = quote_spanned!(name.span()=> fn);
    quote! {
        #(#attrs)*
        #vis #fn_token #name() -> #ty {
            #ty
        }

        #(#docs)*
        #separator
        #type_doc
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #ty;

        #scenario_impl

        #serve_conn

        #machine_items
    }
}

fn scenario_impl(checked: &Checked, names: &Names, machine_init: &TokenStream) -> TokenStream {
    let Names {
        scenario: ty,
        machine,
        ..
    } = names;
    let args = &checked.args;
    let name = names.name_str();
    let connections = &args.connections;
    let buffer = &args.buffer;
    let requests = match &args.requests {
        Some(requests) => requests.to_token_stream(),
        None => quote!(1),
    };
    let conn = Ident::new("conn", Span::mixed_site());
    let io = Ident::new("io", Span::mixed_site());
    let client_bytes = |expr: &Expr| {
        quote_spanned! {first_span(expr)=>
            ::twinbench::__private::ClientBytes::for_conn(&(#expr), #conn)
        }
    };
    let client = match &args.client {
        ClientSpec::Bytes { send, expect } => {
            let (send, expect) = (client_bytes(send), client_bytes(expect));
            quote!(::twinbench::Client::new(#send, #expect))
        }
        ClientSpec::Exchanges(exchanges) => quote_spanned! {first_span(exchanges)=>
            ::twinbench::Client::exchanges(&(#exchanges))
        },
    };
    let client = match &args.trickle {
        Some(bytes) => quote_spanned!(first_span(bytes)=> #client.trickle(#bytes)),
        None => client,
    };
    quote! {
        impl ::twinbench::Scenario for #ty {
            type Machine = #machine;

            fn name(&self) -> &'static str {
                #name
            }

            fn config(&self) -> ::twinbench::Config {
                ::twinbench::Config {
                    connections: #connections,
                    buffer: #buffer,
                    requests: #requests,
                }
            }

            fn client(&self, #conn: usize) -> ::twinbench::Client {
                #client
            }

            fn machine(&self) -> #machine {
                #machine_init
            }

            fn serve<'a, __TwinbenchIo: ::twinbench::AsyncIo + 'a>(
                &'a self,
                #io: &'a mut __TwinbenchIo,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<(), ::twinbench::ConnError>,
            > + 'a {
                Self::serve_conn(#io)
            }
        }
    }
}

/// What both back ends render alike: the statements without a wait, as plain Rust. Each back
/// end supplies only how a user expression reads `buf` and the bindings (`expr`), and how it
/// renders a nested block (`block`, which comes back here for these statements). Sharing the
/// rendering, not copying it, is what keeps the two twins' wait-free code identical.
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

    /// `Compute`, `if`, `while`, `loop`, `for`, a block, `break`, `continue`. The other
    /// statements (`let`, `consume`, the waits) are each back end's own.
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
            StmtKind::While { cond, body } => {
                let (cond, body) = (self.expr(cond), self.block(body));
                quote!(while #cond { #body })
            }
            StmtKind::Loop { body } => {
                let body = self.block(body);
                quote!(loop { #body })
            }
            StmtKind::For { var, range, body } => {
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
                quote!(for #var in #start #dots #end { #body })
            }
            StmtKind::Block(block) => {
                let body = self.block(block);
                quote!({ #body })
            }
            StmtKind::Break => quote_spanned!(span=> break;),
            StmtKind::Continue => quote_spanned!(span=> continue;),
            StmtKind::Let { .. }
            | StmtKind::Consume { .. }
            | StmtKind::ReadUntil { .. }
            | StmtKind::ReadExact { .. }
            | StmtKind::Write { .. }
            | StmtKind::YieldNow => unreachable!("rendered by each back end"),
        }
    }
}

/// `buffer` as a const generic argument: literals and paths as they are, anything else in
/// braces.
pub fn buffer_generic(buffer: &Expr) -> TokenStream {
    match buffer {
        Expr::Lit(_) => buffer.to_token_stream(),
        Expr::Path(path) if path.qself.is_none() => buffer.to_token_stream(),
        _ => quote!({ #buffer }),
    }
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
        fill_holes(tokens, &expr.holes, fill)
    }
}

fn fill_holes(
    tokens: TokenStream,
    holes: &[Hole],
    fill: &dyn Fn(&Hole) -> TokenStream,
) -> TokenStream {
    let mut out = TokenStream::new();
    for token in tokens {
        match token {
            TokenTree::Group(group) => {
                let mut filled = proc_macro2::Group::new(
                    group.delimiter(),
                    fill_holes(group.stream(), holes, fill),
                );
                filled.set_span(group.span());
                out.extend([TokenTree::Group(filled)]);
            }
            TokenTree::Ident(ident) => {
                let hole = ident
                    .to_string()
                    .strip_prefix(HOLE_PREFIX)
                    .and_then(|index| index.parse::<usize>().ok())
                    .and_then(|index| holes.get(index));
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
