//! One module per command group; each prints text or, with `--json`, one
//! JSON document (schemas in `docs/cli.md`).

mod card;
mod demo;
mod docs;
mod hsm;
mod journal;
mod perso;
mod prep;
mod profile;
mod relay;
mod sim;
mod trace;
mod trace_html;

use serde_json::Value;

use crate::args::{Cli, Command};
use crate::error::{CliError, CliResult};

/// Writes a line to standard output; a closed pipe (`| head`) is not an error.
pub(crate) fn out(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// The version of every JSON document the CLI prints (`docs/cli.md`).
pub const SCHEMA_VERSION: u32 = 1;

/// Prints `value` as JSON (with `schema_version` first), or `text`.
pub(crate) fn emit(cli: &Cli, value: Value, text: &str) {
    if cli.json {
        let mut doc = serde_json::Map::new();
        doc.insert("schema_version".into(), SCHEMA_VERSION.into());
        if let Value::Object(m) = value {
            doc.extend(m);
        }
        out(&serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default());
    } else if !text.is_empty() {
        out(text);
    }
}

/// A profile as given: a file path, else a file of the `--profiles`
/// folder, else a built-in profile of that name: `--profile ssc-3.0.toml`
/// works from any folder.
pub(crate) fn load_profile(cli: &Cli, p: &std::path::Path) -> CliResult<sscard_profile::Profile> {
    crate::context::profile_source(cli.profiles.as_deref())
        .load(p)
        .map(|p| (*p).clone())
        .map_err(CliError::card)
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
        Command::Genuine(a) => card::genuine(cli, a),
        Command::Balance(a) => card::balance(cli, a),
        Command::Debit(a) => card::debit(cli, a),
        Command::Pay(a) => card::pay(cli, a),
        Command::Log(a) => card::log(cli, a),
        Command::Journal(c) => journal::run(cli, c),
        Command::Prep(a) => prep::run(cli, a),
        Command::Perso(c) => perso::run(cli, c),
        Command::Sim(c) => sim::run(cli, c),
        Command::Trace(c) => trace::run(cli, c),
        Command::Relay(a) => relay::run(cli, a),
        Command::Serve { config } => {
            sscard_service::log_to_stderr(if cli.verbose {
                log::LevelFilter::Info
            } else {
                log::LevelFilter::Warn
            });
            sscard_service::run(config).map_err(|e| CliError::usage(e.to_string()))
        }
        Command::Profile(c) => profile::run(cli, c),
        Command::Hsm(a) => hsm::run(cli, a),
        Command::Completions { shell } => docs::completions(*shell),
        Command::Man { out } => docs::man(cli, out),
    }
}
