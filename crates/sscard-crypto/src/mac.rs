//! The SM4 CBC-MAC of spec 02 §2.3: padding `80 00…` to whole blocks, CBC
//! from an IV, first 4 bytes of the last block.

use crate::cipher::{self, BLOCK};
use crate::secret::Sm4Key;

/// `data ‖ 80 ‖ 00…` to a multiple of 16 bytes (the `80` is always added).
pub fn pad80(data: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(data.len() + BLOCK);
    v.extend_from_slice(data);
    v.push(0x80);
    while !v.len().is_multiple_of(BLOCK) {
        v.push(0);
    }
    v
}

/// The IV of a secure-messaging MAC: the card's latest challenge,
/// right-padded with `00` to 16 bytes (longer input is cut).
pub fn iv_from_challenge(challenge: &[u8]) -> [u8; 16] {
    let mut iv = [0u8; 16];
    let n = challenge.len().min(16);
    iv[..n].copy_from_slice(&challenge[..n]);
    iv
}

/// The last CBC block over `pad80(data)`.
pub fn cbc_mac_block(key: &Sm4Key, iv: &[u8; 16], data: &[u8]) -> [u8; 16] {
    let cipher = cipher::BlockCipher::new(key);
    let mut state = *iv;
    for chunk in pad80(data).chunks(BLOCK) {
        for (s, d) in state.iter_mut().zip(chunk) {
            *s ^= d;
        }
        state = cipher.encrypt(&state);
    }
    state
}

/// The 4-byte MAC of spec 02 §2.3.
pub fn cbc_mac(key: &Sm4Key, iv: &[u8; 16], data: &[u8]) -> [u8; 4] {
    let b = cbc_mac_block(key, iv, data);
    [b[0], b[1], b[2], b[3]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_always_adds_80() {
        assert_eq!(pad80(&[]).len(), 16);
        assert_eq!(pad80(&[0; 15]).len(), 16);
        assert_eq!(pad80(&[0; 16]).len(), 32);
        assert_eq!(pad80(&[1; 16])[16], 0x80);
    }

    #[test]
    fn mac_equals_last_cbc_block() -> crate::Result<()> {
        let key = Sm4Key::new([7; 16]);
        let iv = iv_from_challenge(&[1, 2, 3, 4, 5, 6, 7, 8]);
        let data = b"medical debit MAC input, 37 bytes....";
        let ct = cipher::cbc_encrypt(&key, &iv, &pad80(data))?;
        assert_eq!(&ct[ct.len() - 16..ct.len() - 12], &cbc_mac(&key, &iv, data));
        Ok(())
    }
}
