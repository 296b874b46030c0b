// Expansion input: `jumps.expanded.rs` beside it is what `#[scenario]` makes of this fn
// (`UPDATE_EXPAND=1 cargo test -p twinbench-macros` rewrites it).
//
// Jumps: `return` (the connection ends `Ok`), `break 'requests` and `continue 'requests` out
// of an inner loop with waits inside, and a step's value assigned to an existing binding. The
// outer `loop` is left only by `return` and `break 'requests`.
use twinbench::prelude::*;

#[scenario(connections = 3, buffer = 64,
           client(send = b"h1\r\n\r\nSKIP\r\n\r\nQUIT\r\n", expect = b"h1\r\n."))]
pub fn jumps() {
    'requests: loop {
        let mut end: usize = read_until(b"\r\n");
        while end > 2 {
            if &buf[..end] == b"QUIT\r\n" {
                return;
            }
            if &buf[..end] == b"SKIP\r\n" {
                consume(end);
                continue 'requests;
            }
            if &buf[..end] == b"STOP\r\n" {
                break 'requests;
            }
            write(&buf[..end]);
            consume(end);
            end = read_until(b"\r\n");
        }
        consume(end);
        write(b".");
    }
    write(b"!");
}
