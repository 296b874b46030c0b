// Expansion input: `matching.expanded.rs` beside it is what `#[scenario]` makes of this fn
// (`UPDATE_EXPAND=1 cargo test -p twinbench-macros` rewrites it).
//
// `match` with steps in its arms (a guard, bindings, `|` patterns), `let … else`, `if let`
// and `while let`. A pattern's names live until the arm's first wait: `key` is copied into a
// binding, `line` is the first step's argument (evaluated once, and held).
use twinbench::prelude::*;

fn parse_len(line: &[u8]) -> Option<usize> {
    std::str::from_utf8(line.strip_suffix(b"\r\n")?).ok()?.parse().ok()
}

#[scenario(connections = 3, buffer = 64,
           client(send = b"PING\r\nGET k\r\n2\r\nab", expect = b"+PONG\r\n$k\r\nab.."))]
pub fn matching() {
    let end: usize = read_until(b"\r\n");
    match &buf[..end - 2] {
        b"QUIT" => return,
        b"PING" | b"ping" => write(b"+PONG\r\n"),
        [b'G', b'E', b'T', b' ', key @ ..] if !key.is_empty() => {
            let key: Vec<u8> = key.to_vec();
            write(b"$");
            write(&key);
        }
        line => write(line),
    }
    consume(end);
    let end: usize = read_until(b"\r\n");
    let Some(len) = parse_len(&buf[..end]) else {
        return;
    };
    let len: usize = len;
    consume(end);
    read_exact(len);
    if let [b'x', ..] = &buf[..len] {
        write(b"x");
    }
    write(&buf[..len]);
    let mut left: usize = len;
    while let Some(next) = left.checked_sub(1) {
        left = next;
        write(b".");
    }
}
