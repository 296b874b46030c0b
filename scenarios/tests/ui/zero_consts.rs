use twinbench::prelude::*;

const NO_ROOM: usize = 0;
const NO_REQUESTS: usize = 0;

// A constant 0 is refused at compile time too, on the constant's name.
#[scenario(connections = 1, buffer = NO_ROOM, client(send = b"a\n", expect = b"a\n"))]
fn bufferless() {
    read_exact(1);
}

#[scenario(connections = 1, buffer = 8, requests = NO_REQUESTS, client(send = b"a\n", expect = b"a\n"))]
fn requestless() {
    read_exact(1);
}

fn main() {}
