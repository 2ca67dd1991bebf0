//! SM4 (GB/T 32907) in ECB and CBC mode, on whole blocks (callers pad).

use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};
use sm4::Sm4;

use crate::error::{Error, Result};
use crate::secret::SymKey;

/// SM4 block size.
pub const BLOCK: usize = 16;

fn check_blocks(data: &[u8]) -> Result<()> {
    if !data.len().is_multiple_of(BLOCK) {
        return Err(Error::BlockAlignment {
            len: data.len(),
            block: BLOCK,
        });
    }
    Ok(())
}

/// A key schedule, for encrypting many blocks under one key.
pub struct BlockCipher(Sm4);

impl BlockCipher {
    /// Expands `key` once.
    pub fn new(key: &SymKey) -> Self {
        Self(Sm4::new(key.expose().into()))
    }

    /// Encrypts one block.
    pub fn encrypt(&self, block: &[u8; 16]) -> [u8; 16] {
        let mut b = (*block).into();
        self.0.encrypt_block(&mut b);
        b.into()
    }
}

/// Encrypts one block (expanding the key each time; see [`BlockCipher`]).
pub fn encrypt_block(key: &SymKey, block: &[u8; 16]) -> [u8; 16] {
    BlockCipher::new(key).encrypt(block)
}

/// SM4-ECB encryption of whole blocks.
///
/// # Errors
/// [`Error::BlockAlignment`] when `data` is not a multiple of 16 bytes.
pub fn ecb_encrypt(key: &SymKey, data: &[u8]) -> Result<Vec<u8>> {
    check_blocks(data)?;
    Ok(ecb::Encryptor::<Sm4>::new(key.expose().into()).encrypt_padded_vec::<NoPadding>(data))
}

/// SM4-ECB decryption of whole blocks.
///
/// # Errors
/// [`Error::BlockAlignment`] when `data` is not a multiple of 16 bytes.
pub fn ecb_decrypt(key: &SymKey, data: &[u8]) -> Result<Vec<u8>> {
    check_blocks(data)?;
    ecb::Decryptor::<Sm4>::new(key.expose().into())
        .decrypt_padded_vec::<NoPadding>(data)
        .map_err(|_| Error::BlockAlignment {
            len: data.len(),
            block: BLOCK,
        })
}

/// SM4-CBC encryption of whole blocks.
///
/// # Errors
/// [`Error::BlockAlignment`] when `data` is not a multiple of 16 bytes.
pub fn cbc_encrypt(key: &SymKey, iv: &[u8; 16], data: &[u8]) -> Result<Vec<u8>> {
    check_blocks(data)?;
    Ok(cbc::Encryptor::<Sm4>::new(key.expose().into(), iv.into())
        .encrypt_padded_vec::<NoPadding>(data))
}

/// SM4-CBC decryption of whole blocks.
///
/// # Errors
/// [`Error::BlockAlignment`] when `data` is not a multiple of 16 bytes.
pub fn cbc_decrypt(key: &SymKey, iv: &[u8; 16], data: &[u8]) -> Result<Vec<u8>> {
    check_blocks(data)?;
    cbc::Decryptor::<Sm4>::new(key.expose().into(), iv.into())
        .decrypt_padded_vec::<NoPadding>(data)
        .map_err(|_| Error::BlockAlignment {
            len: data.len(),
            block: BLOCK,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbt_32907_one_block() -> Result<()> {
        let key = SymKey::from_hex("0123456789abcdeffedcba9876543210")?;
        let pt: [u8; 16] = hex::decode("0123456789abcdeffedcba9876543210")
            .map_err(|_| Error::PrivateKey)?
            .try_into()
            .map_err(|_| Error::PrivateKey)?;
        let ct = encrypt_block(&key, &pt);
        assert_eq!(hex::encode(ct), "681edf34d206965e86b3e94f536e4246");
        assert_eq!(ecb_decrypt(&key, &ct)?, pt);
        assert!(cbc_encrypt(&key, &[0; 16], &[0; 15]).is_err());
        Ok(())
    }
}
