//! Checks of the EFs, their data elements and fields.

use std::collections::{BTreeMap, BTreeSet};

use super::{parent_of, Checker};
use crate::error::Result;
use crate::model::*;
use crate::raw::{self, S};

impl Checker<'_> {
    pub(super) fn ef(
        &self,
        e: &raw::Ef,
        dfs: &[Df],
        done: &[Ef],
        keys: &[Key],
        pins: &[Pin],
        names: &mut BTreeSet<String>,
    ) -> Result<Ef> {
        let path = e.path.get_ref().clone();
        let df = parent_of(&path).to_owned();
        let short = {
            let mut parts: Vec<&str> = path.rsplit('/').take(2).collect();
            parts.reverse();
            parts.join("/")
        };
        if !dfs.iter().any(|d| d.path == df) {
            return Err(self.bad(&e.path, &short, format!("parent DF {df:?} is not defined")));
        }
        if done.iter().any(|x| x.path == path) {
            return Err(self.bad(&e.path, &short, "duplicate EF path"));
        }
        let fid = self.hex_u16(&e.fid, &short, "FID")?;
        if done.iter().any(|x| x.df == df && x.fid == fid)
            || dfs
                .iter()
                .any(|d| d.fid == Some(fid) && parent_of(&d.path) == df)
        {
            return Err(self.bad(
                &e.fid,
                &short,
                format!("duplicate FID {fid:04X} under {df}"),
            ));
        }
        let sfi = match &e.sfi {
            Some(s) if !(1..=30).contains(s.get_ref()) => {
                return Err(self.bad(s, &short, "SFI must be 1 to 30"))
            }
            Some(s) => Some(*s.get_ref()),
            None => None,
        };
        let need = |v: &Option<S<usize>>, what: &str| -> Result<usize> {
            match v {
                Some(s) if *s.get_ref() > 0 => Ok(*s.get_ref()),
                Some(s) => Err(self.bad(s, &short, format!("{what} must be positive"))),
                None => Err(self.bad(
                    &e.kind,
                    &short,
                    format!("kind {:?} needs {what}", e.kind.get_ref()),
                )),
            }
        };
        let kind = match e.kind.get_ref().as_str() {
            "variable" => EfKind::Variable,
            "fixed" => EfKind::Fixed {
                record_length: need(&e.record_length, "record_length")?,
            },
            "cyclic" => EfKind::Cyclic {
                records: match &e.records {
                    Some(r) if *r.get_ref() > 0 => *r.get_ref(),
                    Some(r) => return Err(self.bad(r, &short, "records must be positive")),
                    None => return Err(self.bad(&e.kind, &short, "kind \"cyclic\" needs records")),
                },
                record_length: need(&e.record_length, "record_length")?,
            },
            "transparent" => EfKind::Transparent {
                size: need(&e.size, "size")?,
            },
            "purse" => EfKind::Purse,
            "private_key" => EfKind::PrivateKey,
            other => {
                return Err(self.bad(
                    &e.kind,
                    &short,
                    format!("unknown file kind {other:?} (variable, fixed, cyclic, transparent, purse, private_key)"),
                ))
            }
        };
        let read = self.rule(&e.read, &path, &short, keys, pins)?;
        let update = self.rule(&e.update, &path, &short, keys, pins)?;
        if !kind.is_record() && !e.element.is_empty() {
            return Err(self.bad(&e.kind, &short, "only record files hold elements"));
        }
        let mut elements: Vec<Element> = Vec::with_capacity(e.element.len());
        let mut used_records = BTreeMap::new();
        for el in &e.element {
            let element = self.element(el, &short, kind, &mut used_records)?;
            if elements.iter().any(|x| x.tag == element.tag) {
                return Err(self.bad(
                    &el.tag,
                    format!("{short} tag {:02X}", element.tag),
                    "duplicate tag in this file",
                ));
            }
            if !names.insert(element.name.clone()) {
                return Err(self.bad(
                    &el.name,
                    format!("{short} tag {:02X}", element.tag),
                    format!("element name {:?} is already used", element.name),
                ));
            }
            elements.push(element);
        }
        let fields = self.fields(e, &short, kind)?;
        let purse = if kind == EfKind::Purse {
            let k = |s: &Option<S<String>>, what: &str| -> Result<String> {
                let s = s
                    .as_ref()
                    .ok_or_else(|| self.bad(&e.kind, &short, format!("a purse needs {what}")))?;
                if !keys.iter().any(|x| &x.name == s.get_ref()) {
                    return Err(self.bad(
                        s,
                        &short,
                        format!("{what} {:?} is not in the key table", s.get_ref()),
                    ));
                }
                Ok(s.get_ref().clone())
            };
            Some(PurseKeys {
                debit: k(&e.debit_key, "debit_key")?,
                tac: k(&e.tac_key, "tac_key")?,
                load: match &e.load_key {
                    Some(_) => Some(k(&e.load_key, "load_key")?),
                    None => None,
                },
                initial_balance: e.initial_balance.unwrap_or(0),
            })
        } else {
            None
        };
        Ok(Ef {
            path,
            df,
            fid,
            sfi,
            kind,
            read,
            update,
            label: e.label.clone(),
            personal: e.personal,
            elements,
            fields,
            purse,
        })
    }

    fn element(
        &self,
        el: &raw::Element,
        short: &str,
        kind: EfKind,
        used: &mut BTreeMap<u8, String>,
    ) -> Result<Element> {
        let tag = self.hex_u8(&el.tag, short, "tag")?;
        let at = format!("{short} tag {tag:02X}");
        if matches!(tag, 0x00 | 0xFF) {
            return Err(self.bad(&el.tag, &at, "00 and FF are padding, not tags"));
        }
        let record = match &el.record {
            Some(r) if *r.get_ref() == 0 || *r.get_ref() == 0xFF => {
                return Err(self.bad(r, &at, "record numbers run from 1 to 254"))
            }
            Some(r) => *r.get_ref(),
            None => {
                return Err(self.bad(&el.tag, &at, "a record file element needs a record number"))
            }
        };
        let occurrences = el.occurrences.as_ref().map_or(1, |o| *o.get_ref());
        if occurrences == 0 {
            return Err(self.bad(&el.tag, &at, "occurrences must be at least 1"));
        }
        for n in record..record.saturating_add(occurrences) {
            if let Some(other) = used.insert(n, at.clone()) {
                let span = el
                    .record
                    .as_ref()
                    .map_or_else(|| el.tag.span(), |r| r.span());
                return Err(self.l.invalid(
                    span,
                    &at,
                    format!("record {n} is already used by {other}"),
                ));
            }
        }
        let (format, length, items) = if el.format.get_ref() == "btlv" {
            if el.item.is_empty() {
                return Err(self.bad(&el.format, &at, "a btlv element needs items"));
            }
            let mut items: Vec<Item> = Vec::new();
            for it in &el.item {
                let t = self.hex_u8(&it.tag, &at, "item tag")?;
                if items.iter().any(|x| x.tag == t) {
                    return Err(self.bad(&it.tag, &at, format!("duplicate item tag {t:02X}")));
                }
                items.push(Item {
                    tag: t,
                    name: it.name.get_ref().clone(),
                    length: *it.length.get_ref(),
                    format: self.format(&it.format, &at)?,
                });
            }
            let len = items.iter().map(|i| i.length + 2).sum();
            (ElementFormat::Btlv, len, items)
        } else {
            let f = self.format(&el.format, &at)?;
            let len = match &el.length {
                Some(l) if *l.get_ref() > 0 => *l.get_ref(),
                Some(l) => return Err(self.bad(l, &at, "length must be positive")),
                None => return Err(self.bad(&el.format, &at, "length is required")),
            };
            (ElementFormat::Field(f), len, Vec::new())
        };
        let span = el
            .length
            .as_ref()
            .map_or_else(|| el.format.span(), |l| l.span());
        if length > 0xFF {
            return Err(self.l.invalid(
                span,
                &at,
                format!("length {length} does not fit a one-byte record length"),
            ));
        }
        if let EfKind::Fixed { record_length } | EfKind::Cyclic { record_length, .. } = kind {
            if length + 2 > record_length {
                return Err(self.l.invalid(
                    span,
                    &at,
                    format!("length {length} does not fit a {record_length}-byte record"),
                ));
            }
        }
        Ok(Element {
            tag,
            record,
            name: el.name.get_ref().clone(),
            label: el.label.clone(),
            length,
            format,
            personal: el.personal,
            source: el.source.clone(),
            occurrences,
            items,
        })
    }

    fn fields(&self, e: &raw::Ef, short: &str, kind: EfKind) -> Result<Vec<Field>> {
        let mut fields = Vec::with_capacity(e.field.len());
        let mut offset = 0;
        for f in &e.field {
            let format = match f.format.get_ref().as_str() {
                "amount" => FieldFormat::Amount,
                _ => FieldFormat::Plain(self.format(&f.format, short)?),
            };
            let length = *f.length.get_ref();
            fields.push(Field {
                name: f.name.get_ref().clone(),
                offset,
                length,
                format,
            });
            offset += length;
        }
        if let (EfKind::Cyclic { record_length, .. }, Some(first)) = (kind, e.field.first()) {
            if offset != record_length {
                return Err(self.bad(
                    &first.name,
                    short,
                    format!("fields add up to {offset} bytes, the record is {record_length}"),
                ));
            }
        }
        Ok(fields)
    }
}
