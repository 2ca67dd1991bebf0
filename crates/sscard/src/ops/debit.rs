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
pub(crate) fn purse_ef(profile: &sscard_profile::Profile) -> Result<sscard_profile::Ef> {
    profile
        .efs
        .iter()
        .find(|e| e.kind == EfKind::Purse)
        .cloned()
        .ok_or_else(|| Error::NotSupported("the card model has no medical account".into()))
}

/// A debit initialised on the card (spec 05 `iDoDebit_HSM_Step1`): what
/// the security module needs for MAC1, kept for the second half.
#[derive(Debug, Clone)]
pub struct DebitInit {
    /// What MAC1 covers.
    pub mac1: Mac1Request,
    /// The balance before the debit, fen.
    pub balance: u32,
    /// The terminal number sent (BCD).
    pub terminal: [u8; 6],
    /// The debit key's address for the card's key version.
    pub key_address: u16,
    pay: PayInfo,
}

impl DebitInit {
    /// The two amounts as sent to the card, hex.
    pub fn amount_hex(&self) -> String {
        hex::encode_upper(
            [
                self.pay.total.to_bytes(),
                self.pay.account_pooled.to_bytes(),
            ]
            .concat(),
        )
    }

    /// The date-time as sent, `YYYYMMDDHHMMSS`.
    pub fn date_time(&self) -> String {
        hex::encode_upper([&self.pay.date[..], &self.pay.time].concat())
    }

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

    /// The result once the card answered DEBIT with `tac`.
    pub fn result(&self, txn: [u8; 4], tac: [u8; 4]) -> DebitResult {
        DebitResult {
            algorithm: self.mac1.algorithm,
            key_address: self.key_address,
            amount_hex: self.amount_hex(),
            tx_type: self.mac1.tx_type,
            terminal_no: Format::N.decode(&self.terminal).unwrap_or_default(),
            terminal_txn_no: hex::encode_upper(txn),
            date_time: self.date_time(),
            tac: hex::encode_upper(tac),
            balance: self.balance.saturating_sub(self.pay.total.fen()),
        }
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

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// A medical debit: PIN, INITIALIZE FOR DEBIT, MAC1 from the module,
    /// DEBIT, MAC2 checked by the module.
    ///
    /// # Errors
    /// [`Error::Card`] `9401` without balance, `9302` for a wrong MAC1, …
    pub fn medical_debit(&mut self, pay: &PayInfo) -> Result<DebitResult> {
        let init = self.debit_init(pay)?;
        let (txn, mac1) = self.sm.mac1(&init.mac1)?;
        let (tac, mac2) = self.debit_complete(&init, txn, mac1)?;
        self.sm.verify_mac2(&mac2)?;
        Ok(init.result(txn, tac))
    }

    /// The first half of a debit: PIN (the purse's rule), INITIALIZE FOR
    /// DEBIT with the module's terminal number.
    ///
    /// # Errors
    /// Card, PIN and module errors.
    pub fn debit_init(&mut self, pay: &PayInfo) -> Result<DebitInit> {
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
        let mac1 = Mac1Request {
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
        Ok(DebitInit {
            balance: u32::from_be_bytes([r[0], r[1], r[2], r[3]]),
            terminal,
            key_address: dpk.address + u16::from(mac1.key_version.max(1) - 1),
            mac1,
            pay: *pay,
        })
    }

    /// The second half: DEBIT with the terminal transaction number and
    /// MAC1; returns the card's TAC and MAC2.
    ///
    /// # Errors
    /// [`Error::Card`] `9302` for a wrong MAC1 (nothing debited).
    pub fn debit_complete(
        &mut self,
        init: &DebitInit,
        txn: [u8; 4],
        mac1: [u8; 4],
    ) -> Result<([u8; 4], [u8; 4])> {
        let data = [&txn[..], &init.pay.date, &init.pay.time, &mac1].concat();
        let c = cmd(0x80, 0x54, 0x01, 0x00, &data, Some(8))?;
        let r = self.card.command("DEBIT", &c, Sensitivity::Plain)?;
        match r.as_slice() {
            [a, b, c, d, e, f, g, h] => Ok(([*a, *b, *c, *d], [*e, *f, *g, *h])),
            _ => Err(Error::Malformed {
                command: "DEBIT",
                reason: format!("{} bytes", r.len()),
            }),
        }
    }

    /// The medical debit log as `iReadDebitRecord` prints it: records
    /// newest first, each `txn no.^terminal no.^date-time^total^account+pooled^|`
    /// (the first five fields of the log file in the card model).
    ///
    /// # Errors
    /// Card and PIN errors; [`Error::NotSupported`] without a log.
    pub fn debit_records(&mut self) -> Result<String> {
        // The interface shows the first five fields; the card's log holds more (counter, TAC).
        Ok(self
            .debit_log()?
            .iter()
            .map(|r| {
                let fields: String = r.iter().take(5).map(|(_, v)| format!("{v}^")).collect();
                format!("{fields}|")
            })
            .collect())
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
