//! Key diversification factors (spec 01 §1.6): the area factor and the
//! card factor from the card identification code. The steps themselves,
//! for SM4 and 3DES, are [`crate::Scheme`]'s.

use crate::error::{Error, Result};

/// The 16-byte card identification code (EF05 tag 01).
pub type CardId = [u8; 16];

/// The second-level (area) factor from the card identification code
/// [public]: area code `33…` gives the first 2 bytes as 4 ASCII hex digits
/// then `30 30 73 78`; any other the first 3 bytes as 6 ASCII hex digits
/// then `73 78`.
pub fn area_factor(card_id: &CardId) -> [u8; 8] {
    let digits = hex::encode_upper(&card_id[..3]).into_bytes();
    let mut f = [0u8; 8];
    if card_id[0] == 0x33 {
        f[..4].copy_from_slice(&digits[..4]);
        f[4..].copy_from_slice(&[0x30, 0x30, 0x73, 0x78]);
    } else {
        f[..6].copy_from_slice(&digits);
        f[6..].copy_from_slice(&[0x73, 0x78]);
    }
    f
}

/// The card factor: bytes 8..16 of the card identification code [design].
pub fn card_factor(card_id: &CardId) -> [u8; 8] {
    let mut f = [0u8; 8];
    f.copy_from_slice(&card_id[8..]);
    f
}

/// Reads a card identification code from a slice.
///
/// # Errors
/// [`Error::Length`] unless it is 16 bytes.
pub fn card_id(bytes: &[u8]) -> Result<CardId> {
    CardId::try_from(bytes).map_err(|_| Error::Length {
        what: "card identification code",
        expected: 16,
        got: bytes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_factor_examples_from_the_spec() {
        let mut id = [0u8; 16];
        id[..3].copy_from_slice(&[0x33, 0x01, 0x00]);
        assert_eq!(
            area_factor(&id),
            [0x33, 0x33, 0x30, 0x31, 0x30, 0x30, 0x73, 0x78]
        );
        id[..3].copy_from_slice(&[0x65, 0x01, 0x00]);
        assert_eq!(
            area_factor(&id),
            [0x36, 0x35, 0x30, 0x31, 0x30, 0x30, 0x73, 0x78]
        );
    }
}
