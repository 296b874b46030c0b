// A step function called with the wrong number of arguments, and with an argument of the wrong
// type: rustc's own errors, on the user's call.
use twinbench::prelude::*;

#[step]
fn read_n(n: usize) -> usize {
    read_exact(n);
    n
}

#[scenario(connections = 1, buffer = 16, steps = [read_n],
           client(send = b"ab", expect = b"ok"))]
fn wrong_arity() {
    let a: usize = read_n(1, 2);
    let b: usize = read_n(b"x");
    write(b"ok");
}

fn main() {}
