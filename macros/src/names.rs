//! The names of the generated items, derived from the scenario fn's name (`echo` → `Echo`,
//! `EchoMachine`, `EchoState`). Shared by the back ends and by `fallback`, whose stubs must
//! carry the same names. Imports only `syn`, `quote` and `proc_macro2`.

use proc_macro2::Ident;
use quote::format_ident;
use syn::Visibility;
use syn::ext::IdentExt;

/// The names of the generated items, derived from the fn's name: `echo` → `Echo`,
/// `EchoMachine`, `EchoState`.
pub struct Names {
    pub vis: Visibility,
    /// The user's fn: `echo`.
    pub func: Ident,
    /// The fn's doc attributes, repeated on the scenario type.
    pub docs: Vec<syn::Attribute>,
    /// The scenario value's type: `Echo`.
    pub scenario: Ident,
    pub machine: Ident,
    pub state: Ident,
}

impl Names {
    pub fn new(vis: &Visibility, func: &Ident, attrs: &[syn::Attribute]) -> Self {
        let camel = camel_case(&func.unraw().to_string());
        let span = func.span();
        Names {
            vis: vis.clone(),
            func: func.clone(),
            docs: attrs
                .iter()
                .filter(|attr| attr.path().is_ident("doc"))
                .cloned()
                .collect(),
            scenario: Ident::new(&camel, span),
            machine: format_ident!("{}Machine", camel, span = span),
            state: format_ident!("{}State", camel, span = span),
        }
    }

    /// The scenario's name as written: `"echo"`.
    pub fn name_str(&self) -> String {
        self.func.unraw().to_string()
    }
}

/// `keep_alive` → `KeepAlive`: each word's first letter upper case, the rest as written. A
/// letter whose upper case is not an identifier character (`XID_Continue`) stays as written, so
/// the result is made of identifier characters whenever `snake` is.
pub fn upper_camel(snake: &str) -> String {
    let mut camel = String::new();
    for word in snake.split('_') {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            let upper: String = first.to_uppercase().collect();
            if upper.chars().all(unicode_ident::is_xid_continue) {
                camel.push_str(&upper);
            } else {
                camel.push(first);
            }
            camel.push_str(chars.as_str());
        }
    }
    camel
}

/// Whether `name` is an identifier by Rust's rules (`XID_Start` or `_`, then `XID_Continue`),
/// keywords aside: what `Ident::new` accepts without panicking.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first == '_' || unicode_ident::is_xid_start(first))
        && chars.all(unicode_ident::is_xid_continue)
        && name != "_"
}

/// The scenario type's name: [`upper_camel`], and a name that would not start an identifier
/// (`XID_Start`: `_0`, or `_ً`, whose U+064B is a combining mark) gets a `Scenario` prefix
/// (`Scenario0`, `Scenarioً`).
fn camel_case(snake: &str) -> String {
    let mut camel = upper_camel(snake);
    if camel == "Self"
        || camel
            .chars()
            .next()
            .is_none_or(|first| !unicode_ident::is_xid_start(first))
    {
        camel.insert_str(0, "Scenario");
    }
    camel
}
