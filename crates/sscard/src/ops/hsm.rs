//! The reader interface's HSM flows (spec 05 `iReadCardBas_HSM_Step1/2`):
//! when the terminal has no PSAM, step 1 does everything up to the
//! cryptography and returns what the remote key server must compute;
//! step 2 takes the server's authentication data and finishes. The card
//! session stays open between the steps; a card swapped in between is
//! [`Error::CardMismatch`].

use sscard_profile::{AccessRule, Generation};

use super::Terminal;
use crate::error::{Error, Result};
use crate::ops::basic::{historical_bytes, BasicInfo};
pub use crate::ops::hsm_auth::{AuthPair, HsmAuth};
use crate::pin::PinPad;
use crate::security::SecurityModule;
use crate::transport::Transport;

/// An internal authentication done by the card, to be checked by the key
/// server's answer (the first step of `iReloadPIN_HSM` / `iUnblockPIN_HSM`).
#[derive(Debug, Clone)]
pub struct GenuineStep {
    /// What the key server computes (IRK).
    pub auth: HsmAuth,
    answer: [u8; 8],
}

/// An external authentication the key server must compute before a file
/// can be read or written (`iReadCard_HSM_Step1`, `iWriteCard_HSM_Step1`).
#[derive(Debug, Clone)]
pub struct KeyStep {
    /// What the key server computes.
    pub auth: HsmAuth,
    key_name: String,
    key_id: u8,
    df: String,
}

/// What step 1 returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadBasStep1 {
    /// Issuing area code.
    pub area_code: String,
    /// ATR historical bytes (hex).
    pub historical_bytes: String,
    /// Algorithm id (`03`).
    pub algorithm: u8,
    /// Card identification code (hex).
    pub card_id: String,
    /// Internal authentication (IRK).
    pub internal: HsmAuth,
    /// External authentication (RKSSSE) for a 3.0 card; none for 1.0/2.0.
    pub external: Option<HsmAuth>,
    /// The card's internal authentication answer, kept for step 2.
    card_answer: [u8; 8],
    card_id_raw: [u8; 16],
}

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// Internal authentication (IRK) whose answer the key server checks.
    ///
    /// # Errors
    /// Card errors.
    pub fn genuine_step1(&mut self) -> Result<GenuineStep> {
        let (auth, answer) = self.internal_auth_answer()?;
        Ok(GenuineStep { auth, answer })
    }

    /// Checks the card's answer against the key server's `expected`
    /// authentication data (its source already checked).
    ///
    /// # Errors
    /// [`Error::NotGenuine`] when they differ.
    pub fn genuine_check(&mut self, step: &GenuineStep, expected: [u8; 8]) -> Result<()> {
        if expected != step.answer {
            return Err(Error::NotGenuine {
                step: "internal authentication (IRK) through the key server".into(),
            });
        }
        Ok(())
    }

    /// The one key `addr` needs (read or write rule), with its PIN part
    /// satisfied first; two challenges for the key server.
    ///
    /// # Errors
    /// [`Error::NoKeyServerNeeded`] when no file needs a key;
    /// [`Error::InvalidInput`] when the files need two different keys
    /// (one key server request per call).
    pub fn key_step1(&mut self, addr: &super::files::FileAddr, write: bool) -> Result<KeyStep> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        let mut needs: Vec<(String, String, Option<String>)> = Vec::new();
        for f in &addr.files {
            let ef = profile
                .ef_by_address(&f.name)
                .ok_or_else(|| Error::InvalidInput(format!("no file {} on this card", f.name)))?;
            let rule = if write { &ef.update } else { &ef.read };
            let need = match rule {
                AccessRule::Key(k) => Some((k.clone(), None)),
                AccessRule::PinAndKey(p, k) => Some((k.clone(), Some(p.clone()))),
                AccessRule::PinOrKey(_, k) => Some((k.clone(), None)),
                _ => None,
            };
            if let Some((k, pin)) = need {
                if !needs.iter().any(|(x, d, _)| *x == k && *d == ef.df) {
                    needs.push((k, ef.df.clone(), pin));
                }
            }
        }
        let (key_name, df, pin) = match needs.as_slice() {
            [] => return Err(Error::NoKeyServerNeeded),
            [one] => one.clone(),
            _ => {
                return Err(Error::InvalidInput(format!(
                    "pFileAddr needs {} keys ({}): one key per key-server call",
                    needs.len(),
                    needs
                        .iter()
                        .map(|(k, d, _)| format!("{k} in {d}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        };
        let key = profile
            .key(&key_name)
            .ok_or_else(|| Error::BadArgument(format!("no key {key_name}")))?;
        let key_id = key
            .id
            .ok_or_else(|| Error::BadArgument(format!("key {key_name} has no identifier")))?;
        self.select_df(&profile, &df)?;
        if let Some(p) = pin {
            if !self.state.pin_ok(&p) {
                self.verify_named_pin(&profile, &p, crate::pin::PinPrompt::Verify)?;
            }
        }
        let auth = HsmAuth {
            key_address: key.card_address(),
            process_factor: self.challenge()?,
            source: self.challenge()?,
        };
        Ok(KeyStep {
            auth,
            key_name,
            key_id,
            df,
        })
    }

    /// Sends the key server's authentication data `auth` (its source
    /// already checked): EXTERNAL AUTHENTICATE; the key then stands for
    /// the rest of the call.
    ///
    /// # Errors
    /// [`Error::ExternalAuth`] with the tries left.
    pub fn key_authenticate(&mut self, step: &KeyStep, auth: [u8; 8]) -> Result<()> {
        self.send_external_auth(
            &step.key_name,
            step.key_id,
            &step.df,
            &[auth, step.auth.source].concat(),
        )
    }

    /// Step 1 of reading basic information through an HSM.
    ///
    /// # Errors
    /// Card errors; [`Error::WrongCardType`], [`Error::NotSupported`].
    pub fn read_basic_info_hsm_step1(&mut self) -> Result<ReadBasStep1> {
        self.state.forget_card();
        let facts = self.identify()?;
        let profile = facts.profile.clone();
        let (internal, answer) = self.internal_auth_answer()?;
        // The key that guards EF06 decides whether an external step is needed.
        let ef06_key = profile.element("ssn").and_then(|(ef, _)| match &ef.read {
            AccessRule::Key(k) => profile.key(k).cloned(),
            _ => None,
        });
        let external = match ef06_key {
            Some(k) if facts.generation >= Generation::V3 => Some(HsmAuth {
                key_address: k.card_address(),
                process_factor: self.challenge()?,
                source: self.challenge()?,
            }),
            _ => None,
        };
        Ok(ReadBasStep1 {
            area_code: hex::encode_upper(&facts.card_id[..3]),
            historical_bytes: hex::encode_upper(historical_bytes(&self.card.transport().atr())),
            algorithm: facts.algorithm.id(),
            card_id: hex::encode_upper(facts.card_id),
            internal,
            external,
            card_answer: answer,
            card_id_raw: facts.card_id,
        })
    }

    /// Step 2: checks the card's internal answer against the HSM's
    /// (`internal`: auth data and source), sends the HSM's external
    /// authentication data (`external`), reads the rest.
    ///
    /// # Errors
    /// [`Error::NotGenuine`], [`Error::ExternalAuth`], [`Error::CardMismatch`];
    /// [`Error::InvalidInput`] for sources that are not step 1's.
    pub fn read_basic_info_checked(
        &mut self,
        step1: &ReadBasStep1,
        internal: AuthPair,
        external: Option<AuthPair>,
    ) -> Result<BasicInfo> {
        let (internal, isrc) = internal;
        if isrc != step1.internal.source {
            return Err(Error::InvalidInput(
                "pKey: the internal source is not step 1's".into(),
            ));
        }
        let facts = self.identify()?;
        if facts.card_id != step1.card_id_raw {
            return Err(Error::CardMismatch("another card than in step 1".into()));
        }
        if internal != step1.card_answer {
            return Err(Error::NotGenuine {
                step: "internal authentication (IRK) through the HSM".into(),
            });
        }
        if let Some(ext) = step1.external {
            let (auth, src) = external.ok_or_else(|| {
                Error::InvalidInput("pKey: external authentication data missing".into())
            })?;
            if src != ext.source {
                return Err(Error::InvalidInput(
                    "pKey: the external source is not step 1's".into(),
                ));
            }
            let profile = facts.profile.clone();
            let key = profile
                .key_by_address(ext.key_address)
                .map(|(k, _)| k.clone())
                .ok_or_else(|| Error::BadArgument("unknown external key".into()))?;
            let id = key
                .id
                .ok_or_else(|| Error::BadArgument(format!("key {} has no identifier", key.name)))?;
            self.send_external_auth(&key.name, id, super::SSSE, &[auth, src].concat())?;
        }
        self.finish_basic_info(&facts)
    }
}
