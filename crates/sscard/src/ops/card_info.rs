//! `pCardInfo` (spec 05 §5.1): `card identification code|card number|`.
//! The library reads both from the card and refuses to go on (-22) when
//! the card in the reader is not the one the caller means.

use sscard_apdu::field::Format;

use super::Terminal;
use crate::error::{Error, Result};
use crate::pin::PinPad;
use crate::security::SecurityModule;
use crate::transport::Transport;

/// A parsed `pCardInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardInfo {
    /// Card identification code.
    pub card_id: [u8; 16],
    /// Card number (EF05 tag 07, 9 characters).
    pub card_number: String,
}

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// Reads the card identification code and card number and compares
    /// them with `info`.
    ///
    /// # Errors
    /// [`Error::CardMismatch`] (-22) when either differs.
    pub fn check_card_info(&mut self, info: &CardInfo) -> Result<()> {
        let facts = self.facts_or_identify()?;
        if facts.card_id != info.card_id {
            return Err(Error::CardMismatch(
                "the card identification code of pCardInfo is not this card's".into(),
            ));
        }
        let raw = self.read_element("card_number")?;
        let number: String = Format::An
            .decode(&raw)
            .map_err(|e| Error::Malformed {
                command: "READ RECORD",
                reason: format!("card number: {e}"),
            })?
            .chars()
            .take(9)
            .collect();
        if !number.eq_ignore_ascii_case(&info.card_number) {
            return Err(Error::CardMismatch(
                "the card number of pCardInfo is not this card's".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_codes() {
        let ok = CardInfo::parse("639900D15600000500BF7C7A48FB4966|X00000019|");
        assert_eq!(ok.map(|c| c.card_number).ok().as_deref(), Some("X00000019"));
        for (text, code) in [
            ("", -23),
            ("639900D15600000500BF7C7A48FB4966|X00000019", -23),
            ("639900D15600000500BF7C7A48FB4966||", -23),
            ("639900D15600000500BF7C7A48FB4966|X0000 0019|", -23),
            ("639900D15600000500BF7C7A48FB49|X00000019|", -20),
            ("639900D15600000500BF7C7A48FB496G|X00000019|", -20),
            ("|X00000019|", -20),
        ] {
            assert_eq!(
                CardInfo::parse(text).err().map(|e| e.code()),
                Some(code),
                "{text:?}"
            );
        }
    }
}
