//! Checks of the key table, the PINs and the access rules.

use super::Checker;
use crate::error::Result;
use crate::model::*;
use crate::raw::{self, S};

impl Checker<'_> {
    pub(super) fn keys(&self, raw: &[raw::Key], kind: CardKind) -> Result<Vec<Key>> {
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
            let version = match &k.version {
                Some(v) if !(1..=3).contains(v.get_ref()) => {
                    return Err(self.bad(v, &element, "key version must be 1, 2 or 3"))
                }
                Some(v) => *v.get_ref(),
                None => 1,
            };
            let scheme = match k.algorithm.as_ref().map(|a| (a, a.get_ref().as_str())) {
                None => None,
                Some((_, "sm4")) => Some(sscard_crypto::Scheme::Sm4),
                Some((_, "des")) => Some(sscard_crypto::Scheme::TripleDes),
                Some((a, other)) => {
                    return Err(self.bad(
                        a,
                        &element,
                        format!("algorithm {other:?} (expected sm4 or des)"),
                    ))
                }
            };
            out.push(Key {
                name,
                id,
                address,
                level,
                usage: k.usage.clone(),
                version,
                scheme,
            });
        }
        Ok(out)
    }

    pub(super) fn pins(&self, raw: &[raw::Pin], dfs: &[Df], keys: &[Key]) -> Result<Vec<Pin>> {
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

    pub(super) fn rule(
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
}
