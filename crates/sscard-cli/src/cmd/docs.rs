//! `completions` and `man`: generated from the same clap definition as
//! `--help`, so they cannot drift from it.

use std::path::Path;

use clap::CommandFactory;
use serde_json::json;

use super::emit;
use crate::args::Cli;
use crate::error::{CliError, CliResult};

/// Writes the completion script for `shell` to standard output.
pub fn completions(shell: clap_complete::Shell) -> CliResult<()> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "sscard", &mut out);
    super::out(String::from_utf8_lossy(&out).trim_end());
    Ok(())
}

/// Writes `sscard.1` and one page per command (`sscard-sim-new.1`) into `dir`.
pub fn man(cli: &Cli, dir: &Path) -> CliResult<()> {
    std::fs::create_dir_all(dir).map_err(|e| CliError::io(dir, &e))?;
    let mut written = Vec::new();
    let mut root = Cli::command();
    // Propagates the global options (--json, --profiles, -v) to each page.
    root.build();
    let mut stack = vec![(String::from("sscard"), root)];
    while let Some((name, cmd)) = stack.pop() {
        for sub in cmd.get_subcommands() {
            if sub.get_name() != "help" {
                stack.push((format!("{name}-{}", sub.get_name()), sub.clone()));
            }
        }
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd.clone().name(name.clone()))
            .render(&mut page)
            .map_err(|e| CliError::usage(format!("man page {name}: {e}")))?;
        let path = dir.join(format!("{name}.1"));
        sscard_profile::atomic::write_atomically(&path, &page)
            .map_err(|e| CliError::io(&path, &e))?;
        written.push(path);
    }
    written.sort();
    emit(
        cli,
        json!({"pages": written}),
        &format!("{} man pages in {}", written.len(), dir.display()),
    );
    Ok(())
}
