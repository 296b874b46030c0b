//! The macro never panics: seeded mutations of valid and invalid scenarios (token deletions,
//! swaps, duplications, insertions from a pool, groups unwrapped or added) all expand to
//! tokens that parse as a file, or to an error.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};

use super::{
    CONN, CONTROL_FLOW, ECHO, Example, FRAMED, JUMPS, KEEPALIVE, MATCHING, NO_DEFAULT, ROUTED,
    STEP_ARGUMENTS, STEP_FN, UNTIL_CLOSE,
};
use crate::expand;

/// Scenarios beyond the four examples: control flow, and a few that are already wrong.
const MORE: [Example; 6] = [
    Example {
        name: "commands",
        source: r#"#[scenario(connections = 4, buffer = 32, requests = N, client(send = f, expect = b"ok"))]
fn commands() {
    loop {
        let end: usize = read_until(SEMICOLON);
        if &buf[..end] == b"quit;" { consume(end); break; }
        else if &buf[..end] == b"yield;" { yield_now(); }
        else if end > 3 { consume(end); continue; }
        else { write(&buf[..end]); }
        consume(end);
    }
    let mut n: usize = 3;
    while n > 0 { read_exact(1); consume(1); n -= 1; }
    for i in 0..=n { let d: u8 = b'0' + i as u8; write(&[d]); }
    for _ in 0..2 { std::hint::black_box(f(&buf[..], |x| x + n)); }
    { let s: Vec<u8> = vec![1, 2, n as u8]; write(&s); }
    write(b"bye");
}
"#,
    },
    Example {
        name: "spin",
        source: r#"#[scenario(connections = 1, buffer = BUF, client(send = b"", expect = b"ee"))]
fn spin() {
    let mut left: usize = 3;
    loop { if left == 0 { break; } left -= 1; if left % 2 == 0 { write(b"e"); } }
    loop {}
}
"#,
    },
    Example {
        name: "broken",
        source: r#"#[scenario(connections = 1, buffer = 0, buffer = 2, colour = 3, client(send = b""))]
async fn broken(x: u8) -> u8 {
    let end = read_until(b"");
    let n: usize = read_until(b'\n') + 1;
    read_line(b'\n');
    match end { _ => {} }
    if let Some(x) = y { write(b"x"); }
    let a: usize = later;
    let later: usize = 1;
    break;
    for i in vec![1] { continue; }
    (|| write(b"x"))();
    foo().await;
    return 1;
    break 'nowhere;
    if let Some(x) = y && true {}
    let k: usize = 1;
    k = read_until(b'\n');
}
"#,
    },
    Example {
        name: "empty",
        source: r#"#[scenario()] fn empty() {}"#,
    },
    Example {
        name: "names",
        source: r#"#[scenario(connections = 2, buffer = BUF, requests = REQUESTS, client(send = b"a\n", expect = b"a\n"))]
fn _ً() {
    while next_request() {
        let __twinbench_open: usize = __twinbench_hole_0 + conn();
        let end: usize = read_until(b'\n');
        write(&buf[..end - __twinbench_open + __twinbench_hole_1]);
        consume(end);
    }
}
"#,
    },
    Example {
        name: "yields_into_waits",
        source: r#"#[scenario(connections = 2, buffer = 16, client(send = b"ab\n", expect = b"ab\n"))]
fn yields_into_waits() {
    yield_now();
    let end: usize = read_until(b'\n');
    yield_now();
    yield_now();
    write(&buf[..end / 2]);
    yield_now();
    write(&buf[end / 2..end]);
    yield_now();
}
"#,
    },
];

/// The valid scenarios the corpus mutates (with the [`MORE`] below).
const VALID: [&Example; 12] = [
    &ECHO,
    &KEEPALIVE,
    &FRAMED,
    &ROUTED,
    &CONTROL_FLOW,
    &STEP_ARGUMENTS,
    &JUMPS,
    &MATCHING,
    &UNTIL_CLOSE,
    &CONN,
    &NO_DEFAULT,
    &STEP_FN,
];

/// Step functions beyond [`STEP_FN`]'s: recursion, a broken signature, returns of every kind.
const STEP_MORE: Example = Example {
    name: "step_more",
    source: r#"
#[step(steps = [inner])]
fn again(n: usize) -> usize {
    let m: usize = again(n - 1);
    m
}
#[step(steps = [])]
async fn broken<T>(self, (a, b): (u8, u8)) -> Vec<u8> {
    let end: usize = read_until(b'\n');
    if end > 2 { return end; }
}
#[step(steps = [read_len], colour = 3)]
fn returns(max: usize, mut seen: u8) -> u64 {
    let n: usize = read_len();
    if n > max { return 0; }
    while next_request() { seen += 1; }
    let x: u64 = n as u64;
    x + u64::from(seen)
}
#[step]
fn nothing() {
    yield_now();
    return 3;
}
"#,
};

/// Tokens the mutations insert.
const POOL: &[&str] = &[
    "read_until",
    "read_exact",
    "write",
    "consume",
    "yield_now",
    "yield_now();",
    "()",
    "(b'\\n')",
    ";",
    "break",
    "continue",
    ". await",
    "let",
    "b\"\"",
    "0",
    "{}",
    "{ read_until(b'\\n'); }",
    "buf",
    "end",
    "=",
    ":",
    "usize",
    "for",
    "in",
    "..",
    "..=",
    "if",
    "else",
    "loop",
    "while",
    "return",
    "async",
    "| x |",
    "match",
    ",",
    "&",
    "[..]",
    "?",
    "'a:",
    "mut",
    "fn",
    "x",
    "b'\\n'",
    "connections",
    "buffer",
    "requests",
    "client",
    "send",
    "expect",
    "self",
    "Self",
    "#[doc = \"\"]",
    "move",
    "_",
    "->",
    "r#type",
    "write(buf)",
    "write(f(&buf).as_bytes())",
    "read_exact(f())",
    "'outer:",
    "'outer",
    "break 'outer;",
    "continue 'outer;",
    "return;",
    "=>",
    "next_request",
    "while next_request() { read_until(b'\\n'); }",
    "let open: bool = next_request();",
    "Some(x)",
    "if let Some(x) = f() { write(b\"x\"); }",
    "while let Some(x) = f() { write(&[x]); }",
    "let Some(x) = f() else { return; };",
    "match end { 0 => write(b\"0\"), x | x if x > 1 => {} }",
    "end = read_until(b'\\n');",
    "let x: usize = 1;",
    "(send = b\"\", expect = b\"\")",
    "conn()",
    "conn(1)",
    "conn",
    "__twinbench_hole_0",
    "__twinbench_hole_1",
    "__twinbench_open",
    "_ً",
    "requests = 0",
    "buffer = 0",
    "lookup_state",
];

/// splitmix64: a tiny seeded generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Token trees as a mutable tree: groups hold their contents as a vector.
enum Tree {
    Leaf(TokenTree),
    Group(Delimiter, Vec<Tree>),
}

fn to_trees(tokens: TokenStream) -> Vec<Tree> {
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => Tree::Group(group.delimiter(), to_trees(group.stream())),
            leaf => Tree::Leaf(leaf),
        })
        .collect()
}

fn to_tokens(trees: &[Tree]) -> TokenStream {
    trees
        .iter()
        .map(|tree| match tree {
            Tree::Leaf(leaf) => leaf.clone(),
            Tree::Group(delimiter, inner) => {
                TokenTree::Group(Group::new(*delimiter, to_tokens(inner)))
            }
        })
        .collect()
}

/// How many token sequences (the root and every group's contents) `trees` holds.
fn sequences(trees: &[Tree]) -> usize {
    1 + trees
        .iter()
        .map(|tree| {
            if let Tree::Group(_, inner) = tree {
                sequences(inner)
            } else {
                0
            }
        })
        .sum::<usize>()
}

/// The path (group positions from the root) to the `index`-th sequence in pre-order.
fn sequence_path(trees: &[Tree], index: &mut usize, path: &mut Vec<usize>) -> bool {
    if *index == 0 {
        return true;
    }
    *index -= 1;
    for (position, tree) in trees.iter().enumerate() {
        if let Tree::Group(_, inner) = tree {
            path.push(position);
            if sequence_path(inner, index, path) {
                return true;
            }
            path.pop();
        }
    }
    false
}

/// One to three mutations of the arguments (one time in four) or the fn.
fn mutated(args: TokenStream, item: TokenStream, rng: &mut Rng) -> (TokenStream, TokenStream) {
    let (mut args, mut item) = (to_trees(args), to_trees(item));
    for _ in 0..1 + rng.below(3) {
        if rng.below(4) == 0 {
            mutate(&mut args, rng)
        } else {
            mutate(&mut item, rng)
        }
    }
    (to_tokens(&args), to_tokens(&item))
}

fn mutate(trees: &mut Vec<Tree>, rng: &mut Rng) {
    let mut index = rng.below(sequences(trees));
    let mut path = Vec::new();
    sequence_path(trees, &mut index, &mut path);
    let mut sequence = trees;
    for position in path {
        let Tree::Group(_, inner) = &mut sequence[position] else {
            unreachable!("paths lead through groups")
        };
        sequence = inner;
    }
    let len = sequence.len();
    let at = rng.below(len + 1);
    match rng.below(6) {
        0 if len > 0 => {
            sequence.remove(at.min(len - 1));
        }
        1 if len > 1 => sequence.swap(at.min(len - 2), at.min(len - 2) + 1),
        2 if len > 0 => {
            let copy = to_trees(to_tokens(&sequence[at.min(len - 1)..=at.min(len - 1)]));
            sequence.splice(at.min(len - 1)..at.min(len - 1), copy);
        }
        3 if len > 0 => {
            // Unwrap a group: its contents join the surrounding sequence.
            let at = at.min(len - 1);
            if let Tree::Group(..) = sequence[at]
                && let Tree::Group(_, inner) = sequence.remove(at)
            {
                sequence.splice(at..at, inner);
            }
        }
        4 if len > 0 => {
            let at = at.min(len - 1);
            let end = (at + 1 + rng.below(3)).min(len);
            let inner: Vec<Tree> = sequence.drain(at..end).collect();
            let delimiter =
                [Delimiter::Parenthesis, Delimiter::Brace, Delimiter::Bracket][rng.below(3)];
            sequence.insert(at, Tree::Group(delimiter, inner));
        }
        _ => {
            let pool: TokenStream = POOL[rng.below(POOL.len())]
                .parse()
                .expect("pool tokens lex");
            sequence.splice(at..at, to_trees(pool));
        }
    }
}

/// A scenario long enough for the async twin to be cut into chunks: 70 waits, a binding used
/// across them, a `return;` in the middle.
fn long_example() -> Example {
    let mut source = String::from(
        "#[scenario(connections = 1, buffer = 16, client(send = b\"a\\n\", expect = b\"\"))]\n\
         fn long() {\n    let end: usize = read_until(b'\\n');\n    let mut n: usize = 0;\n",
    );
    for i in 0..70 {
        source.push_str("    write(b\"x\");\n    n += 1;\n");
        if i == 35 {
            source.push_str("    if conn() == 1 { return; }\n");
        }
    }
    source.push_str("    write(&buf[..end - n + 70]);\n}\n");
    Example {
        name: "long",
        source: Box::leak(source.into_boxed_str()),
    }
}

#[test]
fn mutated_scenarios_never_panic() {
    const CASES: usize = 1_500;
    let long = long_example();
    let bases: Vec<&Example> = VALID
        .into_iter()
        .chain(MORE.iter())
        .chain([&long])
        .collect();
    let mut rng = Rng(0x7157_BE4C);
    let (mut expanded, mut stubbed, mut refused) = (0, 0, 0);
    for case in 0..CASES {
        let base = bases[case % bases.len()];
        let (args, item) = base.tokens();
        let (args, item) = mutated(args, item, &mut rng);
        let shown = format!("#[scenario({args})] {item}");
        let result = catch_unwind(AssertUnwindSafe(|| expand::scenario(args, item)));
        match result {
            Err(_) => panic!("case {case} (from `{}`) panicked:\n{shown}", base.name),
            Ok(Err(_)) => refused += 1,
            Ok(Ok(output)) => {
                let text = output.to_string();
                if let Err(error) = syn::parse2::<syn::File>(output) {
                    panic!(
                        "case {case}: the expansion does not parse ({error}):\n{shown}\n---\n{text}"
                    );
                }
                if text.contains("compile_error") {
                    stubbed += 1
                } else {
                    expanded += 1
                }
            }
        }
    }
    // The corpus reaches all three outcomes.
    assert!(
        expanded > 0 && stubbed > 0,
        "expanded {expanded}, stubbed {stubbed}, refused {refused}"
    );
    assert_eq!(expanded + stubbed + refused, CASES);
    println!(
        "{CASES} mutated scenarios: {expanded} expanded, {stubbed} errors with stubs, {refused} refused"
    );
}

/// The same mutations on step functions, through `#[step]`.
#[test]
fn step_functions_never_panic() {
    const CASES: usize = 600;
    let bases: Vec<(TokenStream, TokenStream)> = STEP_FN
        .step_tokens()
        .into_iter()
        .chain(STEP_MORE.step_tokens())
        .collect();
    let mut rng = Rng(0x57E9_F00D);
    let (mut expanded, mut stubbed) = (0, 0);
    for case in 0..CASES {
        let (args, item) = bases[case % bases.len()].clone();
        let (args, item) = mutated(args, item, &mut rng);
        let shown = format!("#[step({args})] {item}");
        match catch_unwind(AssertUnwindSafe(|| expand::step(args, item))) {
            Err(_) => panic!("case {case} panicked:\n{shown}"),
            Ok(Err(_)) => {}
            Ok(Ok(output)) => {
                let text = output.to_string();
                if let Err(error) = syn::parse2::<syn::File>(output) {
                    panic!(
                        "case {case}: the expansion does not parse ({error}):\n{shown}\n---\n{text}"
                    );
                }
                if text.contains("compile_error") {
                    stubbed += 1
                } else {
                    expanded += 1
                }
            }
        }
    }
    assert!(
        expanded > 0 && stubbed > 0,
        "expanded {expanded}, stubbed {stubbed}"
    );
}

#[test]
fn step_function_mistakes_are_errors() {
    for (args, item) in STEP_MORE.step_tokens() {
        let output = expand::step(args, item).expect("a fn expands").to_string();
        assert!(output.contains("compile_error"), "{output}");
    }
    let (args, item) = STEP_MORE.step_tokens().remove(0);
    let output = expand::step(args, item).expect("a fn expands").to_string();
    assert!(output.contains("cannot recurse"), "{output}");
}

#[test]
fn the_examples_expand_without_errors() {
    for example in VALID
        .into_iter()
        .chain([&MORE[0], &MORE[1], &MORE[4], &MORE[5]])
    {
        let (args, item) = example.tokens();
        let output = expand::scenario(args, item).expect("expands").to_string();
        assert!(
            !output.contains("compile_error"),
            "{}: {output}",
            example.name
        );
    }
}

#[test]
fn all_mistakes_are_reported_at_once() {
    let (args, item) = MORE[2].tokens();
    let output = expand::scenario(args, item)
        .expect("a fn expands to errors and stubs")
        .to_string();
    let errors = output.matches("compile_error").count();
    assert!(errors >= 15, "only {errors} errors:\n{output}");
    // The stubs stand behind the errors.
    assert!(output.contains("struct Broken"), "{output}");
}
