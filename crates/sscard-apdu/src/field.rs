//! Field encodings of spec 01 §1.3: `cn`, `n`, `an` (ASCII or GBK), `b`;
//! dates `YYYYMMDD`; amounts in fen.
//!
//! ```
//! use sscard_apdu::field::{Format, Date, Amount};
//! assert_eq!(Format::An.encode("张三", 6)?, [0xD5, 0xC5, 0xC8, 0xFD, 0, 0]);
//! assert_eq!(Format::Cn.encode("123", 3)?, [0x12, 0x3F, 0xFF]);
//! assert_eq!(Format::N.encode("123", 3)?, [0x00, 0x01, 0x23]);
//! let d: Date = "20101001".parse()?;
//! assert_eq!(d.to_bcd(), [0x20, 0x10, 0x10, 0x01]);
//! let a: Amount = "12.34".parse()?;
//! assert_eq!((a.fen(), a.to_bytes()), (1234, [0, 0, 0x04, 0xD2]));
//! # Ok::<(), sscard_apdu::Error>(())
//! ```

use core::fmt;
use core::str::FromStr;

use encoding_rs::{EncoderResult, GBK};

use crate::error::{Error, Result};

/// The format of a data element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Compressed numeric: BCD, right-padded with `F`.
    Cn,
    /// Numeric: BCD, left-padded with `0`.
    N,
    /// Text: ASCII or GBK (GB 18030 for characters beyond GBK), right-padded
    /// with `00`; `20` and `FF` padding read too.
    An,
    /// Binary; text form is hex.
    B,
}

impl Format {
    /// The format's name as the specification writes it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Cn => "cn",
            Self::N => "n",
            Self::An => "an",
            Self::B => "b",
        }
    }

    /// Encodes `text` into exactly `len` bytes. The text of `cn` and `n` is
    /// decimal digits, of `an` any text without NUL, of `b` hex.
    ///
    /// # Errors
    /// A character the format does not allow, or a value longer than the field.
    pub fn encode(self, text: &str, len: usize) -> Result<Vec<u8>> {
        match self {
            Self::Cn => cn_encode(text, len),
            Self::N => n_encode(text, len),
            Self::An => an_encode(text, len),
            Self::B => b_encode(text, len),
        }
    }

    /// Decodes a field into its text form (padding removed).
    ///
    /// # Errors
    /// Bytes that are not valid for the format.
    pub fn decode(self, bytes: &[u8]) -> Result<String> {
        match self {
            Self::Cn => cn_decode(bytes),
            Self::N => n_decode(bytes),
            Self::An => an_decode(bytes),
            Self::B => Ok(hex::encode_upper(bytes)),
        }
    }
}

impl FromStr for Format {
    type Err = &'static str;
    fn from_str(s: &str) -> core::result::Result<Self, &'static str> {
        match s {
            "cn" => Ok(Self::Cn),
            "n" => Ok(Self::N),
            "an" => Ok(Self::An),
            "b" => Ok(Self::B),
            _ => Err("unknown format (expected cn, n, an or b)"),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Decimal digits of `text` as nibbles, checked.
fn digits(format: &'static str, text: &str) -> Result<Vec<u8>> {
    text.chars()
        .enumerate()
        .map(|(position, ch)| match ch.to_digit(10) {
            Some(d) if ch.is_ascii_digit() => Ok(d as u8),
            _ => Err(Error::FieldChar {
                format,
                ch,
                position,
            }),
        })
        .collect()
}

fn pack(nibbles: &[u8]) -> Vec<u8> {
    nibbles
        .chunks(2)
        .map(|c| c[0] << 4 | c.get(1).copied().unwrap_or(0xF))
        .collect()
}

fn check_digits_fit(format: &'static str, n: usize, len: usize) -> Result<()> {
    if n > len * 2 {
        return Err(Error::FieldTooLong {
            format,
            len: n,
            unit: "digits",
            max: len * 2,
        });
    }
    Ok(())
}

/// `cn`: BCD digits, right-padded with `F` to `len` bytes.
///
/// # Errors
/// A non-digit, or more than `2 × len` digits.
pub fn cn_encode(text: &str, len: usize) -> Result<Vec<u8>> {
    let mut d = digits("cn", text)?;
    check_digits_fit("cn", d.len(), len)?;
    d.resize(len * 2, 0xF);
    Ok(pack(&d))
}

/// `cn` back to digits; stops at the first `F`, after which only `F` may follow.
///
/// # Errors
/// [`Error::Bcd`] for a nibble `A`–`E`, or a digit after the padding.
pub fn cn_decode(bytes: &[u8]) -> Result<String> {
    let mut out = String::with_capacity(bytes.len() * 2);
    let mut padding = false;
    for (offset, &byte) in bytes.iter().enumerate() {
        for nib in [byte >> 4, byte & 0xF] {
            match (nib, padding) {
                (0xF, _) => padding = true,
                (0..=9, false) => out.push(char::from(b'0' + nib)),
                _ => {
                    return Err(Error::Bcd {
                        format: "cn",
                        byte,
                        offset,
                    })
                }
            }
        }
    }
    Ok(out)
}

/// `n`: BCD digits, left-padded with `0` to `len` bytes.
///
/// # Errors
/// A non-digit, or more than `2 × len` digits.
pub fn n_encode(text: &str, len: usize) -> Result<Vec<u8>> {
    let d = digits("n", text)?;
    check_digits_fit("n", d.len(), len)?;
    let mut all = vec![0u8; len * 2 - d.len()];
    all.extend(d);
    Ok(pack(&all))
}

/// `n` from a number.
///
/// # Errors
/// More digits than the field holds.
pub fn n_encode_u64(value: u64, len: usize) -> Result<Vec<u8>> {
    n_encode(&value.to_string(), len)
}

/// `n` back to digits, leading zeros kept.
///
/// # Errors
/// [`Error::Bcd`] for a nibble above 9.
pub fn n_decode(bytes: &[u8]) -> Result<String> {
    let mut out = String::with_capacity(bytes.len() * 2);
    for (offset, &byte) in bytes.iter().enumerate() {
        for nib in [byte >> 4, byte & 0xF] {
            if nib > 9 {
                return Err(Error::Bcd {
                    format: "n",
                    byte,
                    offset,
                });
            }
            out.push(char::from(b'0' + nib));
        }
    }
    Ok(out)
}

/// `n` back to a number.
///
/// # Errors
/// Bad BCD, or a value above `u64::MAX`.
pub fn n_decode_u64(bytes: &[u8]) -> Result<u64> {
    let s = n_decode(bytes)?;
    s.bytes()
        .try_fold(0u64, |acc, d| {
            acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
        .ok_or(Error::FieldTooLong {
            format: "n",
            len: s.trim_start_matches('0').len(),
            unit: "digits",
            max: 20,
        })
}

/// Encodes `text` as GBK (ASCII stays ASCII). Never substitutes: a
/// character outside GBK, such as `𠮷`, is an error naming it.
///
/// # Errors
/// [`Error::NotGbk`], or [`Error::FieldChar`] for a NUL (it would read as padding).
pub fn gbk_encode(text: &str) -> Result<Vec<u8>> {
    if let Some(position) = text.chars().position(|c| c == '\0') {
        return Err(Error::FieldChar {
            format: "an",
            ch: '\0',
            position,
        });
    }
    let mut encoder = GBK.new_encoder();
    let cap = encoder
        .max_buffer_length_from_utf8_without_replacement(text.len())
        .unwrap_or(text.len() * 4);
    let mut out = vec![0u8; cap];
    let (result, read, written) =
        encoder.encode_from_utf8_without_replacement(text, &mut out, true);
    match result {
        EncoderResult::InputEmpty => {
            out.truncate(written);
            Ok(out)
        }
        EncoderResult::Unmappable(ch) => Err(Error::NotGbk {
            ch,
            code: u32::from(ch),
            position: text
                .get(..read)
                .map_or(0, |s| s.chars().count().saturating_sub(1)),
        }),
        // The buffer was sized for the worst case; report rather than panic.
        EncoderResult::OutputFull => Err(Error::FieldTooLong {
            format: "an",
            len: text.len(),
            unit: "bytes",
            max: cap,
        }),
    }
}

/// Encodes `text` as GB 18030: GBK's bytes for every character GBK has
/// (ASCII stays ASCII), four-byte sequences for the others (`𠮷` is
/// `95 34 B2 35`), so that every name can be written (01 §1.2).
///
/// # Errors
/// [`Error::FieldChar`] for a NUL (it would read as padding).
pub fn gb18030_encode(text: &str) -> Result<Vec<u8>> {
    if let Some(position) = text.chars().position(|c| c == '\0') {
        return Err(Error::FieldChar {
            format: "an",
            ch: '\0',
            position,
        });
    }
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    if unmappable {
        // GB 18030 maps every Unicode scalar value; report rather than store
        // a substitute if that ever changes.
        return Err(Error::BadGbk);
    }
    Ok(bytes.into_owned())
}

/// `an`: GBK text (GB 18030 for characters beyond GBK) right-padded with
/// `00` to `len` bytes.
///
/// # Errors
/// As [`gb18030_encode`], or text longer than `len` bytes once encoded.
pub fn an_encode(text: &str, len: usize) -> Result<Vec<u8>> {
    let mut out = gb18030_encode(text)?;
    if out.len() > len {
        return Err(Error::FieldTooLong {
            format: "an",
            len: out.len(),
            unit: "bytes",
            max: len,
        });
    }
    out.resize(len, 0);
    Ok(out)
}

/// `an` back to text: trailing padding removed (`00`, `20` or `FF`, as
/// cards in the field pad; none of them ends a GBK character), GB 18030
/// decoded (GBK and the four-byte sequences) without substitution.
///
/// # Errors
/// [`Error::BadGbk`] for bytes that are not GB 18030.
pub fn an_decode(bytes: &[u8]) -> Result<String> {
    let end = bytes
        .iter()
        .rposition(|b| !matches!(b, 0x00 | 0x20 | 0xFF))
        .map_or(0, |i| i + 1);
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(&bytes[..end])
        .map(|c| c.into_owned())
        .ok_or(Error::BadGbk)
}

/// `b` from hex text, right-padded with `00` to `len` bytes.
///
/// # Errors
/// Bad hex, or more than `len` bytes.
pub fn b_encode(text: &str, len: usize) -> Result<Vec<u8>> {
    let mut out = crate::hexfmt::parse(text)?;
    if out.len() > len {
        return Err(Error::FieldTooLong {
            format: "b",
            len: out.len(),
            unit: "bytes",
            max: len,
        });
    }
    out.resize(len, 0);
    Ok(out)
}

/// A calendar date, `YYYYMMDD` on the card (4 bytes BCD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A checked date.
    ///
    /// # Errors
    /// [`Error::Date`] for a month or day that does not exist.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self> {
        let text = format!("{year:04}{month:02}{day:02}");
        if year > 9999 {
            return Err(Error::Date {
                text,
                reason: "year above 9999",
            });
        }
        if !(1..=12).contains(&month) {
            return Err(Error::Date {
                text,
                reason: "month outside 01..12",
            });
        }
        let leap =
            year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if day == 0 || day > days {
            return Err(Error::Date {
                text,
                reason: "day does not exist in that month",
            });
        }
        Ok(Self { year, month, day })
    }

    /// Year.
    pub fn year(self) -> u16 {
        self.year
    }
    /// Month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }
    /// Day of the month.
    pub fn day(self) -> u8 {
        self.day
    }

    /// The 4 BCD bytes `YYYYMMDD`.
    pub fn to_bcd(self) -> [u8; 4] {
        let b = |v: u16| (((v / 10 % 10) << 4) | (v % 10)) as u8;
        [
            b(self.year / 100),
            b(self.year % 100),
            b(u16::from(self.month)),
            b(u16::from(self.day)),
        ]
    }

    /// Reads 4 BCD bytes `YYYYMMDD`.
    ///
    /// # Errors
    /// Bad BCD, or not a calendar date.
    pub fn from_bcd(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 4 {
            return Err(Error::Date {
                text: hex::encode_upper(bytes),
                reason: "a date is 4 bytes",
            });
        }
        n_decode(bytes)?.parse()
    }
}

impl FromStr for Date {
    type Err = Error;
    /// `YYYYMMDD`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = |reason| Error::Date {
            text: s.to_owned(),
            reason,
        };
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("expected 8 digits YYYYMMDD"));
        }
        let num = |r: core::ops::Range<usize>| {
            s[r].bytes().fold(0u16, |a, d| a * 10 + u16::from(d - b'0'))
        };
        Date::new(num(0..4), num(4..6) as u8, num(6..8) as u8)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}{:02}{:02}", self.year, self.month, self.day)
    }
}

/// An amount in fen (0.01 yuan), 4 bytes unsigned big-endian on the card;
/// at most 42949672.95 yuan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(u32);

impl Amount {
    /// An amount of `fen`.
    pub const fn from_fen(fen: u32) -> Self {
        Self(fen)
    }
    /// The amount in fen.
    pub const fn fen(self) -> u32 {
        self.0
    }
    /// The 4 bytes sent to the card.
    pub const fn to_bytes(self) -> [u8; 4] {
        self.0.to_be_bytes()
    }
    /// From the card's 4 bytes.
    pub const fn from_bytes(b: [u8; 4]) -> Self {
        Self(u32::from_be_bytes(b))
    }
}

impl FromStr for Amount {
    type Err = Error;
    /// A decimal in yuan with at most two places: `12`, `12.3`, `12.34`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = |reason| Error::Amount {
            text: s.to_owned(),
            reason,
        };
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) {
            return Err(bad("expected digits with an optional '.' and two places"));
        }
        if frac.len() > 2 || (s.contains('.') && frac.is_empty()) {
            return Err(bad("at most two decimal places"));
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > 8 {
            return Err(bad("above 42949672.95"));
        }
        let yuan = whole
            .bytes()
            .fold(0u64, |a, d| a * 10 + u64::from(d - b'0'));
        let cents = format!("{frac:0<2}")
            .bytes()
            .fold(0u64, |a, d| a * 10 + u64::from(d - b'0'));
        u32::try_from(yuan * 100 + cents)
            .map(Amount)
            .map_err(|_| bad("above 42949672.95"))
    }
}

impl fmt::Display for Amount {
    /// `12.34`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
#[path = "field_tests.rs"]
mod tests;
