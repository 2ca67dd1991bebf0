//! Recorded sessions: a trace file holds every exchange of an operation,
//! with PINs and secrets in commands and personal data in answers redacted,
//! and the APDU and byte counts. A [`Replay`] plays a trace back as a fake
//! card, checking that the host sends the same commands.

use serde::{Deserialize, Serialize};
use sscard_apdu::{Command, Response};

use crate::error::{Error, Result};
use crate::transport::Transport;

pub use crate::redact::Sensitivity;

/// One exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// Command name.
    pub name: String,
    /// Command APDU (hex); secret data replaced by `00` bytes.
    pub command: String,
    /// Response APDU (hex); personal data masked.
    pub response: String,
    /// What was redacted.
    pub sensitivity: Sensitivity,
}

/// APDUs and bytes of an operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    /// Command APDUs sent (GET RESPONSE and resends included).
    pub apdus: u32,
    /// Bytes sent.
    pub sent: usize,
    /// Bytes received.
    pub received: usize,
}

impl Stats {
    /// Modeled time on a 106 kbit/s contactless link: every byte both ways,
    /// 10 bits per byte (start, 8 data, parity), no frame overheads.
    pub fn contactless_ms(&self) -> f64 {
        ((self.sent + self.received) * 10) as f64 / 106_000.0 * 1000.0
    }
}

/// The version of the trace layout this library writes and reads
/// (`docs/trace-format.md`).
pub const FORMAT: u32 = 1;

/// A recorded operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// Trace format.
    pub format: u32,
    /// The operation.
    pub operation: String,
    /// The card's ATR (hex).
    pub atr: String,
    /// Exchanges in order.
    pub exchanges: Vec<Exchange>,
    /// Counts.
    pub stats: Stats,
    /// The operation's result as the host printed it (masked), if recorded.
    #[serde(default)]
    pub result: Option<String>,
    /// Whether personal data was kept in clear ([`Trace::revealing`]; a
    /// test card's trace that must replay its offline data authentication).
    /// PINs and keys are masked all the same.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revealed: bool,
}

impl Trace {
    /// An empty trace.
    pub fn new(operation: &str, atr: &[u8]) -> Self {
        Self {
            format: FORMAT,
            operation: operation.to_owned(),
            atr: hex::encode_upper(atr),
            exchanges: Vec::new(),
            stats: Stats::default(),
            result: None,
            revealed: false,
        }
    }

    /// An empty trace that keeps personal data in clear (PAN, track 2,
    /// the holder's records); PINs, keys and cryptograms are still masked.
    /// For test cards only: such a trace replays a purchase's offline data
    /// authentication, which a masked PAN cannot.
    pub fn revealing(operation: &str, atr: &[u8]) -> Self {
        Self {
            revealed: true,
            ..Self::new(operation, atr)
        }
    }

    /// Records an exchange, redacted.
    pub fn push(&mut self, name: &str, cmd: &Command, rsp: &Response, s: Sensitivity) {
        let command = match s {
            // The data is replaced by as many zero bytes; header and lengths stay.
            Sensitivity::SecretCommand => {
                let masked = Command::new(cmd.cla, cmd.ins, cmd.p1, cmd.p2)
                    .with_data(vec![0; cmd.data().len()])
                    .and_then(|c| match cmd.le() {
                        Some(le) => c.with_le(le),
                        None => Ok(c),
                    })
                    .map(|c| c.to_bytes())
                    .unwrap_or_default();
                hex::encode_upper(masked)
            }
            _ => hex::encode_upper(cmd.to_bytes()),
        };
        let response = match s {
            _ if self.revealed => hex::encode_upper(rsp.to_bytes()),
            Sensitivity::PersonalResponse
            | Sensitivity::PersonalTlv
            | Sensitivity::PersonalBinary => {
                let mut b = crate::redact::mask_data(rsp.data(), s);
                b.extend_from_slice(&rsp.sw().to_bytes());
                hex::encode_upper(b)
            }
            _ => hex::encode_upper(rsp.to_bytes()),
        };
        self.exchanges.push(Exchange {
            name: name.to_owned(),
            command,
            response,
            sensitivity: s,
        });
    }

    /// Counts an exchange into [`Trace::stats`] as a session does (for a
    /// trace recorded by an observer).
    pub fn count(&mut self, cmd: &Command, rsp: &Response) {
        self.stats.apdus += 1;
        self.stats.sent += cmd.to_bytes().len();
        self.stats.received += rsp.data().len() + 2;
    }

    /// JSON text.
    ///
    /// # Errors
    /// [`Error::Trace`] if serialising fails.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::Trace(e.to_string()))
    }

    /// From JSON text.
    ///
    /// # Errors
    /// [`Error::Trace`] when it does not parse.
    pub fn from_json(text: &str) -> Result<Self> {
        let t: Self = serde_json::from_str(text).map_err(|e| Error::Trace(e.to_string()))?;
        if t.format != FORMAT {
            return Err(Error::Trace(format!(
                "trace format {} (this sscard reads format {FORMAT})",
                t.format
            )));
        }
        if hex::decode(&t.atr).is_err() {
            return Err(Error::Trace(format!("the ATR '{}' is not hex", t.atr)));
        }
        for (i, e) in t.exchanges.iter().enumerate() {
            if let Err(why) = e.command.parse::<Command>() {
                return Err(Error::Trace(format!(
                    "exchange {} ({}): command '{}': {why}",
                    i + 1,
                    e.name,
                    e.command
                )));
            }
            if let Err(why) = e.response.parse::<Response>() {
                return Err(Error::Trace(format!(
                    "exchange {} ({}): response '{}': {why}",
                    i + 1,
                    e.name,
                    e.response
                )));
            }
        }
        Ok(t)
    }
}

/// A trace played back as a card.
pub struct Replay {
    trace: Trace,
    next: usize,
}

impl Replay {
    /// Replays `trace` from the start.
    pub fn new(trace: Trace) -> Self {
        Self { trace, next: 0 }
    }

    /// Whether every exchange was used.
    pub fn finished(&self) -> bool {
        self.next == self.trace.exchanges.len()
    }
}

impl Transport for Replay {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>> {
        let e = self.trace.exchanges.get(self.next).ok_or_else(|| {
            Error::Trace(format!(
                "command {} beyond the end of the trace",
                hex::encode_upper(apdu)
            ))
        })?;
        let sent = hex::encode_upper(apdu);
        // Commands whose data a terminal random or the security module
        // makes (INTERNAL/EXTERNAL AUTHENTICATE, GPO's unpredictable
        // number, DEBIT FOR PURCHASE's MAC1, GENERATE AC) match on header
        // and Lc; secret data was not recorded: the header only; the rest
        // byte for byte (docs/trace-format.md).
        let loose = matches!(apdu.get(1), Some(0x88 | 0x82 | 0xA8 | 0x54 | 0xAE));
        let matches = match e.sensitivity {
            Sensitivity::SecretCommand => sent.get(..8) == e.command.get(..8),
            _ if loose => sent.get(..10) == e.command.get(..10),
            _ => sent == e.command,
        };
        if !matches {
            return Err(Error::Trace(format!(
                "exchange {} ({}): expected {}, got {sent}",
                self.next, e.name, e.command
            )));
        }
        self.next += 1;
        hex::decode(&e.response).map_err(|x| Error::Trace(x.to_string()))
    }

    fn reset(&mut self) -> Result<Vec<u8>> {
        Ok(self.atr())
    }

    fn atr(&self) -> Vec<u8> {
        hex::decode(&self.trace.atr).unwrap_or_default()
    }

    fn name(&self) -> String {
        format!("replay of {}", self.trace.operation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_format_is_refused_by_number() {
        let t = Trace::new("x", &[0x3B, 0x00]);
        let text = t.to_json().unwrap_or_default();
        assert!(Trace::from_json(&text).is_ok());
        let other = text.replace("\"format\": 1", "\"format\": 2");
        let e = Trace::from_json(&other).err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("trace: trace format 2 (this sscard reads format 1)")
        );
    }
}
