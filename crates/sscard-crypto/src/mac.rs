//! The SM4 CBC-MAC of spec 02 §2.3: padding `80 00…` to whole blocks, CBC
//! from an IV. The 4-byte MAC of either scheme is [`crate::Scheme::mac`].

use crate::cipher::{self, BLOCK};
use crate::secret::SymKey;

/// `data ‖ 80 ‖ 00…` to a multiple of 16 bytes (the `80` is always added).
pub fn pad80(data: &[u8]) -> Vec<u8> {
    pad80_to(data, BLOCK)
}

/// `data ‖ 80 ‖ 00…` to a multiple of `block` bytes (ISO/IEC 9797-1
/// padding method 2: the `80` is always added).
pub fn pad80_to(data: &[u8], block: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(data.len() + block);
    v.extend_from_slice(data);
    v.push(0x80);
    while !v.len().is_multiple_of(block) {
        v.push(0);
    }
    v
}

/// The last CBC block over `pad80(data)`.
pub fn cbc_mac_block(key: &SymKey, iv: &[u8; 16], data: &[u8]) -> [u8; 16] {
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
        let key = SymKey::new([7; 16]);
        let iv = [1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0];
        let data = b"medical debit MAC input, 37 bytes....";
        let ct = cipher::cbc_encrypt(&key, &iv, &pad80(data))?;
        assert_eq!(&ct[ct.len() - 16..], &cbc_mac_block(&key, &iv, data));
        assert_eq!(
            &ct[ct.len() - 16..ct.len() - 12],
            &crate::Scheme::Sm4.mac(&key, &iv[..8], data)
        );
        Ok(())
    }
}
