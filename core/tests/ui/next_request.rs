use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn serving() {
    let open: usize = next_request();
    next_request(1);
    if next_request() {
        write(b"a");
    }
}

fn main() {}
