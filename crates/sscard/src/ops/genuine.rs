//! Is the card genuine? SM4 internal authentication, and on cards with the
//! PKI application, SM2 card authentication (spec 03 §3.4) with the
//! certificate chain checked to a configured root.

use sscard_apdu::StatusWord;
use sscard_crypto::x509::{self, Certificate};
use sscard_crypto::{Signature, DEFAULT_ID};

use super::Terminal;
use crate::error::{Error, Result};
use crate::pin::{PinPad, PinPrompt};
use crate::security::SecurityModule;
use crate::transport::Transport;
use sscard_apdu::commands::{self, BinaryAt};

/// Where certificate chains must end.
#[derive(Clone)]
pub struct Trust {
    /// The root CA.
    pub root: Certificate,
    /// Intermediate CAs (the issuing CA), leaf-side first.
    pub intermediates: Vec<Certificate>,
}

/// What the genuineness check did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Genuine {
    /// SM4 internal authentication passed.
    pub internal_auth: bool,
    /// SM2 card authentication passed (None: the card has no PKI application).
    pub sm2_auth: Option<bool>,
}

fn not_genuine(step: impl Into<String>) -> Error {
    Error::NotGenuine { step: step.into() }
}

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// Internal authentication, then SM2 card authentication when the card
    /// model has the PKI application.
    ///
    /// # Errors
    /// [`Error::NotGenuine`] naming the failing step.
    pub fn check_genuine(&mut self, trust: &Trust) -> Result<Genuine> {
        self.internal_auth()?;
        let facts = self.facts_or_identify()?;
        if facts.profile.roles.pki.is_none() {
            return Ok(Genuine {
                internal_auth: true,
                sm2_auth: None,
            });
        }
        self.sm2_auth(trust)?;
        Ok(Genuine {
            internal_auth: true,
            sm2_auth: Some(true),
        })
    }

    /// Reads the signing certificate (EF 0018) of the PKI application.
    ///
    /// # Errors
    /// Card errors; [`Error::NotGenuine`] when it does not parse.
    pub fn read_signing_certificate(&mut self) -> Result<Certificate> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        let pki = profile
            .roles
            .pki
            .as_ref()
            .ok_or_else(|| Error::NotSupported("no PKI application on this card".into()))?;
        self.select_df(&profile, pki.application())?;
        let ef = profile
            .ef(&pki.signing_certificate)
            .ok_or_else(|| Error::NotSupported("no certificate file".into()))?
            .clone();
        self.select_ef(ef.fid)?;
        // The DER header gives the length: read 4 bytes, then the rest.
        let head = self
            .card
            .command(&commands::read_holder_binary(BinaryAt::Offset(0), 4)?)?;
        let total = match head.as_slice() {
            [0x30, 0x82, a, b] => 4 + usize::from(u16::from_be_bytes([*a, *b])),
            [0x30, 0x81, a, _] => 3 + usize::from(*a),
            _ => {
                return Err(not_genuine(
                    "certificate file does not hold a DER certificate",
                ))
            }
        };
        let mut der = head;
        while der.len() < total {
            let off = der.len();
            let n = (total - off).min(0xE0);
            let at = BinaryAt::Offset(u16::try_from(off).unwrap_or(u16::MAX));
            der.extend(self.card.command(&commands::read_holder_binary(at, n)?)?);
        }
        der.truncate(total);
        Certificate::from_der(&der)
            .map_err(|e| not_genuine(format!("certificate does not parse: {e}")))
    }

    /// SM2 card authentication: chain, challenge, PKI PIN, SIGN HASH, verify.
    ///
    /// # Errors
    /// [`Error::NotGenuine`] for a bad chain or signature; PIN errors.
    pub fn sm2_auth(&mut self, trust: &Trust) -> Result<()> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        let cert = self.read_signing_certificate()?;
        let chain: Vec<Certificate> = std::iter::once(cert.clone())
            .chain(trust.intermediates.iter().cloned())
            .collect();
        x509::verify_chain(&chain, &trust.root, self.now())
            .map_err(|e| not_genuine(format!("certificate chain: {e}")))?;
        let key = cert
            .public_key()
            .map_err(|e| not_genuine(format!("certificate key: {e}")))?;
        let challenge =
            sscard_crypto::random::bytes::<32>().map_err(|e| Error::Reader(e.to_string()))?;
        let user_pin = profile
            .roles
            .pki
            .as_ref()
            .map(|p| p.user_pin.clone())
            .ok_or_else(|| Error::NotSupported("no PKI application on this card".into()))?;
        if !self.state.pin_ok(&user_pin) {
            self.verify_named_pin(&profile, &user_pin, PinPrompt::PkiUser)?;
        }
        let e = key
            .digest(DEFAULT_ID.as_bytes(), &challenge)
            .map_err(|e| not_genuine(e.to_string()))?;
        let r = self.card.send(&commands::sign_hash(&e))?;
        if r.sw() != StatusWord::Success {
            return Err(Error::from_card("SIGN HASH", r.sw()));
        }
        let sig = Signature::from_raw(r.data())
            .map_err(|_| not_genuine("SIGN HASH answer is not r‖s"))?;
        key.verify_digest(&e, &sig)
            .map_err(|_| not_genuine("SM2 signature does not verify under the certificate's key"))
    }
}
