//! PIN verify, change, reload and unblock (spec 02 §2.1).

use super::Terminal;
use crate::error::{Error, Result};
use sscard_crypto::Scheme;
use zeroize::Zeroizing;

use crate::pin::{Pin, PinPad, PinPrompt};
use crate::security::SecurityModule;
use crate::transport::part10::{
    self, PinLimits, FEATURE_MODIFY_PIN_DIRECT, FEATURE_VERIFY_PIN_DIRECT,
};
use crate::transport::Transport;
use sscard_apdu::commands;
use sscard_profile::Profile;

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// Verifies the cardholder PIN, typed on the pad.
    ///
    /// # Errors
    /// [`Error::WrongPin`] with the tries left, [`Error::PinBlocked`], …
    pub fn verify_pin(&mut self) -> Result<()> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        self.select_df(&profile, super::SSSE)?;
        self.state.pin_forgotten(&profile.roles.holder_pin);
        self.verify_named_pin(&profile, &profile.roles.holder_pin, PinPrompt::Verify)
    }

    /// Verifies the PIN `name` of `profile`: on the reader's PIN pad
    /// (PC/SC part 10 `VERIFY_PIN_DIRECT`, the PIN never reaches the host)
    /// when it has one, else with a PIN from the pad callback, sent at its
    /// own length (02 §2.1). The holder PIN verified with the initial PIN
    /// is [`Error::InitialPin`] (-35): the card accepted it, but no
    /// transaction runs until the holder changes it.
    pub(crate) fn verify_named_pin(
        &mut self,
        profile: &Profile,
        name: &str,
        prompt: PinPrompt,
    ) -> Result<()> {
        let pin_def = profile
            .pin(name)
            .ok_or_else(|| Error::BadArgument(format!("no PIN {name}")))?
            .clone();
        let limits = self.pin_limits(&pin_def);
        let header = commands::verify_header(pin_def.reference);
        let structure = part10::verify_structure(header, limits);
        let (sw, typed) = match part10::run(
            self.card.transport_mut(),
            FEATURE_VERIFY_PIN_DIRECT,
            &structure,
        ) {
            Some(r) => (reader_status("VERIFY", &r?)?, None),
            None => {
                let pin = self.pad.read_pin(prompt)?;
                check_length(&pin, limits)?;
                let c = commands::verify(pin_def.reference, &pin.to_bcd())?;
                let sw = self.card.send(&c)?.sw();
                (sw, Some(pin))
            }
        };
        if let Some(e) = Error::from_pin_status("VERIFY", sw) {
            return Err(e);
        }
        if name == profile.roles.holder_pin && typed.is_some() && typed == self.pin_policy.initial {
            return Err(Error::InitialPin);
        }
        self.state.pin_verified(name);
        Ok(())
    }

    /// The digits a PIN may have: the configured limits, else the profile's.
    fn pin_limits(&self, pin: &sscard_profile::Pin) -> PinLimits {
        self.pin_policy.limits.unwrap_or(PinLimits {
            min: pin.min_length,
            max: pin.max_length,
        })
    }

    /// A new PIN that is the initial PIN: [`Error::InitialPinReused`] (-36).
    fn refuse_initial(&self, new: &Pin) -> Result<()> {
        if self.pin_policy.initial.as_ref() == Some(new) {
            return Err(Error::InitialPinReused);
        }
        Ok(())
    }

    /// Changes the cardholder PIN (`80 5E 01 00 <old> FF <new>`): on the
    /// reader's PIN pad (`MODIFY_PIN_DIRECT`: old, new, new again) when it
    /// has one, else old, new, new again from the pad callback.
    ///
    /// # Errors
    /// [`Error::PinMismatch`] when the new PINs differ (nothing is sent),
    /// [`Error::InitialPinReused`] for the initial PIN as the new one,
    /// [`Error::WrongPin`] for a wrong old PIN.
    pub fn change_pin(&mut self) -> Result<()> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        self.select_df(&profile, super::SSSE)?;
        let pin_def = profile
            .pin(&profile.roles.holder_pin)
            .ok_or_else(|| Error::BadArgument("no holder PIN".into()))?
            .clone();
        let limits = self.pin_limits(&pin_def);
        let (header, separator) = commands::change_pin_header();
        let structure = part10::modify_structure(header, &[separator], limits);
        let sw = match part10::run(
            self.card.transport_mut(),
            FEATURE_MODIFY_PIN_DIRECT,
            &structure,
        ) {
            Some(r) => reader_status("CHANGE PIN", &r?)?,
            None => {
                let old = self.pad.read_pin(PinPrompt::Old)?;
                let new = self.pad.read_pin(PinPrompt::New)?;
                let again = self.pad.read_pin(PinPrompt::Confirm)?;
                if new != again {
                    return Err(Error::PinMismatch);
                }
                check_length(&new, limits)?;
                self.refuse_initial(&new)?;
                let c = commands::change_pin(&old.to_bcd(), &new.to_bcd())?;
                self.card.send(&c)?.sw()
            }
        };
        match Error::from_pin_status("CHANGE PIN", sw) {
            None => {
                self.state.pin_forgotten(&profile.roles.holder_pin);
                Ok(())
            }
            Some(e) => Err(e),
        }
    }

    /// The unblock key of the holder PIN, its address, and a fresh challenge.
    fn puk_challenge(&mut self) -> Result<(Scheme, u16, [u8; 16], [u8; 8])> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        self.select_df(&profile, super::SSSE)?;
        let key = profile
            .pin(&profile.roles.holder_pin)
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
        self.refuse_initial(&new)?;
        Ok(new)
    }

    /// What RELOAD PIN needs from the security module: a new PIN from the
    /// pad (twice), a challenge, the block to encrypt under PUK.
    ///
    /// # Errors
    /// [`Error::PinMismatch`] (nothing sent), card errors.
    pub fn reload_request(&mut self) -> Result<SmRequest> {
        let new = self.new_pin_twice()?;
        self.reload_request_for(new)
    }

    /// The RELOAD PIN request that sets `new`.
    fn reload_request_for(&mut self, new: Pin) -> Result<SmRequest> {
        let (scheme, key_address, card_id, challenge) = self.puk_challenge()?;
        let block =
            Zeroizing::new(scheme.pad80(&[&[new.len() as u8][..], &new.to_bcd()[..]].concat()));
        Ok(SmRequest {
            scheme,
            key_address,
            card_id,
            challenge,
            header: commands::reload_pin_header(block.len()),
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
            header: commands::unblock_pin_header(),
            new_pin: None,
            block: Zeroizing::new(Vec::new()),
        })
    }

    /// The security module's part of `req`: the encrypted block (RELOAD)
    /// and the MAC over header and block.
    fn sm_finish(&mut self, req: &SmRequest) -> Result<Vec<u8>> {
        let found = self.facts().and_then(|f| {
            f.profile
                .key_by_address(req.key_address)
                .map(|(k, _)| (f.profile.clone(), k.clone()))
        });
        self.sm_compute(req).map_err(|e| match &found {
            Some((profile, k)) => super::missing_key(profile, k, e),
            None => e,
        })
    }

    fn sm_compute(&mut self, req: &SmRequest) -> Result<Vec<u8>> {
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
        let c = commands::pin_sm(req.header, data)
            .ok_or_else(|| Error::BadArgument("not a RELOAD PIN or UNBLOCK PIN header".into()))??;
        self.card.command(&c).map(|_| ())
    }

    /// Sets a new PIN without the old one (RELOAD PIN under PUK). The new
    /// PIN must pass through the security module, so on a reader with a PIN
    /// pad, where the holder's PIN never reaches the host, the card is
    /// reloaded with the configured initial PIN and the holder then changes
    /// it on the pad (`MODIFY_PIN_DIRECT`: the initial PIN, the new one twice).
    ///
    /// # Errors
    /// Security-module and card errors; on a PIN pad reader without a
    /// configured initial PIN, [`Error::NotSupported`].
    pub fn reload_pin(&mut self) -> Result<()> {
        if part10::has(self.card.transport_mut(), FEATURE_MODIFY_PIN_DIRECT) {
            let initial = self.pin_policy.initial.clone().ok_or_else(|| {
                Error::NotSupported(
                    "reloading a PIN on a PIN pad reader sets the initial PIN, which the holder then changes on the pad: configure the initial PIN".into(),
                )
            })?;
            let req = self.reload_request_for(initial)?;
            let data = Zeroizing::new(self.sm_finish(&req)?);
            self.send_sm(&req, &data)?;
            return self.change_pin();
        }
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

/// The card's status word in a PIN pad reader's answer.
fn reader_status(command: &'static str, answer: &[u8]) -> Result<sscard_apdu::StatusWord> {
    sscard_apdu::Response::from_bytes(answer)
        .map(|r| r.sw())
        .map_err(|e| Error::Malformed {
            command,
            reason: e.to_string(),
        })
}

/// A PIN outside the digit limits: [`Error::PinLength`] (-33), nothing sent.
fn check_length(pin: &Pin, limits: PinLimits) -> Result<()> {
    if pin.len() < usize::from(limits.min) || pin.len() > usize::from(limits.max) {
        return Err(Error::PinLength);
    }
    Ok(())
}
