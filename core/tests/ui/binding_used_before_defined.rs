use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn early() {
    write(&buf[..end]);
    let end: usize = read_until(b'\n');
    if end > 1 {
        let half: usize = end / 2;
    }
    consume(half);
}

fn main() {}
