//! The loader: TOML → checked [`Profile`]. Every check reports the file,
//! the line and the element at fault.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use sscard_apdu::dol::Dol;
use sscard_apdu::field::Format;

use crate::error::{Error, Lines, Result};
use crate::model::*;
use crate::raw::{self, S};

/// The profile format this loader reads.
pub const FORMAT: u32 = 1;

/// The parent DF path of a DF or EF path (`MF` for top-level ones; empty for `MF`).
pub fn parent_of(path: &str) -> &str {
    match path {
        "MF" => "",
        p => p.rsplit_once('/').map_or("MF", |(parent, _)| parent),
    }
}

/// Loads and checks a profile file.
///
/// # Errors
/// [`Error::Io`], [`Error::Syntax`] or [`Error::Invalid`], naming the file
/// and line.
pub fn load_file(path: impl AsRef<Path>) -> Result<Profile> {
    let (file, src) = crate::error::read_source(path.as_ref())?;
    load_str(&file, &src)
}

/// Loads and checks a profile from text; `file` names it in messages.
///
/// # Errors
/// [`Error::Syntax`] or [`Error::Invalid`].
pub fn load_str(file: &str, src: &str) -> Result<Profile> {
    let lines = Lines::new(file, src);
    let raw: raw::Profile = toml::from_str(src).map_err(|e| lines.syntax(&e))?;
    let mut profile = Checker { l: &lines }.profile(raw)?;
    profile.source = std::sync::Arc::from(src);
    profile.digest = hex::encode_upper(sscard_crypto::digest::sm3(src.as_bytes()));
    Ok(profile)
}

struct Checker<'a> {
    l: &'a Lines<'a>,
}

fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    hex::decode(compact).ok()
}

impl Checker<'_> {
    fn bad<T>(&self, span: &S<T>, element: impl Into<String>, message: impl Into<String>) -> Error {
        self.l.invalid(span.span(), element, message)
    }

    fn hex_n(&self, s: &S<String>, n: usize, element: &str, what: &str) -> Result<Vec<u8>> {
        match hex_bytes(s.get_ref()) {
            Some(b) if b.len() == n => Ok(b),
            _ => Err(self.bad(
                s,
                element,
                format!("{what} {:?} is not {n} byte(s) of hex", s.get_ref()),
            )),
        }
    }

    fn hex_u8(&self, s: &S<String>, element: &str, what: &str) -> Result<u8> {
        Ok(self.hex_n(s, 1, element, what)?[0])
    }

    fn hex_u16(&self, s: &S<String>, element: &str, what: &str) -> Result<u16> {
        let b = self.hex_n(s, 2, element, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn format(&self, s: &S<String>, element: &str) -> Result<Format> {
        s.get_ref().parse::<Format>().map_err(|_| {
            self.bad(
                s,
                element,
                format!("unknown format {:?} (expected cn, n, an or b)", s.get_ref()),
            )
        })
    }

    fn profile(&self, raw: raw::Profile) -> Result<Profile> {
        if *raw.format.get_ref() != FORMAT {
            return Err(self.bad(
                &raw.format,
                "",
                format!(
                    "profile format {} is not supported (this loader reads format {FORMAT})",
                    raw.format.get_ref()
                ),
            ));
        }
        let card = self.card(&raw.card)?;
        let dfs = self.dfs(&raw.df)?;
        let keys = self.keys(&raw.key, card.kind)?;
        let pins = self.pins(&raw.pin, &dfs, &keys)?;
        let mut names = BTreeSet::new();
        let mut efs = Vec::with_capacity(raw.ef.len());
        for ef in &raw.ef {
            efs.push(self.ef(ef, &dfs, &efs, &keys, &pins, &mut names)?);
        }
        let payment = match &raw.payment {
            Some(p) => Some(self.payment(p, &dfs, &keys, card.algorithm)?),
            None => None,
        };
        let psam = match &raw.psam {
            Some(p) => Some(self.psam(p)?),
            None => None,
        };
        if card.kind == CardKind::Psam && psam.is_none() {
            return Err(self.bad(
                &raw.card.kind,
                "card",
                "a PSAM profile needs a [psam] table",
            ));
        }
        Ok(Profile {
            file: self.l.file.to_owned(),
            card,
            pins,
            keys,
            dfs,
            efs,
            payment,
            psam,
            source: std::sync::Arc::from(""),
            digest: String::new(),
        })
    }

    fn card(&self, c: &raw::Card) -> Result<Card> {
        let kind = match c.kind.get_ref().as_str() {
            "user" => CardKind::User,
            "psam" => CardKind::Psam,
            other => {
                return Err(self.bad(
                    &c.kind,
                    "card",
                    format!("unknown card kind {other:?} (expected user or psam)"),
                ))
            }
        };
        let algorithm = match c.algorithm.get_ref().as_str() {
            "sm4" => Algorithm::Sm4,
            "des" => Algorithm::Des,
            "ssf33" => Algorithm::Ssf33,
            other => {
                return Err(self.bad(
                    &c.algorithm,
                    "card",
                    format!("unknown algorithm {other:?} (expected sm4, des or ssf33)"),
                ))
            }
        };
        let historical_bytes = match hex_bytes(c.historical_bytes.get_ref()) {
            Some(b) if b.len() <= 15 => b,
            _ => {
                return Err(self.bad(
                    &c.historical_bytes,
                    "card",
                    "historical bytes must be at most 15 bytes of hex",
                ))
            }
        };
        if let Some(v) = &c.spec_version {
            if v.get_ref().len() != 4 || !v.get_ref().is_ascii() {
                return Err(self.bad(
                    v,
                    "card",
                    "spec_version is 4 ASCII characters, e.g. \"3.00\"",
                ));
            }
        }
        Ok(Card {
            name: c.name.clone(),
            kind,
            spec_version: c.spec_version.as_ref().map(|s| s.get_ref().clone()),
            card_type: c.card_type.as_ref().map(|s| s.get_ref().clone()),
            algorithm,
            historical_bytes,
        })
    }

    fn dfs(&self, raw: &[raw::Df]) -> Result<Vec<Df>> {
        let mut out: Vec<Df> = Vec::with_capacity(raw.len());
        for d in raw {
            let path = d.path.get_ref().clone();
            if out.iter().any(|x| x.path == path) {
                return Err(self.bad(&d.path, &path, "duplicate DF path"));
            }
            let parent = parent_of(&path);
            if !parent.is_empty() && parent != "MF" && !out.iter().any(|x| x.path == parent) {
                return Err(self.bad(
                    &d.path,
                    &path,
                    format!("parent DF {parent:?} is not defined before it"),
                ));
            }
            let fid = match &d.fid {
                Some(f) => Some(self.hex_u16(f, &path, "FID")?),
                None => None,
            };
            if let (Some(f), Some(fid)) = (&d.fid, fid) {
                if out
                    .iter()
                    .any(|x| x.fid == Some(fid) && parent_of(&x.path) == parent)
                {
                    return Err(self.bad(
                        f,
                        &path,
                        format!("duplicate FID {fid:04X} under {parent}"),
                    ));
                }
            }
            let name = match &d.name {
                Some(n) => match hex_bytes(n.get_ref()) {
                    Some(b) if (5..=16).contains(&b.len()) => Some(b),
                    _ => {
                        return Err(self.bad(
                            n,
                            &path,
                            format!(
                                "bad AID {:?}: a DF name is 5 to 16 bytes of hex",
                                n.get_ref()
                            ),
                        ))
                    }
                },
                None => None,
            };
            if fid.is_none() && name.is_none() {
                return Err(self.bad(&d.path, &path, "a DF needs a fid, a name, or both"));
            }
            if let Some(name) = &name {
                if let Some(other) = out.iter().find(|x| x.name.as_ref() == Some(name)) {
                    return Err(self.bad(
                        &d.path,
                        &path,
                        format!("DF name already used by {}", other.path),
                    ));
                }
            }
            out.push(Df {
                path,
                fid,
                name,
                label: d.label.clone(),
                algorithm_template: d.algorithm_template,
                directory_sfi: d.directory_sfi.as_ref().map(|s| *s.get_ref()),
            });
        }
        Ok(out)
    }

    fn keys(&self, raw: &[raw::Key], kind: CardKind) -> Result<Vec<Key>> {
        let mut out: Vec<Key> = Vec::with_capacity(raw.len());
        for k in raw {
            let name = k.name.get_ref().clone();
            let element = format!("key {name}");
            if out.iter().any(|x| x.name == name) {
                return Err(self.bad(&k.name, &element, "duplicate key name"));
            }
            let id = match &k.id {
                Some(s) => Some(self.hex_u8(s, &element, "key identifier")?),
                None if kind == CardKind::User => {
                    return Err(self.bad(&k.name, &element, "a user card key needs an id"))
                }
                None => None,
            };
            if let (Some(s), Some(id)) = (&k.id, id) {
                if let Some(other) = out.iter().find(|x| x.id == Some(id)) {
                    return Err(self.bad(
                        s,
                        &element,
                        format!("identifier {id:02X} already used by {}", other.name),
                    ));
                }
            }
            let address = self.hex_u16(&k.address, &element, "PSAM address")?;
            // Rows may sit next to each other (PUK 0090, BK 0091 [public]),
            // so only an identical address is a conflict.
            if let Some(other) = out.iter().find(|x| x.address == address) {
                return Err(self.bad(
                    &k.address,
                    &element,
                    format!("address {address:04X} is already used by {}", other.name),
                ));
            }
            let level = match k.level.get_ref().as_str() {
                "ministry" => KeyLevel::Ministry,
                "province" => KeyLevel::Province,
                "city" => KeyLevel::City,
                "issuer" => KeyLevel::Issuer,
                other => {
                    return Err(self.bad(
                        &k.level,
                        &element,
                        format!("unknown key level {other:?} (ministry, province, city, issuer)"),
                    ))
                }
            };
            out.push(Key {
                name,
                id,
                address,
                level,
                usage: k.usage.clone(),
            });
        }
        Ok(out)
    }

    fn pins(&self, raw: &[raw::Pin], dfs: &[Df], keys: &[Key]) -> Result<Vec<Pin>> {
        let mut out: Vec<Pin> = Vec::with_capacity(raw.len());
        for p in raw {
            let name = p.name.get_ref().clone();
            let element = format!("pin {name}");
            if out.iter().any(|x| x.name == name) {
                return Err(self.bad(&p.name, &element, "duplicate PIN name"));
            }
            let scope = p.scope.get_ref().clone();
            if !dfs.iter().any(|d| d.path == scope) {
                return Err(self.bad(
                    &p.scope,
                    &element,
                    format!("scope {scope:?} is not a DF of this profile"),
                ));
            }
            let reference = self.hex_u8(&p.reference, &element, "reference")?;
            let (min, max, tries) = (
                *p.min_length.get_ref(),
                *p.max_length.get_ref(),
                *p.tries.get_ref(),
            );
            if !(4..=16).contains(&min) || !(min..=16).contains(&max) {
                return Err(self.bad(
                    &p.min_length,
                    &element,
                    "PIN lengths must satisfy 4 ≤ min ≤ max ≤ 16",
                ));
            }
            if !(1..=15).contains(&tries) {
                return Err(self.bad(
                    &p.tries,
                    &element,
                    "tries must be 1 to 15 (63Cx has one digit)",
                ));
            }
            if let Some(d) = &p.default {
                let v = d.get_ref();
                if !v.bytes().all(|b| b.is_ascii_digit())
                    || v.len() < usize::from(min)
                    || v.len() > usize::from(max)
                {
                    return Err(self.bad(
                        d,
                        &element,
                        format!("default PIN must be {min} to {max} digits"),
                    ));
                }
            }
            if let Some(k) = &p.unblock_key {
                if !keys.iter().any(|x| &x.name == k.get_ref()) {
                    return Err(self.bad(
                        k,
                        &element,
                        format!("unblock key {:?} is not in the key table", k.get_ref()),
                    ));
                }
            }
            out.push(Pin {
                name,
                scope,
                reference,
                min_length: min,
                max_length: max,
                tries,
                default: p.default.as_ref().map(|d| d.get_ref().clone()),
                unblock_key: p.unblock_key.as_ref().map(|k| k.get_ref().clone()),
            });
        }
        Ok(out)
    }

    fn rule(
        &self,
        s: &S<String>,
        ef_path: &str,
        element: &str,
        keys: &[Key],
        pins: &[Pin],
    ) -> Result<AccessRule> {
        let text = s.get_ref().trim();
        let key = |name: &str| -> Result<String> {
            let k = keys.iter().find(|k| k.name == name).ok_or_else(|| {
                self.bad(
                    s,
                    element,
                    format!("access rule names key {name:?}, which is not in the key table"),
                )
            })?;
            if k.id.is_none() {
                return Err(self.bad(
                    s,
                    element,
                    format!("key {name} has no identifier for EXTERNAL AUTHENTICATE"),
                ));
            }
            Ok(name.to_owned())
        };
        let enclosing_pin = || -> Result<String> {
            pins.iter()
                .filter(|p| ef_path.starts_with(&format!("{}/", p.scope)) || p.scope == "MF")
                .max_by_key(|p| p.scope.len())
                .map(|p| p.name.clone())
                .ok_or_else(|| {
                    self.bad(
                        s,
                        element,
                        "rule needs a PIN, but no PIN's scope holds this file",
                    )
                })
        };
        let named_pin = |name: &str| -> Result<String> {
            pins.iter()
                .find(|p| p.name == name)
                .map(|p| p.name.clone())
                .ok_or_else(|| {
                    self.bad(
                        s,
                        element,
                        format!("access rule names PIN {name:?}, which is not defined"),
                    )
                })
        };
        Ok(match text {
            "free" => AccessRule::Free,
            "never" => AccessRule::Never,
            "pin" => AccessRule::Pin(enclosing_pin()?),
            t => {
                if let Some(n) = t.strip_prefix("pin:") {
                    AccessRule::Pin(named_pin(n)?)
                } else if let Some(k) = t.strip_prefix("pin+key:") {
                    AccessRule::PinAndKey(enclosing_pin()?, key(k)?)
                } else if let Some(k) = t.strip_prefix("pin|key:") {
                    AccessRule::PinOrKey(enclosing_pin()?, key(k)?)
                } else if let Some(k) = t.strip_prefix("key:") {
                    AccessRule::Key(key(k)?)
                } else {
                    return Err(self.bad(
                        s,
                        element,
                        format!("unknown access rule {t:?} (free, never, pin, pin:NAME, key:NAME, pin+key:NAME, pin|key:NAME)"),
                    ));
                }
            }
        })
    }

    fn ef(
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

    fn payment(
        &self,
        p: &raw::Payment,
        dfs: &[Df],
        keys: &[Key],
        alg: Algorithm,
    ) -> Result<Payment> {
        let at = "payment";
        let application = p.application.get_ref().clone();
        if !dfs
            .iter()
            .any(|d| d.path == application && d.name.is_some())
        {
            return Err(self.bad(
                &p.application,
                at,
                format!("application {application:?} is not a DF with a name"),
            ));
        }
        let pdol_bytes =
            hex_bytes(p.pdol.get_ref()).ok_or_else(|| self.bad(&p.pdol, at, "PDOL is not hex"))?;
        let pdol =
            Dol::parse(&pdol_bytes).map_err(|e| self.bad(&p.pdol, at, format!("PDOL: {e}")))?;
        if alg == Algorithm::Sm4 && !pdol.contains(0xDF69) {
            return Err(self.bad(
                &p.pdol,
                at,
                "an SM card's PDOL must ask for DF69 (SM algorithm support)",
            ));
        }
        let aip = self.hex_n(&p.aip, 2, at, "AIP")?;
        let ca_index = self.hex_u8(&p.ca_index, at, "CA index")?;
        let rid = self.hex_n(&p.rid, 5, at, "RID")?;
        let country = self.hex_n(&p.country, 2, at, "country code")?;
        let currency = self.hex_n(&p.currency, 2, at, "currency code")?;
        for k in [&p.ac_key, &p.mac_key] {
            if !keys.iter().any(|x| &x.name == k.get_ref()) {
                return Err(self.bad(
                    k,
                    at,
                    format!("key {:?} is not in the key table", k.get_ref()),
                ));
            }
        }
        let mut afl = Vec::new();
        for a in &p.afl {
            let (sfi, first, last, signed) = (
                *a.sfi.get_ref(),
                *a.first.get_ref(),
                *a.last.get_ref(),
                *a.signed.get_ref(),
            );
            if !(1..=30).contains(&sfi) {
                return Err(self.bad(&a.sfi, at, "AFL SFI must be 1 to 30"));
            }
            if first == 0 || first > last {
                return Err(self.bad(&a.first, at, "AFL needs 1 ≤ first ≤ last"));
            }
            if u16::from(signed) > u16::from(last - first) + 1 {
                return Err(self.bad(&a.signed, at, "AFL signs more records than it lists"));
            }
            afl.push(AflEntry {
                sfi,
                first,
                last,
                signed,
            });
        }
        let mut records: Vec<PayRecord> = Vec::new();
        for r in &p.record {
            let (sfi, number) = (*r.sfi.get_ref(), *r.number.get_ref());
            if records.iter().any(|x| x.sfi == sfi && x.number == number) {
                return Err(self.bad(
                    &r.number,
                    at,
                    format!("record {number} of SFI {sfi} defined twice"),
                ));
            }
            if !afl
                .iter()
                .any(|a| a.sfi == sfi && (a.first..=a.last).contains(&number))
            {
                return Err(self.bad(
                    &r.number,
                    at,
                    format!("record {number} of SFI {sfi} is not in the AFL"),
                ));
            }
            let mut tags = Vec::new();
            for t in &r.tags {
                let b = hex_bytes(t.get_ref())
                    .filter(|b| !b.is_empty() && b.len() <= 3)
                    .ok_or_else(|| self.bad(t, at, "tag is not 1 to 3 bytes of hex"))?;
                let n = b.iter().fold(0u32, |acc, x| (acc << 8) | u32::from(*x));
                sscard_apdu::tlv::Tag::new(n).map_err(|e| self.bad(t, at, e.to_string()))?;
                tags.push(n);
            }
            records.push(PayRecord { sfi, number, tags });
        }
        let mut tags = Vec::new();
        for t in &p.tag {
            let b = hex_bytes(t.tag.get_ref())
                .filter(|b| !b.is_empty() && b.len() <= 3)
                .ok_or_else(|| self.bad(&t.tag, at, "tag is not 1 to 3 bytes of hex"))?;
            tags.push(PayTag {
                tag: b.iter().fold(0u32, |acc, x| (acc << 8) | u32::from(*x)),
                name: t.name.get_ref().clone(),
                format: self.format(&t.format, at)?,
                length: t.length,
                personal: t.personal,
            });
        }
        let e = &p.ecash;
        if !(1..=30).contains(e.log_sfi.get_ref()) {
            return Err(self.bad(&e.log_sfi, at, "log SFI must be 1 to 30"));
        }
        Ok(Payment {
            application,
            label: p.label.clone(),
            priority: p.priority,
            pdol,
            aip: [aip[0], aip[1]],
            ca_index,
            rid,
            country: [country[0], country[1]],
            currency: [currency[0], currency[1]],
            ac_key: p.ac_key.get_ref().clone(),
            mac_key: p.mac_key.get_ref().clone(),
            gpo_sends_cid: p.gpo_sends_cid,
            afl,
            records,
            ecash: Ecash {
                balance: e.balance,
                balance_limit: e.balance_limit,
                single_limit: e.single_limit,
                reset_threshold: e.reset_threshold,
                log_sfi: *e.log_sfi.get_ref(),
                log_records: e.log_records,
            },
            tags,
        })
    }

    fn psam(&self, p: &raw::Psam) -> Result<Psam> {
        let key_df = self.hex_u16(&p.key_df, "psam", "key DF FID")?;
        let tn = self.hex_n(&p.terminal_number, 6, "psam", "terminal number")?;
        if !tn.iter().all(|b| b >> 4 < 10 && b & 0xF < 10) {
            return Err(self.bad(
                &p.terminal_number,
                "psam",
                "terminal number is 12 BCD digits",
            ));
        }
        let sfi = *p.terminal_number_sfi.get_ref();
        if !(1..=30).contains(&sfi) {
            return Err(self.bad(&p.terminal_number_sfi, "psam", "SFI must be 1 to 30"));
        }
        let mut terminal_number = [0u8; 6];
        terminal_number.copy_from_slice(&tn);
        Ok(Psam {
            key_df,
            terminal_number_sfi: sfi,
            terminal_number,
        })
    }
}
