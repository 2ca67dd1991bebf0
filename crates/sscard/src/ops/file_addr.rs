//! Reading and writing by the `pFileAddr` grammar of spec 05 §5.3:
//!
//! ```text
//! address = file+            each file ends with '$'
//! file    = name '|' item*   name = application FID + EF FID (SSSEEF05, DF01EF06)
//! item    = tag [':' record] '|'
//! ```
//!
//! The output mirrors the input with values in place of tags. A cyclic file
//! named alone reads every record (items `^`-terminated, records
//! `|`-terminated); a transparent file returns its content in hex.

use sscard_apdu::field::Format;
use sscard_apdu::record::{BtlvRecord, Record};
use sscard_apdu::StatusWord;
use sscard_profile::{AccessRule, EfKind, ElementFormat};

use super::Terminal;
use crate::error::{Error, Result};
use crate::pin::PinPad;
use crate::security::SecurityModule;
use crate::transport::Transport;
use sscard_apdu::commands::{self, BinaryAt};

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

/// A parsed `pFileAddr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAddr {
    /// Files in order.
    pub files: Vec<FileReq>,
}

fn bad(text: &str, why: &str) -> Error {
    Error::InvalidInput(format!("pFileAddr {text:?}: {why}"))
}

impl FileAddr {
    /// Parses `pFileAddr`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming what is wrong.
    pub fn parse(text: &str) -> Result<Self> {
        if text.is_empty() {
            return Err(bad(text, "empty"));
        }
        if text.len() > 4096 {
            return Err(bad("…", "longer than 4096 characters"));
        }
        let Some(body) = text.strip_suffix('$') else {
            return Err(bad(text, "each file must end with '$'"));
        };
        let mut files = Vec::new();
        for part in body.split('$') {
            let mut fields: Vec<&str> = part.split('|').collect();
            // "NAME|37|40:2|" splits into NAME, 37, 40:2, "".
            if fields.last() != Some(&"") || fields.len() < 2 {
                return Err(bad(
                    text,
                    "a file name and each item must be followed by '|'",
                ));
            }
            fields.pop();
            let name = fields[0];
            if name.len() != 8
                || !name.is_ascii()
                || !name.chars().all(|c| c.is_ascii_alphanumeric())
            {
                return Err(bad(
                    text,
                    &format!("file name {name:?} is not application FID + EF FID (e.g. DF01EF06)"),
                ));
            }
            let mut items = Vec::new();
            for it in &fields[1..] {
                let (tag, rec) = match it.split_once(':') {
                    Some((t, r)) => (t, Some(r)),
                    None => (*it, None),
                };
                let tag = u8::from_str_radix(tag, 16)
                    .ok()
                    .filter(|_| tag.len() == 2)
                    .ok_or_else(|| bad(text, &format!("item {it:?}: tag is two hex digits")))?;
                let record = match rec {
                    Some(r) => Some(r.parse::<u8>().ok().filter(|n| *n > 0).ok_or_else(|| {
                        bad(
                            text,
                            &format!("item {it:?}: record is a decimal number from 1"),
                        )
                    })?),
                    None => None,
                };
                items.push(Item { tag, record });
            }
            files.push(FileReq {
                name: name.to_ascii_uppercase(),
                items,
            });
        }
        Ok(Self { files })
    }
}

/// Values to write, in the same shape: `DF01EF0A|CHN|$`.
fn parse_values(text: &str, addr: &FileAddr) -> Result<Vec<Vec<String>>> {
    let err = |why: &str| Error::InvalidInput(format!("pWriteData: {why}"));
    let body = text
        .strip_suffix('$')
        .ok_or_else(|| err("must end with '$'"))?;
    let parts: Vec<&str> = body.split('$').collect();
    if parts.len() != addr.files.len() {
        return Err(err("a different number of files than pFileAddr"));
    }
    let mut out = Vec::new();
    for (part, file) in parts.iter().zip(&addr.files) {
        let mut fields: Vec<&str> = part.split('|').collect();
        if fields.last() != Some(&"") {
            return Err(err("each value must be followed by '|'"));
        }
        fields.pop();
        if fields.first().map(|n| n.to_ascii_uppercase()) != Some(file.name.clone()) {
            return Err(err("file names differ from pFileAddr"));
        }
        let values: Vec<String> = fields[1..].iter().map(|s| (*s).to_owned()).collect();
        if values.len() != file.items.len() {
            return Err(err("a different number of values than items"));
        }
        out.push(values);
    }
    Ok(out)
}

fn decode(format: Format, v: &[u8]) -> Result<String> {
    format.decode(v).map_err(|e| Error::Malformed {
        command: "READ RECORD",
        reason: e.to_string(),
    })
}

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// Reads what `addr` names. `auth_type` chooses for "PIN or key" files:
    /// 1 PIN, 2 key.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for unknown files or tags; card and access errors.
    pub fn read_file_addr(&mut self, addr: &FileAddr, auth_type: i32) -> Result<String> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        let mut out = String::new();
        for f in &addr.files {
            let ef = profile
                .ef_by_address(&f.name)
                .cloned()
                .ok_or_else(|| Error::InvalidInput(format!("no file {} on this card", f.name)))?;
            out.push_str(&f.name);
            out.push('|');
            match ef.kind {
                EfKind::Transparent { size } => {
                    if !f.items.is_empty() {
                        return Err(Error::InvalidInput(format!(
                            "{} is a binary file: no items",
                            f.name
                        )));
                    }
                    self.select_df(&profile, &ef.df)?;
                    self.satisfy(&profile, &ef.read, &ef.df, auth_type != 2)?;
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
                    out.push_str(&hex::encode_upper(content));
                    out.push('|');
                }
                EfKind::Cyclic { .. } if f.items.is_empty() => {
                    for rec in self.log_records(&profile, &ef, auth_type != 2)? {
                        for (_, text) in rec {
                            out.push_str(&text);
                            out.push('^');
                        }
                        out.push('|');
                    }
                }
                _ => {
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
                            auth_type != 2,
                        )?;
                        match el.format {
                            ElementFormat::Field(fmt) => out.push_str(&decode(fmt, &value)?),
                            ElementFormat::Btlv => {
                                let items =
                                    sscard_apdu::record::parse_records(&value).map_err(|e| {
                                        Error::Malformed {
                                            command: "READ RECORD",
                                            reason: e.to_string(),
                                        }
                                    })?;
                                for def in &el.items {
                                    let v = items
                                        .iter()
                                        .find(|r| r.tag == def.tag)
                                        .map(|r| r.value.clone())
                                        .unwrap_or_default();
                                    out.push_str(&decode(def.format, &v)?);
                                    out.push('^');
                                }
                            }
                        }
                        out.push('|');
                    }
                }
            }
            out.push('$');
        }
        Ok(out)
    }

    /// Writes `values` (the `pWriteData` shape) to what `addr` names, each
    /// update rule satisfied through the security module.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for malformed data; a protected file (a log)
    /// is refused with `6982` before anything is sent.
    pub fn write_file_addr(&mut self, addr: &FileAddr, values: &str) -> Result<()> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        let values = parse_values(values, addr)?;
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
                        let value = fmt.encode(&v, el.length).map_err(|e| match e {
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
                        let parts: Vec<&str> = v.split('^').collect();
                        let mut items = Vec::new();
                        for (def, p) in el.items.iter().zip(parts) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        let a = FileAddr::parse("DF01EF0A|37|$DF01EF15|2A|40:2|$")
            .unwrap_or_else(|_| FileAddr { files: vec![] });
        assert_eq!(a.files.len(), 2);
        assert_eq!(
            a.files[1].items[1],
            Item {
                tag: 0x40,
                record: Some(2)
            }
        );
        assert_eq!(
            FileAddr::parse("DF04EF07|$")
                .map(|a| a.files[0].items.len())
                .ok(),
            Some(0)
        );
        for bad in [
            "",
            "DF01EF0A|37|",
            "DF01EF0A|37$",
            "DF01EF0A|3|$",
            "DF01EF0A|37:0|$",
            "DF01EF0A|37:x|$",
            "DF01|37|$",
            "DF01EF0A37|$",
            "$",
            "DF01EF0A|GG|$",
            "DF01EF0Ä|37|$",
        ] {
            assert!(
                matches!(FileAddr::parse(bad), Err(Error::InvalidInput(_))),
                "{bad:?}"
            );
        }
        assert!(FileAddr::parse(&"A".repeat(10_000)).is_err());
    }
}
