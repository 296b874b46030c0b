//! Expansion snapshots (pin-project's `tests/expand/`): what `#[scenario]` makes of each
//! `macros/tests/expand/NAME.rs` (`echo`, `keepalive`, a control-flow scenario, computed
//! step arguments, jumps, matching
//! serving until the client closes, `conn()`, and bindings without `Default`), formatted
//! with prettyplease, against the checked-in `NAME.expanded.rs` beside it.
//! `UPDATE_EXPAND=1 cargo test` rewrites them.

use std::path::PathBuf;

use super::{
    CONN, CONTROL_FLOW, ECHO, Example, JUMPS, KEEPALIVE, MATCHING, NO_DEFAULT, STEP_ARGUMENTS,
    STEP_FN, UNTIL_CLOSE,
};
use crate::expand;

fn expanded(example: &Example) -> String {
    let (args, item) = example.tokens();
    let mut output: proc_macro2::TokenStream = example
        .step_tokens()
        .into_iter()
        .map(|(args, item)| expand::step(args, item).expect("a valid step fn expands"))
        .collect();
    output.extend(expand::scenario(args, item).expect("a valid scenario expands"));
    let file: syn::File = syn::parse2(output).expect("the expansion parses as a file");
    prettyplease::unparse(&file)
}

fn check_snapshot(example: &Example) {
    let actual = expanded(example);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expand")
        .join(format!("{}.expanded.rs", example.name));
    if std::env::var_os("UPDATE_EXPAND").is_some() {
        std::fs::write(&path, &actual).expect("write the snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if actual != expected {
        let first_difference = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        panic!(
            "the expansion of `{}` differs from {} (first at line {}).\n\
             Review the change, then run with UPDATE_EXPAND=1 to accept it.\n\
             --- actual ---\n{actual}",
            example.name,
            path.display(),
            first_difference + 1,
        );
    }
}

#[test]
fn echo_expansion() {
    check_snapshot(&ECHO);
}

#[test]
fn keepalive_expansion() {
    check_snapshot(&KEEPALIVE);
}

#[test]
fn control_flow_expansion() {
    check_snapshot(&CONTROL_FLOW);
}

#[test]
fn step_arguments_expansion() {
    check_snapshot(&STEP_ARGUMENTS);
}

#[test]
fn jumps_expansion() {
    check_snapshot(&JUMPS);
}

#[test]
fn matching_expansion() {
    check_snapshot(&MATCHING);
}

#[test]
fn until_close_expansion() {
    check_snapshot(&UNTIL_CLOSE);
}

#[test]
fn conn_expansion() {
    check_snapshot(&CONN);
}

#[test]
fn no_default_expansion() {
    check_snapshot(&NO_DEFAULT);
}

#[test]
fn step_fn_expansion() {
    check_snapshot(&STEP_FN);
}
