//! The medical debit (spec 02 §2.4, spec 05 `iDoDebit`).

use sscard_apdu::field::{Amount, Format};
use sscard_profile::EfKind;

use super::{cmd, Terminal};
use crate::error::{Error, Result};
use crate::pin::PinPad;
use crate::security::{Mac1Request, SecurityModule};
use crate::transport::trace::Sensitivity;
use crate::transport::Transport;

/// What the POS asks to debit (`pPayInfo`: `total|account+pooled|YYYYMMDDHHMMSS|`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayInfo {
    /// Total.
    pub total: Amount,
    /// Account plus pooled fund part.
    pub account_pooled: Amount,
    /// Date `YYYYMMDD` BCD.
    pub date: [u8; 4],
    /// Time `HHMMSS` BCD.
    pub time: [u8; 3],
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
        if when.len() != 14 {
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

/// The result of a debit, as `iDoDebit` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebitResult {
    /// Algorithm id.
    pub algorithm: u8,
    /// Key address (DPK version).
    pub key_address: u16,
    /// The two amounts as sent, hex.
    pub amount_hex: String,
    /// Transaction type.
    pub tx_type: u8,
    /// Terminal number (12 digits).
    pub terminal_no: String,
    /// Terminal transaction number (hex).
    pub terminal_txn_no: String,
    /// Date-time YYYYMMDDHHMMSS.
    pub date_time: String,
    /// TAC (hex).
    pub tac: String,
    /// Balance after the debit, fen.
    pub balance: u32,
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

/// The medical account file of the card model.
fn purse_ef(profile: &sscard_profile::Profile) -> Result<sscard_profile::Ef> {
    profile
        .efs
        .iter()
        .find(|e| e.kind == EfKind::Purse)
        .cloned()
        .ok_or_else(|| Error::NotSupported("the card model has no medical account".into()))
}

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// A medical debit: PIN, INITIALIZE FOR DEBIT, MAC1 from the module,
    /// DEBIT, MAC2 checked by the module.
    ///
    /// # Errors
    /// [`Error::Card`] `9401` without balance, `9302` for a wrong MAC1, …
    pub fn medical_debit(&mut self, pay: &PayInfo) -> Result<DebitResult> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        let purse = purse_ef(&profile)?;
        let keys = purse
            .purse
            .clone()
            .ok_or_else(|| Error::NotSupported("purse without keys".into()))?;
        let dpk = profile
            .key(&keys.debit)
            .ok_or_else(|| Error::BadArgument("no debit key".into()))?
            .clone();
        self.select_df(&profile, &purse.df)?;
        self.satisfy(&profile, &purse.read, &purse.df, true)?;
        let terminal = self.sm.terminal_number()?;
        let mut init = vec![0x01];
        init.extend_from_slice(&pay.total.to_bytes());
        init.extend_from_slice(&pay.account_pooled.to_bytes());
        init.extend_from_slice(&terminal);
        let c = cmd(0x80, 0x50, 0x01, 0x02, &init, Some(15))?;
        let r = self
            .card
            .command("INITIALIZE FOR DEBIT", &c, Sensitivity::Plain)?;
        if r.len() != 15 {
            return Err(Error::Malformed {
                command: "INITIALIZE FOR DEBIT",
                reason: format!("{} bytes", r.len()),
            });
        }
        let balance = u32::from_be_bytes([r[0], r[1], r[2], r[3]]);
        let req = Mac1Request {
            pseudo_random: [r[11], r[12], r[13], r[14]],
            counter: u16::from_be_bytes([r[4], r[5]]),
            total: pay.total.fen(),
            account_pooled: pay.account_pooled.fen(),
            tx_type: sscard_crypto::debit::MEDICAL_DEBIT,
            date: pay.date,
            time: pay.time,
            key_version: r[9],
            algorithm: r[10],
            card_id: facts.card_id,
        };
        let (txn, mac1) = self.sm.mac1(&req)?;
        let data = [&txn[..], &pay.date, &pay.time, &mac1].concat();
        let c = cmd(0x80, 0x54, 0x01, 0x00, &data, Some(8))?;
        let r = self.card.command("DEBIT", &c, Sensitivity::Plain)?;
        if r.len() != 8 {
            return Err(Error::Malformed {
                command: "DEBIT",
                reason: format!("{} bytes", r.len()),
            });
        }
        let tac = [r[0], r[1], r[2], r[3]];
        self.sm.verify_mac2(&[r[4], r[5], r[6], r[7]])?;
        Ok(DebitResult {
            algorithm: req.algorithm,
            key_address: dpk.address + u16::from(req.key_version.max(1) - 1),
            amount_hex: hex::encode_upper(
                [pay.total.to_bytes(), pay.account_pooled.to_bytes()].concat(),
            ),
            tx_type: req.tx_type,
            terminal_no: Format::N.decode(&terminal).unwrap_or_default(),
            terminal_txn_no: hex::encode_upper(txn),
            date_time: hex::encode_upper([&pay.date[..], &pay.time].concat()),
            tac: hex::encode_upper(tac),
            balance: balance - pay.total.fen(),
        })
    }

    /// The medical account balance (GET BALANCE).
    ///
    /// # Errors
    /// Card and access errors.
    pub fn balance(&mut self) -> Result<u32> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        let purse = purse_ef(&profile)?;
        self.select_df(&profile, &purse.df)?;
        self.satisfy(&profile, &purse.read, &purse.df, true)?;
        let c = cmd(0x80, 0x5C, 0x00, 0x02, &[], Some(4))?;
        let r = self.card.command("GET BALANCE", &c, Sensitivity::Plain)?;
        <[u8; 4]>::try_from(r.as_slice())
            .map(u32::from_be_bytes)
            .map_err(|_| Error::Malformed {
                command: "GET BALANCE",
                reason: "not 4 bytes".into(),
            })
    }
}
