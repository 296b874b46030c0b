use twinbench::prelude::*;

// Zero requests per connection would make every per-request figure a division by zero.
#[scenario(connections = 1, buffer = 8, requests = 0, client(send = b"a\n", expect = b"a\n"))]
fn no_requests() {
    read_exact(1);
}

fn main() {}
