use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, colour = 3,
           client(send = b"a\n", expect = b"a\n"))]
fn colourful() {
    write(b"a\n");
}

fn main() {}
