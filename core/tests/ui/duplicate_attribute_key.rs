use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, buffer = 128, requests = 2, requests = 3,
           client(send = b"a\n", send = b"b\n", expect = b"a\n"))]
fn twice() {
    write(b"a\n");
}

fn main() {}
