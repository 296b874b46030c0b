//! Unit tests of the expansion: snapshots of the generated code, and a never-panic corpus.
//! (A proc-macro crate exports only macros, so these live inside it.)
//!
//! The snapshot inputs are files, `macros/tests/expand/NAME.rs` beside `NAME.expanded.rs`
//! (pin-project's layout); the never-panic corpus seeds from them too, and from the few
//! scenarios below.

mod chunks;
mod never_panic;
mod snapshot;
mod state_names;

use proc_macro2::TokenStream;
use quote::ToTokens;

/// A scenario written as in a user's file: a `#[scenario(…)]` fn, perhaps among other items.
pub struct Example {
    pub name: &'static str,
    pub source: &'static str,
}

/// The snapshot inputs, `macros/tests/expand/NAME.rs`.
macro_rules! expand_input {
    ($name:literal) => {
        Example {
            name: $name,
            source: include_str!(concat!("../../tests/expand/", $name, ".rs")),
        }
    };
}

pub const ECHO: Example = expand_input!("echo");
pub const KEEPALIVE: Example = expand_input!("keepalive");
pub const CONTROL_FLOW: Example = expand_input!("control_flow");
pub const STEP_ARGUMENTS: Example = expand_input!("step_arguments");
pub const JUMPS: Example = expand_input!("jumps");
pub const MATCHING: Example = expand_input!("matching");
pub const UNTIL_CLOSE: Example = expand_input!("until_close");
pub const CONN: Example = expand_input!("conn");
pub const NO_DEFAULT: Example = expand_input!("no_default");
pub const STEP_FN: Example = expand_input!("step_fn");

pub const FRAMED: Example = Example {
    name: "framed",
    source: r#"#[scenario(connections = 128, buffer = 256,
           client(send = b"\0\0\0\x05hello", expect = b"ok"))]
/// Length-prefixed frames: a 4-byte big-endian length, then the body; reply "ok".
pub fn framed() {
    read_exact(4);
    let len: usize = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    consume(4);
    read_exact(len);
    write(b"ok");
}
"#,
};

pub const ROUTED: Example = Example {
    name: "routed",
    source: r#"#[scenario(connections = 32, buffer = 64,
           client(send = b"PING\r\n", expect = b"+PONG\r\n"))]
/// Route on the request: PING gets PONG, anything else an error line.
pub fn routed() {
    let end: usize = read_until(b"\r\n");
    if &buf[..end] == b"PING\r\n" {
        write(b"+PONG\r\n");
    } else {
        write(b"-ERR unknown\r\n");
    }
}
"#,
};

impl Example {
    /// What the macro receives: the attribute's arguments and the fn (without the attribute),
    /// with the spans of the source, so generated docs cite its lines.
    pub fn tokens(&self) -> (TokenStream, TokenStream) {
        let file = syn::parse_file(self.source).expect("the example parses as a file");
        let mut func = file
            .items
            .into_iter()
            .find_map(|item| match item {
                syn::Item::Fn(func) if func.attrs.iter().any(is_scenario) => Some(func),
                _ => None,
            })
            .expect("the example has a #[scenario] fn");
        let at = func.attrs.iter().position(is_scenario).unwrap_or_default();
        let args = match func.attrs.remove(at).meta {
            syn::Meta::List(list) => list.tokens,
            _ => TokenStream::new(),
        };
        (args, func.into_token_stream())
    }
}

impl Example {
    /// Each `#[step]` fn of the example, as the macro receives it (see [`Example::tokens`]).
    pub fn step_tokens(&self) -> Vec<(TokenStream, TokenStream)> {
        let file = syn::parse_file(self.source).expect("the example parses as a file");
        file.items
            .into_iter()
            .filter_map(|item| match item {
                syn::Item::Fn(mut func) => {
                    let at = func.attrs.iter().position(is_step)?;
                    let args = match func.attrs.remove(at).meta {
                        syn::Meta::List(list) => list.tokens,
                        _ => TokenStream::new(),
                    };
                    Some((args, func.into_token_stream()))
                }
                _ => None,
            })
            .collect()
    }
}

fn is_step(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("step")
}

fn is_scenario(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("scenario")
}
