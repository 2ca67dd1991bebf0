//! Card operations over a card session, a security module and a PIN pad.
//! Each operation works on the card in hand and reports a typed error;
//! the transport and the module are whatever the integrator chose.

pub mod basic;
pub mod card_info;
pub mod debit;
pub mod ecash_load;
pub mod files;
pub mod genuine;
pub mod hsm;
pub mod hsm_auth;
pub mod log;
pub mod pan;
pub mod payment;
pub mod perso;
mod perso_check;
pub mod pin;
#[cfg(feature = "sim")]
pub mod sim_card;
mod state;

use std::path::Path;
use std::sync::Arc;

use sscard_apdu::record::Record;
use sscard_apdu::tlv::{find_path, Tlv};
use sscard_apdu::StatusWord;
use sscard_profile::{AccessRule, Algorithm, Element, Generation, Profile};

use crate::error::{Error, Result};
use crate::pin::{PinPad, PinPrompt};
use crate::security::SecurityModule;
use crate::session::{Observer, Session, Stats};
use crate::transport::trace::Trace;
use crate::transport::Transport;
use sscard_apdu::commands::{self, RecordAt};
use state::CardState;

/// The card models the terminal knows, by generation.
#[derive(Clone)]
pub struct Profiles(Vec<Arc<Profile>>);

impl Profiles {
    /// Every user-card profile in `dir` (`card-profiles/`).
    ///
    /// # Errors
    /// The first profile that does not load.
    pub fn load_dir(dir: &Path) -> Result<Self> {
        let mut v = Vec::new();
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| {
                Error::BadArgument(format!(
                    "{}: {}",
                    dir.display(),
                    sscard_profile::error::io_reason(&e)
                ))
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        entries.sort();
        for p in entries {
            let profile = sscard_profile::load_file(&p)?;
            if profile.card.kind == sscard_profile::CardKind::User {
                v.push(Arc::new(profile));
            }
        }
        Ok(Self(v))
    }

    /// From loaded profiles.
    pub fn new(profiles: Vec<Arc<Profile>>) -> Self {
        Self(profiles)
    }

    /// The profile for `generation`: the same generation, else the nearest
    /// above it (a 1.0 card is read with the 2.0 model).
    pub fn for_generation(&self, generation: Generation) -> Option<Arc<Profile>> {
        self.0
            .iter()
            .filter(|p| p.card.generation() >= generation)
            .min_by_key(|p| p.card.generation())
            .cloned()
    }
}

/// What the terminal learned about the card in hand.
#[derive(Clone)]
pub struct CardFacts {
    /// Card identification code.
    pub card_id: [u8; 16],
    /// EF05 tag 03.
    pub spec_version: String,
    /// From the spec version.
    pub generation: Generation,
    /// From the FCI, or the area-code rule.
    pub algorithm: Algorithm,
    /// The scheme of the card's keys (SSF33 cards are refused before).
    pub scheme: sscard_crypto::Scheme,
    /// The card model used.
    pub profile: Arc<Profile>,
}

impl core::fmt::Debug for CardFacts {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "CardFacts {{ card_id: {}, generation: {:?} }}",
            hex::encode_upper(self.card_id),
            self.generation
        )
    }
}

/// A terminal: the card, the security module, the PIN pad.
pub struct Terminal<C: Transport, S: SecurityModule, P: PinPad> {
    /// The card session.
    card: Session<C>,
    /// The security module.
    sm: S,
    /// The PIN pad.
    pad: P,
    profiles: Profiles,
    /// Selection, satisfied rules and card facts.
    state: CardState,
    /// Digit limits and the initial PIN (configuration).
    pub(crate) pin_policy: crate::pin::PinPolicy,
    /// The terminal journal of purse purchases, when one is configured.
    pub(crate) journal: Option<crate::journal::Journal>,
    /// Where the time comes from.
    clock: Box<dyn crate::clock::Clock>,
}

/// What a PSAM's `6A88` for `key` means to the caller, who then turns to
/// the HSM steps: the application key (`[roles]`, RKSSSE) missing is -2203; a key above the ministry level
/// (province, city: a card from another region) is -24; others stay -27272.
pub(crate) fn missing_key(profile: &Profile, key: &sscard_profile::Key, e: Error) -> Error {
    match e {
        Error::Psam {
            sw: StatusWord::ReferenceNotFound,
            ..
        } if key.name == profile.roles.application_key => Error::PsamNoRkssse,
        Error::Psam {
            sw: StatusWord::ReferenceNotFound,
            ..
        } if matches!(
            key.level,
            sscard_profile::KeyLevel::Province | sscard_profile::KeyLevel::City
        ) =>
        {
            Error::PsamKeyLevel
        }
        e => e,
    }
}

/// The SSSE DF name (spec 01 §1.1), as every profile has it.
pub const SSSE: &str = "SSSE";

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// A terminal.
    pub fn new(card: C, sm: S, pad: P, profiles: Profiles) -> Self {
        Self {
            card: Session::new(card),
            sm,
            pad,
            profiles,
            state: CardState::default(),
            pin_policy: crate::pin::PinPolicy::default(),
            journal: None,
            clock: Box::new(crate::clock::SystemClock),
        }
    }

    /// The card session, to read: its counts and its transport.
    pub fn session(&self) -> &Session<C> {
        &self.card
    }

    /// The transport, to change what is behind it (a test swapping the
    /// simulated card). The terminal notices a swapped card by its
    /// identity check ([`Error::CardMismatch`]).
    pub fn transport_mut(&mut self) -> &mut C {
        self.card.transport_mut()
    }

    /// Shows every exchange to `observer` ([`Session::observe`]).
    pub fn observe(&mut self, observer: Observer) {
        self.card.observe(observer);
    }

    /// Starts recording a redacted trace of `operation`.
    pub fn record(&mut self, operation: &str) {
        self.card.record(operation);
    }

    /// Starts recording a trace that keeps personal data in clear
    /// ([`Session::record_revealing`]).
    pub fn record_revealing(&mut self, operation: &str) {
        self.card.record_revealing(operation);
    }

    /// Stops recording; the trace with its counts.
    pub fn take_trace(&mut self) -> Option<Trace> {
        self.card.take_trace()
    }

    /// The counts so far, counting again from zero.
    pub fn take_stats(&mut self) -> Stats {
        self.card.take_stats()
    }

    /// Reads the time from `clock` (certificate validity, certificates
    /// issued at personalisation, journal timestamps); the system clock by
    /// default.
    pub fn set_clock(&mut self, clock: impl crate::clock::Clock + 'static) {
        self.clock = Box::new(clock);
    }

    /// Now, by the terminal's clock.
    pub(crate) fn now(&self) -> std::time::SystemTime {
        self.clock.now()
    }

    /// Replaces the PIN pad (a configuration reloaded).
    pub fn set_pad(&mut self, pad: P) {
        self.pad = pad;
    }

    /// Resets the card; the terminal forgets the selection, the rules
    /// satisfied and the card's facts. Returns the ATR.
    ///
    /// # Errors
    /// Transport errors.
    pub fn reset(&mut self) -> Result<Vec<u8>> {
        self.state.reset();
        self.card.reset()
    }

    /// Sends a command the terminal did not build (`sscard apdu`, a
    /// script). It may select anything or satisfy anything, so the
    /// terminal forgets what it knew of the card's state first.
    ///
    /// # Errors
    /// Transport errors; a malformed answer.
    pub fn send_raw(&mut self, apdu: &sscard_apdu::Apdu) -> Result<sscard_apdu::Response> {
        self.state.reset();
        self.card.send(apdu)
    }

    /// Records every purse purchase in `journal` (written before DEBIT,
    /// completed with the TAC) and settles a card's pending records before
    /// its next purse operation.
    pub fn set_journal(&mut self, journal: crate::journal::Journal) {
        self.journal = Some(journal);
    }

    /// The journal, if one is set.
    pub fn journal(&self) -> Option<&crate::journal::Journal> {
        self.journal.as_ref()
    }

    /// Sets the PIN policy: the digit limits a PIN pad enforces (else the
    /// profile's) and the issuer's initial PIN (-35, -36).
    pub fn set_pin_policy(&mut self, policy: crate::pin::PinPolicy) {
        self.pin_policy = policy;
    }

    /// What is known about the card (after any operation).
    pub fn facts(&self) -> Option<&CardFacts> {
        self.state.facts()
    }

    fn any_profile(&self) -> Result<Arc<Profile>> {
        self.profiles
            .for_generation(Generation::V1)
            .ok_or_else(|| Error::BadArgument("no user card profile loaded".into()))
    }

    /// Selects SSSE, reads the card identification code and the version,
    /// and learns the algorithm. Re-checks the card identity when it was
    /// already known: a swapped card is [`Error::CardMismatch`].
    ///
    /// # Errors
    /// [`Error::WrongCardType`] when there is no SSSE, [`Error::NotSupported`] for SSF33.
    pub fn identify(&mut self) -> Result<CardFacts> {
        let any = self.any_profile()?;
        let ssse = any
            .df(SSSE)
            .and_then(|d| d.name.clone())
            .ok_or_else(|| Error::BadArgument("profile without SSSE".into()))?;
        self.state.leave_application();
        let fci = match self.card.select_name(&ssse) {
            Ok(f) => f,
            Err(Error::Card {
                sw: StatusWord::FileNotFound,
                ..
            }) => {
                return Err(Error::WrongCardType(
                    "no social-security application (SELECT SSSE: 6A82)".into(),
                ))
            }
            Err(e) => return Err(e),
        };
        let algorithm_byte = Tlv::parse_all(&fci)
            .ok()
            .and_then(|t| find_path(&t, &[0x6F, 0xA5, 0x9F0C]).and_then(|x| x.parse_value().ok()))
            .and_then(|inner| {
                find_path(&inner, &[0x86])
                    .and_then(Tlv::bytes)
                    .and_then(|b| b.first().copied())
            });
        let ef05 = any
            .ef("SSSE/EF05")
            .ok_or_else(|| Error::BadArgument("profile without SSSE/EF05".into()))?
            .fid;
        self.state.entered(SSSE);
        self.select_ef(ef05)?;
        // EF05 by tag (01 card identification code, 03 version), as
        // deployed readers do: record numbers differ between vendors.
        let id_rec = self.read_record_raw(RecordAt::Tag(0x01), 18, false)?;
        let card_id: [u8; 16] = id_rec
            .value
            .as_slice()
            .try_into()
            .map_err(|_| Error::BadCardId(format!("{} bytes", id_rec.value.len())))?;
        let version = self.read_record_raw(RecordAt::Tag(0x03), 6, false)?;
        let spec_version = sscard_apdu::field::an_decode(&version.value).unwrap_or_default();
        let generation = Generation::from_spec_version(&spec_version);
        let algorithm = match algorithm_byte {
            Some(0x03) => Algorithm::Sm4,
            Some(0x02) => Algorithm::Ssf33,
            Some(0x01) => Algorithm::Des,
            Some(_) | None if card_id[0] == 0x11 => Algorithm::Ssf33,
            _ => Algorithm::Des,
        };
        let scheme = algorithm.scheme().ok_or_else(|| {
            Error::NotSupported(
                "SSF33 cards (algorithm 02): a classified algorithm with no public implementation"
                    .into(),
            )
        })?;
        if let Some(old) = self.state.facts() {
            if old.card_id != card_id {
                self.state.forget_card();
                return Err(Error::CardMismatch(
                    "the card was swapped between steps".into(),
                ));
            }
        }
        let profile = self.profiles.for_generation(generation).ok_or_else(|| {
            Error::NotSupported(format!("no profile for generation {generation:?}"))
        })?;
        let facts = CardFacts {
            card_id,
            spec_version,
            generation,
            algorithm,
            scheme,
            profile,
        };
        self.state.learned(facts.clone());
        Ok(facts)
    }

    /// The facts, identifying the card when not yet known.
    ///
    /// # Errors
    /// As [`Terminal::identify`].
    pub fn facts_or_identify(&mut self) -> Result<CardFacts> {
        match self.state.facts() {
            Some(f) => Ok(f.clone()),
            None => self.identify(),
        }
    }

    /// READ RECORD of the current EF; a holder's record (`personal`) is
    /// masked in traces.
    fn read_record_raw(&mut self, at: RecordAt, le: usize, personal: bool) -> Result<Record> {
        let c = if personal {
            commands::read_holder_record(at, le)?
        } else {
            commands::read_record(at, le)?
        };
        let data = self.card.command(&c)?;
        Record::parse(&data).map_err(|e| Error::Malformed {
            command: "READ RECORD",
            reason: e.to_string(),
        })
    }

    /// Makes `path` (`SSSE/DF01`) the current DF: nothing is sent when it
    /// already is; otherwise the application by name, then each DF below it
    /// by FID. Key authentications belong to the DF and are forgotten; a
    /// PIN stays within its scope, as on the card.
    fn select_df(&mut self, profile: &Profile, path: &str) -> Result<()> {
        if self.state.df() == Some(path) {
            return Ok(());
        }
        // Down from the current DF when the target lies below it.
        let (mut walked, rest) = match self.state.entering(profile, path) {
            Some(cur) => {
                let rest = path[cur.len() + 1..].to_owned();
                (cur, rest)
            }
            None => (String::new(), path.to_owned()),
        };
        for part in rest.split('/') {
            walked = if walked.is_empty() {
                part.to_owned()
            } else {
                format!("{walked}/{part}")
            };
            let df = profile
                .df(&walked)
                .ok_or_else(|| Error::BadArgument(format!("no DF {walked}")))?;
            match (&df.name, df.fid) {
                (Some(name), _) => {
                    self.card.select_name(name)?;
                }
                (None, Some(fid)) => self.card.select_fid(fid)?,
                _ => {
                    return Err(Error::BadArgument(format!(
                        "DF {walked} has neither name nor FID"
                    )))
                }
            }
        }
        self.state.entered(path);
        Ok(())
    }

    /// Makes `fid` the current EF of the current DF, unless it is.
    fn select_ef(&mut self, fid: u16) -> Result<()> {
        if self.state.ef() == Some(fid) {
            return Ok(());
        }
        self.state.set_ef(None);
        self.card.select_fid(fid)?;
        self.state.set_ef(Some(fid));
        Ok(())
    }

    /// An 8-byte card challenge (GET CHALLENGE).
    pub(crate) fn challenge(&mut self) -> Result<[u8; 8]> {
        self.card
            .command(&commands::get_challenge())?
            .try_into()
            .map_err(|_| Error::Malformed {
                command: "GET CHALLENGE",
                reason: "not 8 bytes".into(),
            })
    }

    /// External authentication with `key` in the current DF, through the
    /// security module.
    fn external_auth(&mut self, profile: &Profile, key: &str, df: &str) -> Result<()> {
        if self.state.key_ok(key, df) {
            return Ok(());
        }
        let facts = self.facts_or_identify()?;
        let k = profile
            .key(key)
            .ok_or_else(|| Error::BadArgument(format!("no key {key}")))?;
        let id =
            k.id.ok_or_else(|| Error::BadArgument(format!("key {key} has no identifier")))?;
        let r1 = self.challenge()?;
        let r2 = self.challenge()?;
        let auth = self
            .sm
            .auth_data(facts.scheme, k.card_address(), &facts.card_id, &r1, &r2)
            .map_err(|e| missing_key(profile, k, e))?;
        let data = [auth, r2].concat();
        self.send_external_auth(key, id, df, &data)
    }

    /// EXTERNAL AUTHENTICATE with key `id` (named `key`) and `data` (auth
    /// data and source); on success the key stands in `df`.
    pub(crate) fn send_external_auth(
        &mut self,
        key: &str,
        id: u8,
        df: &str,
        data: &[u8],
    ) -> Result<()> {
        let r = self
            .card
            .send(&commands::external_authenticate_with(id, data)?)?;
        match r.sw() {
            StatusWord::Success => {
                self.state.key_authenticated(key, df);
                Ok(())
            }
            StatusWord::VerifyFailed { tries } => Err(Error::ExternalAuth { tries }),
            sw => Err(Error::from_card("EXTERNAL AUTHENTICATE", sw)),
        }
    }

    /// Satisfies an access rule: PIN from the pad, key through the module.
    /// For "PIN or key", `prefer_pin` chooses (`iAuthType` 1 PIN, 2 key).
    fn satisfy(
        &mut self,
        profile: &Profile,
        rule: &AccessRule,
        df: &str,
        prefer_pin: bool,
    ) -> Result<()> {
        match rule {
            AccessRule::Free => Ok(()),
            AccessRule::Never => Err(Error::Card {
                command: "access rule",
                sw: StatusWord::SecurityNotSatisfied,
            }),
            AccessRule::Pin(p) if self.state.pin_ok(p) => Ok(()),
            AccessRule::Pin(p) => self.verify_named_pin(profile, p, PinPrompt::Verify),
            AccessRule::Key(k) => self.external_auth(profile, k, df),
            AccessRule::PinAndKey(p, k) => {
                if !self.state.pin_ok(p) {
                    self.verify_named_pin(profile, p, PinPrompt::Verify)?;
                }
                self.external_auth(profile, k, df)
            }
            AccessRule::PinOrKey(p, k) => {
                if self.state.pin_ok(p) || self.state.key_ok(k, df) {
                    Ok(())
                } else if prefer_pin {
                    self.verify_named_pin(profile, p, PinPrompt::Verify)
                } else {
                    self.external_auth(profile, k, df)
                }
            }
        }
    }

    /// Reads element `name` of the card model: selects its file, satisfies
    /// its read rule, reads the record with the exact Le. Returns the value.
    ///
    /// # Errors
    /// Card and access errors.
    pub fn read_element(&mut self, name: &str) -> Result<Vec<u8>> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        let (ef, el) = profile
            .element(name)
            .ok_or_else(|| Error::InvalidInput(format!("no element {name}")))?;
        let (ef, el): (sscard_profile::Ef, Element) = (ef.clone(), el.clone());
        self.read_record_of(&profile, &ef, &el, el.record, true)
    }

    fn read_record_of(
        &mut self,
        profile: &Profile,
        ef: &sscard_profile::Ef,
        el: &Element,
        number: u8,
        prefer_pin: bool,
    ) -> Result<Vec<u8>> {
        self.select_df(profile, &ef.df)?;
        self.satisfy(profile, &ef.read, &ef.df, prefer_pin)?;
        self.select_ef(ef.fid)?;
        // By tag (01 §1.2 [public]: record numbers differ between vendors),
        // by number only where the tag repeats (`40:1`, `40:2`).
        let at = if el.occurrences <= 1 && number == el.record {
            RecordAt::Tag(el.tag)
        } else {
            RecordAt::Number(number)
        };
        let rec = self.read_record_raw(at, el.length + 2, el.personal)?;
        if rec.tag != el.tag {
            return Err(Error::Malformed {
                command: "READ RECORD",
                reason: format!(
                    "record {number} has tag {:02X}, expected {:02X}",
                    rec.tag, el.tag
                ),
            });
        }
        Ok(rec.value)
    }
}
