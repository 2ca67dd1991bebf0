//! The files `sscard prep` writes into its output folder, and reading a
//! holder back from them.
//!
//! - `batch-NNNNNN.jsonl`: one prepared card per line ([`BatchCard`]), one
//!   file per batch, written atomically (temporary file, one fsync, rename):
//!   a batch is there whole or not at all. Mode 0600 (it holds PINs).
//! - `prep-state.toml`: the batch's counters ([`PrepState`]): the next chip
//!   serial of assigned card identification codes (never reused: it is
//!   saved before the batch that uses the serials) and the next batch number.
//!
//! A holder is named `FOLDER/batch-000001.jsonl#CARD_NUMBER`, or by card
//! number alone in the folder (`FOLDER#CARD_NUMBER`, the newest batch wins).

use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::holder::{Holder, HolderRecord};

/// File name of the counters.
pub const STATE_FILE: &str = "prep-state.toml";

/// One prepared card: a line of a batch file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchCard {
    /// The CSV line it came from.
    pub line: u64,
    /// The card number.
    pub card_number: String,
    /// The checked holder record (card identification code assigned).
    pub holder: HolderRecord,
    /// The data records as a `sscard script`.
    pub script: String,
}

/// The counters kept with a prep output folder.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PrepState {
    /// The next chip serial for an assigned card identification code.
    pub next_serial: u64,
    /// The number of the next batch file.
    pub next_batch: u32,
}

impl PrepState {
    /// Reads `dir/prep-state.toml`; a folder without one starts at zero.
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Syntax`] for an unreadable or bad file.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(STATE_FILE);
        if !path.exists() {
            return Ok(Self::default());
        }
        let (file, src) = crate::error::read_source(&path)?;
        toml::from_str(&src).map_err(|e| crate::error::Lines::new(&file, &src).syntax(&e))
    }

    /// Saves durably (atomic write, fsync).
    ///
    /// # Errors
    /// The I/O error.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        let text = toml::to_string(self).map_err(std::io::Error::other)?;
        crate::atomic::write_atomically(&dir.join(STATE_FILE), text.as_bytes())
    }
}

/// The name of batch file `n`.
pub fn batch_name(n: u32) -> String {
    format!("batch-{n:06}.jsonl")
}

/// The batch files of `dir`, oldest first.
///
/// # Errors
/// [`Error::Io`] when the folder cannot be listed.
pub fn batch_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, &e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("batch-") && n.ends_with(".jsonl"))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Each card of a batch file, with its line in that file.
///
/// # Errors
/// [`Error::Io`], or [`Error::Invalid`] for a line that is not a card.
pub fn read_batch(path: &Path, mut each: impl FnMut(BatchCard)) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::io(path, &e))?;
        if line.trim().is_empty() {
            continue;
        }
        let card: BatchCard = serde_json::from_str(&line).map_err(|e| Error::Invalid {
            file: path.display().to_string(),
            line: i + 1,
            element: "batch".into(),
            message: format!("not a prepared card: {e}"),
        })?;
        each(card);
    }
    Ok(())
}

/// The prepared card `spec` names: `BATCH.jsonl#CARD_NUMBER` or
/// `FOLDER#CARD_NUMBER` (the newest batch holding it); `None` when `spec`
/// has no `#`.
///
/// # Errors
/// [`Error::Io`] or [`Error::Invalid`]: unreadable, or no such card.
pub fn find_card(spec: &str) -> Option<Result<BatchCard>> {
    let (place, number) = spec.rsplit_once('#')?;
    let place = Path::new(place);
    Some((|| {
        let files = if place.is_dir() {
            batch_files(place)?
        } else {
            vec![place.to_path_buf()]
        };
        let mut found = None;
        for f in &files {
            read_batch(f, |c| {
                if c.card_number == number {
                    found = Some(c);
                }
            })?;
        }
        found.ok_or_else(|| Error::Invalid {
            file: place.display().to_string(),
            line: 1,
            element: String::new(),
            message: format!("no prepared card {number}"),
        })
    })())
}

/// The holder `spec` names: a holder TOML file, or a prepared card
/// ([`find_card`]).
///
/// # Errors
/// As [`Holder::load_file`] and [`find_card`], or a prepared record that
/// no longer passes the checks.
pub fn load_holder(spec: &Path) -> Result<Holder> {
    let text = spec.to_string_lossy();
    if spec.is_file() {
        return Holder::load_file(spec);
    }
    match find_card(&text) {
        None => Holder::load_file(spec),
        Some(card) => Holder::check(card?.holder).map_err(|e| Error::Invalid {
            file: text.into_owned(),
            line: 1,
            element: e.field.to_owned(),
            message: e.message,
        }),
    }
}
