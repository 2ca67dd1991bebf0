//! Configuration without code changes: `ssse32.toml` next to the library
//! (or the file `SSSE32_CONFIG` names), then environment variables, which
//! win. Read again on every call, so a change takes effect at once.
//!
//! ```toml
//! reader = "Virtual PCD 00 00"      # contact reader: a name prefix, an index, or sim:IMAGE
//! contactless_reader = "..."        # optional; with one reader, every iType uses it
//! psam_reader = "Virtual PCD 00 01" # or "none": key-server (HSM) mode
//! pin_source = "pinpad"             # the reader's PIN pad; "test" or "emulated-pinpad" for CI only
//! test_pins = "123456"              # the PINs a test source types, in order
//! initial_pin = "123456"            # optional: -35 / -36, reload on a PIN pad
//! journal = "journal.sqlite"        # the terminal journal of purse purchases
//! pin_min_digits = "6"              # optional, with pin_max_digits: the PIN pad's limits
//! profiles = "card-profiles"        # optional: card models instead of the built-in ones
//! trace_dir = "traces"              # optional: one redacted APDU trace per call
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sscard::Error;

/// The settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Contact reader (name prefix, index, or `sim:IMAGE`).
    pub reader: Option<String>,
    /// Contactless reader.
    pub contactless_reader: Option<String>,
    /// PSAM reader, or `none`.
    pub psam_reader: Option<String>,
    /// Master keys for a software module instead of a PSAM (tests only).
    pub keys: Option<PathBuf>,
    /// `pinpad` (default: the reader's PIN pad, PC/SC part 10), `test`
    /// (PINs from `test_pins`), or `emulated-pinpad` (a PIN pad emulated in
    /// front of the reader, typing `test_pins`; CI only).
    pub pin_source: Option<String>,
    /// The test source's PINs, comma-separated, typed in order.
    pub test_pins: Option<String>,
    /// A directory of card profiles.
    pub profiles: Option<PathBuf>,
    /// A folder for one redacted APDU trace per call (personal data masked).
    pub trace_dir: Option<PathBuf>,
    /// Fields of `iReadCardBas_HSM_Step1`'s line: 9 (with the terminal
    /// device code, the default) or 8 (the shape some vendors' libraries
    /// emit, ending after the external source).
    pub hsm_step1_fields: Option<String>,
    /// The terminal journal (SQLite, one file per terminal): every purse
    /// purchase is written before DEBIT and completed with its TAC;
    /// `iReadDebitRecord` takes the account+pooled split from it.
    pub journal: Option<PathBuf>,
    /// The issuer's initial PIN: verifying with it gives -35, a new PIN
    /// equal to it -36, and a reload on a PIN pad reader sets it first.
    pub initial_pin: Option<String>,
    /// The fewest digits the PIN pad accepts (else the profile's).
    pub pin_min_digits: Option<String>,
    /// The most digits the PIN pad accepts (else the profile's).
    pub pin_max_digits: Option<String>,
    /// The localhost service's own settings (`sscard serve`, which reads
    /// this same file); the library ignores them.
    #[serde(default)]
    pub service: Option<toml::Table>,
    /// Where the file was read from (relative paths start there).
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

/// A configuration file a program embedding the library chose (the
/// localhost service's `--config`): it wins over `SSSE32_CONFIG` and the
/// file next to the library. Set once, before the first call.
static CHOSEN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Uses `path` as the configuration file from now on (once per process).
///
/// # Errors
/// [`Error::BadArgument`] (-14) when a file was chosen already.
pub fn use_file(path: PathBuf) -> Result<(), Error> {
    CHOSEN
        .set(path)
        .map_err(|_| Error::BadArgument("the configuration file was chosen already".into()))
}

/// The variables, each overriding its setting.
pub const ENV: [(&str, &str); 13] = [
    ("SSSE32_READER", "reader"),
    ("SSSE32_CONTACTLESS_READER", "contactless_reader"),
    ("SSSE32_PSAM_READER", "psam_reader"),
    ("SSSE32_KEYS", "keys"),
    ("SSSE32_PIN_SOURCE", "pin_source"),
    ("SSSE32_TEST_PINS", "test_pins"),
    ("SSSE32_PROFILES", "profiles"),
    ("SSSE32_TRACE_DIR", "trace_dir"),
    ("SSSE32_HSM_STEP1_FIELDS", "hsm_step1_fields"),
    ("SSSE32_INITIAL_PIN", "initial_pin"),
    ("SSSE32_JOURNAL", "journal"),
    ("SSSE32_PIN_MIN_DIGITS", "pin_min_digits"),
    ("SSSE32_PIN_MAX_DIGITS", "pin_max_digits"),
];

/// The configuration file's name next to the library.
pub const FILE_NAME: &str = "ssse32.toml";

/// Where this library is loaded from (found once: it does not move).
fn library_dir() -> Option<PathBuf> {
    static DIR: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    DIR.get_or_init(find_library_dir).clone()
}

/// The mapping of one of this library's own functions in
/// `/proc/self/maps` (Linux); elsewhere, the program's folder.
fn find_library_dir() -> Option<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        let here = find_library_dir as fn() -> Option<PathBuf> as usize;
        let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
        for line in maps.lines() {
            let mut parts = line.split_whitespace();
            let range = parts.next()?;
            let (lo, hi) = range.split_once('-')?;
            let (lo, hi) = (
                usize::from_str_radix(lo, 16).ok()?,
                usize::from_str_radix(hi, 16).ok()?,
            );
            if (lo..hi).contains(&here) {
                let path = parts.nth(4)?;
                return Path::new(path).parent().map(Path::to_path_buf);
            }
        }
        None
    }
    #[cfg(not(target_os = "linux"))]
    {
        std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
    }
}

impl Config {
    /// The file (if any), then the environment.
    ///
    /// # Errors
    /// [`Error::BadArgument`] (-14) for a file that does not parse.
    pub fn load() -> Result<Self, Error> {
        let path = match (CHOSEN.get(), std::env::var_os("SSSE32_CONFIG")) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(p)) => Some(PathBuf::from(p)),
            (None, None) => library_dir()
                .map(|d| d.join(FILE_NAME))
                .filter(|p| p.is_file()),
        };
        let mut cfg = match path {
            Some(p) => {
                let text = std::fs::read_to_string(&p).map_err(|e| {
                    Error::BadArgument(format!(
                        "{}: {}",
                        p.display(),
                        sscard_profile::error::io_reason(&e)
                    ))
                })?;
                let mut c: Config = toml::from_str(&text)
                    .map_err(|e| Error::BadArgument(format!("{}: {e}", p.display())))?;
                c.file = Some(p);
                c
            }
            None => Config::default(),
        };
        for (var, key) in ENV {
            if let Ok(v) = std::env::var(var) {
                cfg.set(key, v);
            }
        }
        Ok(cfg)
    }

    fn set(&mut self, key: &str, v: String) {
        match key {
            "reader" => self.reader = Some(v),
            "contactless_reader" => self.contactless_reader = Some(v),
            "psam_reader" => self.psam_reader = Some(v),
            "keys" => self.keys = Some(v.into()),
            "pin_source" => self.pin_source = Some(v),
            "test_pins" => self.test_pins = Some(v),
            "profiles" => self.profiles = Some(v.into()),
            "trace_dir" => self.trace_dir = Some(v.into()),
            "hsm_step1_fields" => self.hsm_step1_fields = Some(v),
            "initial_pin" => self.initial_pin = Some(v),
            "journal" => self.journal = Some(v.into()),
            "pin_min_digits" => self.pin_min_digits = Some(v),
            "pin_max_digits" => self.pin_max_digits = Some(v),
            _ => {}
        }
    }

    /// The PIN policy: digit limits (both or neither) and the initial PIN.
    ///
    /// # Errors
    /// [`Error::BadArgument`] (-14) for limits that are not 4 ≤ min ≤ max ≤
    /// 16, or an initial PIN that is not 4 to 16 digits.
    pub fn pin_policy(&self) -> Result<sscard::pin::PinPolicy, Error> {
        let digits = |v: &Option<String>, what: &str| -> Result<Option<u8>, Error> {
            v.as_deref()
                .map(|s| {
                    s.trim()
                        .parse::<u8>()
                        .ok()
                        .filter(|n| (4..=16).contains(n))
                        .ok_or_else(|| Error::BadArgument(format!("{what} {s:?}: 4 to 16")))
                })
                .transpose()
        };
        let limits = match (
            digits(&self.pin_min_digits, "pin_min_digits")?,
            digits(&self.pin_max_digits, "pin_max_digits")?,
        ) {
            (None, None) => None,
            (Some(min), Some(max)) if min <= max => {
                Some(sscard::transport::part10::PinLimits { min, max })
            }
            _ => {
                return Err(Error::BadArgument(
                    "pin_min_digits and pin_max_digits: give both, min ≤ max".into(),
                ))
            }
        };
        let initial = self
            .initial_pin
            .as_deref()
            .map(|p| {
                sscard::pin::Pin::new(p.trim())
                    .map_err(|_| Error::BadArgument("initial_pin: 4 to 16 digits".into()))
            })
            .transpose()?;
        Ok(sscard::pin::PinPolicy { limits, initial })
    }

    /// Whether `iReadCardBas_HSM_Step1` ends its line after the external
    /// source (8 fields) instead of with the terminal device code (9).
    ///
    /// # Errors
    /// [`Error::BadArgument`] (-14) for a value other than 8 or 9.
    pub fn hsm_step1_short(&self) -> Result<bool, Error> {
        match self.hsm_step1_fields.as_deref().map(str::trim) {
            None | Some("9") => Ok(false),
            Some("8") => Ok(true),
            Some(other) => Err(Error::BadArgument(format!(
                "hsm_step1_fields = {other}: give 9 (with the terminal device code) or 8"
            ))),
        }
    }

    /// A path of the file, relative to the file's folder.
    pub fn path(&self, p: &Path) -> PathBuf {
        match self.file.as_ref().and_then(|f| f.parent()) {
            Some(dir) if p.is_relative() && self.file.is_some() => dir.join(p),
            _ => p.to_path_buf(),
        }
    }

    /// A reader setting with a `sim:` image path made absolute the same way.
    pub fn reader_spec(&self, spec: &str) -> String {
        match spec.strip_prefix("sim:") {
            Some(p) => format!("sim:{}", self.path(Path::new(p)).display()),
            None => spec.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type R = Result<(), Box<dyn std::error::Error>>;

    /// In a test the library is linked into the test program: its own
    /// mapping is the program's file.
    #[test]
    fn finds_the_folder_it_is_loaded_from() -> R {
        let exe = std::env::current_exe()?;
        assert_eq!(library_dir().as_deref(), exe.parent());
        Ok(())
    }

    #[test]
    fn file_then_environment() -> R {
        let tmp = tempfile::tempdir()?;
        let file = tmp.path().join("ssse32.toml");
        std::fs::write(
            &file,
            "reader = \"sim:card.json\"\npsam_reader = \"none\"\npin_source = \"test\"\n",
        )?;
        std::env::set_var("SSSE32_CONFIG", &file);
        std::env::set_var("SSSE32_PSAM_READER", "Virtual PCD 00 01");
        let cfg = Config::load()?;
        std::env::remove_var("SSSE32_PSAM_READER");
        assert_eq!(cfg.psam_reader.as_deref(), Some("Virtual PCD 00 01"));
        assert_eq!(cfg.pin_source.as_deref(), Some("test"));
        // A simulated card's path is relative to the file.
        let spec = cfg.reader_spec(cfg.reader.as_deref().ok_or("no reader")?);
        assert_eq!(
            spec,
            format!("sim:{}", tmp.path().join("card.json").display())
        );
        std::fs::write(&file, "reader = 1\n")?;
        assert_eq!(Config::load().err().map(|e| e.code()), Some(-14));
        std::fs::write(&file, "readr = \"x\"\n")?;
        assert_eq!(Config::load().err().map(|e| e.code()), Some(-14));
        std::env::remove_var("SSSE32_CONFIG");
        Ok(())
    }
}
