//! Authentication data for internal and external authentication
//! (spec 02 §2.1): `SM4(session key, R2 ‖ 80 00…)`, first 8 bytes, with the
//! session key diversified from the card key by R1.

use crate::cipher;
use crate::diversify::{card_key, session_key, CardId};
use crate::mac::pad80;
use crate::secret::Sm4Key;

/// Authentication data from a card key: R1 is the process factor, R2 the source.
pub fn auth_data(card_key: &Sm4Key, r1: &[u8; 8], r2: &[u8; 8]) -> [u8; 8] {
    let session = session_key(card_key, r1);
    let mut block = [0u8; 16];
    block.copy_from_slice(&pad80(r2));
    let out = cipher::encrypt_block(&session, &block);
    let mut a = [0u8; 8];
    a.copy_from_slice(&out[..8]);
    a
}

/// Authentication data from a master key, as a PSAM or HSM computes it.
pub fn auth_data_from_master(
    master: &Sm4Key,
    card_id: &CardId,
    r1: &[u8; 8],
    r2: &[u8; 8],
) -> [u8; 8] {
    auth_data(&card_key(master, card_id), r1, r2)
}
