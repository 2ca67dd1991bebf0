//! Secret key types: wiped on drop, never printed.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, Result};

/// A 16-byte symmetric key: SM4, or 2-key 3DES (K1 ‖ K2; a single-DES
/// session key K is held as K ‖ K) — master, card or session key. Its bytes are wiped
/// when it is dropped, `Debug` prints no key material, and equality is
/// constant-time.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SymKey([u8; 16]);

impl SymKey {
    /// Wraps key bytes.
    pub const fn new(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// From a slice of exactly 16 bytes.
    ///
    /// # Errors
    /// [`Error::Length`] for any other size.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        <[u8; 16]>::try_from(bytes)
            .map(Self)
            .map_err(|_| Error::Length {
                what: "symmetric key",
                expected: 16,
                got: bytes.len(),
            })
    }

    /// From 32 hex digits.
    ///
    /// # Errors
    /// Bad hex or a wrong length.
    pub fn from_hex(text: &str) -> Result<Self> {
        let mut raw = hex::decode(text.trim()).map_err(|e| Error::Hex {
            what: "symmetric key",
            reason: e.to_string(),
        })?;
        let key = Self::from_slice(&raw);
        raw.zeroize();
        key
    }

    /// The key bytes, for the cipher. Do not log them.
    pub fn expose(&self) -> &[u8; 16] {
        &self.0
    }

    /// A short, non-reversible fingerprint (first 4 bytes of SM3 of the
    /// key) to tell keys apart in logs.
    pub fn fingerprint(&self) -> String {
        let d = crate::digest::sm3(&self.0);
        hex::encode_upper(&d[..4])
    }
}

impl fmt::Debug for SymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SymKey(<redacted>, kcv {})", self.fingerprint())
    }
}

impl PartialEq for SymKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}
impl Eq for SymKey {}
