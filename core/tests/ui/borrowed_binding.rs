use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn borrowing() {
    let end: usize = read_until(b'\n');
    let line: &[u8] = &buf[..end];
    write(line);
}

fn main() {}
