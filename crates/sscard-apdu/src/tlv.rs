//! BER-TLV (ISO/IEC 7816-4 §5.2, EMV Book 3 Annex B), with the weak spots of
//! the `iso7816-tlv` crate closed.
//!
//! Tags are validated by `iso7816-tlv`'s [`iso7816_tlv::ber::Tag`] and trees
//! convert to and from its [`iso7816_tlv::ber::Tlv`]. The walk over the bytes
//! is ours, because the crate's has four gaps that a card answer can reach:
//!
//! - `00` and `FF` padding between objects (allowed by EMV) is skipped here,
//!   at every level; the crate fails on `00` and reads `FF` as a tag.
//! - The indefinite length form `80` is an error here; the crate reads it as 0.
//! - Nesting is capped at [`MAX_DEPTH`] before recursing; the crate recurses
//!   without limit and overflows the stack on deeply nested input.
//! - Every error names the offset and tag; the crate's error is wrapped.
//!
//! ```
//! use sscard_apdu::tlv::{self, Tlv};
//! // FCI of SELECT SSSE with the algorithm template of spec 01 §1.5.
//! let fci = sscard_apdu::hexfmt::parse("6F 0C 84 02 73 78 A5 06 9F 0C 03 86 01 03")?;
//! let objects = Tlv::parse_all(&fci)?;
//! let alg = tlv::find_path(&objects, &[0x6F, 0xA5, 0x9F0C]).and_then(Tlv::bytes);
//! assert_eq!(alg, Some(&[0x86, 0x01, 0x03][..]));
//! # Ok::<(), sscard_apdu::Error>(())
//! ```

use core::fmt;

use iso7816_tlv::ber;

use crate::error::{Error, Result, TlvCrateError};

/// Deepest nesting of constructed objects the parser accepts. Real card
/// answers nest four or five levels (`6F`/`A5`/`BF0C`/`61`/…).
pub const MAX_DEPTH: usize = 16;

/// A BER-TLV tag of one to three bytes, held as its number (`0x9F4B`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(u32);

impl Tag {
    /// Checks `number` with `iso7816-tlv`'s tag rules. A first byte `FF` is
    /// refused too: ISO/IEC 7816-4 reads it as padding between objects.
    ///
    /// # Errors
    /// [`Error::TlvTagValue`] for `0`, more than 3 bytes, a first byte `FF`,
    /// or a byte sequence that is not a well-formed tag.
    pub fn new(number: u32) -> Result<Self> {
        let first = number.to_be_bytes().into_iter().find(|b| *b != 0);
        if first == Some(0xFF) {
            return Err(Error::TlvTagValue {
                tag: number,
                source: TlvCrateError(iso7816_tlv::TlvError::InvalidInput),
            });
        }
        ber::Tag::try_from(number)
            .map(|_| Self(number))
            .map_err(|e| Error::TlvTagValue {
                tag: number,
                source: TlvCrateError(e),
            })
    }

    /// The tag's number, e.g. `0x9F4B`.
    pub const fn number(self) -> u32 {
        self.0
    }

    /// The tag's bytes on the wire.
    pub fn to_bytes(self) -> Vec<u8> {
        let b = self.0.to_be_bytes();
        let skip = b.iter().take_while(|x| **x == 0).count().min(3);
        b[skip..].to_vec()
    }

    /// Bit 6 of the first byte: the value is a list of objects.
    pub fn is_constructed(self) -> bool {
        self.first_byte() & 0x20 != 0
    }

    /// The first byte on the wire (without allocating: this is on the
    /// parser's path).
    const fn first_byte(self) -> u8 {
        let n = self.0;
        (if n > 0xFFFF {
            n >> 16
        } else if n > 0xFF {
            n >> 8
        } else {
            n
        }) as u8
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.to_bytes();
        for x in b {
            write!(f, "{x:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({self})")
    }
}

/// The value of a BER-TLV object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Bytes.
    Primitive(Vec<u8>),
    /// Nested objects.
    Constructed(Vec<Tlv>),
}

/// One BER-TLV object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    tag: Tag,
    value: Value,
}

impl Tlv {
    /// A primitive object.
    ///
    /// # Errors
    /// An invalid tag, or a constructed one.
    pub fn primitive(tag: u32, value: impl Into<Vec<u8>>) -> Result<Self> {
        let tag = Tag::new(tag)?;
        if tag.is_constructed() {
            return Err(Error::TlvInconsistent {
                tag: tag.0,
                expected: "constructed",
            });
        }
        Ok(Self {
            tag,
            value: Value::Primitive(value.into()),
        })
    }

    /// A constructed object holding `children`.
    ///
    /// # Errors
    /// An invalid tag, or a primitive one.
    pub fn constructed(tag: u32, children: Vec<Tlv>) -> Result<Self> {
        let tag = Tag::new(tag)?;
        if !tag.is_constructed() {
            return Err(Error::TlvInconsistent {
                tag: tag.0,
                expected: "primitive",
            });
        }
        Ok(Self {
            tag,
            value: Value::Constructed(children),
        })
    }

    /// The tag.
    pub fn tag(&self) -> Tag {
        self.tag
    }

    /// The value.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The bytes of a primitive object; `None` for a constructed one.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.value {
            Value::Primitive(v) => Some(v),
            Value::Constructed(_) => None,
        }
    }

    /// The children of a constructed object; empty for a primitive one.
    pub fn children(&self) -> &[Tlv] {
        match &self.value {
            Value::Primitive(_) => &[],
            Value::Constructed(c) => c,
        }
    }

    /// Length of the value field in bytes.
    pub fn value_len(&self) -> usize {
        match &self.value {
            Value::Primitive(v) => v.len(),
            Value::Constructed(c) => c.iter().map(Tlv::encoded_len).sum(),
        }
    }

    /// Length of the whole encoded object.
    pub fn encoded_len(&self) -> usize {
        let n = self.value_len();
        self.tag.to_bytes().len() + length_field_len(n) + n
    }

    /// Appends the DER-style encoding (shortest length form) to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.tag.to_bytes());
        encode_length(self.value_len(), out);
        match &self.value {
            Value::Primitive(v) => out.extend_from_slice(v),
            Value::Constructed(c) => c.iter().for_each(|t| t.encode_into(out)),
        }
    }

    /// The encoded object.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out);
        out
    }

    /// Parses every object in `input`, skipping `00`/`FF` padding between them.
    ///
    /// # Errors
    /// Truncated input, indefinite or oversized lengths, invalid tags and
    /// nesting deeper than [`MAX_DEPTH`], each with its offset.
    pub fn parse_all(input: &[u8]) -> Result<Vec<Tlv>> {
        parse_views(crate::tlv_view::iter(input), 1)
    }

    /// Parses exactly one object (padding around it allowed).
    ///
    /// # Errors
    /// As [`Tlv::parse_all`]; [`Error::TlvTruncated`] when the input holds no
    /// object, [`Error::TlvTrailing`] when it holds more than one.
    pub fn parse_one(input: &[u8]) -> Result<Tlv> {
        let mut all = parse_views(crate::tlv_view::iter(input), 1)?;
        match all.len() {
            1 => Ok(all.remove(0)),
            0 => Err(Error::TlvTruncated {
                offset: input.len(),
                what: "tag",
                needed: 1,
                available: 0,
            }),
            _ => Err(Error::TlvTrailing {
                offset: all[0].encoded_len(),
            }),
        }
    }

    /// Parses this primitive object's value as BER-TLV, as `9F0C` needs
    /// (spec 01 §1.5: its value is itself `86 01 xx`).
    ///
    /// # Errors
    /// As [`Tlv::parse_all`]; a constructed object gives an empty list.
    pub fn parse_value(&self) -> Result<Vec<Tlv>> {
        match &self.value {
            Value::Primitive(v) => Tlv::parse_all(v),
            Value::Constructed(c) => Ok(c.clone()),
        }
    }

    /// First descendant (depth first, self included) with this tag.
    pub fn find_tag(&self, tag: u32) -> Option<&Tlv> {
        if self.tag.0 == tag {
            return Some(self);
        }
        find_tag(self.children(), tag)
    }
}

/// The object reached by following `path`, one tag per level, starting in
/// `list`. Constructed objects match as well as primitive ones.
pub fn find_path<'a>(list: &'a [Tlv], path: &[u32]) -> Option<&'a Tlv> {
    let (first, rest) = path.split_first()?;
    let hit = list.iter().find(|t| t.tag.0 == *first)?;
    if rest.is_empty() {
        Some(hit)
    } else {
        find_path(hit.children(), rest)
    }
}

/// First object with `tag` anywhere in `list`, depth first.
pub fn find_tag(list: &[Tlv], tag: u32) -> Option<&Tlv> {
    list.iter().find_map(|t| t.find_tag(tag))
}

/// Every object with `tag` anywhere in `list`, depth first.
pub fn find_all(list: &[Tlv], tag: u32) -> Vec<&Tlv> {
    fn walk<'a>(list: &'a [Tlv], tag: u32, out: &mut Vec<&'a Tlv>) {
        for t in list {
            if t.tag.0 == tag {
                out.push(t);
            }
            walk(t.children(), tag, out);
        }
    }
    let mut out = Vec::new();
    walk(list, tag, &mut out);
    out
}

/// Encodes a list of objects one after the other.
pub fn encode_all(list: &[Tlv]) -> Vec<u8> {
    let mut out = Vec::with_capacity(list.iter().map(Tlv::encoded_len).sum());
    list.iter().for_each(|t| t.encode_into(&mut out));
    out
}

/// Length of a BER length field for a value of `n` bytes.
pub fn length_field_len(n: usize) -> usize {
    match n {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        0x100..=0xFFFF => 3,
        0x1_0000..=0xFF_FFFF => 4,
        _ => 5,
    }
}

/// Appends the shortest BER length field for `n` to `out`.
pub fn encode_length(n: usize, out: &mut Vec<u8>) {
    let bytes = (n as u64).to_be_bytes();
    match length_field_len(n) {
        1 => out.push(n as u8),
        k => {
            out.push(0x80 | (k as u8 - 1));
            out.extend_from_slice(&bytes[8 - (k - 1)..]);
        }
    }
}

/// Reads a tag at `input[pos..]`; returns the tag and the bytes it used.
/// The usual one- and two-byte tags take the fast path; anything unusual
/// goes through the full checks.
#[inline]
pub(crate) fn read_tag(input: &[u8], pos: usize, base: usize) -> Result<(Tag, usize)> {
    match input.get(pos..) {
        // One byte, not the start of a longer tag (padding is skipped before).
        Some([first, ..]) if *first != 0 && first & 0x1F != 0x1F => Ok((Tag(u32::from(*first)), 1)),
        // Two bytes: the second ends the tag and is not 80 (b7–b1 all zero).
        Some([first, second, ..]) if second & 0x80 == 0 && *second != 0 => {
            Ok((Tag((u32::from(*first) << 8) | u32::from(*second)), 2))
        }
        _ => read_tag_slow(input, pos, base),
    }
}

#[cold]
fn read_tag_slow(input: &[u8], pos: usize, base: usize) -> Result<(Tag, usize)> {
    let truncated = |needed| Error::TlvTruncated {
        offset: base + input.len(),
        what: "tag",
        needed,
        available: 0,
    };
    let first = *input.get(pos).ok_or(truncated(1))?;
    let mut number = u32::from(first);
    let mut len = 1;
    if first & 0x1F == 0x1F {
        loop {
            let b = *input.get(pos + len).ok_or(truncated(1))?;
            number = (number << 8) | u32::from(b);
            len += 1;
            if b & 0x80 == 0 {
                break;
            }
            if len == 3 {
                // A fourth tag byte would follow: ISO/IEC 7816-4 reserves it.
                return Err(Error::TlvTag {
                    offset: base + pos,
                    source: TlvCrateError(iso7816_tlv::TlvError::TagIsRFU),
                });
            }
        }
    }
    ber::Tag::try_from(number).map_err(|e| Error::TlvTag {
        offset: base + pos,
        source: TlvCrateError(e),
    })?;
    Ok((Tag(number), len))
}

/// Reads a BER length at `input[pos..]`; returns the length and the bytes used.
#[inline]
pub(crate) fn read_length(
    input: &[u8],
    pos: usize,
    base: usize,
    tag: Tag,
) -> Result<(usize, usize)> {
    match input.get(pos) {
        Some(&n @ 0x00..=0x7F) => Ok((usize::from(n), 1)),
        Some(&0x81) => match input.get(pos + 1) {
            Some(&n) => Ok((usize::from(n), 2)),
            None => Err(read_length_error(input, pos, base, tag)),
        },
        _ => read_length_long(input, pos, base, tag),
    }
}

#[cold]
fn read_length_long(input: &[u8], pos: usize, base: usize, tag: Tag) -> Result<(usize, usize)> {
    let first = input.get(pos).copied();
    match first {
        Some(f @ 0x82..=0x84) => {
            let k = usize::from(f & 0x7F);
            match input.get(pos + 1..pos + 1 + k) {
                Some(bytes) => Ok((
                    bytes
                        .iter()
                        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
                    1 + k,
                )),
                None => Err(read_length_error(input, pos, base, tag)),
            }
        }
        _ => Err(read_length_error(input, pos, base, tag)),
    }
}

/// Why the length at `input[pos..]` cannot be read.
#[cold]
fn read_length_error(input: &[u8], pos: usize, base: usize, tag: Tag) -> Error {
    let rest = input.get(pos + 1..).map_or(0, <[u8]>::len);
    match input.get(pos) {
        None => Error::TlvTruncated {
            offset: base + pos,
            what: "length",
            needed: 1,
            available: 0,
        },
        Some(0x80) => Error::TlvIndefiniteLength {
            offset: base + pos,
            tag: tag.0,
        },
        Some(&f @ 0x81..=0x84) => Error::TlvTruncated {
            offset: base + pos,
            what: "length",
            needed: usize::from(f & 0x7F),
            available: rest,
        },
        Some(&first) => Error::TlvLengthForm {
            offset: base + pos,
            tag: tag.0,
            first,
        },
    }
}

/// The owned tree: one walk over the bytes (the borrowed views of
/// [`crate::tlv_view`]), copied into owned values.
fn parse_views(views: crate::tlv_view::Iter<'_>, depth: usize) -> Result<Vec<Tlv>> {
    let mut out = Vec::new();
    for v in views {
        let v = v?;
        let value = if v.is_constructed() {
            if depth >= MAX_DEPTH {
                return Err(Error::TlvTooDeep {
                    offset: v.offset(),
                    tag: v.tag().0,
                    max: MAX_DEPTH,
                });
            }
            Value::Constructed(parse_views(v.children(), depth + 1)?)
        } else {
            Value::Primitive(v.value().to_vec())
        };
        out.push(Tlv {
            tag: v.tag(),
            value,
        });
    }
    Ok(out)
}

impl TryFrom<&Tlv> for ber::Tlv {
    type Error = Error;
    fn try_from(t: &Tlv) -> Result<Self> {
        let tag = ber::Tag::try_from(t.tag.0).map_err(|e| Error::TlvTagValue {
            tag: t.tag.0,
            source: TlvCrateError(e),
        })?;
        let value = match &t.value {
            Value::Primitive(v) => ber::Value::Primitive(v.clone()),
            Value::Constructed(c) => {
                ber::Value::Constructed(c.iter().map(ber::Tlv::try_from).collect::<Result<_>>()?)
            }
        };
        ber::Tlv::new(tag, value).map_err(|e| Error::TlvTagValue {
            tag: t.tag.0,
            source: TlvCrateError(e),
        })
    }
}

impl TryFrom<&ber::Tlv> for Tlv {
    type Error = Error;
    fn try_from(t: &ber::Tlv) -> Result<Self> {
        let number: u64 = t.tag().clone().into();
        let tag = Tag::new(u32::try_from(number).map_err(|_| Error::TlvTagValue {
            tag: u32::MAX,
            source: TlvCrateError(iso7816_tlv::TlvError::TagIsRFU),
        })?)?;
        let value = match t.value() {
            ber::Value::Primitive(v) => Value::Primitive(v.clone()),
            ber::Value::Constructed(c) => {
                Value::Constructed(c.iter().map(Tlv::try_from).collect::<Result<_>>()?)
            }
        };
        Ok(Tlv { tag, value })
    }
}

impl fmt::Display for Tlv {
    /// An indented tree, one object per line: `6F` / `  84 (2) 73 78`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn write(t: &Tlv, f: &mut fmt::Formatter<'_>, indent: usize) -> fmt::Result {
            write!(f, "{:indent$}{}", "", t.tag, indent = indent)?;
            match &t.value {
                Value::Primitive(v) => {
                    writeln!(f, " ({}) {}", v.len(), crate::hexfmt::to_spaced_hex(v))
                }
                Value::Constructed(c) => {
                    writeln!(f)?;
                    c.iter().try_for_each(|x| write(x, f, indent + 2))
                }
            }
        }
        write(self, f, 0)
    }
}

#[cfg(test)]
#[path = "tlv_tests.rs"]
mod tests;
