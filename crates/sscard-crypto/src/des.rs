//! DES and 2-key 3DES (RustCrypto `des`) for the cards of algorithm `01`
//! (spec 01 §1.6): ECB and CBC on whole 8-byte blocks and the ISO/IEC
//! 9797-1 MAC algorithm 3 ("retail MAC": single-DES CBC under K1, the last
//! block through 3DES K1 K2 K1). Under a key `K ‖ K` algorithm 3 is
//! algorithm 1, the single-DES CBC-MAC a session key uses.

use cbc::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use des::{Des, TdesEde2};

use crate::error::{Error, Result};
use crate::secret::SymKey;

/// DES block size.
pub const BLOCK: usize = 8;

fn check_blocks(data: &[u8]) -> Result<()> {
    if !data.len().is_multiple_of(BLOCK) {
        return Err(Error::BlockAlignment {
            len: data.len(),
            block: BLOCK,
        });
    }
    Ok(())
}

fn block8(chunk: &[u8]) -> [u8; 8] {
    let mut b = [0u8; 8];
    b.copy_from_slice(&chunk[..8]);
    b
}

/// A 2-key 3DES schedule (EDE, K1 K2 K1) from a 16-byte key.
pub struct TripleDes(TdesEde2);

impl TripleDes {
    /// Expands `key` (K1 ‖ K2).
    pub fn new(key: &SymKey) -> Self {
        Self(TdesEde2::new(key.expose().into()))
    }

    /// Encrypts one block.
    pub fn encrypt(&self, block: &[u8; 8]) -> [u8; 8] {
        let mut b = (*block).into();
        self.0.encrypt_block(&mut b);
        b.into()
    }

    /// Decrypts one block.
    pub fn decrypt(&self, block: &[u8; 8]) -> [u8; 8] {
        let mut b = (*block).into();
        self.0.decrypt_block(&mut b);
        b.into()
    }
}

/// 3DES-ECB encryption of whole blocks.
///
/// # Errors
/// [`Error::BlockAlignment`] when `data` is not a multiple of 8 bytes.
pub fn ecb_encrypt(key: &SymKey, data: &[u8]) -> Result<Vec<u8>> {
    check_blocks(data)?;
    let c = TripleDes::new(key);
    Ok(data
        .chunks(BLOCK)
        .flat_map(|b| c.encrypt(&block8(b)))
        .collect())
}

/// 3DES-ECB decryption of whole blocks.
///
/// # Errors
/// [`Error::BlockAlignment`] when `data` is not a multiple of 8 bytes.
pub fn ecb_decrypt(key: &SymKey, data: &[u8]) -> Result<Vec<u8>> {
    check_blocks(data)?;
    let c = TripleDes::new(key);
    Ok(data
        .chunks(BLOCK)
        .flat_map(|b| c.decrypt(&block8(b)))
        .collect())
}

/// 3DES-CBC encryption of whole blocks.
///
/// # Errors
/// [`Error::BlockAlignment`] when `data` is not a multiple of 8 bytes.
pub fn cbc_encrypt(key: &SymKey, iv: &[u8; 8], data: &[u8]) -> Result<Vec<u8>> {
    check_blocks(data)?;
    let c = TripleDes::new(key);
    let mut state = *iv;
    let mut out = Vec::with_capacity(data.len());
    for chunk in data.chunks(BLOCK) {
        for (s, d) in state.iter_mut().zip(chunk) {
            *s ^= d;
        }
        state = c.encrypt(&state);
        out.extend_from_slice(&state);
    }
    Ok(out)
}

/// `data ‖ 80 ‖ 00…` to a multiple of 8 bytes (the `80` is always added).
pub fn pad80(data: &[u8]) -> Vec<u8> {
    crate::mac::pad80_to(data, BLOCK)
}

/// ISO/IEC 9797-1 MAC algorithm 3 over `pad80(data)` from `iv`: the whole
/// last block (callers keep the first 4 bytes).
pub fn retail_mac_block(key: &SymKey, iv: &[u8; 8], data: &[u8]) -> [u8; 8] {
    let k = key.expose();
    let k1 = Des::new((&block8(&k[..8])).into());
    let last = TripleDes::new(key);
    let padded = pad80(data);
    let n = padded.len() / BLOCK;
    let mut state = *iv;
    for (i, chunk) in padded.chunks(BLOCK).enumerate() {
        for (s, d) in state.iter_mut().zip(chunk) {
            *s ^= d;
        }
        if i + 1 == n {
            state = last.encrypt(&state);
        } else {
            let mut b = state.into();
            k1.encrypt_block(&mut b);
            state = b.into();
        }
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    // FIPS 81 / NBS test: DES(0123456789ABCDEF, "Now is t") = 3FA40E8A984D4815;
    // 3DES with K1 = K2 is single DES.
    #[test]
    fn single_des_known_answer_through_k_k() -> Result<()> {
        let key = SymKey::from_hex("0123456789ABCDEF0123456789ABCDEF")?;
        let ct = ecb_encrypt(&key, b"Now is t")?;
        assert_eq!(hex::encode_upper(ct), "3FA40E8A984D4815");
        assert_eq!(
            ecb_decrypt(&key, &hex::decode("3FA40E8A984D4815").unwrap_or_default())?,
            b"Now is t"
        );
        assert!(ecb_encrypt(&key, &[0; 7]).is_err());
        Ok(())
    }

    #[test]
    fn padding_always_adds_80() {
        assert_eq!(pad80(&[]).len(), 8);
        assert_eq!(pad80(&[0; 7]).len(), 8);
        assert_eq!(pad80(&[0; 8]).len(), 16);
    }
}
