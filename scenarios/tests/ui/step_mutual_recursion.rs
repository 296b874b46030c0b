// Mutual recursion (`ping` calls `pong` calls `ping`): the front end sees one fn at a time, so
// this is rustc's error: each machine would hold the other, of infinite size.
use twinbench::prelude::*;

#[step(steps = [pong])]
fn ping() {
    read_exact(1);
    pong();
}

#[step(steps = [ping])]
fn pong() {
    write(b"x");
    ping();
}

fn main() {}
