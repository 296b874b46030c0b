use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn untyped() {
    let end = read_until(b'\n');
    write(b"a\n");
}

fn main() {}
