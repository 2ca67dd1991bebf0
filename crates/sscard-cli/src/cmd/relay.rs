//! `sscard relay`: the card in a PC/SC reader served behind vpcd, so that
//! any PC/SC program talks to it through the virtual reader while every
//! exchange is recorded (and answers rewritten by rules, for tests).

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use sscard::transport::pcsc::PcscTransport;
use sscard::transport::relay::{parse_rules, Relay};
use sscard::transport::trace::Trace;
use sscard::transport::Transport;
use sscard_sim::vpcd;

use crate::args::{Cli, RelayArgs};
use crate::error::{CliError, CliResult};

/// The relay as vpcd's card: the trace written after each exchange (the
/// relay runs until it is stopped, so there is no later moment).
struct RelayCard {
    relay: Relay<PcscTransport>,
    trace: Option<std::path::PathBuf>,
    reader: String,
}

impl RelayCard {
    fn save(&self) {
        let Some(path) = &self.trace else { return };
        let written = self
            .relay
            .trace()
            .to_json()
            .map_err(|e| e.to_string())
            .and_then(|t| {
                sscard_profile::atomic::write_atomically(path, t.as_bytes())
                    .map_err(|e| sscard_profile::error::io_reason(&e))
            });
        if let Err(e) = written {
            eprintln!("relay: trace {}: {e}", path.display());
        }
    }

    fn reset_card(&mut self) {
        if let Err(e) = self.relay.reset() {
            eprintln!("relay: reset of the card in {}: {e}", self.reader);
        }
    }
}

impl vpcd::VirtualCard for RelayCard {
    fn atr(&mut self) -> Vec<u8> {
        self.relay.atr()
    }
    fn power_on(&mut self) {
        self.reset_card();
    }
    fn power_off(&mut self) {}
    fn reset(&mut self) {
        self.reset_card();
    }
    fn execute(&mut self, apdu: &[u8]) -> Option<Vec<u8>> {
        match self.relay.transmit(apdu) {
            Ok(r) => {
                self.save();
                Some(r)
            }
            Err(e) => {
                // The real card is gone: so is the relayed one.
                eprintln!("relay: {e}");
                None
            }
        }
    }
}

/// `relay`.
pub fn run(_cli: &Cli, a: &RelayArgs) -> CliResult<()> {
    let rules = match &a.rewrite {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| CliError::io(p, &e))?;
            parse_rules(&text).map_err(|e| CliError::usage(format!("{}: {e}", p.display())))?
        }
        None => Vec::new(),
    };
    let reader = crate::readers::choose(a.reader.as_deref())?;
    let card = PcscTransport::connect(&reader).map_err(CliError::card)?;
    let name = card.name();
    let trace = if a.trace_reveal {
        Trace::revealing("relay", &card.atr())
    } else {
        Trace::new("relay", &card.atr())
    };
    let port = if a.slot == 0 {
        vpcd::PORT_SLOT_0
    } else {
        vpcd::PORT_SLOT_1
    };
    eprintln!(
        "relaying the card in {name} to Virtual PCD 00 0{}{}{}",
        a.slot,
        if rules.is_empty() {
            String::new()
        } else {
            format!(", {} rewrite rule(s)", rules.len())
        },
        a.trace
            .as_ref()
            .map(|t| format!(", recording to {}", t.display()))
            .unwrap_or_default()
    );
    let mut relayed = RelayCard {
        relay: Relay::new(card, trace, rules),
        trace: a.trace.clone(),
        reader: name,
    };
    relayed.save();
    let stop = Arc::new(AtomicBool::new(false));
    vpcd::serve(&mut relayed, "127.0.0.1", port, &stop).map_err(|e| CliError::usage(e.to_string()))
}
