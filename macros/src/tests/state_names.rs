//! Generated state names say what each state waits for where the step's argument is one name,
//! and fall back to numbering otherwise.

use super::Example;
use crate::expand;

fn state_names(example: &Example) -> Vec<String> {
    let (args, item) = example.tokens();
    let output = expand::scenario(args, item).expect("a valid scenario expands");
    let file: syn::File = syn::parse2(output).expect("the expansion parses as a file");
    // The state enum is in the `const _: () = { … };` block beside the scenario type.
    let in_blocks = file.items.iter().flat_map(|item| match item {
        syn::Item::Const(block) => match &*block.expr {
            syn::Expr::Block(block) => block
                .block
                .stmts
                .iter()
                .filter_map(|stmt| match stmt {
                    syn::Stmt::Item(item) => Some(item),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    });
    in_blocks
        .into_iter()
        .find_map(|item| match item {
            syn::Item::Enum(states) if states.ident.to_string().ends_with("State") => Some(
                states
                    .variants
                    .iter()
                    .map(|variant| variant.ident.to_string())
                    .collect(),
            ),
            _ => None,
        })
        .expect("the expansion has a state enum")
}

#[test]
fn waits_are_named_after_what_they_wait_for() {
    let example = Example {
        name: "reply",
        source: r#"#[scenario(connections = 1, buffer = 64, client(send = b"", expect = b""))]
fn reply() {
    let head: usize = read_until(HEAD_END);
    read_exact(head);
    let len: usize = head;
    read_exact(len);
    let reply_head: Head = Head::new(len);
    write(reply_head.as_bytes());
    write(&buf[..len]);
    write(&LARGE_BODY);
    write(b"ok");
    write(&reply_head.as_bytes()[..1]);
}
"#,
    };
    assert_eq!(
        state_names(&example),
        [
            "ReadUntilHeadEnd",
            "ReadExactHead",
            "ReadExactLen",
            "WriteReplyHead",
            "Write",
            "WriteLargeBody",
            "Write2",
            "Write3",
        ]
    );
}
