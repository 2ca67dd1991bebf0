//! The service bench (written below).
fn main() {}
