//! The codec's one error type.
//!
//! Every variant names what is wrong and where (byte offset, tag, field) so
//! that a caller can report a malformed card answer or a bad input file
//! without a debugger.

use core::fmt;

/// The error of every parser and encoder in this crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A command APDU shorter than its 4-byte header.
    #[error("command APDU too short: {len} bytes, the header alone is 4")]
    CommandTooShort {
        /// Bytes received.
        len: usize,
    },
    /// The bytes after the header fit none of the ISO/IEC 7816-4 cases.
    #[error("command APDU of {len} bytes matches no ISO/IEC 7816-4 case: {reason}")]
    CommandLength {
        /// Total length of the APDU.
        len: usize,
        /// Which rule the length broke.
        reason: &'static str,
    },
    /// Command data longer than extended length allows.
    #[error("command data of {len} bytes exceeds the extended-length limit of 65535")]
    DataTooLong {
        /// Length of the data field.
        len: usize,
    },
    /// Le outside `1..=65536`.
    #[error("Le {le} is outside 1..=65536")]
    LeOutOfRange {
        /// The requested Le.
        le: usize,
    },
    /// A response shorter than its two status bytes.
    #[error("response APDU too short: {len} bytes, the status word alone is 2")]
    ResponseTooShort {
        /// Bytes received.
        len: usize,
    },
    /// Hex text that does not decode.
    #[error("invalid hex text: {reason}")]
    Hex {
        /// What the hex decoder said.
        reason: String,
    },
    /// A BER-TLV tag the encoding rules reject.
    #[error("BER-TLV at offset {offset}: invalid tag: {source}")]
    TlvTag {
        /// Offset of the tag's first byte.
        offset: usize,
        /// The `iso7816-tlv` crate's verdict.
        #[source]
        source: TlvCrateError,
    },
    /// A tag number that cannot be a BER-TLV tag (zero, or more than 3 bytes).
    #[error("{tag:#X} is not a valid BER-TLV tag: {source}")]
    TlvTagValue {
        /// The tag number given.
        tag: u32,
        /// The `iso7816-tlv` crate's verdict.
        #[source]
        source: TlvCrateError,
    },
    /// The input ends inside a tag, a length or a value.
    #[error(
        "BER-TLV at offset {offset}: truncated {what}: {needed} bytes needed, {available} left"
    )]
    TlvTruncated {
        /// Offset where the missing part starts.
        offset: usize,
        /// Tag, length or value.
        what: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// Length byte `80`: the indefinite form, which ISO/IEC 7816-4 forbids.
    #[error("BER-TLV at offset {offset}: tag {tag:X} uses the indefinite length form (80), which ISO/IEC 7816-4 does not allow")]
    TlvIndefiniteLength {
        /// Offset of the length byte.
        offset: usize,
        /// The tag whose length it is.
        tag: u32,
    },
    /// A length field of more than 3 subsequent bytes, or a reserved first byte.
    #[error(
        "BER-TLV at offset {offset}: tag {tag:X} has an unsupported length field {first:#04X}"
    )]
    TlvLengthForm {
        /// Offset of the length byte.
        offset: usize,
        /// The tag whose length it is.
        tag: u32,
        /// The first length byte.
        first: u8,
    },
    /// Constructed objects nested deeper than [`crate::tlv::MAX_DEPTH`].
    #[error("BER-TLV at offset {offset}: tag {tag:X} nests deeper than {max} levels")]
    TlvTooDeep {
        /// Offset of the object that went too deep.
        offset: usize,
        /// Its tag.
        tag: u32,
        /// The cap.
        max: usize,
    },
    /// A primitive tag given a constructed value, or the other way round.
    #[error("tag {tag:X} is {expected}, but the value given is not")]
    TlvInconsistent {
        /// The tag.
        tag: u32,
        /// "primitive" or "constructed".
        expected: &'static str,
    },
    /// More than the one object expected.
    #[error("BER-TLV at offset {offset}: unexpected data after the object")]
    TlvTrailing {
        /// Offset of the first extra byte.
        offset: usize,
    },
    /// A one-byte-tag record whose length runs past the data.
    #[error("record at offset {offset}: tag {tag:02X} announces {length} bytes, {available} left")]
    RecordTruncated {
        /// Offset of the record's tag byte.
        offset: usize,
        /// The record's tag.
        tag: u8,
        /// Announced value length.
        length: usize,
        /// Bytes actually there.
        available: usize,
    },
    /// A record value that a one-byte length cannot describe.
    #[error("record tag {tag:02X}: value of {len} bytes does not fit a one-byte length")]
    RecordTooLong {
        /// The record's tag.
        tag: u8,
        /// Its value length.
        len: usize,
    },
    /// Bytes other than padding after a record that should stand alone.
    #[error("record tag {tag:02X}: unexpected data at offset {offset} after the record")]
    RecordTrailing {
        /// Offset of the first extra byte.
        offset: usize,
        /// The record's tag.
        tag: u8,
    },
    /// A record with tag `00` or `FF`, which are padding, not tags.
    #[error("record at offset {offset}: {tag:02X} is padding, not a record tag")]
    RecordPaddingTag {
        /// Offset of the byte.
        offset: usize,
        /// The byte.
        tag: u8,
    },
    /// A DOL entry with a length of zero or a missing length.
    #[error("DOL at offset {offset}: {reason}")]
    Dol {
        /// Offset of the entry.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A character that is not allowed in a field of this format.
    #[error("{format} field: character {ch:?} at position {position} is not allowed")]
    FieldChar {
        /// `cn`, `n`, `an`, date or amount.
        format: &'static str,
        /// The character.
        ch: char,
        /// Its position (characters from 0).
        position: usize,
    },
    /// A character GBK cannot encode (e.g. `𠮷`).
    #[error(
        "an field: character {ch:?} (U+{code:04X}) at position {position} cannot be encoded in GBK"
    )]
    NotGbk {
        /// The character.
        ch: char,
        /// Its code point.
        code: u32,
        /// Its position (characters from 0).
        position: usize,
    },
    /// An encoded value longer than its field.
    #[error("{format} field: {len} {unit} do not fit {max}")]
    FieldTooLong {
        /// The format.
        format: &'static str,
        /// The length needed.
        len: usize,
        /// Bytes or digits.
        unit: &'static str,
        /// The field's capacity.
        max: usize,
    },
    /// A byte that is not valid BCD for its format.
    #[error("{format} field: byte {byte:02X} at offset {offset} is not valid BCD")]
    Bcd {
        /// The format.
        format: &'static str,
        /// The byte.
        byte: u8,
        /// Its offset.
        offset: usize,
    },
    /// Bytes that are not valid GBK text.
    #[error("an field: bytes are not valid GBK text")]
    BadGbk,
    /// A date that is not a calendar date.
    #[error("invalid date {text:?}: {reason}")]
    Date {
        /// The date as given.
        text: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// An amount that is not a decimal with at most two places in range.
    #[error("invalid amount {text:?}: {reason}")]
    Amount {
        /// The amount as given.
        text: String,
        /// What is wrong.
        reason: &'static str,
    },
}

/// The `iso7816-tlv` crate's error, wrapped so that it implements
/// [`std::error::Error`] (the crate's own impl sits behind a feature it never
/// declares).
#[derive(Debug, Clone, PartialEq)]
pub struct TlvCrateError(pub iso7816_tlv::TlvError);

impl fmt::Display for TlvCrateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for TlvCrateError {}

impl From<hex::FromHexError> for Error {
    fn from(e: hex::FromHexError) -> Self {
        Error::Hex {
            reason: e.to_string(),
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
