use twinbench::prelude::*;

// The closure must return `(request, reply)` pairs: a type error lands on the closure.
#[scenario(connections = 1, buffer = 8, client(exchanges = |conn: usize| conn + 1))]
fn per_conn() {
    read_exact(1);
}

fn main() {}
