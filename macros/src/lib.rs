//! The `#[scenario]` attribute macro: one declarative scenario, two generated twins.
//!
//! serde_derive's layout: the one front end, `internals/` (`attr`, `parse`, `ast`, `validate`,
//! `resolve`, with `ctxt` collecting errors and `source` quoting the user's lines), turns the
//! attribute and the fn into one checked tree; the two back ends, `expand/machine/` and
//! `expand/async_fn.rs`, read that tree and nothing else, through what they share in
//! `expand/plain.rs`. `names.rs` derives the generated items' names; on any mistake,
//! `fallback.rs` stands in stub items with those names behind the errors.
//!
//! Imports point one way: `expand` → `internals`, `names`, `fallback`; `fallback` → `names`;
//! `internals` → nothing else of this crate. The back ends never import each other.

mod expand;
mod fallback;
mod internals;
mod names;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Turns a scenario — one plain `fn` whose body is a list of steps — into two twins that do
/// the same I/O: a poll-loop state machine and an async fn.
///
/// ```ignore
/// use twinbench::prelude::*;
///
/// /// The origin's workload: one line in, the same line back.
/// #[scenario(connections = 256, buffer = 128,
///            client(send = b"hello world\n", expect = b"hello world\n"))]
/// pub fn echo() {
///     let end: usize = read_until(b'\n');
///     write(&buf[..end]);
/// }
/// ```
///
/// `echo()` then returns the scenario value `Echo` (`impl Scenario`), whose machine is
/// `EchoMachine` (states in `EchoState`) and whose async twin is `Echo::serve_conn`. The
/// machine, its states and the impls are written in a `const _: () = { … };` block beside the
/// fn, so scenarios in one module cannot collide on a generated name; name the machine
/// `<Echo as Scenario>::Machine`.
///
/// # Arguments
///
/// - `connections = EXPR` (required): connections per run.
/// - `buffer = EXPR` (required): receive buffer bytes per connection, a const generic: an
///   integer literal (not 0) or a const path (a const 0 fails a const assertion, on its name).
/// - `requests = EXPR` (default 1): requests per connection, for throughput: not 0 (a literal
///   or a const path is checked at compile time).
/// - `client(send = EXPR, expect = EXPR)` (required): what each client sends and expects back,
///   each a byte string, a `&'static [u8]` const, or a
///   `Fn(usize) -> impl Into<Cow<'static, [u8]>>` of the connection index. The client sends
///   everything at once.
/// - `client(exchanges = [(REQUEST, REPLY), …])` instead: a lock-step client that sends each
///   request only after the whole reply to the previous one arrived; or
///   `exchanges = |conn| …`, a closure of the connection index returning an iterator of
///   `(request, reply)` pairs of any `AsRef<[u8]>` (evaluated at setup).
/// - `trickle = N` inside `client(…)`: the client delivers at most `N` request bytes per read.
/// - `steps = [NAME, …]`: the step functions ([`macro@step`]) the body calls as steps.
///
/// # Steps
///
/// Each I/O step is a wait point: a state of the machine, an `.await` of the async fn.
///
/// - `read_until(DELIM)`: reads until `buf` holds `DELIM` (`b'\n'`, `b"\r\n"`, or an
///   expression of type `u8`, `[u8]`, `[u8; N]` or a reference to one); as
///   `let NAME: usize = read_until(…);` it gives the offset just past it, and as
///   `NAME = read_until(…);` assigns it to an existing `let mut NAME: usize`.
/// - `read_exact(N)`: reads until `buf` holds at least `N` bytes.
/// - `write(BYTES)`: writes all of a `&[u8]`; temporaries in `BYTES` live until it is
///   written.
/// - `consume(N)`: discards the first `N` bytes of `buf` (not a wait point).
/// - `NAME(ARGS)`, a step function listed in `steps = […]`: runs its steps (a wait point); as
///   `let NAME: TYPE = read_bulk(…);` it gives the function's value.
/// - `yield_now()`: lets the other connections run.
/// - `next_request()`: waits until `buf` holds the next request's first byte (`true`) or the
///   peer closed the connection between requests (`false`; a close in the middle of a
///   request stays `UnexpectedEof`). As `while next_request() { … }` it serves until the
///   client closes; as `let NAME: bool = next_request();` it gives the answer.
/// - `let NAME: TYPE = EXPR;`: computation; `TYPE` is required (the binding is a field of the
///   machine, so it does not borrow; its type needs no trait, no `Default`: the machine holds
///   the value from the `let` on, in a slot the `let` writes, and drops it when the `let` runs
///   again or the machine is dropped; use a non-`Copy` binding by reference or `.clone()` it:
///   a field cannot be moved out). Any other statement without a
///   step is computation too. `buf` names the received, unconsumed bytes.
/// - `if`/`else if`/`else`, `while`, `loop`, `for NAME in a..b` (or `a..=b`, ranges of `usize`),
///   `break`, `continue`, nested, with steps inside; loops may be labelled
///   (`'outer: loop { … break 'outer; … }`).
/// - `return;`: ends the connection `Ok`.
/// - `conn()`: an expression, not a step: the connection's index (accept order, from 0), in
///   any expression of the body (`let greeting: String = format!("hello {}\n", conn());`).
///   A name `conn` of the user's in scope (a closure parameter, a binding) shadows it.
///
/// - `match EXPR { PAT if GUARD => …, … }`, `if let`, `while let` and `let PAT = EXPR else
///   { … };` (whose `else` must leave), with steps inside. The names a pattern binds are
///   locals of the arm until its first wait (their types are not written, so the machine
///   cannot hold them): that wait's argument may use them; copy what is needed later into a
///   binding first (`let key: Vec<u8> = key.to_vec();`). No `let` chains.
///
/// No `.await`, `async` or `?` anywhere, and `return` only as a statement of its own.
///
/// Each step's argument is evaluated once, where the step begins, in both twins. One that only
/// names data (`buf`, bindings, literals, constants through `&`, indexing, fields, operators,
/// casts and the views `as_*()`, `len()`, `is_empty()`, `to_{be,le,ne}_bytes()`) the machine
/// re-derives on resume; a computed one it holds (a length in a field; a delimiter, or the
/// rest of a write that would block, in its `held` bytes).
///
/// A step is a statement of its own (or, for `read_until`, the value of a `let` or an
/// assignment), never part of
/// an expression or a closure. Where a step may stand, a bare call named like a step but none
/// of the five (`read_line(…)`, `write_all(…)`) is an "unknown step" error; call a function of
/// your own with such a name by its path.
#[proc_macro_attribute]
pub fn scenario(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::scenario(args.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Turns a step function — a `fn` whose body is steps, like a scenario's — into a step a
/// scenario or another step function calls: `let n: usize = read_bulk(32);`.
///
/// ```ignore
/// use twinbench::prelude::*;
///
/// /// Reads `$LEN\r\n` and the `LEN` bytes after it, consumed; returns `LEN`.
/// #[step]
/// fn read_bulk(max: usize) -> usize {
///     let end: usize = read_until(b"\r\n");
///     let len: usize = parse_len(&buf[1..end - 2]).min(max);
///     consume(end);
///     read_exact(len + 2);
///     consume(len + 2);
///     len
/// }
///
/// #[scenario(connections = 64, buffer = 128, steps = [read_bulk],
///            client(send = b"$2\r\nhi\r\n", expect = b"2\n"))]
/// fn bulk() {
///     let len: usize = read_bulk(32);
///     write(format!("{len}\n").as_bytes());
/// }
/// ```
///
/// The body is written as a scenario's (same steps, `buf` is the connection's receive
/// buffer, `conn()` its index); its parameters (`NAME: TYPE`, of types a binding may have)
/// are bindings, and `return EXPR;` or a tail expression gives its value (whose type, like a
/// binding's, implements `Default`). A caller lists the step functions it calls:
/// `#[scenario(…, steps = [read_bulk])]`, `#[step(steps = [read_header])]`; there, a bare call
/// `read_bulk(…);` or `let NAME: TYPE = read_bulk(…);` is a step. A step function cannot call
/// itself (a compile error); mutual recursion is rustc's "infinite size" error.
///
/// It expands to `fn read_bulk(max: usize) -> read_bulk` (the call's value, its arguments)
/// and a struct `read_bulk` implementing `twinbench::Step`: an async fn the caller's async
/// twin awaits, and a sub-machine (`ReadBulkMachine`) the caller's machine holds in a field
/// while it waits in the call and resumes from its own `resume`.
#[proc_macro_attribute]
pub fn step(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::step(args.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
