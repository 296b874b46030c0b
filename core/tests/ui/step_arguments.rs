use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn arity() {
    read_until();
    write(b"a", b"\n");
    yield_now(1);
}

fn main() {}
