// A step function that calls itself: the front end rejects it on the call.
use twinbench::prelude::*;

#[step]
fn countdown(n: usize) -> usize {
    read_exact(1);
    consume(1);
    let rest: usize = countdown(n - 1);
    rest + 1
}

fn main() {}
