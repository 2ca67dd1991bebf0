//! `prep`: batch data preparation over `sscard::prep`: the CSV streamed
//! (UTF-8, GBK or GB 18030), duplicates and cards already prepared refused,
//! card identification codes assigned from the folder's counter, one
//! atomic batch file per 1,000 cards, a progress bar on a terminal and a
//! summary at the end.

use std::io::IsTerminal;
use std::time::Instant;

use serde_json::json;
use sscard::prep::{PrepError, PrepOptions};
use sscard_profile::holder_csv::{Encoding, HolderCsv, LineError};

use super::emit;
use crate::args::{Cli, PrepArgs};
use crate::error::{CliError, CliResult};

/// The further columns a profile names (`holder.residence_address`).
fn extra_columns(profile: &sscard_profile::Profile) -> Vec<String> {
    const OWN: [&str; 7] = [
        "ssn",
        "name",
        "name_ext",
        "sex",
        "ethnicity",
        "birthplace",
        "birth_date",
    ];
    let mut out: Vec<String> = profile
        .efs
        .iter()
        .flat_map(|ef| ef.elements.iter())
        .filter_map(|e| e.source.as_deref()?.strip_prefix("holder."))
        .filter(|c| !OWN.contains(c) && *c != "pan")
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Runs `prep`.
pub fn run(cli: &Cli, a: &PrepArgs) -> CliResult<()> {
    let profile = super::load_profile(cli, &a.profile)?;
    let path = a.holders.clone();
    let file = path.display().to_string();
    let encoding = match &a.encoding {
        Some(name) => Encoding::from_name(name).ok_or_else(|| {
            CliError::usage(format!("--encoding {name}: give utf-8, gbk or gb18030"))
        })?,
        None => {
            let mut head = vec![0u8; 64 * 1024];
            let n = std::fs::File::open(&path)
                .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
                .map_err(|e| CliError::io(&path, &e))?;
            Encoding::detect(&head[..n])
        }
    };
    let extra = extra_columns(&profile);
    let open = || -> Result<HolderCsv, LineError> {
        let f = std::fs::File::open(&path).map_err(|e| LineError {
            line: 0,
            column: "file".into(),
            message: sscard_profile::error::io_reason(&e),
        })?;
        HolderCsv::new(
            std::io::BufReader::with_capacity(1 << 16, f),
            encoding,
            &extra,
        )
    };
    let opts = PrepOptions {
        area: a.area.clone(),
        init_org: a.init_org.clone(),
        serial_start: a.serial_start,
        batch_size: a.batch_size,
        force: a.force,
    };
    let bar = if std::io::stderr().is_terminal() && !cli.json {
        indicatif::ProgressBar::new_spinner()
    } else {
        indicatif::ProgressBar::hidden()
    };
    let start = Instant::now();
    let report = sscard::prep::run(&profile, &open, &file, &a.out, &opts, &mut |n| {
        bar.set_position(n);
    })
    .map_err(|e| match e {
        PrepError::Write { .. } => CliError::new(1, e.to_string()),
        _ => CliError::usage(e.to_string()),
    })?;
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    let mut text = String::new();
    for r in &report.rejected {
        text.push_str(&format!("line {}: {}: {}\n", r.line, r.column, r.reason));
    }
    if let Some((first, n)) = report.serials {
        text.push_str(&format!(
            "assigned card identification codes with chip serials {first:016X} to {:016X}\n",
            first + n - 1
        ));
    }
    let n = |count: usize, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    text.push_str(&format!(
        "prepared {}, rejected {}, in {:.2} s ({:.0} cards/s), {} in {}",
        n(report.prepared, "card", "cards"),
        n(report.rejected.len(), "row", "rows"),
        secs,
        report.prepared as f64 / secs.max(1e-9),
        n(report.batches.len(), "batch file", "batch files"),
        a.out.display()
    ));
    let rejected: Vec<_> = report
        .rejected
        .iter()
        .map(|r| json!({"line": r.line, "field": r.column, "reason": r.reason}))
        .collect();
    emit(
        cli,
        json!({
            "prepared": report.prepared,
            "rejected": rejected,
            "batches": report.batches,
            "serials": report.serials.map(|(first, n)| json!({"first": format!("{first:016X}"), "count": n})),
            "encoding": encoding.name(),
            "seconds": secs,
            "out": a.out,
        }),
        &text,
    );
    if report.rejected.is_empty() {
        Ok(())
    } else {
        Err(CliError::shown(
            1,
            n(report.rejected.len(), "row rejected", "rows rejected"),
        ))
    }
}
