//! One module per command group; each prints text or, with `--json`, one
//! JSON document (schemas in `docs/cli.md`).

mod card;
mod demo;
mod hsm;
mod perso;
mod prep;
mod profile;
mod sim;
mod trace;

use serde_json::Value;

use crate::args::{Cli, Command};
use crate::error::CliResult;

/// Writes a line to standard output; a closed pipe (`| head`) is not an error.
pub(crate) fn out(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// Prints `value` as JSON, or `text`.
pub(crate) fn emit(json: bool, value: Value, text: &str) {
    if json {
        out(&serde_json::to_string_pretty(&value).unwrap_or_default());
    } else if !text.is_empty() {
        out(text);
    }
}

/// A profile path as given, or else in the profiles directory: `--profile
/// ssc-3.0.toml` works from anywhere.
pub(crate) fn profile_path(cli: &Cli, p: &std::path::Path) -> std::path::PathBuf {
    if p.exists() {
        p.to_path_buf()
    } else {
        cli.profiles.join(p)
    }
}

/// Runs the parsed command.
pub fn run(cli: &Cli) -> CliResult<()> {
    match &cli.command {
        Command::Demo(a) => demo::run(cli, a),
        Command::Readers => card::readers(cli),
        Command::Info(a) => card::info(cli, a),
        Command::Read(a) => card::read(cli, a),
        Command::Apdu(a) => card::apdu(cli, a),
        Command::Script(a) => card::script(cli, a),
        Command::Pin(a) => card::pin(cli, a),
        Command::Balance(a) => card::balance(cli, a),
        Command::Debit(a) => card::debit(cli, a),
        Command::Pay(a) => card::pay(cli, a),
        Command::Log(a) => card::log(cli, a),
        Command::Prep(a) => prep::run(cli, a),
        Command::Perso(c) => perso::run(cli, c),
        Command::Sim(c) => sim::run(cli, c),
        Command::Trace(c) => trace::run(cli, c),
        Command::Profile(c) => profile::run(cli, c),
        Command::Hsm(a) => hsm::run(cli, a),
    }
}
