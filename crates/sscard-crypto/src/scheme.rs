//! The symmetric scheme of a card (spec 01 §1.5, §1.6): SM4 (algorithm
//! `03`) or 2-key 3DES (algorithm `01`). One set of constructions over
//! either: the diversification step, card and session keys, authentication
//! data, the secure-messaging MAC, the block cipher and the TAC key. Every
//! caller (card, PSAM, software module) goes through here, so the two
//! sides of a card conversation cannot disagree on a construction.

use crate::diversify::{area_factor, card_factor, CardId};
use crate::error::Result;
use crate::secret::SymKey;
use crate::{cipher, des, mac};

/// Which block cipher a card's keys belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// SM4 (GB/T 32907): 16-byte blocks, the third-generation card.
    Sm4,
    /// 2-key 3DES: 8-byte blocks, most first- and second-generation cards.
    TripleDes,
}

impl Scheme {
    /// The algorithm identifier of `9F0C` and of INITIALIZE FOR PURCHASE.
    pub const fn id(self) -> u8 {
        match self {
            Self::Sm4 => 0x03,
            Self::TripleDes => 0x01,
        }
    }

    /// The scheme of an algorithm identifier (`01` 3DES, `03` SM4).
    pub const fn from_id(id: u8) -> Option<Self> {
        match id {
            0x01 => Some(Self::TripleDes),
            0x03 => Some(Self::Sm4),
            _ => None,
        }
    }

    /// The block size in bytes.
    pub const fn block(self) -> usize {
        match self {
            Self::Sm4 => cipher::BLOCK,
            Self::TripleDes => des::BLOCK,
        }
    }

    /// `data ‖ 80 ‖ 00…` to whole blocks.
    pub fn pad80(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sm4 => mac::pad80(data),
            Self::TripleDes => des::pad80(data),
        }
    }

    /// ECB encryption of whole blocks.
    ///
    /// # Errors
    /// [`crate::Error::BlockAlignment`] when `data` is not whole blocks.
    pub fn ecb_encrypt(self, key: &SymKey, data: &[u8]) -> Result<Vec<u8>> {
        match self {
            Self::Sm4 => cipher::ecb_encrypt(key, data),
            Self::TripleDes => des::ecb_encrypt(key, data),
        }
    }

    /// ECB decryption of whole blocks.
    ///
    /// # Errors
    /// [`crate::Error::BlockAlignment`] when `data` is not whole blocks.
    pub fn ecb_decrypt(self, key: &SymKey, data: &[u8]) -> Result<Vec<u8>> {
        match self {
            Self::Sm4 => cipher::ecb_decrypt(key, data),
            Self::TripleDes => des::ecb_decrypt(key, data),
        }
    }

    /// One diversification step with an 8-byte factor `F`: SM4
    /// `SM4(parent, F ‖ not F)` [design]; 3DES `3DES(parent, F) ‖
    /// 3DES(parent, not F)` [public PBOC key derivation].
    pub fn step(self, parent: &SymKey, factor: &[u8; 8]) -> SymKey {
        let mut block = [0u8; 16];
        block[..8].copy_from_slice(factor);
        for (i, b) in factor.iter().enumerate() {
            block[8 + i] = !b;
        }
        SymKey::new(match self {
            Self::Sm4 => cipher::encrypt_block(parent, &block),
            Self::TripleDes => {
                let c = des::TripleDes::new(parent);
                let mut out = [0u8; 16];
                out[..8].copy_from_slice(&c.encrypt(factor));
                out[8..].copy_from_slice(&c.encrypt(&not(factor)));
                out
            }
        })
    }

    /// The card key: `step(step(master, area factor), card factor)`.
    pub fn card_key(self, master: &SymKey, card_id: &CardId) -> SymKey {
        self.step(
            &self.step(master, &area_factor(card_id)),
            &card_factor(card_id),
        )
    }

    /// A session (process) key from a card key and an 8-byte process
    /// factor: SM4 one more `step`; 3DES `3DES(card key, factor)`, the
    /// 8-byte single-DES key `K`, held as `K ‖ K`.
    pub fn session_key(self, card_key: &SymKey, factor: &[u8; 8]) -> SymKey {
        match self {
            Self::Sm4 => self.step(card_key, factor),
            Self::TripleDes => {
                let k = des::TripleDes::new(card_key).encrypt(factor);
                doubled(&k)
            }
        }
    }

    /// Authentication data (02 §2.1): the source `r2` encrypted under the
    /// session key from process factor `r1`. SM4: the first 8 bytes of
    /// `SM4(session, r2 ‖ 80 00…)`; 3DES: `DES(session, r2)`.
    pub fn auth_data(self, card_key: &SymKey, r1: &[u8; 8], r2: &[u8; 8]) -> [u8; 8] {
        let session = self.session_key(card_key, r1);
        match self {
            Self::Sm4 => {
                let mut block = [0u8; 16];
                block.copy_from_slice(&mac::pad80(r2));
                first8(&cipher::encrypt_block(&session, &block))
            }
            Self::TripleDes => des::TripleDes::new(&session).encrypt(r2),
        }
    }

    /// Authentication data from a master key, as a PSAM or HSM computes it.
    pub fn auth_data_from_master(
        self,
        master: &SymKey,
        card_id: &CardId,
        r1: &[u8; 8],
        r2: &[u8; 8],
    ) -> [u8; 8] {
        self.auth_data(&self.card_key(master, card_id), r1, r2)
    }

    /// The block the authentication data is computed from, as a PSAM's
    /// CRYPTO is sent it: SM4 `r2 ‖ 80 00…` (16 bytes), 3DES `r2`.
    pub fn auth_source_block(self, r2: &[u8; 8]) -> Vec<u8> {
        match self {
            Self::Sm4 => mac::pad80(r2),
            Self::TripleDes => r2.to_vec(),
        }
    }

    /// The IV of a secure-messaging MAC: the card's challenge right-padded
    /// with `00` to one block (longer input is cut).
    pub fn iv_from_challenge(self, challenge: &[u8]) -> Vec<u8> {
        let mut iv = vec![0u8; self.block()];
        let n = challenge.len().min(iv.len());
        iv[..n].copy_from_slice(&challenge[..n]);
        iv
    }

    /// The 4-byte MAC (02 §2.3): padding `80 00…`, CBC from `iv` (one
    /// block; a shorter one is right-padded with `00`), first 4 bytes of
    /// the last block. SM4 CBC-MAC; 3DES ISO/IEC 9797-1 algorithm 3, which
    /// under a session key `K ‖ K` is single-DES algorithm 1.
    pub fn mac(self, key: &SymKey, iv: &[u8], data: &[u8]) -> [u8; 4] {
        let iv = self.iv_from_challenge(iv);
        let b = match self {
            Self::Sm4 => {
                let mut v = [0u8; 16];
                v.copy_from_slice(&iv);
                mac::cbc_mac_block(key, &v, data).to_vec()
            }
            Self::TripleDes => {
                let mut v = [0u8; 8];
                v.copy_from_slice(&iv);
                des::retail_mac_block(key, &v, data).to_vec()
            }
        };
        [b[0], b[1], b[2], b[3]]
    }

    /// The key of a purse transaction's TAC from the DTK card key: SM4 the
    /// card key itself [design]; 3DES its left half XOR its right half,
    /// single DES (02 §2.4).
    pub fn tac_key(self, dtk_card_key: &SymKey) -> SymKey {
        match self {
            Self::Sm4 => dtk_card_key.clone(),
            Self::TripleDes => {
                let k = dtk_card_key.expose();
                let mut x = [0u8; 8];
                for (i, b) in x.iter_mut().enumerate() {
                    *b = k[i] ^ k[8 + i];
                }
                doubled(&x)
            }
        }
    }
}

impl core::fmt::Display for Scheme {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Sm4 => "SM4",
            Self::TripleDes => "3DES",
        })
    }
}

fn not(f: &[u8; 8]) -> [u8; 8] {
    let mut n = *f;
    for b in &mut n {
        *b = !*b;
    }
    n
}

fn first8(b: &[u8]) -> [u8; 8] {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    a
}

/// A single-DES key `K` as the 16-byte `K ‖ K`.
fn doubled(k: &[u8; 8]) -> SymKey {
    let mut v = [0u8; 16];
    v[..8].copy_from_slice(k);
    v[8..].copy_from_slice(k);
    SymKey::new(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn des_step_is_two_halves_of_3des() -> Result<()> {
        let parent = SymKey::from_hex("0123456789ABCDEFFEDCBA9876543210")?;
        let f = [1, 2, 3, 4, 5, 6, 7, 8];
        let child = Scheme::TripleDes.step(&parent, &f);
        let halves = des::ecb_encrypt(&parent, &[f, not(&f)].concat())?;
        assert_eq!(child.expose().as_slice(), halves.as_slice());
        Ok(())
    }

    #[test]
    fn tac_key_of_a_3des_card_is_the_xor_of_its_halves() -> Result<()> {
        let dtk = SymKey::from_hex("00112233445566778899AABBCCDDEEFF")?;
        let t = Scheme::TripleDes.tac_key(&dtk);
        assert_eq!(hex::encode_upper(t.expose()), "8888888888888888".repeat(2));
        assert_eq!(Scheme::Sm4.tac_key(&dtk), dtk);
        Ok(())
    }
}
