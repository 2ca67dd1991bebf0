//! The reader interface's lines: what `iReadCardBas`, the debit and the
//! HSM flows print (fields each followed by `|`, or `^` within one), and
//! the `pPayInfo`, `pCardInfo` and step-2 `pKey` they read.

use sscard_apdu::field::{Amount, Format};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::ops::basic::BasicInfo;
use crate::ops::card_info::CardInfo;
use crate::ops::debit::{DebitInit, DebitRecord, DebitResult, PayInfo};
use crate::ops::hsm::ReadBasStep1;
use crate::ops::hsm::{GenuineStep, KeyStep};
use crate::ops::hsm_auth::{AuthPair, HsmAuth};
use crate::ops::pin::SmRequest;
use crate::ops::Terminal;
use crate::pin::PinPad;
use crate::security::SecurityModule;
use crate::transport::Transport;

impl BasicInfo {
    /// The exact `iReadCardBas` line: 11 fields, each followed by `|`.
    pub fn to_line(&self) -> String {
        [
            &self.area_code,
            &self.ssn,
            &self.card_number,
            &self.card_id,
            &self.name,
            &self.historical_bytes,
            &self.spec_version,
            &self.issue_date,
            &self.expiry_date,
            &self.terminal_number,
            &self.device_number,
        ]
        .iter()
        .map(|f| format!("{f}|"))
        .collect()
    }

    /// The line with personal data masked, for logs and default output.
    pub fn to_masked_line(&self) -> String {
        let mut m = self.clone();
        m.ssn = sscard_profile::holder::mask(&self.ssn);
        m.name = sscard_profile::holder::mask(&self.name);
        m.to_line()
    }
}

impl CardInfo {
    /// Parses `pCardInfo`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (-23) for another shape or card number;
    /// [`Error::BadCardId`] (-20) when the code is not 32 hex digits.
    pub fn parse(text: &str) -> Result<Self> {
        let parts: Vec<&str> = text.split('|').collect();
        let [id, number, ""] = parts.as_slice() else {
            return Err(Error::InvalidInput(
                "pCardInfo: expected card identification code|card number|".into(),
            ));
        };
        let card_id = hex::decode(id)
            .ok()
            .and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok())
            .ok_or_else(|| {
                Error::BadCardId(format!(
                    "pCardInfo: {:?} is not 32 hex digits",
                    id.chars().take(40).collect::<String>()
                ))
            })?;
        if number.is_empty()
            || number.len() > 20
            || !number.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(Error::InvalidInput(
                "pCardInfo: the card number is 1 to 20 letters and digits".into(),
            ));
        }
        Ok(Self {
            card_id,
            card_number: (*number).to_owned(),
        })
    }
}

impl PayInfo {
    /// Parses `pPayInfo`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for anything but two decimal amounts and a date-time.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |why: &str| Error::InvalidInput(format!("pPayInfo {text:?}: {why}"));
        let parts: Vec<&str> = text.split('|').collect();
        let [total, account, when, ""] = parts.as_slice() else {
            return Err(bad("expected total|account+pooled|YYYYMMDDHHMMSS|"));
        };
        let total: Amount = total
            .parse()
            .map_err(|e: sscard_apdu::Error| bad(&e.to_string()))?;
        let account_pooled: Amount = account
            .parse()
            .map_err(|e: sscard_apdu::Error| bad(&e.to_string()))?;
        if account_pooled > total {
            return Err(bad("the account+pooled part exceeds the total"));
        }
        if when.len() != 14 || !when.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("date-time is YYYYMMDDHHMMSS"));
        }
        let _: sscard_apdu::field::Date = when[..8]
            .parse()
            .map_err(|e: sscard_apdu::Error| bad(&e.to_string()))?;
        let bcd = Format::N.encode(when, 7).map_err(|e| bad(&e.to_string()))?;
        let (h, m, s) = (&when[8..10], &when[10..12], &when[12..14]);
        if h > "23" || m > "59" || s > "59" {
            return Err(bad("time out of range"));
        }
        Ok(Self {
            total,
            account_pooled,
            date: [bcd[0], bcd[1], bcd[2], bcd[3]],
            time: [bcd[4], bcd[5], bcd[6]],
        })
    }
}

impl DebitResult {
    /// `algorithm id|key address|amount hex|transaction type|terminal no.|terminal txn no.|date-time|TAC|`.
    pub fn to_line(&self) -> String {
        format!(
            "{:02X}|{:04X}|{}|{:02X}|{}|{}|{}|{}|",
            self.algorithm,
            self.key_address,
            self.amount_hex,
            self.tx_type,
            self.terminal_no,
            self.terminal_txn_no,
            self.date_time,
            self.tac
        )
    }
}

impl DebitInit {
    /// The step 1 line: `algorithm id|key address|pseudo-random|debit
    /// counter|amount hex|transaction type|terminal no.|date-time|`.
    pub fn to_line(&self) -> String {
        format!(
            "{:02X}|{:04X}|{}|{:04X}|{}|{:02X}|{}|{}|",
            self.mac1.algorithm,
            self.key_address,
            hex::encode_upper(self.mac1.pseudo_random),
            self.mac1.counter,
            self.amount_hex(),
            self.mac1.tx_type,
            Format::N.decode(&self.terminal).unwrap_or_default(),
            self.date_time()
        )
    }

    /// Parses step 2's `pKey`: `terminal txn no.|date-time|MAC1|` (8, 14
    /// and 8 hex digits); the date-time must be step 1's, which MAC1 covers.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming what is wrong.
    pub fn parse_key(&self, key: &str) -> Result<([u8; 4], [u8; 4])> {
        let bad = |why: &str| Error::InvalidInput(format!("pKey {key:?}: {why}"));
        let parts: Vec<&str> = key.split('|').collect();
        let [txn, when, mac1, ""] = parts.as_slice() else {
            return Err(bad("expected terminal txn no.|date-time|MAC1|"));
        };
        let four = |s: &str, what: &str| -> Result<[u8; 4]> {
            hex::decode(s)
                .ok()
                .and_then(|b| <[u8; 4]>::try_from(b.as_slice()).ok())
                .ok_or_else(|| bad(&format!("{what} is 8 hex digits")))
        };
        if *when != self.date_time() {
            return Err(bad("the date-time is not step 1's"));
        }
        Ok((four(txn, "the terminal txn no.")?, four(mac1, "MAC1")?))
    }
}

impl DebitRecord {
    /// The record as `iReadDebitRecord` prints it:
    /// `txn no.^terminal no.^date-time^total^account+pooled^|`.
    pub fn to_line(&self) -> String {
        format!(
            "{}^{}^{}^{}^{}^|",
            self.terminal_txn_no, self.terminal_no, self.datetime, self.amount, self.account_pooled
        )
    }
}

impl ReadBasStep1 {
    /// The step 1 line: `area code|ATR historical bytes|algorithm id|card
    /// identification code|internal process factor|internal source|external
    /// process factor|external source|terminal device code|`.
    pub fn to_line(&self) -> String {
        format!("{}|", self.to_short_line())
    }

    /// The 8-field line some vendors' libraries emit: as [`ReadBasStep1::to_line`]
    /// without the terminal device code.
    pub fn to_short_line(&self) -> String {
        let h = |b: &[u8]| hex::encode_upper(b);
        let (epf, esrc) = self
            .external
            .map(|e| (h(&e.process_factor), h(&e.source)))
            .unwrap_or_default();
        format!(
            "{}|{}|{:02X}|{}|{}|{}|{}|{}|",
            self.area_code,
            self.historical_bytes,
            self.algorithm,
            self.card_id,
            h(&self.internal.process_factor),
            h(&self.internal.source),
            epf,
            esrc
        )
    }
}

impl HsmAuth {
    /// The request line: `algorithm id|key address|process factor|source|`.
    pub fn to_line(&self, algorithm: u8) -> String {
        format!(
            "{algorithm:02X}|{:04X}|{}|{}|",
            self.key_address,
            hex::encode_upper(self.process_factor),
            hex::encode_upper(self.source)
        )
    }

    /// Parses the key server's answer to this request: authentication
    /// data (16 hex) and the request's source (16 hex), 32 hex digits.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for another shape or another source.
    pub fn parse_answer(&self, key: &str) -> Result<[u8; 8]> {
        let (auth, source) = auth_pair(key).ok_or_else(|| {
            Error::InvalidInput("pKey: expected 32 hex digits (auth data and source)".into())
        })?;
        if source != self.source {
            return Err(Error::InvalidInput(
                "pKey: the source is not step 1's".into(),
            ));
        }
        Ok(auth)
    }
}

impl SmRequest {
    /// The step 2 line of `iReloadPIN_HSM` / `iUnblockPIN_HSM`: `algorithm
    /// id|SM key address|process factor|APDU header|new PIN plaintext|`
    /// (empty PIN for unblock). The public interface hands the new PIN to the
    /// key server in the clear: the line is secret, never log it.
    pub fn to_line(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "{:02X}|{:04X}|{}|{}|{}|",
            self.scheme.id(),
            self.key_address,
            hex::encode_upper(self.challenge),
            hex::encode_upper(self.header),
            self.new_pin.as_ref().map_or("", |p| p.digits())
        ))
    }

    /// Parses the key server's answer (step 3 `pKey`): the header, then the
    /// encrypted block (RELOAD, 16 bytes) and the 4-byte MAC, in hex.
    /// Returns the data field to send.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for another header or length, or bad hex.
    pub fn parse_answer(&self, key: &str) -> Result<Vec<u8>> {
        let want = 5 + usize::from(self.header[4]);
        let b = hex::decode(key)
            .ok()
            .filter(|b| b.len() == want)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "pKey: expected {} hex digits (header, data, MAC)",
                    want * 2
                ))
            })?;
        if b[..5] != self.header {
            return Err(Error::InvalidInput(format!(
                "pKey: header {} is not step 2's {}",
                hex::encode_upper(&b[..5]),
                hex::encode_upper(self.header)
            )));
        }
        Ok(b[5..].to_vec())
    }
}

/// Parses step 2's `pKey`: `internal auth data (16 hex) + internal source
/// (16 hex)|external auth data + external source|`.
///
/// # Errors
/// [`Error::InvalidInput`] for anything else.
pub fn parse_step2_key(key: &str) -> Result<(AuthPair, Option<AuthPair>)> {
    let bad = || {
        Error::InvalidInput(format!(
            "pKey {key:?}: expected 32 hex digits|32 hex digits or empty|"
        ))
    };
    let parts: Vec<&str> = key.split('|').collect();
    let [internal, external, ""] = parts.as_slice() else {
        return Err(bad());
    };
    let pair = |s: &str| auth_pair(s).ok_or_else(bad);
    let ext = if external.is_empty() {
        None
    } else {
        Some(pair(external)?)
    };
    Ok((pair(internal)?, ext))
}

/// Authentication data and source from 32 hex digits.
fn auth_pair(s: &str) -> Option<AuthPair> {
    let b = <[u8; 16]>::try_from(hex::decode(s).ok()?.as_slice()).ok()?;
    let (auth, source) = b.split_at(8);
    Some((auth.try_into().ok()?, source.try_into().ok()?))
}

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// [`Terminal::genuine_check`] with the key server's `pKey` (auth data
    /// and source, 32 hex).
    ///
    /// # Errors
    /// [`Error::NotGenuine`] when they differ; [`Error::InvalidInput`].
    pub fn genuine_step2(&mut self, step: &GenuineStep, key: &str) -> Result<()> {
        let expected = step.auth.parse_answer(key)?;
        self.genuine_check(step, expected)
    }

    /// [`Terminal::key_authenticate`] with the key server's `pKey` (32 hex).
    ///
    /// # Errors
    /// [`Error::ExternalAuth`] with the tries left; [`Error::InvalidInput`].
    pub fn key_step2(&mut self, step: &KeyStep, key: &str) -> Result<()> {
        let auth = step.auth.parse_answer(key)?;
        self.key_authenticate(step, auth)
    }

    /// [`Terminal::read_basic_info_checked`] with step 2's `pKey`.
    ///
    /// # Errors
    /// As [`Terminal::read_basic_info_checked`]; [`Error::InvalidInput`].
    pub fn read_basic_info_hsm_step2(
        &mut self,
        step1: &ReadBasStep1,
        key: &str,
    ) -> Result<BasicInfo> {
        let (internal, external) = parse_step2_key(key)?;
        self.read_basic_info_checked(step1, internal, external)
    }
}
