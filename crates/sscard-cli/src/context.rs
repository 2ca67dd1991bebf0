//! Opening the card, the security module and the PIN source from the
//! command line: a PC/SC reader or a simulated card image; a PSAM, a key
//! file, or nothing.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use sscard::ops::{Profiles, Terminal};
use sscard::pin::{Pin, PinPad, PinPrompt};
use sscard::security::psam::PsamModule;
use sscard::security::software::SoftwareModule;
use sscard::security::{CardId, Mac1Request, SecurityModule};
use sscard::transport::pcsc::PcscTransport;
use sscard::transport::sim::SimTransport;
use sscard::transport::Transport;
use sscard::Error;
use sscard_profile::keys::MasterKeys;
use sscard_sim::image::CardImage;
use sscard_sim::{Simulator, UserCard};

use crate::args::CardArgs;
use crate::error::{CliError, CliResult};

/// A card in a reader or in the simulator.
pub enum AnyCard {
    /// PC/SC.
    Pcsc(PcscTransport),
    /// An image file run by the simulator.
    Sim(Box<SimTransport<UserCard>>),
}

impl Transport for AnyCard {
    fn transmit(&mut self, apdu: &[u8]) -> sscard::Result<Vec<u8>> {
        match self {
            AnyCard::Pcsc(t) => t.transmit(apdu),
            AnyCard::Sim(t) => t.transmit(apdu),
        }
    }
    fn reset(&mut self) -> sscard::Result<Vec<u8>> {
        match self {
            AnyCard::Pcsc(t) => t.reset(),
            AnyCard::Sim(t) => t.reset(),
        }
    }
    fn atr(&self) -> Vec<u8> {
        match self {
            AnyCard::Pcsc(t) => t.atr(),
            AnyCard::Sim(t) => t.atr(),
        }
    }
    fn name(&self) -> String {
        match self {
            AnyCard::Pcsc(t) => t.name(),
            AnyCard::Sim(t) => t.name(),
        }
    }
    fn secure_verify(
        &mut self,
        reference: u8,
        min: u8,
        max: u8,
    ) -> Option<sscard::Result<Vec<u8>>> {
        match self {
            AnyCard::Pcsc(t) => t.secure_verify(reference, min, max),
            AnyCard::Sim(_) => None,
        }
    }
}

/// The security module the command line chose.
pub enum AnyModule {
    /// A PSAM in a reader.
    Psam(PsamModule<PcscTransport>),
    /// Keys from a file (tests only).
    Software(SoftwareModule),
    /// None: key operations fail with -2201.
    None,
}

fn no_psam() -> Error {
    Error::NoPsam("no --psam or --keys given".into())
}

impl SecurityModule for AnyModule {
    fn terminal_number(&mut self) -> sscard::Result<[u8; 6]> {
        match self {
            AnyModule::Psam(m) => m.terminal_number(),
            AnyModule::Software(m) => m.terminal_number(),
            AnyModule::None => Ok([0; 6]),
        }
    }
    fn auth_data(
        &mut self,
        a: u16,
        c: &CardId,
        r1: &[u8; 8],
        r2: &[u8; 8],
    ) -> sscard::Result<[u8; 8]> {
        match self {
            AnyModule::Psam(m) => m.auth_data(a, c, r1, r2),
            AnyModule::Software(m) => m.auth_data(a, c, r1, r2),
            AnyModule::None => Err(no_psam()),
        }
    }
    fn sm_mac(&mut self, a: u16, c: &CardId, ch: &[u8; 8], d: &[u8]) -> sscard::Result<[u8; 4]> {
        match self {
            AnyModule::Psam(m) => m.sm_mac(a, c, ch, d),
            AnyModule::Software(m) => m.sm_mac(a, c, ch, d),
            AnyModule::None => Err(no_psam()),
        }
    }
    fn sm_encrypt(
        &mut self,
        a: u16,
        c: &CardId,
        ch: &[u8; 8],
        b: &[u8],
    ) -> sscard::Result<Vec<u8>> {
        match self {
            AnyModule::Psam(m) => m.sm_encrypt(a, c, ch, b),
            AnyModule::Software(m) => m.sm_encrypt(a, c, ch, b),
            AnyModule::None => Err(no_psam()),
        }
    }
    fn mac1(&mut self, r: &Mac1Request) -> sscard::Result<([u8; 4], [u8; 4])> {
        match self {
            AnyModule::Psam(m) => m.mac1(r),
            AnyModule::Software(m) => m.mac1(r),
            AnyModule::None => Err(no_psam()),
        }
    }
    fn verify_mac2(&mut self, mac2: &[u8; 4]) -> sscard::Result<()> {
        match self {
            AnyModule::Psam(m) => m.verify_mac2(mac2),
            AnyModule::Software(m) => m.verify_mac2(mac2),
            AnyModule::None => Err(no_psam()),
        }
    }
}

/// PINs from standard input (one per line) or asked on the terminal.
pub struct StdinPad {
    prompt: bool,
}

impl PinPad for StdinPad {
    fn read_pin(&mut self, prompt: PinPrompt) -> sscard::Result<Pin> {
        if self.prompt {
            eprint!("{prompt:?} PIN: ");
        }
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|_| Error::PinCancelled)?;
        let digits = line.trim();
        if digits.is_empty() {
            return Err(Error::PinCancelled);
        }
        Pin::new(digits)
    }
}

/// The terminal the arguments describe.
pub type Term = Terminal<AnyCard, AnyModule, StdinPad>;

/// Opens the card, the module and the PIN source.
///
/// # Errors
/// Usage errors (exit 2) for missing files; card errors (exit 1).
pub fn open(args: &CardArgs, profiles_dir: &Path) -> CliResult<Term> {
    let profiles = Profiles::load_dir(profiles_dir).map_err(CliError::input)?;
    let card = match (&args.reader, &args.sim) {
        (Some(r), _) => AnyCard::Pcsc(PcscTransport::connect(r).map_err(CliError::card)?),
        (None, Some(path)) => {
            let image = CardImage::load(path).map_err(|e| CliError::usage(e.to_string()))?;
            let profile = Arc::new(
                sscard_profile::load_file(profiles_dir.join(&image.profile))
                    .map_err(CliError::input)?,
            );
            let sim = Simulator::new(UserCard::new(profile), image).with_store(path);
            AnyCard::Sim(Box::new(SimTransport::new(
                sim,
                format!("sim:{}", path.display()),
            )))
        }
        (None, None) => return Err(CliError::usage("give --reader NAME or --sim IMAGE".into())),
    };
    let module = match (&args.psam, &args.keys) {
        (Some(r), _) => AnyModule::Psam(PsamModule::new(
            PcscTransport::connect(r).map_err(CliError::card)?,
            0xDF01,
            0x16,
        )),
        (None, Some(k)) => {
            let masters = MasterKeys::load_file(k).map_err(CliError::input)?;
            let psam = sscard_profile::load_file(profiles_dir.join("psam.toml")).ok();
            let terminal = psam
                .as_ref()
                .and_then(|p| p.psam.as_ref())
                .map_or([0; 6], |p| p.terminal_number);
            let dpk = psam
                .as_ref()
                .and_then(|p| p.key("DPK"))
                .map_or(0x017F, |k| k.address);
            AnyModule::Software(SoftwareModule::new(masters, terminal, dpk))
        }
        (None, None) => AnyModule::None,
    };
    let pad = StdinPad {
        prompt: !args.pin_stdin,
    };
    Ok(Terminal::new(card, module, pad, profiles))
}
