use twinbench::prelude::*;

#[scenario(
    connections = 1,
    buffer = 64,
    client(exchanges = [(b"a\n", b"a\n")], send = b"a\n")
)]
fn both_kinds_of_client() {
    let end: usize = read_until(b'\n');
    write(&buf[..end]);
}

fn main() {}
