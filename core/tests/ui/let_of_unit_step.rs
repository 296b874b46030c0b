use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn valueless() {
    let n: usize = read_exact(4);
    let w: () = write(b"a\n");
}

fn main() {}
