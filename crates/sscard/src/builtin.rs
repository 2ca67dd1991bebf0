//! The card profiles built into the library (`card-profiles/`), parsed
//! once per process, and the one way the CLI and the C ABI find a profile
//! by name: a file, a file of a profiles folder, else built in.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use sscard_profile::Profile;

use crate::error::{Error, Result};
use crate::ops::Profiles;

/// The built-in profiles: file name and text.
pub const BUILT_IN: [(&str, &str); 4] = [
    (
        "ssc-3.0.toml",
        include_str!("../../../card-profiles/ssc-3.0.toml"),
    ),
    (
        "ssc-2.0.toml",
        include_str!("../../../card-profiles/ssc-2.0.toml"),
    ),
    (
        "ssc-1.0.toml",
        include_str!("../../../card-profiles/ssc-1.0.toml"),
    ),
    (
        "psam.toml",
        include_str!("../../../card-profiles/psam.toml"),
    ),
];

/// A built-in model by file name.
pub type Named = (&'static str, Arc<Profile>);

/// The built-in models, parsed once per process (parsing is most of a
/// C ABI call's own cost: `sscard-ffi/benches/calls.rs`).
///
/// # Errors
/// [`Error::BadArgument`] if a built-in profile does not load (a build defect).
pub fn all() -> Result<&'static [Named]> {
    static LOADED: OnceLock<core::result::Result<Vec<Named>, String>> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            BUILT_IN
                .iter()
                .map(|(file, src)| {
                    sscard_profile::load_str(file, src)
                        .map(|p| (*file, Arc::new(p)))
                        .map_err(|e| e.to_string())
                })
                .collect()
        })
        .as_deref()
        .map_err(|e| Error::BadArgument(format!("built-in card profile: {e}")))
}

/// The built-in profile with file name `name`.
///
/// # Errors
/// [`Error::BadArgument`] naming the built-in profiles.
pub fn by_name(name: &str) -> Result<Arc<Profile>> {
    all()?
        .iter()
        .find(|(f, _)| *f == name)
        .map(|(_, p)| p.clone())
        .ok_or_else(|| {
            Error::BadArgument(format!(
                "no card profile {name}: not a file, and not built in ({})",
                BUILT_IN.map(|(f, _)| f).join(", ")
            ))
        })
}

/// The built-in user-card models.
///
/// # Errors
/// As [`all`].
pub fn user_profiles() -> Result<Profiles> {
    Ok(Profiles::new(
        all()?
            .iter()
            .filter(|(_, p)| p.card.kind == sscard_profile::CardKind::User)
            .map(|(_, p)| p.clone())
            .collect(),
    ))
}

/// Where profiles come from: an optional folder, then the built-in ones.
#[derive(Debug, Clone, Default)]
pub struct ProfileSource {
    /// A profiles folder (`--profiles`, `SSCARD_PROFILES`).
    pub dir: Option<PathBuf>,
}

impl ProfileSource {
    /// The profile `p`: the file `p` if there is one, else `p`'s file name
    /// in the folder, else the built-in profile of that name.
    ///
    /// # Errors
    /// [`Error::Profile`] for a file that does not load;
    /// [`Error::BadArgument`] when there is no such profile.
    pub fn load(&self, p: &Path) -> Result<Arc<Profile>> {
        if p.is_file() {
            return Ok(Arc::new(sscard_profile::load_file(p)?));
        }
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if let Some(dir) = &self.dir {
            let f = dir.join(name);
            if f.is_file() {
                return Ok(Arc::new(sscard_profile::load_file(f)?));
            }
        }
        by_name(name)
    }

    /// The user-card models: the folder's, else the built-in ones.
    ///
    /// # Errors
    /// The first profile of the folder that does not load.
    pub fn user_profiles(&self) -> Result<Profiles> {
        match &self.dir {
            Some(d) => Profiles::load_dir(d),
            None => user_profiles(),
        }
    }
}
