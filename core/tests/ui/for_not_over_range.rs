use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn iterating() {
    for x in [1, 2, 3] {
        write(b"a\n");
    }
    for (a, b) in 0..2 {
        write(b"a\n");
    }
}

fn main() {}
