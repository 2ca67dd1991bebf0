//! Data object lists (PDOL, CDOL, DDOL): a list of tag and length pairs that
//! tells the terminal which data to send and how long each item is
//! (EMV Book 3 §5.4).
//!
//! ```
//! use std::collections::BTreeMap;
//! use sscard_apdu::dol::Dol;
//! // Amount (n 6) and SM support indicator DF69 (b 1).
//! let pdol = Dol::parse(&[0x9F, 0x02, 0x06, 0xDF, 0x69, 0x01])?;
//! let mut terminal = BTreeMap::new();
//! terminal.insert(0x9F02, vec![0x12, 0x34]);   // too short: n pads on the left
//! terminal.insert(0xDF69, vec![0x01]);
//! assert_eq!(pdol.build(&terminal), [0, 0, 0, 0, 0x12, 0x34, 0x01]);
//! # Ok::<(), sscard_apdu::Error>(())
//! ```

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::tlv::{read_tag, Tag};

/// How a data object is padded or cut to its DOL length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DolFormat {
    /// `n`: padded with leading zeros, cut on the left.
    Numeric,
    /// `cn`: padded with trailing `F`s, cut on the right.
    CompressedNumeric,
    /// `an`, `ans`, `b`: padded with trailing zeros, cut on the right.
    Other,
}

/// The format of the EMV and PBOC terminal data objects that DOLs ask for.
/// Unknown tags are [`DolFormat::Other`].
pub fn emv_format(tag: u32) -> DolFormat {
    match tag {
        // Amounts, currency and country codes, dates, times, counters.
        0x9F02 | 0x9F03 | 0x5F2A | 0x5F36 | 0x9A | 0x9C | 0x9F1A | 0x9F21 | 0x9F41 | 0x9F35
        | 0x9F15 | 0x5F24 | 0x5F25 | 0x9F01 | 0x9F3C | 0x9F3D => DolFormat::Numeric,
        0x5A | 0x9F20 => DolFormat::CompressedNumeric,
        _ => DolFormat::Other,
    }
}

/// One DOL entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DolEntry {
    /// The data object asked for.
    pub tag: Tag,
    /// How many bytes of it.
    pub len: usize,
}

/// A data object list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dol {
    entries: Vec<DolEntry>,
}

impl Dol {
    /// A DOL from entries.
    pub fn new(entries: Vec<DolEntry>) -> Self {
        Self { entries }
    }

    /// Parses the value of a DOL tag (`9F38`, `8C`, …): BER tags, each with a
    /// one-byte length.
    ///
    /// # Errors
    /// [`Error::TlvTag`] / [`Error::TlvTruncated`] for a bad or cut tag,
    /// [`Error::Dol`] for a missing length.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut entries = Vec::new();
        let mut pos = 0;
        while pos < bytes.len() {
            let (tag, used) = read_tag(bytes, pos, 0)?;
            let len = *bytes.get(pos + used).ok_or(Error::Dol {
                offset: pos,
                reason: "tag without a length",
            })?;
            if len == 0 {
                return Err(Error::Dol {
                    offset: pos,
                    reason: "entry of length 0",
                });
            }
            entries.push(DolEntry {
                tag,
                len: usize::from(len),
            });
            pos += used + 1;
        }
        Ok(Self { entries })
    }

    /// The encoded DOL.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for e in &self.entries {
            out.extend_from_slice(&e.tag.to_bytes());
            // Entries built with `new` may hold any usize; DOL lengths are one byte.
            out.push(e.len.min(0xFF) as u8);
        }
        out
    }

    /// The entries.
    pub fn entries(&self) -> &[DolEntry] {
        &self.entries
    }

    /// Total length of the data the DOL asks for.
    pub fn data_len(&self) -> usize {
        self.entries.iter().map(|e| e.len).sum()
    }

    /// `true` when the DOL asks for `tag` (e.g. `DF69` on an SM card).
    pub fn contains(&self, tag: u32) -> bool {
        self.entries.iter().any(|e| e.tag.number() == tag)
    }

    /// The data for this DOL from `values`, with EMV formats ([`emv_format`]).
    pub fn build(&self, values: &BTreeMap<u32, Vec<u8>>) -> Vec<u8> {
        self.build_with(values, emv_format)
    }

    /// The data for this DOL: each entry's value, padded or cut to its length
    /// by its format; a missing or constructed object gives zeros.
    pub fn build_with(
        &self,
        values: &BTreeMap<u32, Vec<u8>>,
        format: impl Fn(u32) -> DolFormat,
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data_len());
        for e in &self.entries {
            let n = e.tag.number();
            match values.get(&n) {
                Some(v) if !e.tag.is_constructed() => fit(v, e.len, format(n), &mut out),
                _ => out.resize(out.len() + e.len, 0),
            }
        }
        out
    }

    /// Splits DOL data into its items (the card's side of GPO).
    ///
    /// # Errors
    /// [`Error::Dol`] when `data` is not exactly [`Dol::data_len`] bytes.
    pub fn split<'a>(&self, data: &'a [u8]) -> Result<Vec<(Tag, &'a [u8])>> {
        if data.len() != self.data_len() {
            return Err(Error::Dol {
                offset: data.len().min(self.data_len()),
                reason: "data length differs from the DOL's total",
            });
        }
        let mut out = Vec::with_capacity(self.entries.len());
        let mut pos = 0;
        for e in &self.entries {
            out.push((e.tag, &data[pos..pos + e.len]));
            pos += e.len;
        }
        Ok(out)
    }
}

/// Appends `v` padded or cut to `len` bytes by `format`.
fn fit(v: &[u8], len: usize, format: DolFormat, out: &mut Vec<u8>) {
    use core::cmp::Ordering::*;
    match (v.len().cmp(&len), format) {
        (Equal, _) => out.extend_from_slice(v),
        (Greater, DolFormat::Numeric) => out.extend_from_slice(&v[v.len() - len..]),
        (Greater, _) => out.extend_from_slice(&v[..len]),
        (Less, DolFormat::Numeric) => {
            out.resize(out.len() + len - v.len(), 0);
            out.extend_from_slice(v);
        }
        (Less, DolFormat::CompressedNumeric) => {
            out.extend_from_slice(v);
            out.resize(out.len() + len - v.len(), 0xFF);
        }
        (Less, DolFormat::Other) => {
            out.extend_from_slice(v);
            out.resize(out.len() + len - v.len(), 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdol() -> Result<Dol> {
        // The qPBOC PDOL of spec 04 §4.1.
        let hex = "9F66049F02069F03069F1A0295055F2A029A039C019F3704DF6001DF6901";
        Dol::parse(&crate::hexfmt::parse(hex)?)
    }

    #[test]
    fn spec_pdol() -> Result<()> {
        let d = pdol()?;
        assert_eq!(d.entries().len(), 11);
        assert_eq!(d.data_len(), 4 + 6 + 6 + 2 + 5 + 2 + 3 + 1 + 4 + 1 + 1);
        assert!(d.contains(0xDF69));
        assert_eq!(
            d.to_bytes(),
            crate::hexfmt::parse("9F66049F02069F03069F1A0295055F2A029A039C019F3704DF6001DF6901")?
        );
        Ok(())
    }

    #[test]
    fn padding_and_truncation_rules() -> Result<()> {
        let d = Dol::parse(&[
            0x9F, 0x02, 0x03, 0x5A, 0x04, 0x50, 0x03, 0x9F, 0x37, 0x02, 0x70, 0x02,
        ])?;
        let mut v = BTreeMap::new();
        v.insert(0x9F02, vec![0x01, 0x02, 0x03, 0x04]); // n, too long: cut left
        v.insert(0x5A, vec![0x62, 0x22]); // cn, short: F pad right
        v.insert(0x50, b"ABCDE".to_vec()); // an, too long: cut right
        v.insert(0x70, vec![1, 2]); // constructed: zeros
                                    // 9F37 missing: zeros
        assert_eq!(
            d.build(&v),
            [0x02, 0x03, 0x04, 0x62, 0x22, 0xFF, 0xFF, b'A', b'B', b'C', 0, 0, 0, 0]
        );
        Ok(())
    }

    #[test]
    fn split_checks_length() -> Result<()> {
        let d = Dol::parse(&[0x9F, 0x37, 0x04, 0xDF, 0x69, 0x01])?;
        let items = d.split(&[1, 2, 3, 4, 1])?;
        assert_eq!(items[1].1, &[1]);
        assert!(d.split(&[1, 2]).is_err());
        assert!(matches!(
            Dol::parse(&[0x9F, 0x37]),
            Err(Error::Dol { offset: 0, .. })
        ));
        assert!(Dol::parse(&[0x9F]).is_err());
        Ok(())
    }
}
