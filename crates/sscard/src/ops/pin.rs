//! PIN verify, change, reload and unblock (spec 02 §2.1).

use super::{cmd, Terminal};
use crate::error::{Error, Result};
use sscard_crypto::Scheme;
use zeroize::Zeroizing;

use crate::pin::{Pin, PinPad, PinPrompt};
use crate::security::SecurityModule;
use crate::transport::trace::Sensitivity;
use crate::transport::Transport;

const HOLDER: &str = "holder";

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// Verifies the cardholder PIN, typed on the pad.
    ///
    /// # Errors
    /// [`Error::WrongPin`] with the tries left, [`Error::PinBlocked`], …
    pub fn verify_pin(&mut self) -> Result<()> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        self.select_df(&profile, super::SSSE)?;
        self.pins_ok.retain(|p| p != HOLDER);
        self.verify_named_pin(&profile, HOLDER, PinPrompt::Verify)
    }

    /// Changes the cardholder PIN: old, new, new again from the pad.
    ///
    /// # Errors
    /// [`Error::PinMismatch`] when the new PINs differ (nothing is sent),
    /// [`Error::WrongPin`] for a wrong old PIN.
    pub fn change_pin(&mut self) -> Result<()> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        self.select_df(&profile, super::SSSE)?;
        let old = self.pad.read_pin(PinPrompt::Old)?;
        let new = self.pad.read_pin(PinPrompt::New)?;
        let again = self.pad.read_pin(PinPrompt::Confirm)?;
        if new != again {
            return Err(Error::PinMismatch);
        }
        let data = [&old.to_bcd()[..], &[0xFF], &new.to_bcd()[..]].concat();
        let c = cmd(0x80, 0x5E, 0x01, 0x00, &data, None)?;
        let r = self
            .card
            .send("CHANGE PIN", &c, Sensitivity::SecretCommand)?;
        match Error::from_pin_status("CHANGE PIN", r.sw()) {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }

    /// The unblock key of the holder PIN, its address, and a fresh challenge.
    fn puk_challenge(&mut self) -> Result<(Scheme, u16, [u8; 16], [u8; 8])> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        self.select_df(&profile, super::SSSE)?;
        let key = profile
            .pin(HOLDER)
            .and_then(|p| p.unblock_key.clone())
            .and_then(|k| profile.key(&k).map(|k| k.card_address()))
            .ok_or_else(|| Error::BadArgument("the holder PIN has no unblock key".into()))?;
        let challenge = self.challenge()?;
        Ok((facts.scheme, key, facts.card_id, challenge))
    }

    /// The new PIN, typed twice on the pad.
    fn new_pin_twice(&mut self) -> Result<Pin> {
        let new = self.pad.read_pin(PinPrompt::New)?;
        let again = self.pad.read_pin(PinPrompt::Confirm)?;
        if new != again {
            return Err(Error::PinMismatch);
        }
        Ok(new)
    }

    /// What RELOAD PIN needs from the security module: a new PIN from the
    /// pad (twice), a challenge, the block to encrypt under PUK.
    ///
    /// # Errors
    /// [`Error::PinMismatch`] (nothing sent), card errors.
    pub fn reload_request(&mut self) -> Result<SmRequest> {
        let new = self.new_pin_twice()?;
        let (scheme, key_address, card_id, challenge) = self.puk_challenge()?;
        let block =
            Zeroizing::new(scheme.pad80(&[&[new.len() as u8][..], &new.to_bcd()[..]].concat()));
        Ok(SmRequest {
            scheme,
            key_address,
            card_id,
            challenge,
            header: [0x84, 0x5E, 0x00, 0x00, (block.len() + 4) as u8],
            new_pin: Some(new),
            block,
        })
    }

    /// What UNBLOCK PIN needs: a challenge and the header to MAC under PUK.
    ///
    /// # Errors
    /// Card errors.
    pub fn unblock_request(&mut self) -> Result<SmRequest> {
        let (scheme, key_address, card_id, challenge) = self.puk_challenge()?;
        Ok(SmRequest {
            scheme,
            key_address,
            card_id,
            challenge,
            header: [0x84, 0x24, 0x00, 0x00, 0x04],
            new_pin: None,
            block: Zeroizing::new(Vec::new()),
        })
    }

    /// The security module's part of `req`: the encrypted block (RELOAD)
    /// and the MAC over header and block.
    fn sm_finish(&mut self, req: &SmRequest) -> Result<Vec<u8>> {
        let cipher = if req.block.is_empty() {
            Vec::new()
        } else {
            self.sm.sm_encrypt(
                req.scheme,
                req.key_address,
                &req.card_id,
                &req.challenge,
                &req.block,
            )?
        };
        let mac = self.sm.sm_mac(
            req.scheme,
            req.key_address,
            &req.card_id,
            &req.challenge,
            &[&req.header[..], &cipher].concat(),
        )?;
        Ok([cipher, mac.to_vec()].concat())
    }

    /// Sends the finished secure-messaging command of `req` (`data` is the
    /// encrypted block, if any, and the MAC).
    ///
    /// # Errors
    /// Card errors (`6988` for a wrong MAC).
    pub fn send_sm(&mut self, req: &SmRequest, data: &[u8]) -> Result<()> {
        let [cla, ins, p1, p2, _] = req.header;
        let c = cmd(cla, ins, p1, p2, data, None)?;
        let name = if ins == 0x5E {
            "RELOAD PIN"
        } else {
            "UNBLOCK PIN"
        };
        self.card
            .command(name, &c, Sensitivity::SecretCommand)
            .map(|_| ())
    }

    /// Sets a new PIN without the old one (RELOAD PIN under PUK).
    ///
    /// # Errors
    /// Security-module and card errors.
    pub fn reload_pin(&mut self) -> Result<()> {
        let req = self.reload_request()?;
        let data = Zeroizing::new(self.sm_finish(&req)?);
        self.send_sm(&req, &data)
    }

    /// Resets the PIN try counter (UNBLOCK PIN under PUK).
    ///
    /// # Errors
    /// Security-module and card errors.
    pub fn unblock_pin(&mut self) -> Result<()> {
        let req = self.unblock_request()?;
        let data = self.sm_finish(&req)?;
        self.send_sm(&req, &data)
    }
}

/// A secure-messaging PIN command the security module (or, in steps, the
/// key server) must finish: RELOAD PIN or UNBLOCK PIN under PUK.
pub struct SmRequest {
    /// The card's scheme (the line's algorithm id: `01` 3DES, `03` SM4).
    pub scheme: Scheme,
    /// PUK's address.
    pub key_address: u16,
    /// The card identification code (diversification).
    pub card_id: [u8; 16],
    /// The card's challenge: process factor and MAC IV.
    pub challenge: [u8; 8],
    /// The APDU header, Lc counting the MAC.
    pub header: [u8; 5],
    /// The new PIN (RELOAD only).
    pub new_pin: Option<Pin>,
    block: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for SmRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "SmRequest({}, PIN <redacted>)",
            hex::encode_upper(self.header)
        )
    }
}

impl SmRequest {
    /// The step 2 line of `iReloadPIN_HSM` / `iUnblockPIN_HSM`: `algorithm
    /// id|SM key address|process factor|APDU header|new PIN plaintext|`
    /// (empty PIN for unblock). The public interface hands the new PIN to the
    /// key server in the clear: the line is secret, never log it.
    pub fn to_line(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "{:02X}|{:04X}|{}|{}|{}|",
            self.scheme.id(),
            self.key_address,
            hex::encode_upper(self.challenge),
            hex::encode_upper(self.header),
            self.new_pin.as_ref().map_or("", |p| p.digits())
        ))
    }

    /// Parses the key server's answer (step 3 `pKey`): the header, then the
    /// encrypted block (RELOAD, 16 bytes) and the 4-byte MAC, in hex.
    /// Returns the data field to send.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for another header or length, or bad hex.
    pub fn parse_answer(&self, key: &str) -> Result<Vec<u8>> {
        let want = 5 + usize::from(self.header[4]);
        let b = hex::decode(key)
            .ok()
            .filter(|b| b.len() == want)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "pKey: expected {} hex digits (header, data, MAC)",
                    want * 2
                ))
            })?;
        if b[..5] != self.header {
            return Err(Error::InvalidInput(format!(
                "pKey: header {} is not step 2's {}",
                hex::encode_upper(&b[..5]),
                hex::encode_upper(self.header)
            )));
        }
        Ok(b[5..].to_vec())
    }
}
