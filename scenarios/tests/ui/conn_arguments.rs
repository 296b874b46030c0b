use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 8, client(send = b"a\n", expect = b"a\n"))]
fn greeter() {
    read_exact(1);
    // `conn()` is the connection's index: it takes nothing.
    let id: usize = conn(1);
    write(&[b'0' + id as u8]);
}

fn main() {}
