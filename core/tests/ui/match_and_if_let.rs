use twinbench::prelude::*;

fn parse(line: &[u8]) -> Option<usize> {
    line.first().map(|&b| usize::from(b))
}

#[scenario(connections = 1, buffer = 64, client(send = b"a\n", expect = b"a\n"))]
fn matching() {
    let end: usize = read_until(b'\n');
    match parse(&buf[..end]) {
        Some(n) => {
            write(b"n");
            consume(n);
        }
        None => {
            if true {
                write(b"x");
            }
        }
    }
    if let Some(n) = parse(&buf[..end]) {
        for _ in 0..n {
            write(b".");
        }
    }
    let Some(m) = parse(&buf[..end]) else {
        write(b"none");
    };
    if let Some(k) = parse(&buf[..end]) && k > 1 {
        write(b"k");
    }
}

fn main() {}
