//! Reading and writing the card's files by what the profile names:
//! typed requests ([`FileAddr`]: files and their items) and typed answers
//! ([`FileContent`]). The reader interface's `pFileAddr` text is parsed
//! and printed in [`crate::interface::file_addr`].

use sscard_apdu::commands::{self, BinaryAt};
use sscard_apdu::field::Format;
use sscard_apdu::record::{BtlvRecord, Record};
use sscard_apdu::StatusWord;
use sscard_profile::{AccessRule, EfKind, ElementFormat};

use super::Terminal;
use crate::error::{Error, Result};
use crate::pin::PinPad;
use crate::security::SecurityModule;
use crate::transport::Transport;

/// One item: a tag and, for repeated B-TLV records, which one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Tag.
    pub tag: u8,
    /// Occurrence (`40:2` → 2).
    pub record: Option<u8>,
}

/// One file and its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReq {
    /// `SSSEEF05`, `DF01EF06`.
    pub name: String,
    /// Items (empty: the whole file).
    pub items: Vec<Item>,
}

/// Files and their items, in order (what a `pFileAddr` names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAddr {
    /// Files in order.
    pub files: Vec<FileReq>,
}

/// How a file whose rule is "PIN or key" is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefer {
    /// With the holder PIN (`iAuthType` 1).
    Pin,
    /// With external authentication (`iAuthType` 2).
    Key,
}

/// One item's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemValue {
    /// An element of one field.
    Text(String),
    /// A B-TLV element: one value per sub-item, in the profile's order.
    Parts(Vec<String>),
}

impl ItemValue {
    /// As one text (parts joined with `^`, as an element of one field
    /// would take them).
    fn text(&self) -> String {
        match self {
            Self::Text(t) => t.clone(),
            Self::Parts(p) => p.join("^"),
        }
    }

    /// As parts (one text is one part).
    fn parts(&self) -> Vec<String> {
        match self {
            Self::Text(t) => vec![t.clone()],
            Self::Parts(p) => p.clone(),
        }
    }
}

/// What one file of a read holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileContent {
    /// A transparent file: its bytes.
    Binary(Vec<u8>),
    /// A cyclic log read whole: each record's fields, newest first.
    Log(Vec<Vec<String>>),
    /// The items asked for, in order.
    Items(Vec<ItemValue>),
}

fn decode(format: Format, v: &[u8]) -> Result<String> {
    format.decode(v).map_err(|e| Error::Malformed {
        command: "READ RECORD",
        reason: e.to_string(),
    })
}

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// Reads what `addr` names, one [`FileContent`] per file; `prefer`
    /// chooses how a "PIN or key" rule is met.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for unknown files or tags; card and access errors.
    pub fn read_files(&mut self, addr: &FileAddr, prefer: Prefer) -> Result<Vec<FileContent>> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        let pin_first = prefer == Prefer::Pin;
        let mut out = Vec::with_capacity(addr.files.len());
        for f in &addr.files {
            let ef = profile
                .ef_by_address(&f.name)
                .cloned()
                .ok_or_else(|| Error::InvalidInput(format!("no file {} on this card", f.name)))?;
            let content =
                match ef.kind {
                    EfKind::Transparent { size } => {
                        if !f.items.is_empty() {
                            return Err(Error::InvalidInput(format!(
                                "{} is a binary file: no items",
                                f.name
                            )));
                        }
                        self.select_df(&profile, &ef.df)?;
                        self.satisfy(&profile, &ef.read, &ef.df, pin_first)?;
                        self.select_ef(ef.fid)?;
                        let mut content = Vec::with_capacity(size);
                        while content.len() < size {
                            let off = content.len();
                            let n = (size - off).min(0xE0);
                            let at = BinaryAt::Offset(u16::try_from(off).unwrap_or(u16::MAX));
                            let c = if ef.personal {
                                commands::read_holder_binary(at, n)?
                            } else {
                                commands::read_binary(at, n)?
                            };
                            content.extend(self.card.command(&c)?);
                        }
                        FileContent::Binary(content)
                    }
                    EfKind::Cyclic { .. } if f.items.is_empty() => FileContent::Log(
                        self.log_records(&profile, &ef, pin_first)?
                            .into_iter()
                            .map(|rec| rec.into_iter().map(|(_, text)| text).collect())
                            .collect(),
                    ),
                    _ => {
                        let mut values = Vec::with_capacity(f.items.len());
                        for it in &f.items {
                            let el = ef.element(it.tag).cloned().ok_or_else(|| {
                                Error::InvalidInput(format!("{}: no tag {:02X}", f.name, it.tag))
                            })?;
                            let occurrence = it.record.unwrap_or(1);
                            if occurrence > el.occurrences {
                                return Err(Error::InvalidInput(format!(
                                    "{}: tag {:02X} has {} records",
                                    f.name, it.tag, el.occurrences
                                )));
                            }
                            let value = self.read_record_of(
                                &profile,
                                &ef,
                                &el,
                                el.record + occurrence - 1,
                                pin_first,
                            )?;
                            values.push(match el.format {
                                ElementFormat::Field(fmt) => ItemValue::Text(decode(fmt, &value)?),
                                ElementFormat::Btlv => {
                                    let items = sscard_apdu::record::parse_records(&value)
                                        .map_err(|e| Error::Malformed {
                                            command: "READ RECORD",
                                            reason: e.to_string(),
                                        })?;
                                    let mut parts = Vec::with_capacity(el.items.len());
                                    for def in &el.items {
                                        let v = items
                                            .iter()
                                            .find(|r| r.tag == def.tag)
                                            .map(|r| r.value.clone())
                                            .unwrap_or_default();
                                        parts.push(decode(def.format, &v)?);
                                    }
                                    ItemValue::Parts(parts)
                                }
                            });
                        }
                        FileContent::Items(values)
                    }
                };
            out.push(content);
        }
        Ok(out)
    }

    /// Writes `values` (one per item of each file of `addr`) to what `addr`
    /// names, each update rule satisfied through the security module.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for malformed data; a protected file (a log)
    /// is refused with `6982` before anything is sent.
    pub fn write_files(&mut self, addr: &FileAddr, values: &[Vec<ItemValue>]) -> Result<()> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        if values.len() != addr.files.len()
            || addr
                .files
                .iter()
                .zip(values)
                .any(|(f, v)| f.items.len() != v.len())
        {
            return Err(Error::InvalidInput(
                "a different number of values than items".into(),
            ));
        }
        // Check everything before sending anything.
        let mut plan = Vec::new();
        for (f, vals) in addr.files.iter().zip(values) {
            let ef = profile
                .ef_by_address(&f.name)
                .cloned()
                .ok_or_else(|| Error::InvalidInput(format!("no file {} on this card", f.name)))?;
            if ef.update == AccessRule::Never
                || !ef.kind.is_record()
                || matches!(ef.kind, EfKind::Cyclic { .. })
            {
                return Err(Error::Card {
                    command: "UPDATE RECORD",
                    sw: StatusWord::SecurityNotSatisfied,
                });
            }
            for (it, v) in f.items.iter().zip(vals) {
                let el = ef.element(it.tag).cloned().ok_or_else(|| {
                    Error::InvalidInput(format!("{}: no tag {:02X}", f.name, it.tag))
                })?;
                let bytes = match el.format {
                    ElementFormat::Field(fmt) => {
                        let value = fmt.encode(&v.text(), el.length).map_err(|e| match e {
                            sscard_apdu::Error::FieldTooLong { .. } => {
                                Error::DataLength(format!("{}: {e}", el.name))
                            }
                            _ => Error::IllegalCharacters(format!("{}: {e}", el.name)),
                        })?;
                        Record::new(el.tag, value)
                            .map_err(|e| Error::DataLength(e.to_string()))?
                            .to_bytes()
                    }
                    ElementFormat::Btlv => {
                        let parts = v.parts();
                        let mut items = Vec::new();
                        for (def, p) in el.items.iter().zip(parts.iter()) {
                            let value = def
                                .format
                                .encode(p, def.length)
                                .map_err(|e| Error::IllegalCharacters(e.to_string()))?;
                            items.push(
                                Record::new(def.tag, value)
                                    .map_err(|e| Error::DataLength(e.to_string()))?,
                            );
                        }
                        BtlvRecord::new(el.tag, items)
                            .map_err(|e| Error::DataLength(e.to_string()))?
                            .to_bytes()
                    }
                };
                let occurrence = it.record.unwrap_or(1);
                if occurrence > el.occurrences {
                    return Err(Error::InvalidInput(format!(
                        "{}: tag {:02X} has {} records",
                        f.name, it.tag, el.occurrences
                    )));
                }
                let number = el.record + occurrence - 1;
                plan.push((ef.clone(), number, bytes, el.personal));
            }
        }
        for (ef, number, bytes, personal) in plan {
            self.select_df(&profile, &ef.df)?;
            self.satisfy(&profile, &ef.update, &ef.df, false)?;
            self.select_ef(ef.fid)?;
            let c = if personal {
                commands::update_holder_record(number, &bytes)?
            } else {
                commands::update_record(number, &bytes)?
            };
            self.card.command(&c)?;
        }
        Ok(())
    }
}
