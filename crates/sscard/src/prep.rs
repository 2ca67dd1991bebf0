//! Batch data preparation (`sscard prep`): a bureau's holder CSV turned
//! into batch files of prepared cards (`sscard_profile::batch`).
//!
//! Two passes over the CSV, both streamed (memory grows only with the keys
//! kept for the duplicate check):
//!
//! 1. keys: card number, social security number and card identification
//!    code of every row; a value on two rows rejects both, naming both
//!    lines. A card already prepared in the output folder refuses the whole
//!    run before anything is written, unless `force`.
//! 2. work, in batches: card identification codes assigned where the row
//!    has none (issuing area code + `D156000005` + a chip serial from the
//!    folder's counter, saved before the batch that uses it, so a serial is
//!    never reused), the initialising organisation filled in, rows checked
//!    and prepared in parallel, then one atomic file per batch.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sscard_profile::batch::{self, BatchCard, PrepState};
use sscard_profile::holder::{is_province_area, Holder, HolderRecord};
use sscard_profile::holder_csv::{HolderCsv, LineError};
use sscard_profile::Profile;

use crate::ops::perso::prepare;

/// What prep assigns and how it writes.
#[derive(Debug, Clone)]
pub struct PrepOptions {
    /// Issuing area code (6 digits) for rows without a `card_id`.
    pub area: Option<String>,
    /// Initialising organisation for rows without an `init_org`.
    pub init_org: Option<String>,
    /// First chip serial (default: the folder's counter).
    pub serial_start: Option<u64>,
    /// Cards per batch file.
    pub batch_size: usize,
    /// Prepare cards the folder already holds again (a newer batch wins).
    pub force: bool,
}

impl Default for PrepOptions {
    fn default() -> Self {
        Self {
            area: None,
            init_org: None,
            serial_start: None,
            batch_size: 1000,
            force: false,
        }
    }
}

/// A row prep did not prepare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Its line in the CSV.
    pub line: u64,
    /// The column at fault (`row` for the whole row).
    pub column: String,
    /// Why.
    pub reason: String,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct PrepReport {
    /// Cards prepared.
    pub prepared: usize,
    /// Rows rejected, in line order.
    pub rejected: Vec<Rejected>,
    /// The batch files written.
    pub batches: Vec<PathBuf>,
    /// Chip serials assigned: first and count.
    pub serials: Option<(u64, u64)>,
}

/// Why a run stopped before or while writing.
#[derive(Debug, thiserror::Error)]
pub enum PrepError {
    /// The CSV's header or text is unusable.
    #[error("{file}: {error}")]
    Csv {
        /// The CSV file.
        file: String,
        /// Where and what.
        error: LineError,
    },
    /// Cards the folder already holds.
    #[error("{out} already holds prepared cards {cards} (in {file}): give --force to prepare them again")]
    Exists {
        /// The output folder.
        out: String,
        /// Some of the card numbers.
        cards: String,
        /// The first batch holding one.
        file: String,
    },
    /// A bad option.
    #[error("{0}")]
    Option(String),
    /// The folder's counters or batches cannot be read.
    #[error("{0}")]
    State(#[from] sscard_profile::Error),
    /// A write failed; batches written before it stay, complete.
    #[error("{path}: cannot write: {reason}")]
    Write {
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
}

fn write_error(path: &Path, e: &std::io::Error) -> PrepError {
    PrepError::Write {
        path: path.display().to_string(),
        reason: sscard_profile::error::io_reason(e),
    }
}

/// Runs prep. `open` opens the CSV afresh (it is read twice); `file` names
/// it in messages; `progress` is called with the rows done so far.
///
/// # Errors
/// [`PrepError`]; rejected rows are not errors but part of the report.
pub fn run(
    profile: &Profile,
    open: &dyn Fn() -> Result<HolderCsv, LineError>,
    file: &str,
    out: &Path,
    opts: &PrepOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<PrepReport, PrepError> {
    let csv_err = |error| PrepError::Csv {
        file: file.to_owned(),
        error,
    };
    if let Some(a) = &opts.area {
        if !is_province_area(a) {
            return Err(PrepError::Option(format!(
                "--area {a}: an issuing area code is 6 digits starting with a province code (11–65, 71, 81, 82)"
            )));
        }
    }
    if let Some(o) = &opts.init_org {
        if o.is_empty() || o.len() > 24 || !o.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PrepError::Option(format!(
                "--init-org {o}: an initialising organisation number is 1 to 24 digits"
            )));
        }
    }
    let batch_size = opts.batch_size.max(1);
    let (mut rejected, skip) = duplicates(open().map_err(csv_err)?, out, opts.force)?;
    std::fs::create_dir_all(out).map_err(|e| write_error(out, &e))?;
    let mut state = PrepState::load(out)?;
    let mut serial = match opts.serial_start {
        Some(s) if s < state.next_serial => {
            return Err(PrepError::Option(format!(
                "--serial-start {s}: serials below {} are used already in {}",
                state.next_serial,
                out.display()
            )))
        }
        Some(s) => s,
        None => state.next_serial,
    };
    let first_serial = serial;
    let mut report = PrepReport::default();
    let mut csv = open().map_err(csv_err)?;
    let mut done = 0u64;
    loop {
        let mut chunk: Vec<(u64, HolderRecord)> = Vec::with_capacity(batch_size);
        let mut ended = true;
        while let Some((line, row)) = csv.next_row() {
            done += 1;
            match row {
                Err(e) if e.column == "file" => return Err(csv_err(e)),
                Err(e) => rejected.push(Rejected {
                    line,
                    column: e.column,
                    reason: e.message,
                }),
                Ok(_) if skip.contains(&line) => {}
                Ok(r) => {
                    match fill_in(r, opts, &mut serial) {
                        Ok(r) => chunk.push((line, r)),
                        Err(x) => rejected.push(Rejected { line, ..x }),
                    }
                    if chunk.len() == batch_size {
                        ended = false;
                        break;
                    }
                }
            }
        }
        let cards: Vec<Result<String, Rejected>> = chunk
            .into_par_iter()
            .map(|(line, r)| prepare_one(profile, line, r))
            .collect();
        let mut text = String::new();
        let mut n = 0;
        for c in cards {
            match c {
                Ok(l) => {
                    text.push_str(&l);
                    text.push('\n');
                    n += 1;
                }
                Err(r) => rejected.push(r),
            }
        }
        if n > 0 {
            let path = out.join(batch::batch_name(state.next_batch));
            state.next_batch += 1;
            state.next_serial = state.next_serial.max(serial);
            state
                .save(out)
                .map_err(|e| write_error(&out.join(batch::STATE_FILE), &e))?;
            sscard_profile::atomic::write_new(&path, text.as_bytes())
                .map_err(|e| write_error(&path, &e))?;
            report.batches.push(path);
            report.prepared += n;
        }
        progress(done);
        if ended {
            break;
        }
    }
    if serial > first_serial {
        report.serials = Some((first_serial, serial - first_serial));
        if state.next_serial < serial {
            state.next_serial = serial;
            state
                .save(out)
                .map_err(|e| write_error(&out.join(batch::STATE_FILE), &e))?;
        }
    }
    rejected.sort_by_key(|r| r.line);
    report.rejected = rejected;
    Ok(report)
}

/// Pass 1: rows sharing a key (both rejected, each naming the other), and
/// the refusal when the folder holds one of the cards.
fn duplicates(
    mut csv: HolderCsv,
    out: &Path,
    force: bool,
) -> Result<(Vec<Rejected>, HashSet<u64>), PrepError> {
    let mut seen: [HashMap<String, Vec<u64>>; 3] = Default::default();
    while let Some((line, row)) = csv.next_row() {
        if let Ok(r) = row {
            let keys = [
                r.card.number,
                r.ssn.to_ascii_uppercase(),
                r.card.id.to_ascii_uppercase(),
            ];
            for (map, key) in seen.iter_mut().zip(keys) {
                if !key.is_empty() {
                    map.entry(key).or_default().push(line);
                }
            }
        }
    }
    let mut rejected = Vec::new();
    let mut skip = HashSet::new();
    for (map, column) in seen.iter().zip(["card_number", "ssn", "card_id"]) {
        for (key, lines) in map.iter().filter(|(_, l)| l.len() > 1) {
            for &line in lines {
                if !skip.insert(line) {
                    continue;
                }
                let others: Vec<String> = lines
                    .iter()
                    .filter(|l| **l != line)
                    .map(u64::to_string)
                    .collect();
                let shown = if column == "card_number" {
                    key.clone()
                } else {
                    sscard_profile::holder::mask(key)
                };
                rejected.push(Rejected {
                    line,
                    column: column.to_owned(),
                    reason: format!(
                        "{column} {shown} is also on line {}: neither row is prepared",
                        others.join(", ")
                    ),
                });
            }
        }
    }
    if !force && out.is_dir() {
        let numbers = &seen[0];
        let mut held: Vec<(String, String)> = Vec::new();
        for f in batch::batch_files(out)? {
            batch::read_batch(&f, |c| {
                if numbers.contains_key(&c.card_number) {
                    held.push((c.card_number, f.display().to_string()));
                }
            })?;
        }
        if let Some((_, file)) = held.first() {
            let mut cards: Vec<&str> = held.iter().take(5).map(|(c, _)| c.as_str()).collect();
            if held.len() > 5 {
                cards.push("…");
            }
            return Err(PrepError::Exists {
                out: out.display().to_string(),
                cards: cards.join(", "),
                file: file.clone(),
            });
        }
    }
    Ok((rejected, skip))
}

/// Assigns what the row leaves to prep: the card identification code and
/// the initialising organisation.
fn fill_in(
    mut r: HolderRecord,
    opts: &PrepOptions,
    serial: &mut u64,
) -> Result<HolderRecord, Rejected> {
    let bad = |column: &str, reason: String| Rejected {
        line: 0,
        column: column.to_owned(),
        reason,
    };
    if r.card.init_org.is_empty() {
        r.card.init_org = opts.init_org.clone().ok_or_else(|| {
            bad(
                "init_org",
                "column init_org is empty and no --init-org was given".into(),
            )
        })?;
    }
    if r.card.id.is_empty() {
        let area = opts.area.as_ref().ok_or_else(|| {
            bad(
                "card_id",
                "column card_id is empty and no --area was given to assign one".into(),
            )
        })?;
        r.card.id = format!("{area}D156000005{:016X}", *serial);
        *serial += 1;
    } else if !is_province_area(r.card.id.get(..6).unwrap_or("")) {
        return Err(bad(
            "card_id",
            "the issuing area code does not start with a province code".into(),
        ));
    }
    Ok(r)
}

fn prepare_one(profile: &Profile, line: u64, r: HolderRecord) -> Result<String, Rejected> {
    let reject = |column: &str, reason: String| Rejected {
        line,
        column: column.to_owned(),
        reason,
    };
    let h = Holder::check(r).map_err(|e| reject(e.field, e.message))?;
    let p = prepare(profile, &h).map_err(|e| reject("profile", e.to_string()))?;
    let card = BatchCard {
        line,
        card_number: p.card_number,
        holder: h.record().clone(),
        script: p.script,
    };
    serde_json::to_string(&card).map_err(|e| reject("row", e.to_string()))
}
