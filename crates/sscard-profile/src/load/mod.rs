//! The loader: TOML → checked [`Profile`]. Every check reports the file,
//! the line and the element at fault.

use std::collections::BTreeSet;
use std::path::Path;

use sscard_apdu::field::Format;

use crate::error::{Error, Lines, Result};
use crate::model::*;
use crate::raw::{self, S};

mod access;
mod files;
mod payment;
mod roles;

/// The profile format this loader reads.
pub const FORMAT: u32 = 1;

pub use crate::model::parent_of;

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
        for d in &raw.df {
            if let Some(k) = &d.maintenance_key {
                if !keys.iter().any(|x| &x.name == k.get_ref()) {
                    return Err(self.bad(
                        k,
                        d.path.get_ref().as_str(),
                        format!("maintenance key {} is not in the key table", k.get_ref()),
                    ));
                }
            }
        }
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
            Some(p) => Some(self.psam(p, &keys)?),
            None => None,
        };
        if card.kind == CardKind::Psam && psam.is_none() {
            return Err(self.bad(
                &raw.card.kind,
                "card",
                "a PSAM profile needs a [psam] table",
            ));
        }
        let mut profile = Profile {
            file: self.l.file.to_owned(),
            card,
            pins,
            keys,
            dfs,
            efs,
            payment,
            psam,
            variant: self.variant(raw.variant.as_ref())?,
            roles: Roles::default(),
            source: std::sync::Arc::from(""),
            digest: String::new(),
        };
        profile.roles = self.roles(raw.roles.as_ref(), &profile)?;
        Ok(profile)
    }

    fn variant(&self, v: Option<&raw::Variant>) -> Result<Variant> {
        let Some(v) = v else {
            return Ok(Variant::default());
        };
        let pick =
            |s: &Option<S<String>>, what: &str, allowed: &[&str]| -> Result<Option<String>> {
                match s {
                    Some(x) if !allowed.contains(&x.get_ref().as_str()) => Err(self.bad(
                        x,
                        "variant",
                        format!("{what} {:?} (one of {})", x.get_ref(), allowed.join(", ")),
                    )),
                    Some(x) => Ok(Some(x.get_ref().clone())),
                    None => Ok(None),
                }
            };
        let order = pick(&v.record_order, "record_order", &["profile", "reversed"])?;
        let padding = pick(&v.text_padding, "text_padding", &["00", "20", "FF"])?;
        let transport = pick(&v.transport, "transport", &["T=1", "T=0"])?;
        let lengths = pick(&v.record_lengths, "record_lengths", &["minimal", "long"])?;
        Ok(Variant {
            records_reversed: order.as_deref() == Some("reversed"),
            text_padding: match padding.as_deref() {
                Some("20") => 0x20,
                Some("FF") => 0xFF,
                _ => 0x00,
            },
            t0: transport.as_deref() == Some("T=0"),
            long_lengths: lengths.as_deref() == Some("long"),
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
                maintenance_key: d.maintenance_key.as_ref().map(|k| k.get_ref().clone()),
            });
        }
        Ok(out)
    }
}
