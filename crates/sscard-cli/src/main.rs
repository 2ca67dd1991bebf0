//! `sscard`: the command-line tool for personalisation engineers and
//! integrators. A thin layer over the `sscard` host library and the
//! simulator: parsing here, behaviour there.

#![forbid(unsafe_code)]

mod args;
mod clock;
mod cmd;
mod context;
mod error;
mod readers;
mod script;
mod terminal;

use clap::Parser;

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) || !json {
                // clap's own text; usage errors exit 2.
                e.exit();
            }
            let err = error::CliError::usage(e.render().to_string().trim().to_owned());
            cmd::out(&serde_json::to_string_pretty(&err.to_json()).unwrap_or_default());
            std::process::exit(2);
        }
    };
    if let Err(e) = cmd::run(&cli) {
        if cli.json && !e.shown {
            cmd::out(&serde_json::to_string_pretty(&e.to_json()).unwrap_or_default());
        }
        eprintln!("sscard: {}", e.message);
        std::process::exit(e.code);
    }
}
