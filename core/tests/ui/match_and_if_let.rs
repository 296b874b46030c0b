use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn matching() {
    let end: usize = read_until(b'\n');
    match end {
        1 => write(b"one"),
        _ => write(b"many"),
    }
    if let Some(b) = buf.first() {
        write(b"a\n");
    }
    while let Some(b) = buf.first() {
        consume(1);
    }
}

fn main() {}
