//! A relay (issue 15 point 2, the idea of vsmartcard's `vicc --relay`): a
//! card behind another transport, answered to whoever sends the commands,
//! every exchange recorded in a [`Trace`] (masked as every trace is), and
//! answers rewritten by [`Rule`]s for tests: a counterfeit card is a real
//! one whose internal authentication answer has one bit flipped.

use serde::Deserialize;
use sscard_apdu::{Apdu, Command, Response};

use super::trace::Trace;
use super::Transport;
use crate::error::{Error, Result};

/// One rewrite: the answer to a command that starts with `command`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The command's first bytes (`00 88` for every INTERNAL AUTHENTICATE).
    pub command: Vec<u8>,
    /// What becomes of the answer.
    pub action: Action,
}

/// What a [`Rule`] does to the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The whole answer replaced (data and status word).
    Response(Vec<u8>),
    /// The status word replaced, the data kept.
    Sw([u8; 2]),
    /// Byte `n` of the answer's data inverted (an answer shorter than that
    /// is kept).
    Flip(usize),
}

impl Rule {
    fn applies(&self, apdu: &[u8]) -> bool {
        apdu.starts_with(&self.command)
    }

    fn apply(&self, mut rsp: Vec<u8>) -> Vec<u8> {
        let data_len = rsp.len().saturating_sub(2);
        match &self.action {
            Action::Response(r) => r.clone(),
            Action::Sw(sw) if rsp.len() >= 2 => {
                rsp.truncate(data_len);
                rsp.extend_from_slice(sw);
                rsp
            }
            Action::Sw(sw) => sw.to_vec(),
            Action::Flip(n) => {
                if *n < data_len {
                    rsp[*n] ^= 0xFF;
                }
                rsp
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    rewrite: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    command: String,
    response: Option<String>,
    sw: Option<String>,
    flip: Option<usize>,
}

fn hex_of(what: &str, i: usize, text: &str) -> Result<Vec<u8>> {
    let compact: String = text.split_whitespace().collect();
    hex::decode(&compact)
        .map_err(|e| Error::BadArgument(format!("rewrite rule {}: {what} '{text}': {e}", i + 1)))
}

/// The rules of a rewrite file:
///
/// ```toml
/// [[rewrite]]
/// command = "00 88"   # every command that starts with these bytes
/// flip = 0            # or: sw = "6A82", or: response = "6A82"
/// ```
///
/// # Errors
/// [`Error::BadArgument`] naming the rule: bad TOML, bad hex, an unknown
/// key, none or several of `response`, `sw`, `flip`, an empty command.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>> {
    let file: RulesFile = toml::from_str(text)
        .map_err(|e| Error::BadArgument(format!("rewrite rules: {}", e.message())))?;
    file.rewrite
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let command = hex_of("command", i, &r.command)?;
            if command.is_empty() {
                return Err(Error::BadArgument(format!(
                    "rewrite rule {}: an empty command would match everything",
                    i + 1
                )));
            }
            let action = match (r.response, r.sw, r.flip) {
                (Some(x), None, None) => {
                    let b = hex_of("response", i, &x)?;
                    if b.len() < 2 {
                        return Err(Error::BadArgument(format!(
                            "rewrite rule {}: a response ends with its status word",
                            i + 1
                        )));
                    }
                    Action::Response(b)
                }
                (None, Some(x), None) => {
                    let b = hex_of("sw", i, &x)?;
                    Action::Sw(<[u8; 2]>::try_from(b.as_slice()).map_err(|_| {
                        Error::BadArgument(format!("rewrite rule {}: sw is two bytes", i + 1))
                    })?)
                }
                (None, None, Some(n)) => Action::Flip(n),
                _ => {
                    return Err(Error::BadArgument(format!(
                        "rewrite rule {}: give exactly one of response, sw, flip",
                        i + 1
                    )))
                }
            };
            Ok(Rule { command, action })
        })
        .collect()
}

/// A card relayed: what it answers, rewritten by the rules, recorded.
pub struct Relay<T> {
    card: T,
    rules: Vec<Rule>,
    trace: Trace,
}

impl<T: Transport> Relay<T> {
    /// Relays `card`, recording into `trace` (its operation and masking:
    /// [`Trace::new`] or [`Trace::revealing`]).
    pub fn new(card: T, trace: Trace, rules: Vec<Rule>) -> Self {
        Self { card, rules, trace }
    }

    /// The exchanges so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The card relayed.
    pub fn card_mut(&mut self) -> &mut T {
        &mut self.card
    }
}

impl<T: Transport> Transport for Relay<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>> {
        let mut rsp = self.card.transmit(apdu)?;
        let mut rewritten = false;
        for r in self.rules.iter().filter(|r| r.applies(apdu)) {
            rsp = r.apply(rsp);
            rewritten = true;
        }
        // A command or an answer that does not parse is relayed all the
        // same; only what parses can be recorded.
        if let (Ok(cmd), Ok(r)) = (Command::from_bytes(apdu), Response::from_bytes(&rsp)) {
            let apdu = Apdu::raw(cmd);
            let (name, cmd) = (apdu.name(), apdu.command());
            let name = if rewritten {
                format!("{name} (rewritten)")
            } else {
                name.to_owned()
            };
            self.trace.push(&name, cmd, &r, apdu.sensitivity());
            self.trace.count(cmd, &r);
        }
        Ok(rsp)
    }

    fn reset(&mut self) -> Result<Vec<u8>> {
        self.card.reset()
    }

    fn atr(&self) -> Vec<u8> {
        self.card.atr()
    }

    fn name(&self) -> String {
        format!("relay of {}", self.card.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_bad_ones_are_named() -> Result<()> {
        let r = parse_rules(
            "[[rewrite]]\ncommand = \"00 88\"\nflip = 0\n[[rewrite]]\ncommand = \"00B2\"\nsw = \"6A83\"\n",
        )?;
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].action, Action::Flip(0));
        assert_eq!(r[1].apply(vec![1, 2, 0x90, 0]), vec![1, 2, 0x6A, 0x83]);
        assert_eq!(r[0].apply(vec![0x0F, 0x90, 0]), vec![0xF0, 0x90, 0]);
        for (bad, says) in [
            ("[[rewrite]]\ncommand = \"0088\"\n", "exactly one"),
            (
                "[[rewrite]]\ncommand = \"0088\"\nflip = 1\nsw = \"9000\"\n",
                "exactly one",
            ),
            (
                "[[rewrite]]\ncommand = \"zz\"\nflip = 1\n",
                "rule 1: command 'zz'",
            ),
            ("[[rewrite]]\ncommand = \"\"\nflip = 1\n", "empty command"),
            ("[[rewrite]]\ncommand = \"00\"\nsw = \"90\"\n", "two bytes"),
            (
                "[[rewrite]]\ncommand = \"00\"\nresponse = \"90\"\n",
                "status word",
            ),
            ("[[rewrite]]\ncommand = \"00\"\nflp = 1\n", "unknown field"),
            ("[[rewrite]\n", "rewrite rules"),
        ] {
            let e = parse_rules(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains(says), "{bad}: {e}");
        }
        Ok(())
    }
}
