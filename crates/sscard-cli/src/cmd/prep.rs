//! `prep`: batch data preparation. Every row is checked (SSN check digit,
//! GBK-encodable name, dates, area code); a bad row is reported with its
//! line number and reason and the good ones still produce their outputs,
//! written atomically (temporary file, rename), with a progress bar on a
//! terminal and a summary at the end.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Instant;

use serde_json::json;
use sscard::ops::perso::prepare;
use sscard_profile::holder::from_csv_row;

use super::emit;
use crate::args::{Cli, PrepArgs};
use crate::error::{CliError, CliResult};

fn write_file(dir: &Path, name: &str, text: &str) -> std::io::Result<()> {
    sscard_profile::atomic::write_replacing(&dir.join(name), text.as_bytes())
}

/// Runs `prep`.
pub fn run(cli: &Cli, a: &PrepArgs) -> CliResult<()> {
    let profile =
        sscard_profile::load_file(super::profile_path(cli, &a.profile)).map_err(CliError::input)?;
    let csv = std::fs::read_to_string(&a.holders)
        .map_err(|e| CliError::usage(format!("{}: {e}", a.holders.display())))?;
    std::fs::create_dir_all(&a.out)
        .map_err(|e| CliError::usage(format!("{}: {e}", a.out.display())))?;
    let mut lines = csv.lines().enumerate();
    let header: Vec<&str> = match lines.next() {
        Some((_, h)) => h.split(',').map(str::trim).collect(),
        None => return Err(CliError::usage(format!("{}: empty", a.holders.display()))),
    };
    let rows: Vec<(usize, &str)> = lines
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l))
        .collect();
    let bar = if std::io::stderr().is_terminal() && !cli.json {
        indicatif::ProgressBar::new(rows.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let start = Instant::now();
    let mut good = 0usize;
    let mut bad = Vec::new();
    for (line, row) in rows {
        let outcome = from_csv_row(&header, row)
            .map_err(|e| (e.field.to_owned(), e.message))
            .and_then(|h| prepare(&profile, &h).map_err(|e| ("profile".to_owned(), e.to_string())));
        match outcome {
            Ok(p) => {
                let written = write_file(
                    &a.out,
                    &format!("{}.holder.toml", p.card_number),
                    &p.holder_toml,
                )
                .and_then(|_| write_file(&a.out, &format!("{}.script", p.card_number), &p.script));
                match written {
                    Ok(()) => good += 1,
                    Err(e) => return Err(CliError::usage(format!("{}: {e}", a.out.display()))),
                }
            }
            Err((field, message)) => {
                bad.push(json!({"line": line, "field": field, "reason": message}))
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if let Ok(d) = std::fs::File::open(&a.out) {
        let _ = d.sync_all();
    }
    let secs = start.elapsed().as_secs_f64();
    let mut text = String::new();
    for b in &bad {
        text.push_str(&format!(
            "line {}: {}: {}\n",
            b["line"],
            b["field"].as_str().unwrap_or(""),
            b["reason"].as_str().unwrap_or("")
        ));
    }
    text.push_str(&format!(
        "prepared {good} cards, rejected {} rows, in {:.2} s ({:.0} cards/s), outputs in {}",
        bad.len(),
        secs,
        good as f64 / secs.max(1e-9),
        a.out.display()
    ));
    emit(
        cli.json,
        json!({"prepared": good, "rejected": bad, "seconds": secs, "out": a.out}),
        &text,
    );
    if bad.is_empty() {
        Ok(())
    } else {
        Err(CliError {
            code: 1,
            message: format!("{} rows rejected", bad.len()),
        })
    }
}
