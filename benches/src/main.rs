//! `cargo run --release`: the comparison report.
fn main() {}
