use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn labelled() {
    'outer: loop {
        read_until(b'\n');
        break 'missing;
    }
    'block: {
        write(b"a");
    }
    continue 'outer;
    return 1;
}

fn main() {}
