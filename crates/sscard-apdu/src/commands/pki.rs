//! The PKI application's commands (spec 03).

use super::{fixed, Apdu};
use crate::ins::{Ins, Sensitivity};

/// The key-pair reference of GENERATE KEY PAIR and EXPORT PUBLIC KEY: the
/// private key file `0012`, the public key file `0013` (03).
const KEY_PAIR: [u8; 8] = [0xC0, 0x02, 0x00, 0x12, 0xC2, 0x02, 0x00, 0x13];

/// GENERATE KEY PAIR `80 40 00 00 08 C0 02 00 12 C2 02 00 13`.
pub fn generate_key_pair() -> Apdu {
    fixed(
        Ins::GenerateKeyPair,
        Sensitivity::Plain,
        0x00,
        0x00,
        &KEY_PAIR,
        None,
    )
}

/// EXPORT PUBLIC KEY, first part `80 C9 82 00 08 C0 02 00 12 C2 02 00 13`.
pub fn export_public_key() -> Apdu {
    fixed(
        Ins::ExportPublicKey,
        Sensitivity::Plain,
        0x82,
        0x00,
        &KEY_PAIR,
        None,
    )
}

/// EXPORT PUBLIC KEY, second part `80 C9 82 80 00`: the answer is `x‖y`.
pub fn export_public_key_value() -> Apdu {
    fixed(
        Ins::ExportPublicKey,
        Sensitivity::Plain,
        0x82,
        0x80,
        &[],
        Some(256),
    )
}

/// SIGN HASH `80 2A 9E 9A 20 <e 32> 00`: the answer is `r‖s`.
pub fn sign_hash(e: &[u8; 32]) -> Apdu {
    fixed(Ins::SignHash, Sensitivity::Plain, 0x9E, 0x9A, e, Some(256))
}
