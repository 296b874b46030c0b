// Expansion input: `no_default.expanded.rs` beside it is what `#[scenario]` makes of this fn
// (`UPDATE_EXPAND=1 cargo test -p twinbench-macros` rewrites it).
//
// Bindings whose types have no `Default`: the machine holds each in a slot its `let` writes
// (`Binding`), re-borrowed once in each state that uses it; a value with drop glue (`line`) has
// a drop flag, plain data (`block`, 1 KiB) none. `line` is set again on each round of the loop.
use twinbench::prelude::*;

/// A request copied out of `buf`: no `Default`, no drop glue.
pub struct Block {
    bytes: [u8; 1024],
    len: usize,
}

impl Block {
    pub fn copy_of(bytes: &[u8]) -> Self {
        let mut block = Block { bytes: [0; 1024], len: bytes.len() };
        block.bytes[..bytes.len()].copy_from_slice(bytes);
        block
    }
}

#[scenario(connections = 4, buffer = 64, requests = 2,
           client(exchanges = [(b"hi\n", b"hi\n"), (b"quit\n", b"bye\n")]))]
pub fn no_default() {
    let end: usize = read_until(b'\n');
    let block: Block = Block::copy_of(&buf[..end]);
    consume(end);
    write(&block.bytes[..block.len]);
    loop {
        let end: usize = read_until(b'\n');
        let line: String = String::from_utf8_lossy(&buf[..end]).into_owned();
        consume(end);
        if line == "quit\n" {
            write(b"bye\n");
            return;
        }
        write(line.as_bytes());
    }
}
