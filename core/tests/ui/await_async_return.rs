use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn asynchronous() {
    twinbench::yield_now().await;
    let n: usize = async { 1 };
    let m: usize = "1".parse()?;
    let k: usize = if true { return } else { 1 };
}

fn main() {}
