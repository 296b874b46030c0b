// Expansion input: `control_flow.expanded.rs` beside it is what `#[scenario]` makes of this fn
// (`UPDATE_EXPAND=1 cargo test -p twinbench-macros` rewrites it).
//
// Control flow: `loop` with `break`/`continue`, an `else if` chain, `yield_now`, a `while`
// with a wait, shadowing, a loop without waits (plain Rust), and a loop whose head needs a
// control state because some rounds do not wait.
use twinbench::prelude::*;

const SEMICOLON: &[u8] = b";";

#[scenario(connections = 4, buffer = 32,
           client(send = b"ab;yield;cd;skip;quit;xyz", expect = b"ab;cd;bye0123ee"))]
pub fn control_flow() {
    loop {
        let end: usize = read_until(SEMICOLON);
        if &buf[..end] == b"quit;" {
            consume(end);
            break;
        } else if &buf[..end] == b"yield;" {
            yield_now();
        } else if &buf[..end] == b"skip;" {
            consume(end);
            continue;
        } else {
            write(&buf[..end]);
        }
        consume(end);
    }
    write(b"bye");
    for i in 0..=3 {
        let digit: u8 = b'0' + i as u8;
        write(&[digit]);
    }
    let mut n: usize = 3;
    while n > 0 {
        read_exact(1);
        consume(1);
        n -= 1;
    }
    let n: u64 = 7;
    let mut sum: u64 = 0;
    for k in 0..n as usize {
        sum += k as u64;
    }
    let mut left: usize = 3;
    loop {
        if left == 0 {
            break;
        }
        left -= 1;
        if left.is_multiple_of(2) {
            write(b"e");
        }
    }
}
