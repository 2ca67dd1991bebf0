//! `journal`: the terminal journal of medical debits (`docs/journal.md`).

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sscard::journal::{Entry, Journal};
use sscard_apdu::field::Amount;

use super::{emit, out};
use crate::args::{CardArgs, Cli, JournalCommand};
use crate::context::{open, Term};
use crate::error::{CliError, CliResult};

/// The journal file: given, else `journal.sqlite` in the state folder.
fn path(given: Option<&Path>) -> PathBuf {
    given.map_or_else(
        || crate::terminal::state_dir().join("journal.sqlite"),
        Path::to_owned,
    )
}

fn open_journal(given: Option<&Path>) -> CliResult<Journal> {
    let p = path(given);
    if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            CliError::usage(format!(
                "{}: {}",
                dir.display(),
                sscard_profile::error::io_reason(&e)
            ))
        })?;
    }
    Journal::open(&p).map_err(CliError::card)
}

/// Gives `t` the journal of `a` (debits are written to it).
pub(crate) fn attach(t: &mut Term, a: &CardArgs) -> CliResult<()> {
    t.set_journal(open_journal(a.terminal_journal.as_deref())?);
    Ok(())
}

fn yuan(fen: u32) -> String {
    Amount::from_fen(fen).to_string()
}

fn row(e: &Entry) -> Value {
    json!({
        "id": e.id,
        "card_id": e.card_id,
        "offline_counter": e.offline_counter,
        "amount": yuan(e.amount_fen),
        "account_pooled": yuan(e.account_pooled_fen),
        "terminal_no": e.terminal_no,
        "terminal_txn_no": e.terminal_txn_no,
        "date_time": e.date_time,
        "state": e.state,
        "tac": e.tac,
        "note": e.note,
    })
}

fn state(e: &Entry) -> &'static str {
    match e.state {
        sscard::journal::State::Pending => "pending",
        sscard::journal::State::Completed => "completed",
        sscard::journal::State::Void => "void",
    }
}

/// Runs a `journal` command.
pub fn run(cli: &Cli, c: &JournalCommand) -> CliResult<()> {
    match c {
        JournalCommand::List(a) => {
            let j = open_journal(a.journal.as_deref())?;
            let entries = j.list().map_err(CliError::card)?;
            let mut text = format!("{} ({} records)", j.path().display(), entries.len());
            for e in &entries {
                text.push_str(&format!(
                    "\n  #{} {} card {} counter {} amount {} (account+pooled {}) txn {} {} {}",
                    e.id,
                    e.date_time,
                    e.card_id,
                    e.offline_counter,
                    yuan(e.amount_fen),
                    yuan(e.account_pooled_fen),
                    e.terminal_txn_no,
                    state(e),
                    e.tac.as_deref().unwrap_or("-")
                ));
            }
            let rows: Vec<Value> = entries.iter().map(row).collect();
            emit(
                cli,
                json!({"journal": j.path().display().to_string(), "records": rows}),
                &text,
            );
            Ok(())
        }
        JournalCommand::Export { journal, format } => {
            let j = open_journal(journal.journal.as_deref())?;
            let entries = j.list().map_err(CliError::card)?;
            if format == "json" || cli.json {
                let rows: Vec<Value> = entries.iter().map(row).collect();
                emit(
                    cli,
                    json!({"records": rows}),
                    &serde_json::to_string_pretty(&rows).unwrap_or_default(),
                );
                return Ok(());
            }
            out("id,card_id,offline_counter,amount,account_pooled,terminal_no,terminal_txn_no,date_time,state,tac");
            for e in &entries {
                out(&format!(
                    "{},{},{},{},{},{},{},{},{},{}",
                    e.id,
                    e.card_id,
                    e.offline_counter,
                    yuan(e.amount_fen),
                    yuan(e.account_pooled_fen),
                    e.terminal_no,
                    e.terminal_txn_no,
                    e.date_time,
                    state(e),
                    e.tac.as_deref().unwrap_or("")
                ));
            }
            Ok(())
        }
        JournalCommand::Recover(a) => {
            let mut t = open(a, cli)?;
            attach(&mut t, a)?;
            let settled = t.recover_journal().map_err(CliError::card)?;
            let after: Vec<Value> = match t.journal() {
                Some(j) => j
                    .list()
                    .map_err(CliError::card)?
                    .iter()
                    .filter(|e| settled.iter().any(|s| s.id == e.id))
                    .map(row)
                    .collect(),
                None => Vec::new(),
            };
            let mut text = format!("{} pending records settled", after.len());
            for r in &after {
                text.push_str(&format!(
                    "\n  #{} {} {}",
                    r["id"],
                    r["state"].as_str().unwrap_or_default(),
                    r["note"].as_str().unwrap_or_default()
                ));
            }
            emit(cli, json!({"settled": after}), &text);
            Ok(())
        }
    }
}
