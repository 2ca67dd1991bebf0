//! The card image: everything a card keeps across power cycles (its
//! EEPROM). A JSON file, versioned by `format`; binary values are upper-case
//! hex. See `docs/simulator.md`.
//!
//! Saving is atomic: write a temporary file next to the target, fsync it,
//! rename it over the target, fsync the directory.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::error::{Error, Result};

/// The image format this crate reads and writes.
pub const FORMAT: u32 = 1;

/// Bytes that serialise as upper-case hex.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hex(pub Vec<u8>);

impl TryFrom<String> for Hex {
    type Error = String;
    fn try_from(s: String) -> core::result::Result<Self, String> {
        hex::decode(&s)
            .map(Hex)
            .map_err(|e| format!("bad hex: {e}"))
    }
}

impl From<Hex> for String {
    fn from(h: Hex) -> String {
        hex::encode_upper(&h.0)
    }
}

impl core::fmt::Debug for Hex {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

/// Where the card is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    /// Files exist, personalisation may write anything (keys loaded).
    Personalising,
    /// Issued to the holder: access rules apply.
    Issued,
}

impl core::fmt::Display for Lifecycle {
    /// `personalising`, `issued`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Personalising => "personalising",
            Self::Issued => "issued",
        })
    }
}

/// A PIN's value and try counter.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinState {
    /// The digits.
    pub value: String,
    /// Tries left; 0 is blocked.
    pub tries_left: u8,
}

/// A card key (already diversified for this card) and its try counter.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyState {
    /// The 16-byte SM4 card key.
    pub value: Hex,
    /// External-authentication tries left; 0 is blocked.
    pub tries_left: u8,
}

/// An e-purse account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurseState {
    /// Balance in fen.
    pub balance: u32,
    /// Offline transaction counter (of the next purchase).
    pub counter: u16,
    /// The last purchase's proof, for GET TRANSACTION PROVE: the counter it
    /// ran with, its MAC2 and TAC, written in the same commit as the balance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<PurchaseProof>,
}

/// What GET TRANSACTION PROVE answers for the last purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseProof {
    /// The offline counter the purchase ran with.
    pub counter: u16,
    /// Its MAC2.
    pub mac2: [u8; 4],
    /// Its TAC.
    pub tac: [u8; 4],
}

/// The financial application's changing state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcashState {
    /// `9F79`, fen.
    pub balance: u32,
    /// `9F36` application transaction counter.
    pub atc: u16,
    /// Transaction log, newest first.
    pub log: Vec<Hex>,
}

/// A PSAM's changing state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PsamState {
    /// Terminal transaction number of the next MAC1.
    pub txn_counter: u32,
    /// SM4 master keys by PSAM address.
    pub masters: BTreeMap<String, Hex>,
    /// 3DES master keys by PSAM address (the DES key environment).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub des_masters: BTreeMap<String, Hex>,
}

impl PsamState {
    /// The master keys of `scheme`'s environment, by address.
    pub fn masters_of(&self, scheme: sscard_crypto::Scheme) -> &BTreeMap<String, Hex> {
        match scheme {
            sscard_crypto::Scheme::Sm4 => &self.masters,
            sscard_crypto::Scheme::TripleDes => &self.des_masters,
        }
    }
}

/// Everything a card keeps across power cycles.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardImage {
    /// Image format ([`FORMAT`]).
    pub format: u32,
    /// The profile file it was made from.
    pub profile: String,
    /// SM3 of that profile's text (hex): which version of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_digest: Option<String>,
    /// That profile's text, so that the image opens where the profile
    /// file is not (a custom profile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_source: Option<String>,
    /// Life-cycle state.
    pub lifecycle: Lifecycle,
    /// Card identification code (EF05 tag 01), the diversification input.
    pub card_id: Hex,
    /// Record files: EF path → record number → `tag len value`.
    #[serde(default)]
    pub records: BTreeMap<String, BTreeMap<u8, Hex>>,
    /// Transparent files: EF path → content.
    #[serde(default)]
    pub binaries: BTreeMap<String, Hex>,
    /// Cyclic files: EF path → records, newest first.
    #[serde(default)]
    pub logs: BTreeMap<String, Vec<Hex>>,
    /// PINs by name.
    #[serde(default)]
    pub pins: BTreeMap<String, PinState>,
    /// Card keys by name.
    #[serde(default)]
    pub keys: BTreeMap<String, KeyState>,
    /// Purses by EF path.
    #[serde(default)]
    pub purses: BTreeMap<String, PurseState>,
    /// SM2 private keys by EF path (never readable by a command).
    #[serde(default)]
    pub private_keys: BTreeMap<String, Hex>,
    /// The financial application.
    #[serde(default)]
    pub ecash: Option<EcashState>,
    /// Data objects of the financial application: tag (hex) → value.
    #[serde(default)]
    pub objects: BTreeMap<String, Hex>,
    /// PSAM state.
    #[serde(default)]
    pub psam: Option<PsamState>,
    /// A counterfeit for tests: the card plays back what it recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterfeit: Option<Counterfeit>,
}

/// A counterfeit card (tests of genuineness checks): it answers GET
/// CHALLENGE with values it chose in advance, in turn, and INTERNAL
/// AUTHENTICATE with an answer recorded from a genuine card for those
/// values, whatever it is asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterfeit {
    /// The challenges it gives, in turn.
    pub challenges: Vec<Hex>,
    /// The recorded INTERNAL AUTHENTICATE answer.
    pub internal_answer: Hex,
    /// Challenges given so far (which one is next).
    #[serde(default)]
    pub given: usize,
}

impl core::fmt::Debug for CardImage {
    /// Counts only: an image holds keys, PINs and personal data.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "CardImage {{ profile: {}, lifecycle: {:?}, record files: {}, binaries: {}, logs: {}, pins: {}, keys: {} }}",
            self.profile,
            self.lifecycle,
            self.records.len(),
            self.binaries.len(),
            self.logs.len(),
            self.pins.len(),
            self.keys.len()
        )
    }
}

impl Drop for CardImage {
    fn drop(&mut self) {
        for k in self.keys.values_mut() {
            k.value.0.zeroize();
        }
        for p in self.pins.values_mut() {
            p.value.zeroize();
        }
        for k in self.private_keys.values_mut() {
            k.0.zeroize();
        }
        if let Some(p) = &mut self.psam {
            for k in p.masters.values_mut() {
                k.0.zeroize();
            }
        }
    }
}

impl CardImage {
    /// An empty image.
    pub fn new(profile: &str, card_id: [u8; 16]) -> Self {
        Self {
            format: FORMAT,
            profile: profile.to_owned(),
            profile_digest: None,
            profile_source: None,
            lifecycle: Lifecycle::Personalising,
            card_id: Hex(card_id.to_vec()),
            records: BTreeMap::new(),
            binaries: BTreeMap::new(),
            logs: BTreeMap::new(),
            pins: BTreeMap::new(),
            keys: BTreeMap::new(),
            purses: BTreeMap::new(),
            private_keys: BTreeMap::new(),
            ecash: None,
            objects: BTreeMap::new(),
            psam: None,
            counterfeit: None,
        }
    }

    /// An empty image of `profile`, recording it by name, digest and text.
    pub fn for_profile(profile: &sscard_profile::Profile, card_id: [u8; 16]) -> Self {
        let mut image = Self::new(&profile.file, card_id);
        if !profile.digest.is_empty() {
            image.profile_digest = Some(profile.digest.clone());
            image.profile_source = Some(profile.source.to_string());
        }
        image
    }

    /// The profile this image was made from: `found` (the file of that
    /// name where the caller looks) when it is the same version, else the
    /// copy the image carries; an image without a digest (older images)
    /// takes `found` as it is.
    ///
    /// # Errors
    /// [`Error::Image`] when neither is there, or the carried copy does not load.
    pub fn profile_from(
        &self,
        found: Option<std::sync::Arc<sscard_profile::Profile>>,
    ) -> Result<std::sync::Arc<sscard_profile::Profile>> {
        let err = |reason: String| Error::Image {
            path: self.profile.clone(),
            reason,
        };
        match (&self.profile_digest, found) {
            (None, Some(p)) => Ok(p),
            (Some(d), Some(p)) if *d == p.digest => Ok(p),
            (digest, _) => match &self.profile_source {
                Some(src) => {
                    let p = sscard_profile::load_str(&self.profile, src)
                        .map_err(|e| err(format!("the profile the image carries: {e}")))?;
                    if digest.as_ref().is_some_and(|d| *d != p.digest) {
                        return Err(err(
                            "the profile the image carries does not match its digest".into(),
                        ));
                    }
                    Ok(std::sync::Arc::new(p))
                }
                None => Err(err(
                    "the image's profile is not here, and the image does not carry it".into(),
                )),
            },
        }
    }

    /// The card identification code as an array (zeros if malformed).
    pub fn card_id(&self) -> [u8; 16] {
        <[u8; 16]>::try_from(self.card_id.0.as_slice()).unwrap_or([0; 16])
    }

    /// Reads an image file.
    ///
    /// # Errors
    /// [`Error::Image`] when it cannot be read, does not parse, or has
    /// another format.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Image {
            path: path.display().to_string(),
            reason: sscard_profile::error::io_reason(&e),
        })?;
        let image: CardImage = serde_json::from_str(&text).map_err(|e| Error::Image {
            path: path.display().to_string(),
            reason: if e.is_eof() {
                format!("truncated at byte {}", text.len())
            } else {
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
                format!(
                    "not a card image at line {} column {}: {msg}",
                    e.line(),
                    e.column()
                )
            },
        })?;
        if image.format != FORMAT {
            return Err(Error::Image {
                path: path.display().to_string(),
                reason: format!(
                    "image format {} (this simulator reads {FORMAT})",
                    image.format
                ),
            });
        }
        Ok(image)
    }

    /// Writes the image atomically (`sscard_profile::atomic`).
    ///
    /// # Errors
    /// [`Error::Image`] on any I/O failure; the old file is then untouched.
    pub fn save(&self, path: &Path) -> Result<()> {
        let err = |e: std::io::Error| Error::Image {
            path: path.display().to_string(),
            reason: sscard_profile::error::io_reason(&e),
        };
        let json = serde_json::to_vec_pretty(self).map_err(|e| Error::Image {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        sscard_profile::atomic::write_atomically(path, &json).map_err(err)?;
        Ok(())
    }

    /// As [`CardImage::save`], but an existing file is left alone and is
    /// an error.
    ///
    /// # Errors
    /// [`Error::Image`]: the file exists, or the I/O error.
    pub fn save_new(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| Error::Image {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        sscard_profile::atomic::write_new(path, &json).map_err(|e| Error::Image {
            path: path.display().to_string(),
            reason: if e.kind() == std::io::ErrorKind::AlreadyExists {
                "exists; give --force to replace it".into()
            } else {
                sscard_profile::error::io_reason(&e)
            },
        })
    }
}
