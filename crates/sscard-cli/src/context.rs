//! Opening the card, the security module and the PIN source from the
//! command line: a PC/SC reader or a simulated card image; a PSAM, a key
//! file, or nothing.

use std::io::BufRead;
use std::path::Path;

use sscard::ops::{Profiles, Terminal};
use sscard::pin::{Pin, PinPad, PinPrompt};
pub use sscard::security::any::AnyModule;
use sscard::security::psam::PsamModule;
use sscard::security::software::SoftwareModule;
use sscard::transport::pcsc::PcscTransport;
use sscard::transport::sim::open_image;
use sscard::transport::Transport;
use sscard::Error;
use sscard_profile::keys::MasterKeys;

use crate::args::CardArgs;
use crate::error::{CliError, CliResult};

/// A card in a reader or in the simulator.
pub type AnyCard = Box<dyn Transport + Send>;

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
        (Some(r), _) => Box::new(PcscTransport::connect(r).map_err(CliError::card)?),
        (None, Some(path)) => {
            if !path.is_file() {
                return Err(CliError::usage(format!(
                    "{}: no such card image",
                    path.display()
                )));
            }
            open_image(path, |name| {
                sscard_profile::load_file(profiles_dir.join(name))
                    .map(std::sync::Arc::new)
                    .map_err(Error::from)
            })
            .map_err(CliError::card)?
        }
        (None, None) => return Err(CliError::usage("give --reader NAME or --sim IMAGE".into())),
    };
    let module = match (&args.psam, &args.keys) {
        (Some(r), _) => AnyModule::Psam(PsamModule::new(
            Box::new(PcscTransport::connect(r).map_err(CliError::card)?),
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
        (None, None) => AnyModule::None("no --psam or --keys given".into()),
    };
    let pad = StdinPad {
        prompt: !args.pin_stdin,
    };
    Ok(Terminal::new(card, module, pad, profiles))
}
