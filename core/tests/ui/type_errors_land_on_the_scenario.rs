use twinbench::prelude::*;

/// A binding type without `Default`.
struct Token(u32);

#[scenario(connections = "many", buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn mistyped() {
    let token: Token = Token(1);
    write(42);
}

fn main() {}
