use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn loose() {
    read_until(b'\n');
    if buf.len() > 2 {
        break;
    }
    continue;
}

fn main() {}
