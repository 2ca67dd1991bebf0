//! The `pFileAddr` and `pWriteData` grammar of spec 05 §5.3:
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

use crate::error::{Error, Result};
use crate::ops::files::{FileAddr, FileContent, FileReq, Item, ItemValue, Prefer};
use crate::ops::Terminal;
use crate::pin::PinPad;
use crate::security::SecurityModule;
use crate::transport::Transport;

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
///
/// # Errors
/// [`Error::InvalidInput`] naming what is wrong.
pub fn parse_values(text: &str, addr: &FileAddr) -> Result<Vec<Vec<ItemValue>>> {
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
        let values: Vec<ItemValue> = fields[1..]
            .iter()
            .map(|s| match s.contains('^') {
                true => ItemValue::Parts(s.split('^').map(str::to_owned).collect()),
                false => ItemValue::Text((*s).to_owned()),
            })
            .collect();
        if values.len() != file.items.len() {
            return Err(err("a different number of values than items"));
        }
        out.push(values);
    }
    Ok(out)
}

/// A read's answer in the grammar: `SSSEEF05|…|$DF01EF06|…|$`.
pub fn format_read(addr: &FileAddr, contents: &[FileContent]) -> String {
    let mut out = String::new();
    for (f, content) in addr.files.iter().zip(contents) {
        out.push_str(&f.name);
        out.push('|');
        match content {
            FileContent::Binary(b) => {
                out.push_str(&hex::encode_upper(b));
                out.push('|');
            }
            FileContent::Log(records) => {
                for rec in records {
                    for text in rec {
                        out.push_str(text);
                        out.push('^');
                    }
                    out.push('|');
                }
            }
            FileContent::Items(values) => {
                for v in values {
                    match v {
                        ItemValue::Text(t) => out.push_str(t),
                        ItemValue::Parts(parts) => {
                            for p in parts {
                                out.push_str(p);
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
    out
}

/// `iAuthType`: 2 is external authentication, anything else the PIN.
pub fn prefer(auth_type: i32) -> Prefer {
    if auth_type == 2 {
        Prefer::Key
    } else {
        Prefer::Pin
    }
}

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// [`Terminal::read_files`] in the grammar: `auth_type` is `iAuthType`.
    ///
    /// # Errors
    /// As [`Terminal::read_files`].
    pub fn read_file_addr(&mut self, addr: &FileAddr, auth_type: i32) -> Result<String> {
        let contents = self.read_files(addr, prefer(auth_type))?;
        Ok(format_read(addr, &contents))
    }

    /// [`Terminal::write_files`] with `values` in the `pWriteData` shape.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for malformed data; as [`Terminal::write_files`].
    pub fn write_file_addr(&mut self, addr: &FileAddr, values: &str) -> Result<()> {
        let values = parse_values(values, addr)?;
        self.write_files(addr, &values)
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
