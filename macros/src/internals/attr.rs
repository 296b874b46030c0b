//! The attribute's arguments: `#[scenario(connections = …, buffer = …, requests = …,
//! client(send = …, expect = …))]`, or `client(exchanges = [(request, reply), …])` for a
//! lock-step client. Grammar with syn's own tools (`Parse` per rule, custom keywords,
//! `lookahead1`); every mistake is recorded and parsing goes on. Imports `ctxt` only.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token, parenthesized};

use crate::internals::ctxt::Ctxt;

mod kw {
    syn::custom_keyword!(connections);
    syn::custom_keyword!(buffer);
    syn::custom_keyword!(requests);
    syn::custom_keyword!(client);
    syn::custom_keyword!(send);
    syn::custom_keyword!(expect);
    syn::custom_keyword!(exchanges);
    syn::custom_keyword!(trickle);
    syn::custom_keyword!(steps);
}

/// The arguments. Always made, as serde's `attr::Container` is: a key missing (or the list
/// unparsable) is an error in the `Ctxt` and a [`placeholder`] here, which never reaches the
/// output, since any recorded error sends the expansion to `fallback`. So once `validate`
/// has found no error, every required key was given, once.
pub struct Args {
    pub connections: Expr,
    pub buffer: Expr,
    /// `None`: the default, 1.
    pub requests: Option<Expr>,
    pub client: ClientSpec,
    /// `trickle = N` in `client(…)`: at most N request bytes per read.
    pub trickle: Option<Expr>,
    /// `steps = [read_bulk, …]`: the step functions (`#[step]`) the body calls as steps.
    pub steps: Vec<Ident>,
}

/// What each client does.
// One per macro call: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum ClientSpec {
    /// `send = …, expect = …`: sends everything at once.
    Bytes { send: Expr, expect: Expr },
    /// `exchanges = …`: sends each request after the previous reply arrived.
    Exchanges(Expr),
    /// `exchanges = |conn| …`: the same, with the exchanges a closure makes of the connection
    /// index (at setup, once per connection).
    ExchangesPerConn(Expr),
}

/// One `key = value` (or `client(…)`), as written.
enum Arg {
    Connections(kw::connections, Expr),
    Buffer(kw::buffer, Expr),
    Requests(kw::requests, Expr),
    Client(kw::client, Vec<ClientArg>),
    Steps(kw::steps, Vec<Ident>),
}

enum ClientArg {
    Send(kw::send, Expr),
    Expect(kw::expect, Expr),
    Exchanges(kw::exchanges, Expr),
    Trickle(kw::trickle, Expr),
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::connections) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(Arg::Connections(key, input.parse()?))
        } else if lookahead.peek(kw::buffer) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(Arg::Buffer(key, input.parse()?))
        } else if lookahead.peek(kw::requests) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(Arg::Requests(key, input.parse()?))
        } else if lookahead.peek(kw::client) {
            let key = input.parse()?;
            let content;
            parenthesized!(content in input);
            let args = Punctuated::<ClientArg, Token![,]>::parse_terminated(&content)?;
            Ok(Arg::Client(key, args.into_iter().collect()))
        } else if lookahead.peek(kw::steps) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(Arg::Steps(key, step_list(input)?))
        } else {
            Err(lookahead.error())
        }
    }
}

impl Parse for ClientArg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::send) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(ClientArg::Send(key, input.parse()?))
        } else if lookahead.peek(kw::expect) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(ClientArg::Expect(key, input.parse()?))
        } else if lookahead.peek(kw::exchanges) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(ClientArg::Exchanges(key, input.parse()?))
        } else if lookahead.peek(kw::trickle) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            Ok(ClientArg::Trickle(key, input.parse()?))
        } else {
            Err(lookahead.error())
        }
    }
}

/// Parses and checks the arguments, recording every mistake in `cx` (see [`Args`]).
pub fn parse(cx: &Ctxt, tokens: TokenStream) -> Args {
    let parsed = match Punctuated::<Arg, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(parsed) => parsed,
        Err(error) => {
            // The parse error is the one to read: no "missing" errors behind it.
            cx.syn_error(error);
            return Args {
                connections: placeholder(),
                buffer: placeholder(),
                requests: None,
                client: ClientSpec::Bytes {
                    send: placeholder(),
                    expect: placeholder(),
                },
                trickle: None,
                steps: Vec::new(),
            };
        }
    };

    let mut connections = None;
    let mut buffer = None;
    let mut requests = None;
    let mut client = None;
    let mut steps = None;
    for arg in parsed {
        match arg {
            Arg::Connections(key, value) => set_once(cx, &mut connections, key, value),
            Arg::Buffer(key, value) => {
                check_buffer(cx, &value);
                set_once(cx, &mut buffer, key, value);
            }
            Arg::Requests(key, value) => {
                check_requests(cx, &value);
                set_once(cx, &mut requests, key, value);
            }
            Arg::Client(key, args) => {
                let parsed = client_args(cx, key, args);
                if client.is_some() {
                    cx.error_spanned_by(key, "duplicate `client(…)` argument");
                } else {
                    client = Some(parsed);
                }
            }
            Arg::Steps(key, names) => set_once(cx, &mut steps, key, names),
        }
    }

    let call_site = Span::call_site();
    let connections = connections.unwrap_or_else(|| {
        cx.error_at(
            call_site,
            "missing `connections = …`: how many connections a run opens",
        );
        placeholder()
    });
    let buffer = buffer.unwrap_or_else(|| {
        cx.error_at(
            call_site,
            "missing `buffer = …`: receive buffer bytes per connection",
        );
        placeholder()
    });
    let (client, trickle) = client.unwrap_or_else(|| {
        cx.error_at(
            call_site,
            "missing `client(send = …, expect = …)`: what each client sends and expects back",
        );
        (
            ClientSpec::Bytes {
                send: placeholder(),
                expect: placeholder(),
            },
            None,
        )
    });
    Args {
        connections,
        buffer,
        requests,
        client,
        trickle,
        steps: steps.unwrap_or_default(),
    }
}

/// `[read_bulk, read_line]`: the step functions a body calls as steps.
fn step_list(input: ParseStream) -> syn::Result<Vec<Ident>> {
    let content;
    syn::bracketed!(content in input);
    let names = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
    Ok(names.into_iter().collect())
}

/// The arguments of `#[step]` (none) or `#[step(steps = [read_bulk, …])]`: the step
/// functions its body calls as steps. Mistakes are recorded in `cx`.
pub fn step_args(cx: &Ctxt, tokens: TokenStream) -> Vec<Ident> {
    let parser = |input: ParseStream| -> syn::Result<Vec<Ident>> {
        if input.is_empty() {
            return Ok(Vec::new());
        }
        input.parse::<kw::steps>()?;
        input.parse::<Token![=]>()?;
        let names = step_list(input)?;
        input.parse::<Option<Token![,]>>()?;
        Ok(names)
    };
    parser.parse2(tokens).unwrap_or_else(|error| {
        cx.syn_error(error);
        Vec::new()
    })
}

impl Args {
    /// The arguments a step function's body is checked and expanded with: no client or
    /// connections (its caller's scenario has those), and `buffer` is the generic `N` of the
    /// caller's receive buffer. Only the back ends' shared code reads them, never for output
    /// a step fn does not have.
    pub fn for_step(steps: Vec<Ident>) -> Args {
        Args {
            connections: placeholder(),
            buffer: syn::parse_quote!(N),
            requests: None,
            client: ClientSpec::Bytes {
                send: placeholder(),
                expect: placeholder(),
            },
            trickle: None,
            steps,
        }
    }
}

fn client_args(cx: &Ctxt, key: kw::client, args: Vec<ClientArg>) -> (ClientSpec, Option<Expr>) {
    let mut send = None;
    let mut expect = None;
    let mut exchanges = None;
    let mut trickle = None;
    for arg in args {
        match arg {
            ClientArg::Send(key, value) => set_once(cx, &mut send, key, value),
            ClientArg::Expect(key, value) => set_once(cx, &mut expect, key, value),
            ClientArg::Exchanges(key, value) => set_once(cx, &mut exchanges, key, value),
            ClientArg::Trickle(key, value) => set_once(cx, &mut trickle, key, value),
        }
    }
    if let Some(exchanges) = exchanges {
        for extra in send.iter().chain(&expect) {
            cx.error_spanned_by(
                extra,
                "a lock-step client's bytes are its `exchanges = …`; drop `send`/`expect`",
            );
        }
        let spec = match exchanges {
            Expr::Closure(_) => ClientSpec::ExchangesPerConn(exchanges),
            _ => ClientSpec::Exchanges(exchanges),
        };
        return (spec, trickle);
    }
    let send = send.unwrap_or_else(|| {
        cx.error_spanned_by(
            key,
            "`client(…)` needs `send = …`: the bytes each client sends",
        );
        placeholder()
    });
    let expect = expect.unwrap_or_else(|| {
        cx.error_spanned_by(
            key,
            "`client(…)` needs `expect = …`: the reply each client expects",
        );
        placeholder()
    });
    (ClientSpec::Bytes { send, expect }, trickle)
}

/// Stands in for a value that is missing; its error is already recorded (see [`Args`]).
fn placeholder() -> Expr {
    Expr::Verbatim(TokenStream::new())
}

/// Records `key = value`, or an error at the second `key`.
fn set_once<T>(cx: &Ctxt, slot: &mut Option<T>, key: impl ToTokens, value: T) {
    if slot.is_some() {
        let name = key.to_token_stream().to_string();
        cx.error_spanned_by(key, format_args!("duplicate `{name}` argument"));
    } else {
        *slot = Some(value);
    }
}

/// `buffer` is a const generic argument: an integer literal or a const path; a literal 0
/// leaves no room to read into (a const that is 0 fails the generated const assertion).
fn check_buffer(cx: &Ctxt, value: &Expr) {
    if let Some(int) = zero_literal(value) {
        cx.error_spanned_by(int, BUFFER_ZERO);
    }
}

/// `requests = 0` would make every per-request figure a division by zero (a const that is 0
/// fails the generated const assertion).
fn check_requests(cx: &Ctxt, value: &Expr) {
    if let Some(int) = zero_literal(value) {
        cx.error_spanned_by(int, REQUESTS_ZERO);
    }
}

/// The messages of a zero `buffer` or `requests`, the same from the macro (a literal) and from
/// the const assertion (a const).
pub const BUFFER_ZERO: &str = "`buffer` must be at least 1 byte";
pub const REQUESTS_ZERO: &str = "`requests` must be at least 1 per connection";

/// `value` if it is the integer literal 0.
fn zero_literal(value: &Expr) -> Option<&syn::LitInt> {
    match value {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) if int.base10_parse::<u128>().is_ok_and(|n| n == 0) => Some(int),
        _ => None,
    }
}
