//! The one front end (serde_derive's `internals/`): from the attribute and the fn to the
//! checked tree both back ends read.
//!
//! The stages, in order: [`attr`] parses the attribute's arguments, [`parse`] recognises the
//! fn's body as the tree of [`ast`] (every node keeps its [`source`]), [`validate`] checks its
//! meaning and, through [`resolve`], binds the names in the user's expressions; every stage
//! records its mistakes in one [`ctxt::Ctxt`], so all are reported at once. Only
//! [`validate::check`] makes the [`validate::Checked`] tree.
//!
//! Imports: `syn`, `quote`, `proc_macro2` and each other, never `crate::expand` (the back
//! ends) nor `crate::fallback`.

pub mod ast;
pub mod attr;
pub mod ctxt;
pub mod parse;
pub mod resolve;
pub mod source;
pub mod validate;
