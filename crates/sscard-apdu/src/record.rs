//! Social security records: one tag byte, one length byte, the value
//! (spec 01 §1.2), and B-TLV records, one tag byte holding such records
//! (DF01/EF15 tag `40` with `57`, `58`, `59`).
//!
//! ```
//! use sscard_apdu::record::Record;
//! let r = Record::parse(&[0x37, 0x03, b'C', b'H', b'N'])?;
//! assert_eq!((r.tag, r.value.as_slice()), (0x37, &b"CHN"[..]));
//! assert_eq!(r.to_bytes(), [0x37, 0x03, b'C', b'H', b'N']);
//! # Ok::<(), sscard_apdu::Error>(())
//! ```

use core::fmt;

use crate::error::{Error, Result};

/// One record: tag, length (one byte each), value.
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    /// The tag byte (never `00` or `FF`, which are padding).
    pub tag: u8,
    /// The value, at most 255 bytes.
    pub value: Vec<u8>,
}

impl Record {
    /// A record.
    ///
    /// # Errors
    /// [`Error::RecordTooLong`] above 255 bytes; [`Error::RecordPaddingTag`]
    /// for tag `00` or `FF`.
    pub fn new(tag: u8, value: impl Into<Vec<u8>>) -> Result<Self> {
        let value = value.into();
        if matches!(tag, 0x00 | 0xFF) {
            return Err(Error::RecordPaddingTag { offset: 0, tag });
        }
        if value.len() > 0xFF {
            return Err(Error::RecordTooLong {
                tag,
                len: value.len(),
            });
        }
        Ok(Self { tag, value })
    }

    /// Length of the encoding, `2 + value`.
    pub fn encoded_len(&self) -> usize {
        2 + self.value.len()
    }

    /// Appends `tag len value` to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(self.tag);
        // `new` and `parse` keep the value within 255 bytes; a caller who set
        // a longer value directly gets it cut at 255 rather than a bad length.
        let len = self.value.len().min(0xFF);
        out.push(len as u8);
        out.extend_from_slice(&self.value[..len]);
    }

    /// `tag len value`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out);
        out
    }

    /// Parses one record (a READ RECORD answer). Bytes after it must be
    /// `00`/`FF` padding.
    ///
    /// # Errors
    /// A missing or padding tag, a length that runs past the input, or
    /// non-padding bytes after the record.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let (rec, used) = read(bytes, 0)?;
        if let Some(i) = bytes[used..].iter().position(|b| !matches!(b, 0x00 | 0xFF)) {
            return Err(Error::RecordTrailing {
                offset: used + i,
                tag: rec.tag,
            });
        }
        Ok(rec)
    }
}

/// One record borrowed from the input: no copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordView<'a> {
    /// The tag byte.
    pub tag: u8,
    /// The value.
    pub value: &'a [u8],
    /// Where the record starts in the input.
    pub offset: usize,
}

impl RecordView<'_> {
    /// An owned copy.
    pub fn to_record(&self) -> Record {
        Record {
            tag: self.tag,
            value: self.value.to_vec(),
        }
    }
}

/// Reads the record at `bytes[pos..]`; returns it and the bytes used.
fn read(bytes: &[u8], pos: usize) -> Result<(Record, usize)> {
    read_view(bytes, pos).map(|(v, used)| (v.to_record(), used))
}

/// Reads the record at `bytes[pos..]` as a view; returns it and the bytes used.
#[inline]
fn read_view(bytes: &[u8], pos: usize) -> Result<(RecordView<'_>, usize)> {
    if let (Some(&tag), Some(&len)) = (bytes.get(pos), bytes.get(pos + 1)) {
        let start = pos + 2;
        let length = usize::from(len);
        if !matches!(tag, 0x00 | 0xFF) {
            if let Some(value) = bytes.get(start..start + length) {
                return Ok((
                    RecordView {
                        tag,
                        value,
                        offset: pos,
                    },
                    2 + length,
                ));
            }
        }
    }
    Err(read_error(bytes, pos))
}

/// Why the record at `bytes[pos..]` cannot be read (off the fast path).
#[cold]
fn read_error(bytes: &[u8], pos: usize) -> Error {
    let tag = match bytes.get(pos) {
        None => {
            return Error::RecordTruncated {
                offset: pos,
                tag: 0,
                length: 2,
                available: 0,
            }
        }
        Some(&t) if matches!(t, 0x00 | 0xFF) => {
            return Error::RecordPaddingTag {
                offset: pos,
                tag: t,
            }
        }
        Some(&t) => t,
    };
    match bytes.get(pos + 1) {
        None => Error::RecordTruncated {
            offset: pos,
            tag,
            length: 1,
            available: 0,
        },
        Some(&l) => Error::RecordTruncated {
            offset: pos,
            tag,
            length: usize::from(l),
            available: bytes.len().saturating_sub(pos + 2),
        },
    }
}

/// The records of a run of records, borrowed, padding skipped; after an
/// error it ends.
#[derive(Debug, Clone)]
pub struct RecordViews<'a> {
    bytes: &'a [u8],
    pos: usize,
    failed: bool,
}

/// The records of `bytes` (a record file's content, a B-TLV value) as views.
pub fn record_views(bytes: &[u8]) -> RecordViews<'_> {
    RecordViews {
        bytes,
        pos: 0,
        failed: false,
    }
}

impl<'a> Iterator for RecordViews<'a> {
    type Item = Result<RecordView<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        while let Some(b) = self.bytes.get(self.pos) {
            if !matches!(b, 0x00 | 0xFF) {
                let r = read_view(self.bytes, self.pos);
                return Some(match r {
                    Ok((v, used)) => {
                        self.pos += used;
                        Ok(v)
                    }
                    Err(e) => {
                        self.failed = true;
                        Err(e)
                    }
                });
            }
            self.pos += 1;
        }
        None
    }
}

/// Parses a run of records (a record file's content, a B-TLV value),
/// skipping `00`/`FF` padding between them.
///
/// # Errors
/// A record whose length runs past the input.
pub fn parse_records(bytes: &[u8]) -> Result<Vec<Record>> {
    record_views(bytes)
        .map(|v| v.map(|v| v.to_record()))
        .collect()
}

/// Encodes records one after the other.
pub fn encode_records(records: &[Record]) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.iter().map(Record::encoded_len).sum());
    records.iter().for_each(|r| r.encode_into(&mut out));
    out
}

/// The first record with `tag`.
pub fn find(records: &[Record], tag: u8) -> Option<&Record> {
    records.iter().find(|r| r.tag == tag)
}

/// A B-TLV record: one tag byte holding records (DF01/EF15 `40`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BtlvRecord {
    /// The outer tag.
    pub tag: u8,
    /// The records inside.
    pub items: Vec<Record>,
}

impl BtlvRecord {
    /// A B-TLV record.
    ///
    /// # Errors
    /// [`Error::RecordTooLong`] when the items exceed 255 bytes.
    pub fn new(tag: u8, items: Vec<Record>) -> Result<Self> {
        let inner = encode_records(&items);
        Record::new(tag, inner)?;
        Ok(Self { tag, items })
    }

    /// The encoding: `tag len (item…)`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let inner = encode_records(&self.items);
        Record {
            tag: self.tag,
            value: inner,
        }
        .to_bytes()
    }

    /// Parses a B-TLV record.
    ///
    /// # Errors
    /// As [`Record::parse`], for the outer record and for the items.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let outer = Record::parse(bytes)?;
        let items = parse_records(&outer.value).map_err(|e| shift(e, 2))?;
        Ok(Self {
            tag: outer.tag,
            items,
        })
    }

    /// The item with `tag`.
    pub fn item(&self, tag: u8) -> Option<&Record> {
        find(&self.items, tag)
    }
}

/// Moves an error's offset by `by` (errors inside a nested value).
fn shift(e: Error, by: usize) -> Error {
    match e {
        Error::RecordTruncated {
            offset,
            tag,
            length,
            available,
        } => Error::RecordTruncated {
            offset: offset + by,
            tag,
            length,
            available,
        },
        Error::RecordPaddingTag { offset, tag } => Error::RecordPaddingTag {
            offset: offset + by,
            tag,
        },
        other => other,
    }
}

impl fmt::Debug for Record {
    /// Tag and length only: record values are often personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Record {{ tag: {:02X}, len: {} }}",
            self.tag,
            self.value.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_of_records_with_padding() -> Result<()> {
        let bytes = [
            0x20, 0x02, b'0', b'1', 0x00, 0x00, 0x0E, 0x03, 0x11, 0x01, 0x02, 0xFF,
        ];
        let recs = parse_records(&bytes)?;
        assert_eq!(recs.len(), 2);
        assert_eq!(find(&recs, 0x0E).map(|r| r.value.len()), Some(3));
        Ok(())
    }

    #[test]
    fn errors_name_offset_and_tag() {
        assert_eq!(
            parse_records(&[0x20, 0x01, b'1', 0x21, 0x05, b'a']),
            Err(Error::RecordTruncated {
                offset: 3,
                tag: 0x21,
                length: 5,
                available: 1
            })
        );
        assert_eq!(
            Record::parse(&[0x00, 0x01, 0x02]),
            Err(Error::RecordPaddingTag { offset: 0, tag: 0 })
        );
        assert!(Record::parse(&[0x37, 0x01, b'C', 0x38, 0x00]).is_err());
        assert!(Record::new(0x21, vec![0; 256]).is_err());
    }

    #[test]
    fn btlv_education_record() -> Result<()> {
        let rec = BtlvRecord::new(
            0x40,
            vec![
                Record::new(0x57, *b"abc")?,
                Record::new(0x58, [0x20, 0x10, 0x09])?,
            ],
        )?;
        let bytes = rec.to_bytes();
        assert_eq!(bytes[..2], [0x40, 10]);
        assert_eq!(BtlvRecord::parse(&bytes)?, rec);
        assert_eq!(
            rec.item(0x58).map(|r| r.value.clone()),
            Some(vec![0x20, 0x10, 0x09])
        );
        assert!(matches!(
            BtlvRecord::parse(&[0x40, 0x03, 0x57, 0x05, 0x01]),
            Err(Error::RecordTruncated {
                offset: 2,
                tag: 0x57,
                ..
            })
        ));
        Ok(())
    }
}
