//! Opening the device for one call: the card (PC/SC or a simulated image),
//! the security module (opened only when a key is needed), the PIN source.
//! Everything is closed when the terminal is dropped, on every path.

use std::collections::VecDeque;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::Arc;

use sscard::ops::{Profiles, Terminal};
use sscard::pin::{Pin, PinPad, PinPrompt};
use sscard::security::any::AnyModule;
use sscard::security::psam::PsamModule;
use sscard::security::software::SoftwareModule;
use sscard::security::{CardId, Mac1Request, Scheme, SecurityModule};
use sscard::transport::pcsc::{Interface, PcscTransport, ReaderConfig};
use sscard::transport::pinpad::{Keys, PinPadReader};
use sscard::transport::Transport;
use sscard::Error;
use sscard_profile::Profile;
use zeroize::Zeroizing;

use crate::config::Config;

/// The profile file `name`: from the configured directory (read at every
/// call, so that edits apply), else built in.
fn profile(cfg: &Config, name: &str) -> Result<Arc<Profile>, Error> {
    let name = std::path::Path::new(name)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(name);
    if let Some(dir) = &cfg.profiles {
        return sscard_profile::load_file(cfg.path(dir).join(name))
            .map(Arc::new)
            .map_err(Error::from);
    }
    sscard::builtin::by_name(name)
}

/// The user-card models.
fn profiles(cfg: &Config) -> Result<Profiles, Error> {
    if let Some(dir) = &cfg.profiles {
        return Profiles::load_dir(&cfg.path(dir));
    }
    sscard::builtin::user_profiles()
}

/// A card or PSAM connection.
pub type Card = Box<dyn Transport + Send>;

fn connect(cfg: &Config, spec: &str) -> Result<Card, Error> {
    let spec = cfg.reader_spec(spec);
    match spec.strip_prefix("sim:") {
        #[cfg(feature = "sim")]
        Some(path) => sscard::transport::sim::open_image(std::path::Path::new(path), |name| {
            profile(cfg, name)
        }),
        #[cfg(not(feature = "sim"))]
        Some(_) => Err(Error::NotSupported(
            "sim: readers are for tests; this build has no simulator (feature \"sim\")".into(),
        )),
        None => Ok(Box::new(PcscTransport::connect(&spec)?)),
    }
}

/// The card for `itype` (spec 05 §5.1): the configured readers in the
/// order `itype` asks; reader 0 when none is configured.
///
/// # Errors
/// [`Error::BadArgument`] for an `iType` outside 1–4; the last reader's error.
pub fn card(cfg: &Config, itype: i32) -> Result<Card, Error> {
    let iface = Interface::from_itype(itype)?;
    let readers = ReaderConfig {
        contact: cfg.reader.clone(),
        contactless: cfg.contactless_reader.clone(),
    };
    let mut candidates = readers.candidates(iface);
    if candidates.is_empty() {
        candidates.push("0".into());
    }
    let mut last = Error::NoConnection("no reader".into());
    for name in candidates {
        match connect(cfg, &name) {
            Ok(c) => return Ok(c),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The security module, opened at its first use.
pub struct LazyModule {
    cfg: Config,
    module: Option<AnyModule>,
    /// Key-server mode: the `_HSM_` functions never use a module.
    hsm: bool,
}

impl LazyModule {
    fn get(&mut self) -> Result<&mut AnyModule, Error> {
        if self.module.is_none() {
            self.module = Some(self.open()?);
        }
        self.module
            .as_mut()
            .ok_or_else(|| Error::NoPsam("not opened".into()))
    }

    fn open(&self) -> Result<AnyModule, Error> {
        if self.hsm {
            return Ok(AnyModule::None("the _HSM_ steps use the key server".into()));
        }
        if let Some(keys) = &self.cfg.keys {
            let masters = sscard_profile::keys::MasterKeys::load_file(self.cfg.path(keys))?;
            let psam = profile(&self.cfg, "psam.toml")?;
            return Ok(AnyModule::Software(SoftwareModule::for_psam(
                masters, &psam,
            )));
        }
        match self.cfg.psam_reader.as_deref() {
            None | Some("" | "none") => Ok(AnyModule::None(
                "no PSAM reader configured (psam_reader): use the _HSM_ functions".into(),
            )),
            Some(spec) => {
                let t = connect(&self.cfg, spec).map_err(|e| match e {
                    Error::NoCard { reader } => Error::NoPsam(format!("no PSAM in {reader}")),
                    Error::NoConnection(why) => Error::NoPsam(why),
                    e => e,
                })?;
                let psam = profile(&self.cfg, "psam.toml")?;
                Ok(AnyModule::Psam(PsamModule::from_profile(t, &psam)?))
            }
        }
    }
}

impl SecurityModule for LazyModule {
    fn terminal_random(&mut self) -> Result<[u8; 8], Error> {
        match self.get() {
            Ok(m) => m.terminal_random(),
            // HSM mode: the library's own random (spec 05).
            Err(_) => sscard::security::host_random(),
        }
    }
    fn terminal_number(&mut self) -> Result<[u8; 6], Error> {
        self.get()?.terminal_number()
    }
    fn auth_data(
        &mut self,
        s: Scheme,
        a: u16,
        c: &CardId,
        r1: &[u8; 8],
        r2: &[u8; 8],
    ) -> Result<[u8; 8], Error> {
        self.get()?.auth_data(s, a, c, r1, r2)
    }
    fn sm_mac(
        &mut self,
        s: Scheme,
        a: u16,
        c: &CardId,
        ch: &[u8; 8],
        d: &[u8],
    ) -> Result<[u8; 4], Error> {
        self.get()?.sm_mac(s, a, c, ch, d)
    }
    fn sm_encrypt(
        &mut self,
        s: Scheme,
        a: u16,
        c: &CardId,
        ch: &[u8; 8],
        b: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.get()?.sm_encrypt(s, a, c, ch, b)
    }
    fn mac1(&mut self, r: &Mac1Request) -> Result<([u8; 4], [u8; 4]), Error> {
        self.get()?.mac1(r)
    }
    fn verify_mac2(&mut self, mac2: &[u8; 4]) -> Result<(), Error> {
        self.get()?.verify_mac2(mac2)
    }
}

/// Where PINs come from.
pub enum Pad {
    /// The reader's PIN pad: VERIFY goes through it (PC/SC part 10); a
    /// PIN the host would have to see cannot be asked for.
    Reader,
    /// Test PINs from the configuration, in order (CI only).
    Test(VecDeque<Zeroizing<String>>),
}

impl PinPad for Pad {
    fn read_pin(&mut self, prompt: PinPrompt) -> Result<Pin, Error> {
        match self {
            Pad::Reader => Err(Error::NotSupported(format!(
                "{prompt:?} PIN: the reader has no PIN pad for this (PC/SC part 10); configure pin_source"
            ))),
            Pad::Test(pins) => match pins.pop_front() {
                Some(p) => Pin::new(&p),
                None => Err(Error::PinCancelled),
            },
        }
    }
}

/// The PIN source the configuration names.
///
/// # Errors
/// [`Error::BadArgument`] for an unknown source.
pub fn pad(cfg: &Config) -> Result<Pad, Error> {
    match cfg.pin_source.as_deref() {
        None | Some("pinpad" | "emulated-pinpad") => Ok(Pad::Reader),
        Some("test") => Ok(Pad::Test(
            cfg.test_pins
                .as_deref()
                .unwrap_or("")
                .split(',')
                .filter(|p| !p.is_empty())
                .map(|p| Zeroizing::new(p.trim().to_owned()))
                .collect(),
        )),
        Some(other) => Err(Error::BadArgument(format!(
            "pin_source {other:?} (pinpad, test or emulated-pinpad)"
        ))),
    }
}

/// What the emulated PIN pad types: `test_pins`, with `cancel` and
/// `timeout` for those keys.
fn emulated_keys(cfg: &Config) -> Vec<Keys> {
    cfg.test_pins
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p {
            "cancel" => Keys::Cancel,
            "timeout" => Keys::Timeout,
            d => Keys::digits(d),
        })
        .collect()
}

/// The terminal of one call.
pub type Term = Terminal<Card, LazyModule, Pad>;

/// The terminal of one call (or one key-server flow). With `trace_dir`
/// configured, the card's APDUs are recorded, redacted as the host
/// library's traces are (PINs zeroed, personal data masked), and written to
/// `trace_dir/<time>-<n>-<function>.json` when the call ends, on every path.
pub struct Call {
    term: Term,
    trace: Option<(PathBuf, &'static str)>,
}

impl Deref for Call {
    type Target = Term;
    fn deref(&self) -> &Term {
        &self.term
    }
}

impl DerefMut for Call {
    fn deref_mut(&mut self) -> &mut Term {
        &mut self.term
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        let Some((dir, function)) = &self.trace else {
            return;
        };
        let Some(trace) = self.term.take_trace() else {
            return;
        };
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        // Two calls in the same millisecond get two files.
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("{millis}-{seq:06}-{function}.json"));
        // A trace that cannot be written must not fail the call.
        if let Ok(json) = trace.to_json() {
            let _ = std::fs::create_dir_all(dir);
            let _ = sscard_profile::atomic::write_atomically(&path, json.as_bytes());
        }
    }
}

/// Opens the card for `itype` for the exported `function`; `hsm` for the
/// key-server steps.
///
/// # Errors
/// Configuration and reader errors.
pub fn open(cfg: &Config, itype: i32, hsm: bool, function: &'static str) -> Result<Call, Error> {
    let profiles = profiles(cfg)?;
    let pad = pad(cfg)?;
    let policy = cfg.pin_policy()?;
    let mut card = card(cfg, itype)?;
    if cfg.pin_source.as_deref() == Some("emulated-pinpad") {
        card = Box::new(PinPadReader::new(card, emulated_keys(cfg)));
    }
    let module = LazyModule {
        cfg: cfg.clone(),
        module: None,
        hsm,
    };
    let mut term = Terminal::new(card, module, pad, profiles);
    term.set_pin_policy(policy);
    if let Some(j) = &cfg.journal {
        term.set_journal(sscard::journal::Journal::open(&cfg.path(j))?);
    }
    let trace = cfg.trace_dir.as_ref().map(|d| (cfg.path(d), function));
    if trace.is_some() {
        term.record(function);
    }
    Ok(Call { term, trace })
}
