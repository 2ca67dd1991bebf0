//! PC/SC readers through the `pcsc` crate.

use std::ffi::CString;

use crate::error::{Error, Result};
use crate::transport::{part10, Transport};

/// `iType` of the reader interface (spec 05 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interface {
    /// `1`: contact.
    Contact,
    /// `2`: contactless.
    Contactless,
    /// `3`: automatic, contact first.
    AutoContactFirst,
    /// `4`: automatic, contactless first.
    AutoContactlessFirst,
}

impl Interface {
    /// From `iType`.
    ///
    /// # Errors
    /// [`Error::BadArgument`] outside 1–4.
    pub fn from_itype(i: i32) -> Result<Self> {
        match i {
            1 => Ok(Self::Contact),
            2 => Ok(Self::Contactless),
            3 => Ok(Self::AutoContactFirst),
            4 => Ok(Self::AutoContactlessFirst),
            _ => Err(Error::BadArgument(format!("iType {i} (expected 1 to 4)"))),
        }
    }
}

/// Which readers serve which interface. With one reader (a virtual reader,
/// say) every `iType` uses it.
#[derive(Debug, Clone, Default)]
pub struct ReaderConfig {
    /// Contact reader name (or a prefix of it).
    pub contact: Option<String>,
    /// Contactless reader name (or a prefix of it).
    pub contactless: Option<String>,
}

impl ReaderConfig {
    /// Reader names to try, in order, for `iface`.
    pub fn candidates(&self, iface: Interface) -> Vec<String> {
        let (c, l) = (self.contact.clone(), self.contactless.clone());
        let order = match iface {
            Interface::Contact => vec![c],
            Interface::Contactless => vec![l],
            Interface::AutoContactFirst => vec![c, l],
            Interface::AutoContactlessFirst => vec![l, c],
        };
        let mut out: Vec<String> = order.into_iter().flatten().collect();
        if out.is_empty() {
            out.extend(self.contact.clone().or_else(|| self.contactless.clone()));
        }
        out
    }
}

fn map(e: pcsc::Error, reader: &str) -> Error {
    match e {
        pcsc::Error::NoSmartcard => Error::NoCard {
            reader: reader.to_owned(),
        },
        pcsc::Error::RemovedCard | pcsc::Error::ResetCard => Error::CardRemoved,
        pcsc::Error::UnpoweredCard => Error::NotPowered,
        pcsc::Error::UnresponsiveCard => Error::CardMute,
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => Error::NoConnection(e.to_string()),
        pcsc::Error::UnknownReader | pcsc::Error::ReaderUnavailable => {
            Error::NoConnection(format!("{reader}: {e}"))
        }
        other => Error::Reader(format!("{reader}: {other}")),
    }
}

/// Lists the PC/SC readers.
///
/// # Errors
/// [`Error::NoConnection`] when pcscd is not running.
pub fn list_readers() -> Result<Vec<String>> {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(|e| map(e, "PC/SC"))?;
    let names = ctx.list_readers_owned().map_err(|e| map(e, "PC/SC"))?;
    Ok(names
        .iter()
        .map(|n| n.to_string_lossy().into_owned())
        .collect())
}

/// Each reader with whether a card is in it, as pcscd sees them now.
///
/// # Errors
/// [`Error::NoConnection`] when PC/SC is unavailable.
pub fn reader_states() -> Result<Vec<(String, bool)>> {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(|e| map(e, "PC/SC"))?;
    let names = ctx.list_readers_owned().map_err(|e| map(e, "PC/SC"))?;
    let mut states: Vec<pcsc::ReaderState> = names
        .into_iter()
        .map(|n| pcsc::ReaderState::new(n, pcsc::State::UNAWARE))
        .collect();
    if !states.is_empty() {
        match ctx.get_status_change(std::time::Duration::from_millis(0), &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) => {}
            Err(e) => return Err(map(e, "PC/SC")),
        }
    }
    Ok(states
        .iter()
        .map(|s| {
            (
                s.name().to_string_lossy().into_owned(),
                s.event_state().contains(pcsc::State::PRESENT),
            )
        })
        .collect())
}

/// Waits until pcscd sees a card in the first reader whose name starts
/// with `reader` (`present`), or none, for at most `timeout`. A POS waits
/// for the holder's card this way; the virtual readers need it too, since
/// pcscd notices a vpcd card leave or arrive only at its next poll.
///
/// # Errors
/// [`Error::NoConnection`] without pcscd or such a reader;
/// [`Error::NoCard`] (waiting for a card) or [`Error::Reader`] (waiting for
/// the reader to empty) when `timeout` passes.
pub fn wait_card(reader: &str, present: bool, timeout: std::time::Duration) -> Result<()> {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(|e| map(e, reader))?;
    let name = ctx
        .list_readers_owned()
        .map_err(|e| map(e, reader))?
        .into_iter()
        .find(|n| n.to_string_lossy().starts_with(reader))
        .ok_or_else(|| Error::NoConnection(format!("no reader {reader:?}")))?;
    let mut state = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
    let deadline = std::time::Instant::now() + timeout;
    loop {
        match ctx.get_status_change(std::time::Duration::from_millis(100), &mut state) {
            Ok(()) | Err(pcsc::Error::Timeout) => {}
            Err(e) => return Err(map(e, reader)),
        }
        if state[0].event_state().contains(pcsc::State::PRESENT) == present {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(if present {
                Error::NoCard {
                    reader: reader.to_owned(),
                }
            } else {
                Error::Reader(format!("{reader}: a card is still in the reader"))
            });
        }
        state[0].sync_current_state();
    }
}

/// A card in a PC/SC reader, held exclusively while this value lives.
pub struct PcscTransport {
    card: pcsc::Card,
    reader: String,
    atr: Vec<u8>,
}

impl PcscTransport {
    /// Connects exclusively to the card in the first reader whose name
    /// starts with `name` (or equals it), or in reader number `name` when it
    /// is a number.
    ///
    /// # Errors
    /// [`Error::NoConnection`] for no such reader, [`Error::NoCard`], …
    pub fn connect(name: &str) -> Result<Self> {
        let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(|e| map(e, name))?;
        let readers: Vec<CString> = ctx.list_readers_owned().map_err(|e| map(e, name))?;
        let chosen = match name.parse::<usize>() {
            Ok(i) => readers.get(i).cloned(),
            Err(_) => readers
                .iter()
                .find(|r| r.to_string_lossy().starts_with(name))
                .cloned(),
        }
        .ok_or_else(|| Error::NoConnection(format!("no reader {name:?}")))?;
        let reader = chosen.to_string_lossy().into_owned();
        let card = ctx
            .connect(&chosen, pcsc::ShareMode::Exclusive, pcsc::Protocols::ANY)
            .map_err(|e| map(e, &reader))?;
        let mut names = [0u8; 512];
        let mut atr = [0u8; pcsc::MAX_ATR_SIZE];
        let atr = card
            .status2(&mut names, &mut atr)
            .map(|s| s.atr().to_vec())
            .map_err(|e| map(e, &reader))?;
        Ok(Self { card, reader, atr })
    }

    /// Connects for `iface` following `config`.
    ///
    /// # Errors
    /// The last connection error when no candidate reader has a card.
    pub fn connect_for(config: &ReaderConfig, iface: Interface) -> Result<Self> {
        let mut last = Error::NoConnection("no reader configured".into());
        for name in config.candidates(iface) {
            match Self::connect(&name) {
                Ok(t) => return Ok(t),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The underlying card handle (for `SCardControl`).
    pub fn card(&self) -> &pcsc::Card {
        &self.card
    }
}

impl Transport for PcscTransport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        let r = self
            .card
            .transmit(apdu, &mut buf)
            .map_err(|e| map(e, &self.reader))?;
        Ok(r.to_vec())
    }

    fn reset(&mut self) -> Result<Vec<u8>> {
        self.card
            .reconnect(
                pcsc::ShareMode::Exclusive,
                pcsc::Protocols::ANY,
                pcsc::Disposition::ResetCard,
            )
            .map_err(|e| map(e, &self.reader))?;
        let mut names = [0u8; 512];
        let mut atr = [0u8; pcsc::MAX_ATR_SIZE];
        self.atr = self
            .card
            .status2(&mut names, &mut atr)
            .map(|s| s.atr().to_vec())
            .map_err(|e| map(e, &self.reader))?;
        Ok(self.atr.clone())
    }

    fn atr(&self) -> Vec<u8> {
        self.atr.clone()
    }

    fn name(&self) -> String {
        self.reader.clone()
    }

    fn features(&mut self) -> Vec<(u8, u32)> {
        let mut buf = [0u8; 256];
        match self.card.control(
            pcsc::ctl_code(part10::GET_FEATURE_REQUEST.into()),
            &[],
            &mut buf,
        ) {
            Ok(answer) => part10::parse_features(answer),
            Err(_) => Vec::new(),
        }
    }

    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>> {
        let mut buf = [0u8; 258];
        self.card
            .control(code.into(), input, &mut buf)
            .map(<[u8]>::to_vec)
            .map_err(|e| map(e, &self.reader))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn itype_rule() {
        assert!(Interface::from_itype(0).is_err());
        let both = ReaderConfig {
            contact: Some("A".into()),
            contactless: Some("B".into()),
        };
        assert_eq!(
            both.candidates(Interface::AutoContactlessFirst),
            vec!["B".to_owned(), "A".to_owned()]
        );
        assert_eq!(both.candidates(Interface::Contact), vec!["A".to_owned()]);
        let one = ReaderConfig {
            contact: None,
            contactless: Some("B".into()),
        };
        assert_eq!(one.candidates(Interface::Contact), vec!["B".to_owned()]);
    }
}
