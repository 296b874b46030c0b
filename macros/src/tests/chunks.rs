//! A long scenario's async twin is cut into chunks (`async` blocks of about 32 waits), which
//! rustc checks in linear time; a short one's is left as it is, and the machine never changes.

use super::{ECHO, Example};
use crate::expand;

/// A scenario of `writes` writes after a read, with a binding used at the very end.
fn long(writes: usize) -> String {
    let mut source = String::from(
        "#[scenario(connections = 1, buffer = 16, client(send = b\"a\\n\", expect = b\"\"))]\n\
         fn long() {\n    let end: usize = read_until(b'\\n');\n",
    );
    for _ in 0..writes {
        source.push_str("    write(b\"x\");\n");
    }
    source.push_str("    write(&buf[..end]);\n}\n");
    source
}

/// The `async` blocks in the expansion's async twin, and the expansion as text.
fn chunks(source: &str) -> (usize, String) {
    let example = Example {
        name: "long",
        source: Box::leak(source.to_owned().into_boxed_str()),
    };
    let (args, item) = example.tokens();
    let output = expand::scenario(args, item).expect("expands").to_string();
    let serve = &output[output.find("async fn serve_conn").expect("an async twin")..];
    let serve = &serve[..serve
        .find("impl :: twinbench :: Machine")
        .unwrap_or(serve.len())];
    (serve.matches("async {").count(), output)
}

#[test]
fn a_long_top_level_is_cut_into_chunks_of_about_32_waits() {
    let (count, output) = chunks(&long(200));
    // 202 waits: six chunks of 32, the last ten at the fn's top level.
    assert_eq!(count, 6);
    // `end`, declared in the first chunk and used at the end, comes out of that chunk (the
    // later ones borrow it like any local of the fn).
    assert_eq!(
        output.matches("let (end ,) : (usize ,) = handed ;").count(),
        1
    );
}

#[test]
fn a_short_scenario_is_not_chunked() {
    let (count, _) = chunks(ECHO.source);
    assert_eq!(count, 0);
    let (count, _) = chunks(&long(60));
    assert_eq!(count, 0, "62 waits is within twice the chunk size");
}
