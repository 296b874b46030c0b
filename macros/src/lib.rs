//! The `#[scenario]` attribute macro: one declarative scenario, two generated twins.

use proc_macro::TokenStream;

/// Turns a scenario into a poll-loop machine and an async fn (not implemented yet).
#[proc_macro_attribute]
pub fn scenario(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
