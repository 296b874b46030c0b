use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
async fn shaped<T>(conn: T) -> usize {
    write(b"a\n");
}

fn main() {}
