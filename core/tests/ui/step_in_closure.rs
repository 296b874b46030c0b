use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn closure() {
    let reply: fn() = || write(b"a\n");
    std::hint::black_box(|| consume(1));
}

fn main() {}
