//! BER-TLV over borrowed bytes: [`TlvView`]s point into the card's answer,
//! nothing is copied or allocated. The owned [`crate::tlv::Tlv`] tree is
//! built on these views, so both keep the same guards: `00`/`FF` padding
//! skipped at every level, the indefinite length refused, nesting capped at
//! [`MAX_DEPTH`], every error naming its offset and tag.
//!
//! ```
//! use sscard_apdu::tlv_view;
//! let fci = sscard_apdu::hexfmt::parse("6F 0C 84 02 73 78 A5 06 9F 0C 03 86 01 03")?;
//! let top = tlv_view::iter(&fci).next().unwrap()?; // ok: doc example, fixed input
//! let a5 = top.children().nth(1).unwrap()?; // ok: doc example
//! assert_eq!(a5.tag().number(), 0xA5);
//! assert_eq!(tlv_view::validate(&fci)?, 4);
//! # Ok::<(), sscard_apdu::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::tlv::{read_length, read_tag, Tag, MAX_DEPTH};

/// One object, borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlvView<'a> {
    tag: Tag,
    value: &'a [u8],
    offset: usize,
    value_offset: usize,
}

impl<'a> TlvView<'a> {
    /// The tag.
    pub fn tag(&self) -> Tag {
        self.tag
    }

    /// The value bytes (a constructed object's children, encoded).
    pub fn value(&self) -> &'a [u8] {
        self.value
    }

    /// Where the object (its tag) starts in the whole input.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Where the value starts in the whole input.
    pub fn value_offset(&self) -> usize {
        self.value_offset
    }

    /// Whether the tag says constructed.
    pub fn is_constructed(&self) -> bool {
        self.tag.is_constructed()
    }

    /// The children of a constructed object (none for a primitive one).
    pub fn children(&self) -> Iter<'a> {
        let input = if self.is_constructed() {
            self.value
        } else {
            &[]
        };
        Iter {
            input,
            pos: 0,
            base: self.value_offset,
            failed: false,
        }
    }
}

/// The objects of one level, in order; padding skipped. After an error it
/// ends.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    input: &'a [u8],
    pos: usize,
    base: usize,
    failed: bool,
}

/// The top-level objects of `input`.
pub fn iter(input: &[u8]) -> Iter<'_> {
    Iter {
        input,
        pos: 0,
        base: 0,
        failed: false,
    }
}

impl<'a> Iter<'a> {
    fn read(&mut self) -> Result<TlvView<'a>> {
        let input = self.input;
        let offset = self.base + self.pos;
        let (tag, tag_len) = read_tag(input, self.pos, self.base)?;
        let at = self.pos + tag_len;
        let (len, len_len) = read_length(input, at, self.base, tag)?;
        let start = at + len_len;
        let available = input.len() - start.min(input.len());
        let value = input.get(start..start + len).ok_or(Error::TlvTruncated {
            offset: self.base + start,
            what: "value",
            needed: len,
            available,
        })?;
        self.pos = start + len;
        Ok(TlvView {
            tag,
            value,
            offset,
            value_offset: self.base + start,
        })
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = Result<TlvView<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        while let Some(b) = self.input.get(self.pos) {
            if !matches!(b, 0x00 | 0xFF) {
                let r = self.read();
                self.failed = r.is_err();
                return Some(r);
            }
            self.pos += 1;
        }
        None
    }
}

/// Checks the whole tree of `input` without allocating; returns the number
/// of objects. The recursion is bounded: nesting deeper than [`MAX_DEPTH`]
/// is an error before the next level is entered.
///
/// # Errors
/// The first malformed object, or nesting deeper than [`MAX_DEPTH`].
pub fn validate(input: &[u8]) -> Result<usize> {
    walk(iter(input), 1)
}

/// `depth` counts as the owned tree does: top-level objects are at 1.
fn walk(level: Iter<'_>, depth: usize) -> Result<usize> {
    let mut count = 0;
    for v in level {
        let v = v?;
        count += 1;
        if v.is_constructed() {
            if depth >= MAX_DEPTH {
                return Err(Error::TlvTooDeep {
                    offset: v.offset,
                    tag: v.tag.number(),
                    max: MAX_DEPTH,
                });
            }
            count += walk(v.children(), depth + 1)?;
        }
    }
    Ok(count)
}
