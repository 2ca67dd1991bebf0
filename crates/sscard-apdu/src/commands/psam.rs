//! The PSAM's commands (02 §2.5).

use super::{fixed, plain, Apdu};
use crate::error::Result;
use crate::ins::{Ins, Sensitivity};

/// PSAM INIT CRYPTO `80 1A <key address 2> Lc <factors>` (02 §2.5).
///
/// # Errors
/// Data over 65535 bytes.
pub fn init_crypto(key_address: u16, factors: &[u8]) -> Result<Apdu> {
    let [hi, lo] = key_address.to_be_bytes();
    plain(Ins::InitCrypto, hi, lo, factors, None)
}

/// What PSAM CRYPTO computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoMode {
    /// `00 00`: encrypt the data; the answer is as long.
    Encrypt,
    /// `05 01`: a MAC whose IV is the data's first block; 4 bytes.
    Mac,
}

/// PSAM CRYPTO `80 FA <mode> Lc <data> Le`.
///
/// # Errors
/// Data over 65535 bytes.
pub fn crypto(mode: CryptoMode, data: &[u8]) -> Result<Apdu> {
    match mode {
        CryptoMode::Encrypt => plain(Ins::Crypto, 0x00, 0x00, data, Some(data.len().max(1))),
        CryptoMode::Mac => plain(Ins::Crypto, 0x05, 0x01, data, Some(4)),
    }
}

/// PSAM MAC1 `80 70 00 00 Lc <request> 08`: the answer is the terminal
/// transaction number and MAC1.
///
/// # Errors
/// Data over 65535 bytes.
pub fn mac1(request: &[u8]) -> Result<Apdu> {
    plain(Ins::Mac1, 0x00, 0x00, request, Some(8))
}

/// PSAM VERIFY MAC2 `80 72 00 00 04 <MAC2>`.
pub fn verify_mac2(mac2: &[u8; 4]) -> Apdu {
    fixed(Ins::VerifyMac2, Sensitivity::Plain, 0x00, 0x00, mac2, None)
}
