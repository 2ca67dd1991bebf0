//! The service's settings: the `[service]` table of the same file as
//! `ssse32.toml` (whose readers, PSAM, key-server, PIN and journal settings
//! the calls use, exactly as the C library reads them).
//!
//! ```toml
//! reader = "Virtual PCD 00 00"
//! psam_reader = "Virtual PCD 00 01"
//! journal = "journal.sqlite"
//!
//! [service]
//! port = 17321                                  # on 127.0.0.1 and ::1 only
//! allowed_origins = ["https://his.example.org"] # pages that may call
//! token_file = "token"                          # made (0600) on first start
//! requests_per_minute = 120                     # per origin
//! timeout_seconds = 30                          # per operation, queue included
//! queue = 32                                    # requests waiting for the card
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::ServiceError;

/// The `[service]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The TCP port, on 127.0.0.1 and ::1 (0: any free port, for tests).
    #[serde(default = "default_port")]
    pub port: u16,
    /// Origins (`scheme://host[:port]`) whose pages may call the service.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// The per-installation token's file (relative to the configuration
    /// file); made with a fresh random token, mode 0600, when missing.
    #[serde(default = "default_token_file")]
    pub token_file: PathBuf,
    /// Requests a minute from one origin (or from local programs without
    /// an origin), in a bucket that refills continuously.
    #[serde(default = "default_rate")]
    pub requests_per_minute: u32,
    /// Seconds an operation may take, waiting in the queue included (a
    /// fraction allowed).
    #[serde(default = "default_timeout")]
    pub timeout_seconds: f64,
    /// Requests that may wait for the card; more are refused at once.
    #[serde(default = "default_queue")]
    pub queue: usize,
}

fn default_port() -> u16 {
    17321
}
fn default_token_file() -> PathBuf {
    PathBuf::from("token")
}
fn default_rate() -> u32 {
    120
}
fn default_timeout() -> f64 {
    30.0
}
fn default_queue() -> usize {
    32
}

/// The whole file: the library's settings, ignored here, and ours.
#[derive(Deserialize)]
struct File {
    service: Option<toml::Value>,
}

impl Settings {
    /// The `[service]` table of `path` (defaults when it has none), its
    /// origins checked; the library's settings are checked by the library.
    ///
    /// # Errors
    /// [`ServiceError::Config`] naming the file and the setting.
    pub fn load(path: &Path) -> Result<Self, ServiceError> {
        let bad = |why: String| ServiceError::Config(format!("{}: {why}", path.display()));
        let text =
            std::fs::read_to_string(path).map_err(|e| bad(sscard_profile::error::io_reason(&e)))?;
        let file: File = toml::from_str(&text).map_err(|e| bad(e.message().to_owned()))?;
        let mut s: Settings = file
            .service
            .unwrap_or_else(|| toml::Value::Table(toml::Table::new()))
            .try_into()
            .map_err(|e: toml::de::Error| bad(format!("[service]: {}", e.message())))?;
        for o in &s.allowed_origins {
            if !valid_origin(o) {
                return Err(bad(format!(
                    "[service] allowed_origins: {o:?} is not scheme://host[:port] (no path, no trailing slash)"
                )));
            }
        }
        if s.requests_per_minute == 0 || s.queue == 0 {
            return Err(bad(
                "[service]: requests_per_minute and queue are at least 1".into(),
            ));
        }
        if !(s.timeout_seconds.is_finite() && (0.01..=3600.0).contains(&s.timeout_seconds)) {
            return Err(bad(
                "[service]: timeout_seconds is between 0.01 and 3600".into()
            ));
        }
        if s.token_file.is_relative() {
            if let Some(dir) = path.parent() {
                s.token_file = dir.join(&s.token_file);
            }
        }
        Ok(s)
    }
}

/// `scheme://host[:port]` with an http or https scheme, as browsers send
/// the `Origin` header.
fn valid_origin(o: &str) -> bool {
    let Some((scheme, rest)) = o.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', ' ', '@'])
}

/// The installation's token: read from `path`, or made there (32 random
/// bytes as hex, mode 0600) when the file does not exist.
///
/// # Errors
/// [`ServiceError::Config`] when the file cannot be read or written, or
/// holds fewer than 32 characters.
pub fn token(path: &Path) -> Result<zeroize::Zeroizing<String>, ServiceError> {
    let bad = |why: String| ServiceError::Config(format!("token {}: {why}", path.display()));
    match std::fs::read_to_string(path) {
        Ok(t) => {
            let t = zeroize::Zeroizing::new(t.trim().to_owned());
            if t.len() < 32 {
                return Err(bad("shorter than 32 characters".into()));
            }
            Ok(t)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let bytes = sscard_crypto::random::bytes::<32>().map_err(|e| bad(e.to_string()))?;
            let t = zeroize::Zeroizing::new(hex::encode(bytes));
            sscard_profile::atomic::write_new(path, format!("{}\n", t.as_str()).as_bytes())
                .map_err(|e| bad(sscard_profile::error::io_reason(&e)))?;
            Ok(t)
        }
        Err(e) => Err(bad(sscard_profile::error::io_reason(&e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_and_their_errors() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let f = tmp.path().join("ssse32.toml");
        std::fs::write(&f, "reader = \"sim:c.json\"\n")?;
        let s = Settings::load(&f)?;
        assert_eq!(s.port, 17321);
        assert_eq!(s.token_file, tmp.path().join("token"));
        for (text, says) in [
            ("[service]\nport = \"x\"\n", "[service]"),
            (
                "[service]\nallowed_origins = [\"http://a/\"]\n",
                "allowed_origins",
            ),
            (
                "[service]\nallowed_origins = [\"a.org\"]\n",
                "allowed_origins",
            ),
            ("[service]\nqueue = 0\n", "at least 1"),
            ("[service]\ntimeout_seconds = 0\n", "between"),
            ("[service]\nprot = 1\n", "unknown field"),
        ] {
            std::fs::write(&f, text)?;
            let e = Settings::load(&f)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains(says), "{text}: {e}");
        }
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_token_is_made_once_and_private() -> Result<(), Box<dyn std::error::Error>> {
        use std::os::unix::fs::MetadataExt;
        let tmp = tempfile::tempdir()?;
        let p = tmp.path().join("token");
        let a = token(&p)?;
        assert_eq!(a.len(), 64);
        assert_eq!(std::fs::metadata(&p)?.mode() & 0o777, 0o600);
        assert_eq!(*token(&p)?, *a, "read back, not made again");
        std::fs::write(&p, "short")?;
        assert!(token(&p).is_err());
        Ok(())
    }
}
