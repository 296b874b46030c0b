use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn nested() {
    let end: usize = read_until(b'\n') + 1;
    std::hint::black_box(read_exact(4));
}

fn main() {}
