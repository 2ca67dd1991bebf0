//! One authentication the remote key server computes (spec 05's HSM
//! steps): what step 1 hands out and how its answer is read back. Its own
//! module so that the basic-information read and the HSM flows both use
//! it without depending on each other.

use crate::error::{Error, Result};

/// Authentication data and its source, as the key server answers.
pub type AuthPair = ([u8; 8], [u8; 8]);

/// One authentication the key server must compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HsmAuth {
    /// Key address.
    pub key_address: u16,
    /// Process factor (R1).
    pub process_factor: [u8; 8],
    /// Source (R2).
    pub source: [u8; 8],
}

impl HsmAuth {
    /// The request line: `algorithm id|key address|process factor|source|`.
    pub fn to_line(&self, algorithm: u8) -> String {
        format!(
            "{algorithm:02X}|{:04X}|{}|{}|",
            self.key_address,
            hex::encode_upper(self.process_factor),
            hex::encode_upper(self.source)
        )
    }

    /// Parses the key server's answer to this request: authentication
    /// data (16 hex) and the request's source (16 hex), 32 hex digits.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for another shape or another source.
    pub fn parse_answer(&self, key: &str) -> Result<[u8; 8]> {
        let (auth, source) = auth_pair(key).ok_or_else(|| {
            Error::InvalidInput("pKey: expected 32 hex digits (auth data and source)".into())
        })?;
        if source != self.source {
            return Err(Error::InvalidInput(
                "pKey: the source is not step 1's".into(),
            ));
        }
        Ok(auth)
    }
}

/// Authentication data and source from 32 hex digits.
pub(crate) fn auth_pair(s: &str) -> Option<AuthPair> {
    let b = <[u8; 16]>::try_from(hex::decode(s).ok()?.as_slice()).ok()?;
    let (auth, source) = b.split_at(8);
    Some((auth.try_into().ok()?, source.try_into().ok()?))
}
