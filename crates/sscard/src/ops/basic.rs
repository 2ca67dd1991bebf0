//! Read basic information (spec 05 `iReadCardBas`).

use core::fmt;

use sscard_apdu::field::Format;
use sscard_apdu::StatusWord;
use sscard_profile::Generation;

use super::Terminal;
use crate::error::{Error, Result};
use crate::ops::hsm_auth::HsmAuth;
use crate::pin::PinPad;
use crate::security::SecurityModule;
use crate::transport::Transport;
use sscard_apdu::commands;

/// The basic information of a card, as `iReadCardBas` returns it.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicInfo {
    /// Issuing area code (6 digits).
    pub area_code: String,
    /// Social security number.
    pub ssn: String,
    /// Card number.
    pub card_number: String,
    /// Card identification code (32 hex digits).
    pub card_id: String,
    /// Name (name and extension joined on 2.0 and 3.0 cards).
    pub name: String,
    /// ATR historical bytes (hex).
    pub historical_bytes: String,
    /// Spec version.
    pub spec_version: String,
    /// Issue date YYYYMMDD.
    pub issue_date: String,
    /// Expiry date YYYYMMDD.
    pub expiry_date: String,
    /// Terminal number (12 digits).
    pub terminal_number: String,
    /// Terminal device number (empty without one).
    pub device_number: String,
}

impl fmt::Debug for BasicInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BasicInfo({})", self.to_masked_line())
    }
}

/// The historical bytes of an ATR (ISO/IEC 7816-3 §8.2).
pub fn historical_bytes(atr: &[u8]) -> Vec<u8> {
    let Some(&t0) = atr.get(1) else {
        return Vec::new();
    };
    let k = usize::from(t0 & 0x0F);
    let mut i = 2;
    let mut y = t0 >> 4;
    loop {
        let n = (y & 1) + ((y >> 1) & 1) + ((y >> 2) & 1);
        let td = y & 0x08 != 0;
        i += usize::from(n);
        if td {
            let Some(&b) = atr.get(i) else {
                return Vec::new();
            };
            i += 1;
            y = b >> 4;
        } else {
            break;
        }
    }
    atr.get(i..i + k).map(<[u8]>::to_vec).unwrap_or_default()
}

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// Internal authentication with IRK: the card answers what the security
    /// module computes from the master key, or it is not genuine.
    ///
    /// # Errors
    /// [`Error::NotGenuine`] when the answers differ.
    pub fn internal_auth(&mut self) -> Result<()> {
        let facts = self.facts_or_identify()?;
        let (irk, answer) = self.internal_auth_answer()?;
        let expected = self.sm.auth_data(
            facts.scheme,
            irk.key_address,
            &facts.card_id,
            &irk.process_factor,
            &irk.source,
        )?;
        if answer != expected {
            return Err(Error::NotGenuine {
                step: "internal authentication (IRK): the card's answer differs from the security module's".into(),
            });
        }
        Ok(())
    }

    /// A card challenge (R1), a terminal random (R2) and INTERNAL
    /// AUTHENTICATE with IRK in SSSE: what the
    /// security module must compute (IRK's address, R1, R2) and the card's answer.
    pub(crate) fn internal_auth_answer(&mut self) -> Result<(HsmAuth, [u8; 8])> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        self.internal_auth_in(&profile)
    }

    /// [`Terminal::internal_auth_answer`] with `profile`'s SSSE and IRK
    /// (personalisation knows the profile before the card holds its data).
    pub(crate) fn internal_auth_in(
        &mut self,
        profile: &sscard_profile::Profile,
    ) -> Result<(HsmAuth, [u8; 8])> {
        self.select_df(profile, super::SSSE)?;
        let irk = profile.key(&profile.roles.internal_key).ok_or_else(|| {
            Error::BadArgument("no internal authentication key in the profile".into())
        })?;
        // R1, the process factor, may be the card's; R2, the source, is the
        // terminal's own random, so that a card cannot answer from a table
        // of recorded answers (02 §2.1).
        let r1 = self.challenge()?;
        let r2 = self.sm.terminal_random()?;
        // A profile that gives the key no identifier asks for the card's
        // default internal key, P2 00 (02 §2.1).
        let c = commands::internal_authenticate(irk.id.unwrap_or(0x00), &r1, &r2);
        let answer = self
            .card
            .command(&c)?
            .try_into()
            .map_err(|_| Error::Malformed {
                command: "INTERNAL AUTHENTICATE",
                reason: "not 8 bytes".into(),
            })?;
        let auth = HsmAuth {
            key_address: irk.card_address(),
            process_factor: r1,
            source: r2,
        };
        Ok((auth, answer))
    }

    fn text(&mut self, name: &str, format: Format) -> Result<String> {
        let v = self.read_element(name)?;
        format.decode(&v).map_err(|e| Error::Malformed {
            command: "READ RECORD",
            reason: format!("{name}: {e}"),
        })
    }

    /// Reads the basic information (spec 05 §5.4): SSSE, algorithm,
    /// internal authentication, RKSSSE on a 3.0 card (from the profile's
    /// EF06 rule), EF05 and EF06, the terminal number.
    ///
    /// # Errors
    /// Card, access and security-module errors; [`Error::NotGenuine`].
    pub fn read_basic_info(&mut self) -> Result<BasicInfo> {
        self.state.forget_card();
        let facts = self.identify()?;
        self.internal_auth()?;
        self.finish_basic_info(&facts)
    }

    /// Reads EF05 and EF06 (satisfying EF06's rule) and the terminal number.
    pub(crate) fn finish_basic_info(&mut self, facts: &super::CardFacts) -> Result<BasicInfo> {
        let card_number = self.text("card_number", Format::An)?;
        let issue_date = self.text("issue_date", Format::Cn)?;
        let expiry_date = self.text("expiry_date", Format::Cn)?;
        let ssn = self.text("ssn", Format::An)?;
        let mut name = self.text("name", Format::An)?;
        if facts.generation >= Generation::V2 && facts.profile.element("name_ext").is_some() {
            match self.text("name_ext", Format::An) {
                Ok(ext) => name.push_str(&ext),
                Err(Error::Card {
                    sw: StatusWord::RecordNotFound,
                    ..
                }) => {}
                Err(e) => return Err(e),
            }
        }
        let terminal = self.sm.terminal_number()?;
        Ok(BasicInfo {
            area_code: hex::encode_upper(&facts.card_id[..3]),
            ssn,
            card_number: card_number.chars().take(9).collect(),
            card_id: hex::encode_upper(facts.card_id),
            name,
            historical_bytes: hex::encode_upper(historical_bytes(&self.card.transport().atr())),
            spec_version: facts.spec_version.clone(),
            issue_date,
            expiry_date,
            terminal_number: Format::N.decode(&terminal).unwrap_or_default(),
            device_number: String::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn historical_bytes_of_atrs() {
        let atr = hex::decode("3B6D000000814E43238697159900BF7C7A").unwrap_or_default();
        assert_eq!(
            hex::encode_upper(super::historical_bytes(&atr)),
            "00814E43238697159900BF7C7A"
        );
        // TD1 present: 3B 8F 80 01 + 15 historical bytes + TCK.
        let atr = hex::decode("3B8F8001804F0CA000000306030001000000006A").unwrap_or_default();
        assert_eq!(super::historical_bytes(&atr).len(), 15);
        assert!(super::historical_bytes(&[0x3B]).is_empty());
    }
}
