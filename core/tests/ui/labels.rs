use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn labelled() {
    'outer: loop {
        read_until(b'\n');
        break 'outer;
    }
}

fn main() {}
