use twinbench::prelude::*;

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn miscellany() {
    fn helper() {}
    let buf: usize = 1;
    let (a, b): (usize, usize) = (1, 2);
    let x: usize = match 1 { n => n };
    let y: usize = loop { break 1 };
    loop {
        let z: usize = if true { 1 } else { break };
    }
    println!("{}", self);
}

fn main() {}
