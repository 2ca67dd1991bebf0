//! Response APDUs: data followed by a status word.

use core::fmt;
use core::str::FromStr;

use zeroize::Zeroize;

use crate::error::{Error, Result};
use crate::hexfmt;
use crate::status::StatusWord;

/// A response APDU. The data is wiped from memory on drop (it may hold
/// authentication data or personal data).
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    data: Vec<u8>,
    sw: StatusWord,
}

impl Response {
    /// A response with data and status.
    pub fn new(data: impl Into<Vec<u8>>, sw: impl Into<StatusWord>) -> Self {
        Self {
            data: data.into(),
            sw: sw.into(),
        }
    }

    /// A response with only a status word.
    pub fn status(sw: impl Into<StatusWord>) -> Self {
        Self::new(Vec::new(), sw)
    }

    /// `data ‖ 9000`.
    pub fn ok(data: impl Into<Vec<u8>>) -> Self {
        Self::new(data, StatusWord::Success)
    }

    /// The data before the status word.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Takes the data out, leaving the response empty.
    pub fn into_data(mut self) -> Vec<u8> {
        core::mem::take(&mut self.data)
    }

    /// The status word.
    pub fn sw(&self) -> StatusWord {
        self.sw
    }

    /// `true` when the status word is `9000`.
    pub fn is_success(&self) -> bool {
        self.sw.is_success()
    }

    /// The encoded response, `data ‖ SW1 SW2`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_bytes());
        out
    }

    /// Parses `data ‖ SW1 SW2`.
    ///
    /// # Errors
    /// [`Error::ResponseTooShort`] below two bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        match bytes {
            [data @ .., sw1, sw2] => Ok(Self::new(data, [*sw1, *sw2])),
            _ => Err(Error::ResponseTooShort { len: bytes.len() }),
        }
    }
}

impl Drop for Response {
    fn drop(&mut self) {
        self.data.zeroize();
    }
}

impl fmt::Display for Response {
    /// Spaced upper-case hex of data and status word.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        hexfmt::spaced(f, &self.to_bytes())
    }
}

impl fmt::Debug for Response {
    /// The length and status word, never the data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Response {{ data: {} bytes, sw: {} }}",
            self.data.len(),
            self.sw
        )
    }
}

impl FromStr for Response {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::from_bytes(&hexfmt::parse(s)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_encode() -> Result<()> {
        let r: Response = "01 02 90 00".parse()?;
        assert_eq!(r.data(), &[1, 2]);
        assert!(r.is_success());
        assert_eq!(r.to_string(), "01 02 90 00");
        let r = Response::from_bytes(&[0x63, 0xC1])?;
        assert_eq!(r.sw(), StatusWord::VerifyFailed { tries: 1 });
        assert!(r.data().is_empty());
        assert_eq!(
            Response::from_bytes(&[0x90]),
            Err(Error::ResponseTooShort { len: 1 })
        );
        Ok(())
    }
}
