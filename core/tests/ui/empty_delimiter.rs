use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn undelimited() {
    read_until(b"");
    read_until("\n");
}

fn main() {}
