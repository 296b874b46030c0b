use twinbench::prelude::*;

const LIMIT: usize = 3;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b""))]
fn assigned() {
    let end: usize = 0;
    end = read_until(b'\n');
    buf = read_until(b'\n');
    LIMIT = read_until(b'\n');
    let mut total: usize = 0;
    total = write(b"a");
    (total) = read_until(b'\n');
}

fn main() {}
