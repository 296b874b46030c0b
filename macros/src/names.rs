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

/// `keep_alive` → `KeepAlive`: each word's first letter upper case, the rest as written.
pub fn upper_camel(snake: &str) -> String {
    let mut camel = String::new();
    for word in snake.split('_') {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            camel.extend(first.to_uppercase());
            camel.push_str(chars.as_str());
        }
    }
    camel
}

/// The scenario type's name: [`upper_camel`], and a name that would not start with a letter
/// gets a `Scenario` prefix (`_0` → `Scenario0`).
fn camel_case(snake: &str) -> String {
    let mut camel = upper_camel(snake);
    if camel == "Self"
        || camel
            .chars()
            .next()
            .is_none_or(|first| !first.is_alphabetic())
    {
        camel.insert_str(0, "Scenario");
    }
    camel
}
