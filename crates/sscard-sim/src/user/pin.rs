//! VERIFY, CHANGE PIN, RELOAD PIN and UNBLOCK PIN (spec 02 §2.1).

use sscard_apdu::field::Format;
use sscard_apdu::{Command, Response, StatusWord};
use subtle::ConstantTimeEq;

use super::{sw, UserCard};
use crate::sim::Tx;

/// Packed BCD back to digits; `None` for anything but digits and `F` padding.
pub fn bcd_to_pin(bytes: &[u8]) -> Option<String> {
    Format::Cn.decode(bytes).ok().filter(|d| !d.is_empty())
}

/// A PIN as the card keeps its reference: packed BCD at the PIN's own
/// length, an odd digit count padded with one `F` (02 §2.1).
pub fn pin_block(digits: &str) -> Vec<u8> {
    Format::Cn
        .encode(digits, digits.len().div_ceil(2))
        .unwrap_or_default()
}

/// Digits from a block in exactly the reference form, else `None` (a
/// block with extra `FF` bytes is not a PIN the card would store).
fn canonical_pin(bytes: &[u8]) -> Option<String> {
    bcd_to_pin(bytes).filter(|d| pin_block(d) == bytes)
}

impl UserCard {
    /// The PIN with VERIFY reference `reference` whose scope holds the current DF.
    fn pin_for(&self, reference: u8) -> Option<sscard_profile::Pin> {
        let df = &self.v.df;
        self.profile
            .pins
            .iter()
            .filter(|p| p.reference == reference)
            .find(|p| p.scope == "MF" || *df == p.scope || df.starts_with(&format!("{}/", p.scope)))
            .cloned()
    }

    /// Checks `candidate` against PIN `name`: counts a failure, resets the
    /// counter on success. Returns the status to answer.
    fn check_pin(
        &mut self,
        tx: &mut Tx<'_>,
        pin: &sscard_profile::Pin,
        candidate: &[u8],
    ) -> StatusWord {
        let Some(state) = tx.image().pins.get(&pin.name) else {
            return StatusWord::ReferenceNotFound;
        };
        if state.tries_left == 0 {
            return StatusWord::AuthMethodBlocked;
        }
        // The whole data field against the reference block: another length
        // or padding (an FF-filled 8-byte block for a 6-digit PIN) is a
        // wrong PIN and costs a try, as on a real COS.
        let reference = pin_block(&state.value);
        if bool::from(reference.as_slice().ct_eq(candidate)) {
            if state.tries_left != pin.tries {
                if let Some(s) = tx.edit().pins.get_mut(&pin.name) {
                    s.tries_left = pin.tries;
                }
            }
            self.v.pins.insert(pin.name.clone());
            StatusWord::Success
        } else {
            let left = state.tries_left - 1;
            if let Some(s) = tx.edit().pins.get_mut(&pin.name) {
                s.tries_left = left;
            }
            self.v.pins.remove(&pin.name);
            StatusWord::VerifyFailed { tries: left }
        }
    }

    pub(super) fn verify(&mut self, tx: &mut Tx<'_>, cmd: &Command) -> Response {
        if cmd.p1 != 0x00 {
            return sw(StatusWord::WrongP1P2);
        }
        let Some(pin) = self.pin_for(cmd.p2) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        if cmd.data().is_empty() {
            // The try counter, as ISO/IEC 7816-4 allows.
            return match tx.image().pins.get(&pin.name) {
                Some(s) if s.tries_left == 0 => sw(StatusWord::AuthMethodBlocked),
                Some(s) => sw(StatusWord::VerifyFailed {
                    tries: s.tries_left,
                }),
                None => sw(StatusWord::ReferenceNotFound),
            };
        }
        if cmd.data().len() > usize::from(pin.max_length).div_ceil(2) {
            return sw(StatusWord::WrongLength);
        }
        sw(self.check_pin(tx, &pin, cmd.data()))
    }

    pub(super) fn change_pin(&mut self, tx: &mut Tx<'_>, cmd: &Command) -> Response {
        if cmd.p1 != 0x01 || cmd.p2 != 0x00 {
            return sw(StatusWord::WrongP1P2);
        }
        let Some(pin) = self.pin_for(0x00) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let data = cmd.data();
        let Some(split) = data.iter().position(|b| *b == 0xFF) else {
            return sw(StatusWord::WrongData);
        };
        let (old, new) = (&data[..split], &data[split + 1..]);
        let Some(new_digits) = canonical_pin(new) else {
            return sw(StatusWord::WrongData);
        };
        if !(usize::from(pin.min_length)..=usize::from(pin.max_length)).contains(&new_digits.len())
        {
            return sw(StatusWord::WrongLength);
        }
        match self.check_pin(tx, &pin, old) {
            StatusWord::Success => {
                if let Some(s) = tx.edit().pins.get_mut(&pin.name) {
                    s.value = new_digits;
                    s.tries_left = pin.tries;
                }
                Response::ok(Vec::new())
            }
            other => sw(other),
        }
    }

    /// RELOAD PIN: `84 5E 00 00 Lc <E(session, len‖PIN‖80…)> <MAC 4>`: one
    /// 16-byte block under SM4 (Lc `14`), one or two 8-byte blocks under
    /// 3DES; the padding must be exactly `80 00…`.
    pub(super) fn reload_pin(&mut self, tx: &mut Tx<'_>, cmd: &Command) -> Response {
        let Some(pin) = self.pin_for(0x00) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let Some(key_name) = pin.unblock_key.clone() else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let scheme = match self.scheme() {
            Ok(s) => s,
            Err(e) => return sw(e),
        };
        let body_len = cmd.data().len().saturating_sub(4);
        let blocks = body_len / scheme.block();
        let most = if scheme == sscard_crypto::Scheme::Sm4 {
            1
        } else {
            2
        };
        if !body_len.is_multiple_of(scheme.block()) || !(1..=most).contains(&blocks) {
            self.take_challenge();
            return sw(StatusWord::WrongLength);
        }
        let challenge = self.v.challenges.last().copied();
        let body = match self.check_sm_mac(tx.image(), cmd, Some(&key_name)) {
            Ok(b) => b,
            Err(s) => return sw(s),
        };
        let (Some(challenge), Some(key)) = (challenge, Self::card_key(tx.image(), &key_name))
        else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let session = scheme.session_key(&key, &challenge);
        let Ok(plain) = scheme.ecb_decrypt(&session, &body) else {
            return sw(StatusWord::WrongData);
        };
        let n = usize::from(plain[0]);
        let bcd_len = n.div_ceil(2);
        let digits = plain
            .get(1..1 + bcd_len)
            .filter(|_| scheme.pad80(&plain[..1 + bcd_len]) == plain)
            .and_then(canonical_pin)
            .filter(|d| d.len() == n);
        match digits {
            Some(d)
                if (usize::from(pin.min_length)..=usize::from(pin.max_length))
                    .contains(&d.len()) =>
            {
                if let Some(s) = tx.edit().pins.get_mut(&pin.name) {
                    s.value = d;
                    s.tries_left = pin.tries;
                }
                Response::ok(Vec::new())
            }
            _ => sw(StatusWord::WrongData),
        }
    }

    /// UNBLOCK PIN: `84 24 00 00 04 <MAC 4>` under PUK.
    pub(super) fn unblock_pin(&mut self, tx: &mut Tx<'_>, cmd: &Command) -> Response {
        let Some(pin) = self.pin_for(0x00) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let Some(key_name) = pin.unblock_key.clone() else {
            return sw(StatusWord::ReferenceNotFound);
        };
        if cmd.data().len() != 4 {
            self.take_challenge();
            return sw(StatusWord::WrongLength);
        }
        if let Err(s) = self.check_sm_mac(tx.image(), cmd, Some(&key_name)) {
            return sw(s);
        }
        if let Some(s) = tx.edit().pins.get_mut(&pin.name) {
            s.tries_left = pin.tries;
        }
        Response::ok(Vec::new())
    }
}
