//! PIN verify, change, reload and unblock (spec 02 §2.1).

use super::{cmd, Terminal};
use crate::error::{Error, Result};
use crate::pin::{PinPad, PinPrompt};
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
    fn puk_challenge(&mut self) -> Result<(u16, [u8; 16], [u8; 8])> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        self.select_df(&profile, super::SSSE)?;
        let key = profile
            .pin(HOLDER)
            .and_then(|p| p.unblock_key.clone())
            .and_then(|k| profile.key(&k).map(|k| k.address))
            .ok_or_else(|| Error::BadArgument("the holder PIN has no unblock key".into()))?;
        let challenge = self.challenge()?;
        Ok((key, facts.card_id, challenge))
    }

    /// Sets a new PIN without the old one (RELOAD PIN under PUK).
    ///
    /// # Errors
    /// Security-module and card errors.
    pub fn reload_pin(&mut self) -> Result<()> {
        let new = self.pad.read_pin(PinPrompt::New)?;
        let again = self.pad.read_pin(PinPrompt::Confirm)?;
        if new != again {
            return Err(Error::PinMismatch);
        }
        let (key, card, challenge) = self.puk_challenge()?;
        let block =
            sscard_crypto::mac::pad80(&[&[new.len() as u8][..], &new.to_bcd()[..]].concat());
        let cipher = self.sm.sm_encrypt(key, &card, &challenge, &block)?;
        let header = [0x84, 0x5E, 0x00, 0x00, (cipher.len() + 4) as u8];
        let mac = self
            .sm
            .sm_mac(key, &card, &challenge, &[&header[..], &cipher].concat())?;
        let c = cmd(
            0x84,
            0x5E,
            0x00,
            0x00,
            &[cipher, mac.to_vec()].concat(),
            None,
        )?;
        self.card
            .command("RELOAD PIN", &c, Sensitivity::SecretCommand)
            .map(|_| ())
    }

    /// Resets the PIN try counter (UNBLOCK PIN under PUK).
    ///
    /// # Errors
    /// Security-module and card errors.
    pub fn unblock_pin(&mut self) -> Result<()> {
        let (key, card, challenge) = self.puk_challenge()?;
        let header = [0x84, 0x24, 0x00, 0x00, 0x04];
        let mac = self.sm.sm_mac(key, &card, &challenge, &header)?;
        let c = cmd(0x84, 0x24, 0x00, 0x00, &mac, None)?;
        self.card
            .command("UNBLOCK PIN", &c, Sensitivity::Plain)
            .map(|_| ())
    }
}
