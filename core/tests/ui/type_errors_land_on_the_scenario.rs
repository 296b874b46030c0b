use twinbench::prelude::*;

/// A binding type without `Default` (which a binding does not need).
struct Token(u32);

#[scenario(connections = "many", buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn mistyped() {
    let token: Token = Token(1);
    write(42);
    let count: u32 = token;
    write(&count.to_be_bytes());
}

fn main() {}
