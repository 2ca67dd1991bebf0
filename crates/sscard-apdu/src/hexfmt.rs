//! Hex text in and out: the one place that formats and reads it.

use core::fmt;

use crate::error::Result;

/// Writes `bytes` as upper-case hex, one space between bytes.
pub(crate) fn spaced(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            f.write_str(" ")?;
        }
        write!(f, "{b:02X}")?;
    }
    Ok(())
}

/// Upper-case hex with spaces as a `String`.
pub fn to_spaced_hex(bytes: &[u8]) -> String {
    struct Spaced<'a>(&'a [u8]);
    impl fmt::Display for Spaced<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            spaced(f, self.0)
        }
    }
    Spaced(bytes).to_string()
}

/// Reads hex text; ASCII whitespace between digits is ignored.
///
/// # Errors
/// [`crate::Error::Hex`] on an odd number of digits or a non-hex character.
pub fn parse(text: &str) -> Result<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    Ok(hex::decode(compact)?)
}
