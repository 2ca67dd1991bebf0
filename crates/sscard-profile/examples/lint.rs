//! `cargo run -p sscard-profile --example lint -- card-profiles/ssc-3.0.toml`

fn main() {
    let mut status = 0;
    for path in std::env::args().skip(1) {
        match sscard_profile::load_file(&path) {
            Ok(p) => println!(
                "{path}: ok: {} DFs, {} EFs, {} keys, {} PINs",
                p.dfs.len(),
                p.efs.len(),
                p.keys.len(),
                p.pins.len()
            ),
            Err(e) => {
                eprintln!("{e}");
                status = 1;
            }
        }
    }
    std::process::exit(status);
}
