//! The poll-loop twin: a struct holding what lives across waits, an enum of the places it
//! waits, and a `resume` that runs until it finishes or would block.
//!
//! # Lowering control flow to states
//!
//! The checked tree becomes a small control-flow graph: one node per wait point (`read_until`,
//! `read_exact`, `write`, `yield_now`), per plain statement, per branch (`if`,
//! `while`), per `for` step, and an end. Every wait point is a state: its match arm performs
//! the wait, then runs the code that follows, inlined, up to the next wait, where it sets the
//! next state (the dispatch loop then enters it, as in the hand-written echo). A plain statement
//! (no wait inside, no `break`/`continue` leaving it) is one node, emitted as ordinary Rust
//! (`if`, `for`, `while` and all).
//!
//! Inlining duplicates code reached by several paths (the head of a loop is reached on entry
//! and after each iteration). That is what a person writes, until it is not: a node becomes a
//! control state of its own when a path from it can come back to it without waiting (a loop
//! that may not wait: inlining would never end), or when several paths reach it and its inlined
//! code would be large. A machine starts in its first wait state, or in `Start` when code runs
//! before the first wait.
//!
//! # Files
//!
//! The stages run in order, each in its own file: [`fields`] lays out the struct (which
//! bindings are fields, and their names), [`graph`] lowers the checked tree to the
//! control-flow graph, [`plan`] chooses and names the states, and [`emit`] writes the tokens.
//! They import the checked tree (`crate::internals`), `names` and `super::plain`, and each
//! only the stages before it; nothing here checks the scenario again.

mod emit;
mod fields;
mod graph;
mod plan;
pub mod step;

use std::cell::RefCell;

use proc_macro2::TokenStream;

use super::plain::Idents;
use crate::internals::validate::Checked;
use crate::names::Names;
use emit::Emitter;
use fields::Slots;
use graph::{END, Graph};

/// The generated items, and the expression `Scenario::machine` builds a fresh machine with.
pub struct Output {
    pub items: TokenStream,
    pub init: TokenStream,
}

pub fn expand(checked: &Checked, names: &Names) -> Output {
    let slots = Slots::allocate(checked);
    let mut graph = Graph::new();
    let entry = graph.block(&checked.scenario.body, END);
    let plan = graph.plan(entry);
    let emitter = Emitter {
        graph: &graph,
        plan: &plan,
        slots: &slots,
        bindings: &checked.scenario.bindings,
        names,
        idents: Idents::new(),
        declared: RefCell::default(),
        resumed: RefCell::default(),
        buf_param: None,
        done: quote::quote!(()),
    };
    Output {
        items: emitter.items(checked),
        init: emitter.init(),
    }
}
