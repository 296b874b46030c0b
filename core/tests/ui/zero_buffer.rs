use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 0, client(send = b"a\n", expect = b"a\n"))]
fn bufferless() {
    read_exact(1);
}

fn main() {}
