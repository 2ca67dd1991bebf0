//! Master-key files (spec 01 §1.4): one entry per key version, found by
//! name or by PSAM address. They feed the PSAM simulator and the software
//! security module; real masters never leave a PSAM or HSM.
//!
//! ```toml
//! test_only = true
//! [[key]]
//! name = "IRK"
//! address = "0170"
//! version = 1
//! value = "…32 hex digits…"
//! algorithm = "sm4"        # or "des" (2-key 3DES); sm4 when absent
//! ```
//!
//! A PSAM keeps one key environment per algorithm (02 §2.5), so the same
//! name, version and address may appear once per algorithm.

use std::path::Path;

use serde::Deserialize;
use sscard_crypto::{Scheme, SymKey};
use toml::Spanned;

use crate::error::{Lines, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    test_only: bool,
    #[serde(default)]
    key: Vec<RawKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    name: Spanned<String>,
    address: Spanned<String>,
    version: Spanned<u8>,
    value: Spanned<String>,
    #[serde(default)]
    algorithm: Option<Spanned<String>>,
}

/// One master key version.
#[derive(Debug, Clone)]
pub struct MasterKey {
    /// Key name from the key table.
    pub name: String,
    /// PSAM logical address of this version.
    pub address: u16,
    /// Version, 1 to 3.
    pub version: u8,
    /// The key (redacted in `Debug`, wiped on drop).
    pub value: SymKey,
    /// The algorithm it is a key of.
    pub scheme: Scheme,
}

/// A master-key file.
#[derive(Debug, Clone)]
pub struct MasterKeys {
    /// The file it came from.
    pub file: String,
    /// Whether the file declares itself test-only.
    pub test_only: bool,
    keys: Vec<MasterKey>,
}

impl MasterKeys {
    /// Loads a key file.
    ///
    /// # Errors
    /// [`Error::Io`], [`Error::Syntax`], or [`Error::Invalid`] for a bad
    /// address, value, version, or a duplicate.
    pub fn load_file(path: impl AsRef<Path>) -> Result<Self> {
        let (file, src) = crate::error::read_source(path.as_ref())?;
        Self::load_str(&file, &src)
    }

    /// Loads key-file text; `file` names it in messages.
    ///
    /// # Errors
    /// As [`MasterKeys::load_file`].
    pub fn load_str(file: &str, src: &str) -> Result<Self> {
        let l = Lines::new(file, src);
        let raw: Raw = toml::from_str(src).map_err(|e| l.syntax(&e))?;
        let mut keys: Vec<MasterKey> = Vec::with_capacity(raw.key.len());
        for k in raw.key {
            let name = k.name.get_ref().clone();
            let at = format!("key {name}");
            let address = hex::decode(k.address.get_ref())
                .ok()
                .and_then(|b| <[u8; 2]>::try_from(b).ok())
                .map(u16::from_be_bytes)
                .ok_or_else(|| l.invalid(k.address.span(), &at, "address is not 4 hex digits"))?;
            let version = *k.version.get_ref();
            if !(1..=3).contains(&version) {
                return Err(l.invalid(k.version.span(), &at, "version must be 1, 2 or 3"));
            }
            let value = SymKey::from_hex(k.value.get_ref())
                .map_err(|_| l.invalid(k.value.span(), &at, "value is not 32 hex digits"))?;
            let scheme = match k
                .algorithm
                .as_ref()
                .map(|a| (a.get_ref().as_str(), a.span()))
            {
                None | Some(("sm4", _)) => Scheme::Sm4,
                Some(("des", _)) => Scheme::TripleDes,
                Some((_, span)) => {
                    return Err(l.invalid(span, &at, "algorithm must be \"sm4\" or \"des\""))
                }
            };
            let keys_of = |x: &&MasterKey| x.scheme == scheme;
            if keys
                .iter()
                .filter(keys_of)
                .any(|x| x.name == name && x.version == version)
            {
                return Err(l.invalid(
                    k.name.span(),
                    &at,
                    format!("version {version} given twice"),
                ));
            }
            if let Some(other) = keys.iter().filter(keys_of).find(|x| x.address == address) {
                return Err(l.invalid(
                    k.address.span(),
                    &at,
                    format!(
                        "address {address:04X} already holds {} version {}",
                        other.name, other.version
                    ),
                ));
            }
            keys.push(MasterKey {
                name,
                address,
                version,
                value,
                scheme,
            });
        }
        Ok(Self {
            file: file.to_owned(),
            test_only: raw.test_only,
            keys,
        })
    }

    /// The `scheme` key `name` at `version`.
    pub fn by_name(&self, scheme: Scheme, name: &str, version: u8) -> Option<&MasterKey> {
        self.keys
            .iter()
            .find(|k| k.scheme == scheme && k.name == name && k.version == version)
    }

    /// The `scheme` key stored at PSAM `address`.
    pub fn by_address(&self, scheme: Scheme, address: u16) -> Option<&MasterKey> {
        self.keys
            .iter()
            .find(|k| k.scheme == scheme && k.address == address)
    }

    /// All keys.
    pub fn iter(&self) -> impl Iterator<Item = &MasterKey> {
        self.keys.iter()
    }
}
