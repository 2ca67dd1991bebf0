//! `hsm`: a test key server for the `_HSM_` steps of the reader interface
//! (`sscard::security::key_server`). One request as arguments, or a
//! stream of requests on standard input (one per line, answered in order;
//! a request it cannot answer gets `ERR <code> <reason>` and the stream
//! goes on), so that a POS test harness can pipe its step lines through it.

use std::io::BufRead;

use sscard::security::key_server::KeyServer;
use sscard_profile::keys::MasterKeys;

use super::out;
use crate::args::{Cli, HsmArgs};
use crate::error::{CliError, CliResult};

/// Runs `hsm`.
pub fn run(cli: &Cli, a: &HsmArgs) -> CliResult<()> {
    let masters = MasterKeys::load_file(&a.keys).map_err(CliError::input)?;
    let profile = super::load_profile(cli, &a.profile)?;
    let mut server = KeyServer::new(masters, &profile).map_err(CliError::card)?;
    if !a.request.is_empty() {
        let answer = server
            .answer(&a.request.join(" "))
            .map_err(CliError::card)?;
        out(&answer);
        return Ok(());
    }
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| CliError::usage(format!("standard input: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        match server.answer(&line) {
            Ok(answer) => out(&answer),
            Err(e) => out(&format!("ERR {} {e}", e.code())),
        }
    }
    Ok(())
}
