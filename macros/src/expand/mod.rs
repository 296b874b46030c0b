//! Generation: the entry point that runs the front end and both back ends, and the items
//! shared by both twins (the scenario value and its `Scenario` impl).
//!
//! The back ends, `machine/` (the poll-loop twin) and `async_fn.rs` (the async twin), read
//! the same [`Checked`] tree and share `plain.rs`; neither parses or checks anything, and
//! neither imports the other. This module imports the front end (`crate::internals`), `names`
//! and `fallback`.

mod async_fn;
mod machine;
mod plain;
mod step;

pub use step::step;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::{Expr, ItemFn};

use crate::fallback;
use crate::internals::ast::Scenario;
use crate::internals::attr::{self, ClientSpec};
use crate::internals::ctxt::Ctxt;
use crate::internals::parse;
use crate::internals::validate::{self, Checked};
use crate::names::Names;
use plain::{doc, first_span};

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
    let scenario = parse::scenario(&cx, func, &args.steps);
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
         twin `{}` (`<{ty} as Scenario>::Machine`) and its async twin [`{ty}::serve_conn`].",
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

        // The machine, its states and the impls live in a block of their own: two scenarios of
        // one module never collide on a generated name (`lookup`'s `LookupState` and
        // `lookup_state`'s scenario type), and the user's code keeps the scope it was written
        // in.
        const _: () = {
            #scenario_impl

            #serve_conn

            #machine_items
        };
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
    let nonzero = nonzero_assertions(checked);
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
        ClientSpec::ExchangesPerConn(exchanges) => quote_spanned! {first_span(exchanges)=>
            ::twinbench::__private::exchanges_for_conn(#exchanges, #conn)
        },
    };
    let client = match &args.trickle {
        Some(bytes) => quote_spanned!(first_span(bytes)=> #client.trickle(#bytes)),
        None => client,
    };
    quote! {
        #nonzero

        #[automatically_derived]
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

/// Const assertions that `buffer` (a const generic, so always a constant) and `requests`, when
/// it names a constant, are not 0: a compile error on the user's token, as a literal 0 is
/// (`attr`). A `requests` computed at run time cannot be checked here.
fn nonzero_assertions(checked: &Checked) -> TokenStream {
    let assert = |expr: &Expr, message: &str| {
        quote_spanned! {first_span(expr)=>
            const _: () = ::core::assert!((#expr) > 0, #message);
        }
    };
    let buffer = (!matches!(checked.args.buffer, Expr::Lit(_)))
        .then(|| assert(&checked.args.buffer, attr::BUFFER_ZERO));
    let requests = checked
        .args
        .requests
        .as_ref()
        .filter(|requests| matches!(requests, Expr::Path(_)))
        .map(|requests| assert(requests, attr::REQUESTS_ZERO));
    quote!(#buffer #requests)
}
