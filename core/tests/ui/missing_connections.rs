use twinbench::prelude::*;

#[scenario(buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn unconnected() {
    write(b"a\n");
}

fn main() {}
