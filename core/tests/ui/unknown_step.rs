use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn typo() {
    read_line(b'\n');
    write(b"a\n");
}

fn main() {}
