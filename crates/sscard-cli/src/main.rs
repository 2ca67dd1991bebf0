//! `sscard`: the command-line tool for personalisation engineers and
//! integrators. A thin layer over the `sscard` host library and the
//! simulator: parsing here, behaviour there.

#![forbid(unsafe_code)]

mod args;
mod cmd;
mod context;
mod error;

use clap::Parser;

fn main() {
    let cli = args::Cli::parse();
    match cmd::run(&cli) {
        Ok(()) => {}
        Err(e) => {
            eprintln!("sscard: {}", e.message);
            std::process::exit(e.code);
        }
    }
}
