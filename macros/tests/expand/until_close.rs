// Expansion input: `until_close.expanded.rs` beside it is what `#[scenario]` makes of this fn
// (`UPDATE_EXPAND=1 cargo test -p twinbench-macros` rewrites it).
//
// Serving until the client closes: `while next_request()` waits for the next request's first
// byte, and leaves the loop when the peer closed the connection between requests. The client's
// exchanges are a closure of the connection index: connection `conn` makes `conn + 1` requests.
use twinbench::prelude::*;

#[scenario(connections = 3, buffer = 32,
           client(exchanges = |conn| (0..=conn).map(|_| (b"a\n", b"a\n"))))]
pub fn until_close() {
    while next_request() {
        let end: usize = read_until(b'\n');
        write(&buf[..end]);
        consume(end);
    }
}
