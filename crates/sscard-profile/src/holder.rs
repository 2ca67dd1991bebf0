//! Cardholder records: what personalisation writes about a person and
//! their card. Checked on load: the social security number's GB 11643
//! check digit and birth date, names in GBK or, beyond it, GB 18030 (`𠮷`
//! is four bytes), calendar dates, the card identification code.
//!
//! The checks work on plain fields ([`HolderRecord`]) so that a TOML
//! fixture and a CSV row go through the same code.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sscard_apdu::field::{self, Date};

use crate::error::{Error, Lines, Result};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// The ISO 7064 MOD 11-2 check character of the first 17 digits of a
/// citizen ID number (GB 11643); `None` if they are not 17 digits.
pub fn ssn_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(char::from(CHECK[(sum % 11) as usize]))
}

/// Checks a social security number: 17 digits, check character, a real
/// birth date in positions 7–14.
///
/// # Errors
/// A message saying what is wrong.
pub fn check_ssn(ssn: &str) -> core::result::Result<Date, String> {
    if ssn.len() != 18 || !ssn.is_ascii() {
        return Err(format!(
            "social security number must be 18 characters, got {}",
            ssn.chars().count()
        ));
    }
    let (body, last) = ssn.split_at(17);
    let expected = ssn_check_char(body).ok_or("the first 17 characters must be digits")?;
    let got = last.chars().next().map(|c| c.to_ascii_uppercase());
    if got != Some(expected) {
        return Err(format!(
            "check digit is {last}, expected {expected} (GB 11643)"
        ));
    }
    body[6..14]
        .parse::<Date>()
        .map_err(|e| format!("birth date in the number: {e}"))
}

/// A cardholder's fields as text, before checking.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HolderRecord {
    /// Social security number.
    pub ssn: String,
    /// Name.
    pub name: String,
    /// `1` male, `2` female.
    pub sex: String,
    /// GB 3304 code, two digits.
    pub ethnicity: String,
    /// Birthplace, 6-digit administrative code.
    pub birthplace: String,
    /// `YYYYMMDD`.
    pub birth_date: String,
    /// Cardholder PIN; the profile's default when absent.
    #[serde(default)]
    pub pin: Option<String>,
    /// Primary account number of the financial application.
    #[serde(default)]
    pub pan: Option<String>,
    /// The card.
    pub card: CardRecord,
    /// Other `holder.*` values the profile's elements name.
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
}

/// The card's own fields as text.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CardRecord {
    /// Card identification code, 32 hex digits.
    pub id: String,
    /// Card number, e.g. `X00000019`.
    pub number: String,
    /// `YYYYMMDD`.
    pub issue_date: String,
    /// `YYYYMMDD`.
    pub expiry_date: String,
    /// Initialising organisation number (up to 24 digits).
    pub init_org: String,
}

/// A field that failed its check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Field name (`ssn`, `name`, `card.id`).
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

/// A checked cardholder.
#[derive(Clone)]
pub struct Holder {
    record: HolderRecord,
    card_id: [u8; 16],
}

impl core::fmt::Debug for Holder {
    /// Personal data masked.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Holder {{ ssn: {}, name: {}, card: {} }}",
            mask(&self.record.ssn),
            mask(&self.record.name),
            self.record.card.number
        )
    }
}

/// Masks a personal value for logs: first and last characters kept for long
/// values (`110***********002X`), all masked for short ones (`张*`).
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n if n < 8 => format!("{}{}", chars[0], "*".repeat(n - 1)),
        n => format!(
            "{}{}{}",
            chars[..3].iter().collect::<String>(),
            "*".repeat(n - 6),
            chars[n - 3..].iter().collect::<String>()
        ),
    }
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

impl Holder {
    /// Checks a record.
    ///
    /// # Errors
    /// The first field that fails, with the reason.
    pub fn check(record: HolderRecord) -> core::result::Result<Self, FieldError> {
        let bad = |field, message: String| FieldError { field, message };
        let born = check_ssn(&record.ssn).map_err(|m| bad("ssn", m))?;
        let birth: Date = record
            .birth_date
            .parse()
            .map_err(|e: sscard_apdu::Error| bad("birth_date", e.to_string()))?;
        if birth != born {
            return Err(bad(
                "birth_date",
                format!(
                    "{birth} differs from the birth date in the social security number ({born})"
                ),
            ));
        }
        if record.name.trim().is_empty() {
            return Err(bad("name", "name is empty".into()));
        }
        let gbk = field::gb18030_encode(&record.name).map_err(|e| bad("name", e.to_string()))?;
        if gbk.len() > 50 {
            return Err(bad(
                "name",
                format!(
                    "name is {} bytes in GB 18030; name and extension hold 50",
                    gbk.len()
                ),
            ));
        }
        if !matches!(record.sex.as_str(), "1" | "2" | "0" | "9") {
            return Err(bad(
                "sex",
                format!(
                    "sex {:?} is not a GB/T 2261.1 code (1 male, 2 female)",
                    record.sex
                ),
            ));
        }
        if !digits(&record.ethnicity, 2) {
            return Err(bad(
                "ethnicity",
                "ethnicity is a 2-digit GB 3304 code".into(),
            ));
        }
        if !digits(&record.birthplace, 6) {
            return Err(bad(
                "birthplace",
                "birthplace is a 6-digit administrative code".into(),
            ));
        }
        if let Some(pin) = &record.pin {
            if !(4..=16).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("pin", "PIN is 4 to 16 digits".into()));
            }
        }
        if let Some(pan) = &record.pan {
            if !(13..=19).contains(&pan.len()) || !pan.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("pan", "PAN is 13 to 19 digits".into()));
            }
        }
        let c = &record.card;
        let card_id: [u8; 16] = hex::decode(&c.id)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                bad(
                    "card.id",
                    "card identification code is 32 hex digits".into(),
                )
            })?;
        if card_id[3..8] != [0xD1, 0x56, 0x00, 0x00, 0x05] {
            return Err(bad(
                "card.id",
                "bytes 4–8 of the card identification code must be D156000005".into(),
            ));
        }
        if !card_id[..3].iter().all(|b| b >> 4 < 10 && b & 0xF < 10) {
            return Err(bad(
                "card.id",
                "the issuing area code (first 3 bytes) must be 6 BCD digits".into(),
            ));
        }
        if c.number.len() != 9 || !c.number.is_ascii() {
            return Err(bad(
                "card.number",
                "card number is 9 ASCII characters".into(),
            ));
        }
        let issue: Date = c
            .issue_date
            .parse()
            .map_err(|e: sscard_apdu::Error| bad("card.issue_date", e.to_string()))?;
        let expiry: Date = c
            .expiry_date
            .parse()
            .map_err(|e: sscard_apdu::Error| bad("card.expiry_date", e.to_string()))?;
        if expiry <= issue {
            return Err(bad(
                "card.expiry_date",
                "expiry date must be after the issue date".into(),
            ));
        }
        if c.init_org.is_empty()
            || c.init_org.len() > 24
            || !c.init_org.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad(
                "card.init_org",
                "initialising organisation number is 1 to 24 digits".into(),
            ));
        }
        for (k, v) in &record.extra {
            if let Err(e) = field::gb18030_encode(v) {
                return Err(bad("extra", format!("{k}: {e}")));
            }
        }
        Ok(Self { record, card_id })
    }

    /// Loads and checks a holder file (TOML with the fields of [`HolderRecord`]).
    ///
    /// # Errors
    /// [`Error::Syntax`], or [`Error::Invalid`] naming the line and field.
    pub fn load_file(path: impl AsRef<Path>) -> Result<Self> {
        let (file, src) = crate::error::read_source(path.as_ref())?;
        Self::load_str(&file, &src)
    }

    /// Loads and checks holder text; `file` names it in messages.
    ///
    /// # Errors
    /// As [`Holder::load_file`].
    pub fn load_str(file: &str, src: &str) -> Result<Self> {
        let l = Lines::new(file, src);
        let record: HolderRecord = toml::from_str(src).map_err(|e| l.syntax(&e))?;
        Self::check(record).map_err(|e| {
            let key = e.field.rsplit('.').next().unwrap_or(e.field);
            let line = line_of_key(src, key);
            Error::Invalid {
                file: file.to_owned(),
                line,
                element: e.field.to_owned(),
                message: e.message,
            }
        })
    }

    /// The checked record.
    pub fn record(&self) -> &HolderRecord {
        &self.record
    }

    /// The 16-byte card identification code.
    pub fn card_id(&self) -> [u8; 16] {
        self.card_id
    }

    /// The issuing area code: the first 6 digits of the card identification code.
    pub fn area_code(&self) -> String {
        hex::encode_upper(&self.card_id[..3])
    }

    /// The name split over tag 09 (30 bytes) and tag 4E (20 bytes) in GBK,
    /// at a character boundary.
    pub fn name_parts(&self) -> (String, String) {
        let mut first = String::new();
        let mut used = 0;
        let mut rest = String::new();
        for c in self.record.name.chars() {
            let n = field::gb18030_encode(c.encode_utf8(&mut [0; 4])).map_or(4, |b| b.len());
            if rest.is_empty() && used + n <= 30 {
                first.push(c);
                used += n;
            } else {
                rest.push(c);
            }
        }
        (first, rest)
    }

    /// The value a profile element's `source` names (`holder.ssn`,
    /// `card.number`, `holder.residence_address` from `extra`, …).
    pub fn value(&self, source: &str) -> Option<String> {
        let r = &self.record;
        let (first, rest) = self.name_parts();
        Some(match source {
            "holder.ssn" => r.ssn.clone(),
            "holder.name" => first,
            "holder.name_ext" => rest,
            "holder.sex" => r.sex.clone(),
            "holder.ethnicity" => r.ethnicity.clone(),
            "holder.birthplace" => r.birthplace.clone(),
            "holder.birth_date" => r.birth_date.clone(),
            "holder.pan" => r.pan.clone()?,
            "card.id" => r.card.id.to_ascii_uppercase(),
            "card.number" => r.card.number.clone(),
            "card.issue_date" => r.card.issue_date.clone(),
            "card.expiry_date" => r.card.expiry_date.clone(),
            "card.init_org" => r.card.init_org.clone(),
            other => r.extra.get(other.strip_prefix("holder.")?)?.clone(),
        })
    }
}

/// Whether a 6-digit issuing area code starts with a province code
/// [design: 11–65, 71, 81, 82].
pub fn is_province_area(area: &str) -> bool {
    area.len() == 6
        && area.bytes().all(|b| b.is_ascii_digit())
        && area
            .get(..2)
            .and_then(|p| p.parse::<u8>().ok())
            .is_some_and(|p| (11..=65).contains(&p) || matches!(p, 71 | 81 | 82))
}

/// The 1-based line where `key = …` first appears (1 if not found).
fn line_of_key(src: &str, key: &str) -> usize {
    src.lines()
        .position(|l| {
            let t = l.trim_start();
            t.strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits() {
        assert_eq!(ssn_check_char("11010519491231002"), Some('X'));
        assert_eq!(ssn_check_char("63990019810101111"), Some('4'));
        assert!(check_ssn("11010519491231002X").is_ok());
        assert!(check_ssn("11010519491231002x").is_ok());
        assert!(check_ssn("110105194912310021").is_err());
        assert!(check_ssn("110105194913310028").is_err());
        assert!(check_ssn("1101051949123100").is_err());
    }

    #[test]
    fn masks() {
        assert_eq!(mask("11010519491231002X"), "110************02X");
        assert_eq!(mask("张三"), "张*");
        assert_eq!(mask("19491231"), "194**231");
    }
}
