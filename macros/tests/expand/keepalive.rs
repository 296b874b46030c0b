// Expansion input: `keepalive.expanded.rs` beside it is what `#[scenario]` makes of this fn
// (`UPDATE_EXPAND=1 cargo test -p twinbench-macros` rewrites it).
use twinbench::prelude::*;

/// Keep-alive: four line requests on each connection.
#[scenario(connections = 64, buffer = 128, requests = 4,
           client(send = b"a\nbb\nccc\ndddd\n", expect = b"a\nbb\nccc\ndddd\n"))]
pub fn keepalive() {
    for _ in 0..4 {
        let end: usize = read_until(b'\n');
        write(&buf[..end]);
        consume(end);
    }
}
