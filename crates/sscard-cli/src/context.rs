//! Opening the card, the security module and the PIN source from the
//! command line: a PC/SC reader or a simulated card image; a PSAM, a key
//! file, or nothing; PINs typed without echo, or from standard input.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use sscard::builtin::ProfileSource;
use sscard::ops::Terminal;
use sscard::pin::{Pin, PinPad, PinPrompt};
pub use sscard::security::any::AnyModule;
use sscard::security::psam::PsamModule;
use sscard::security::software::SoftwareModule;
use sscard::transport::pcsc::PcscTransport;
use sscard::transport::sim::open_image;
use sscard::transport::Transport;
use sscard::Error;
use sscard_profile::keys::MasterKeys;
use zeroize::Zeroizing;

use crate::args::{CardArgs, Cli};
use crate::error::{CliError, CliResult};

/// A card in a reader or in the simulator.
pub type AnyCard = Box<dyn Transport + Send>;

/// The profiles the command line names.
pub fn profile_source(dir: Option<&Path>) -> ProfileSource {
    ProfileSource {
        dir: dir.map(Path::to_path_buf),
    }
}

/// The trust anchors in a CA folder: `root.pem`, and `issuer.pem` as the
/// intermediate.
///
/// # Errors
/// A usage error naming the file that cannot be read or parsed.
pub fn load_trust(dir: &Path) -> CliResult<sscard::ops::genuine::Trust> {
    let read = |n: &str| {
        let p = dir.join(n);
        std::fs::read_to_string(&p)
            .map_err(|e| CliError::io(&p, &e))
            .and_then(|t| {
                sscard_crypto::x509::Certificate::from_pem(&t)
                    .map_err(|e| CliError::usage(format!("{}: {e}", p.display())))
            })
    };
    Ok(sscard::ops::genuine::Trust {
        root: read("root.pem")?,
        intermediates: vec![read("issuer.pem")?],
    })
}

/// PINs from standard input (`--pin-stdin`, one per line), or typed at the
/// terminal without echo.
pub struct StdinPad {
    from_stdin: bool,
}

impl PinPad for StdinPad {
    fn read_pin(&mut self, prompt: PinPrompt) -> sscard::Result<Pin> {
        let line = if self.from_stdin {
            let mut line = Zeroizing::new(String::new());
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|_| Error::PinCancelled)?;
            line
        } else {
            if !std::io::stdin().is_terminal() {
                return Err(Error::BadArgument(
                    "a PIN is needed and standard input is not a terminal: give --pin-stdin to read it from there".into(),
                ));
            }
            Zeroizing::new(
                rpassword::prompt_password(format!("{prompt}: "))
                    .map_err(|_| Error::PinCancelled)?,
            )
        };
        let digits = line.trim();
        if digits.is_empty() {
            return Err(Error::PinCancelled);
        }
        Pin::new(digits)
    }
}

/// The terminal the arguments describe.
pub type Term = Terminal<AnyCard, AnyModule, StdinPad>;

/// A PC/SC reader by name prefix or index.
fn connect(name: &str) -> CliResult<AnyCard> {
    Ok(Box::new(
        PcscTransport::connect(name).map_err(CliError::card)?,
    ))
}

/// Opens the card, the module and the PIN source.
///
/// # Errors
/// Usage errors (exit 2) for missing files; card errors (exit 1).
pub fn open(args: &CardArgs, cli: &Cli) -> CliResult<Term> {
    let source = profile_source(cli.profiles.as_deref());
    let profiles = source.user_profiles().map_err(CliError::card)?;
    let card = match (&args.reader, &args.sim) {
        (_, Some(path)) => {
            if !path.is_file() {
                return Err(CliError::usage(format!(
                    "{}: no such card image",
                    path.display()
                )));
            }
            // A damaged image is reported as one, not as a reader error.
            sscard_sim::image::CardImage::load(path).map_err(CliError::input)?;
            open_image(path, |name| source.load(Path::new(name))).map_err(CliError::card)?
        }
        (reader, None) => connect(&crate::readers::choose(reader.as_deref())?)?,
    };
    let module = match (&args.psam, &args.keys) {
        (Some(r), _) => {
            let psam = source
                .load(Path::new("psam.toml"))
                .map_err(CliError::card)?;
            AnyModule::Psam(PsamModule::from_profile(connect(r)?, &psam).map_err(CliError::card)?)
        }
        (None, Some(k)) => {
            let masters = MasterKeys::load_file(k).map_err(CliError::input)?;
            let psam = source
                .load(Path::new("psam.toml"))
                .map_err(CliError::card)?;
            let terminal = psam.psam.as_ref().map_or([0; 6], |p| p.terminal_number);
            let txn = crate::terminal::next_txn_block(terminal).map_err(CliError::usage)?;
            AnyModule::Software(SoftwareModule::for_psam(masters, &psam).with_txn_start(txn))
        }
        (None, None) => AnyModule::None("no --psam or --keys given".into()),
    };
    let pad = StdinPad {
        from_stdin: args.pin_stdin,
    };
    let mut t = Terminal::new(card, module, pad, profiles);
    if let Some(path) = &args.trace {
        let atr = t.session().transport().atr();
        let recorder = if args.trace_reveal {
            sscard::session::TraceFile::revealing(path, command_name(cli), &atr)
        } else {
            sscard::session::TraceFile::new(path, command_name(cli), &atr)
        };
        t.observe(recorder.into_observer());
    }
    if cli.verbose {
        let reveal = matches!(&cli.command, crate::args::Command::Read(r) if r.reveal);
        t.observe(verbose_printer(reveal));
    }
    Ok(t)
}

/// The command as the user typed it, for a trace's `operation`.
fn command_name(cli: &Cli) -> &'static str {
    use crate::args::Command as C;
    match &cli.command {
        C::Info(_) => "info",
        C::Read(_) => "read",
        C::Apdu(_) => "apdu",
        C::Script(_) => "script",
        C::Pin(_) => "pin",
        C::Genuine(_) => "genuine",
        C::Balance(_) => "balance",
        C::Debit(_) => "debit",
        C::Pay(_) => "pay",
        C::Log(_) => "log",
        C::Perso(_) => "perso",
        _ => "sscard",
    }
}

/// `-v`: every APDU on standard error as GlobalPlatformPro prints them,
/// `>> 00 A4 04 00 0F …` and `<< 6F … 90 00 (0.4 ms)`; secrets always
/// masked, personal data unless the command's `--reveal`.
fn verbose_printer(reveal: bool) -> sscard::session::Observer {
    use sscard::transport::trace::Sensitivity;
    Box::new(move |x| {
        let cmd = x.apdu.redacted();
        let s = x.apdu.sensitivity();
        let data = if reveal && s != Sensitivity::SecretCommand {
            x.response.data().to_vec()
        } else {
            sscard::redact::mask_data(x.response.data(), s)
        };
        let sw = x.response.sw().to_u16().to_be_bytes();
        let mut rsp = sscard_apdu::hexfmt::to_spaced_hex(&data);
        if !rsp.is_empty() {
            rsp.push(' ');
        }
        rsp.push_str(&sscard_apdu::hexfmt::to_spaced_hex(&sw));
        eprintln!(
            ">> {cmd}\n<< {rsp} ({:.1} ms, {})",
            x.elapsed.as_secs_f64() * 1000.0,
            x.apdu.name()
        );
    })
}
