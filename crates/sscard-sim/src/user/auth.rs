//! GET CHALLENGE, INTERNAL AUTHENTICATE and EXTERNAL AUTHENTICATE.

use sscard_apdu::{Command, Response, StatusWord};
use subtle::ConstantTimeEq;

use super::{sw, UserCard};
use crate::image::CardImage;
use crate::sim::Tx;

/// External-authentication tries of a fresh key [design].
pub const KEY_TRIES: u8 = 3;

impl UserCard {
    pub(super) fn get_challenge(&mut self, cmd: &Command) -> Response {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return sw(StatusWord::WrongP1P2);
        }
        let n = match cmd.le() {
            Some(n @ (4 | 8)) => n,
            _ => return sw(StatusWord::WrongLength),
        };
        let Ok(r) = sscard_crypto::random::bytes::<8>() else {
            return sw(StatusWord::NoDiagnosis);
        };
        let mut c = [0u8; 8];
        c[..n].copy_from_slice(&r[..n]);
        self.v.challenges.push(c);
        if self.v.challenges.len() > 2 {
            self.v.challenges.remove(0);
        }
        Response::ok(c[..n].to_vec())
    }

    pub(super) fn internal_auth(&mut self, image: &CardImage, cmd: &Command) -> Response {
        let id = if cmd.p2 == 0 { 0x08 } else { cmd.p2 };
        let Some(key) = self.profile.key_by_id(id).map(|k| k.name.clone()) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let Some(card_key) = Self::card_key(image, &key) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let (Ok(r1), Ok(r2)) = (
            <[u8; 8]>::try_from(cmd.data().get(..8).unwrap_or(&[])),
            <[u8; 8]>::try_from(cmd.data().get(8..).unwrap_or(&[])),
        ) else {
            return sw(StatusWord::WrongLength);
        };
        match self.scheme() {
            Ok(s) => Response::ok(s.auth_data(&card_key, &r1, &r2).to_vec()),
            Err(e) => sw(e),
        }
    }

    pub(super) fn external_auth(&mut self, tx: &mut Tx<'_>, cmd: &Command) -> Response {
        let Some(key) = self.profile.key_by_id(cmd.p2).map(|k| k.name.clone()) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let Some(state) = tx.image().keys.get(&key).cloned() else {
            return sw(StatusWord::ReferenceNotFound);
        };
        if state.tries_left == 0 {
            return sw(StatusWord::AuthMethodBlocked);
        }
        let data = cmd.data();
        if data.len() != 16 {
            return sw(StatusWord::WrongLength);
        }
        // R1 and R2 must be the card's own two latest challenges; each use consumes them.
        let challenges = std::mem::take(&mut self.v.challenges);
        let [r1, r2] = match challenges.as_slice() {
            [a, b] => [*a, *b],
            _ => return sw(StatusWord::ReferenceDataInvalid),
        };
        if data[8..] != r2 {
            return sw(StatusWord::ReferenceDataInvalid);
        }
        let Some(card_key) = Self::card_key(tx.image(), &key) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let scheme = match self.scheme() {
            Ok(s) => s,
            Err(e) => return sw(e),
        };
        let expected = scheme.auth_data(&card_key, &r1, &r2);
        if bool::from(expected.as_slice().ct_eq(&data[..8])) {
            if state.tries_left != KEY_TRIES {
                if let Some(k) = tx.edit().keys.get_mut(&key) {
                    k.tries_left = KEY_TRIES;
                }
            }
            self.v.keys.insert(key);
            Response::ok(Vec::new())
        } else {
            let left = state.tries_left - 1;
            if let Some(k) = tx.edit().keys.get_mut(&key) {
                k.tries_left = left;
            }
            sw(StatusWord::VerifyFailed { tries: left })
        }
    }
}
