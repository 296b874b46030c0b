use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n"))]
fn unexpecting() {
    write(b"a\n");
}

fn main() {}
