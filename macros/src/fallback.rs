//! Stub items emitted behind the errors of a malformed scenario (thiserror's `fallback.rs`):
//! the fn, the scenario type, its machine and its impls exist, so the rest of the crate does
//! not drown in "cannot find" errors behind the real one.
//!
//! Imports `names` only: it runs when the front end failed, so there is no tree to read.

use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::quote;
use syn::Visibility;

use crate::names::Names;

/// The errors, then stubs with the generated items' names.
pub fn expand(names: &Names, error: syn::Error) -> TokenStream {
    let Names {
        vis,
        func,
        docs,
        scenario,
        machine,
        state,
    } = names;
    let error = error.into_compile_error();
    let name = names.name_str();
    quote! {
        #error

        #(#docs)*
        #vis fn #func() -> #scenario {
            #scenario
        }

        #[doc = "Stub of a scenario that failed to compile."]
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #scenario;

        const _: () = {
            #[doc = "Stub of a scenario's machine."]
            #vis struct #machine;

            #[doc = "Stub of a scenario's states."]
            #[derive(Clone, Copy, Debug, PartialEq, Eq)]
            #vis enum #state {}

            #[automatically_derived]
            impl ::twinbench::Machine for #machine {
                fn resume<__TwinbenchIo: ::twinbench::Io>(
                    &mut self,
                    _io: &mut __TwinbenchIo,
                ) -> ::core::task::Poll<::core::result::Result<(), ::twinbench::ConnError>> {
                    ::core::unreachable!(#name)
                }
            }

            impl #scenario {
                #[doc = "Stub of a scenario's async twin."]
                pub async fn serve_conn<__TwinbenchIo: ::twinbench::AsyncIo>(
                    _io: &mut __TwinbenchIo,
                ) -> ::core::result::Result<(), ::twinbench::ConnError> {
                    ::core::unreachable!(#name)
                }
            }

            #[automatically_derived]
            impl ::twinbench::Scenario for #scenario {
                type Machine = #machine;

                fn name(&self) -> &'static str {
                    #name
                }

                fn config(&self) -> ::twinbench::Config {
                    ::core::unreachable!(#name)
                }

                fn client(&self, _conn: usize) -> ::twinbench::Client {
                    ::core::unreachable!(#name)
                }

                fn machine(&self) -> #machine {
                    #machine
                }

                fn serve<'a, __TwinbenchIo: ::twinbench::AsyncIo + 'a>(
                    &'a self,
                    io: &'a mut __TwinbenchIo,
                ) -> impl ::core::future::Future<
                    Output = ::core::result::Result<(), ::twinbench::ConnError>,
                > + 'a {
                    Self::serve_conn(io)
                }
            }
        };
    }
}

/// The item did not parse as a fn. If it is some other item, say `#[scenario]` goes on a fn
/// and keep the item; if it has the look of a fn (`… fn NAME …`), stub that name; otherwise
/// the parse error is all there is.
pub fn unparsed(item: TokenStream, error: syn::Error) -> syn::Result<TokenStream> {
    if let Ok(other) = syn::parse2::<syn::Item>(item.clone()) {
        let error = syn::Error::new_spanned(&other, "`#[scenario]` goes on a plain `fn`")
            .into_compile_error();
        return Ok(quote!(#error #other));
    }
    let tokens: Vec<TokenTree> = item.into_iter().collect();
    let name = tokens.windows(2).find_map(|pair| match pair {
        // syn's `Ident` parser refuses keywords: `fn loop` is no name to stub.
        [TokenTree::Ident(keyword), TokenTree::Ident(name)] if keyword == "fn" => {
            syn::parse2::<Ident>(TokenTree::Ident(name.clone()).into()).ok()
        }
        _ => None,
    });
    let Some(func) = name else {
        return Err(error);
    };
    let public = tokens
        .iter()
        .take_while(|t| !matches!(t, TokenTree::Ident(i) if *i == "fn"))
        .any(|t| matches!(t, TokenTree::Ident(i) if *i == "pub"));
    let vis: Visibility = if public {
        syn::parse_quote!(pub)
    } else {
        Visibility::Inherited
    };
    Ok(expand(&Names::new(&vis, &func, &[]), error))
}
