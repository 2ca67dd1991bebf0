//! The medical debit (spec 02 §2.4, spec 05 `iDoDebit`).

use sscard_apdu::field::{Amount, Format};
use sscard_profile::EfKind;

use super::Terminal;
use crate::error::{Error, Result};
use crate::pin::PinPad;
use crate::security::{Mac1Request, SecurityModule};
use crate::testing::crash_point;
use crate::transport::Transport;
use sscard_apdu::commands;

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

/// The result of a debit, as `iDoDebit` prints it. The card debits the
/// total; the account+pooled split is settlement data the terminal keeps
/// (its journal), never sent to the card (02 §2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebitResult {
    /// Algorithm id.
    pub algorithm: u8,
    /// Key address (DPK version).
    pub key_address: u16,
    /// The amount as sent to the card (4 bytes), hex.
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
    /// The card's offline counter the purchase ran with.
    pub counter: u16,
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
    /// The amount as sent to the card (the total, 4 bytes), hex.
    pub fn amount_hex(&self) -> String {
        hex::encode_upper(self.pay.total.to_bytes())
    }

    /// What the POS asked.
    pub fn pay(&self) -> &PayInfo {
        &self.pay
    }

    /// The journal's pending record of this purchase with MAC1's terminal
    /// transaction number `txn`.
    pub fn new_purchase(&self, txn: [u8; 4]) -> crate::journal::NewPurchase {
        crate::journal::NewPurchase {
            card_id: self.mac1.card_id,
            offline_counter: self.mac1.counter,
            amount_fen: self.pay.total.fen(),
            account_pooled_fen: self.pay.account_pooled.fen(),
            terminal_no: Format::N.decode(&self.terminal).unwrap_or_default(),
            terminal_txn_no: txn,
            date_time: self.date_time(),
        }
    }

    /// The date-time as sent, `YYYYMMDDHHMMSS`.
    pub fn date_time(&self) -> String {
        hex::encode_upper([&self.pay.date[..], &self.pay.time].concat())
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
            counter: self.mac1.counter,
        }
    }
}

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// A medical debit: the card's pending journal records settled, PIN,
    /// INITIALIZE FOR PURCHASE, MAC1 from the module, the journal's pending
    /// record, DEBIT FOR PURCHASE, the record completed with the TAC, MAC2
    /// checked by the module.
    ///
    /// # Errors
    /// [`Error::Card`] `9401` without balance, `9302` for a wrong MAC1, …
    pub fn medical_debit(&mut self, pay: &PayInfo) -> Result<DebitResult> {
        self.recover_journal()?;
        crash_point("before-initialize");
        let init = self.debit_init(pay)?;
        crash_point("after-initialize");
        let (txn, mac1) = self.sm.mac1(&init.mac1)?;
        let (tac, mac2) = self.debit_journaled(&init, txn, mac1)?;
        self.sm.verify_mac2(&mac2)?;
        Ok(init.result(txn, tac))
    }

    /// DEBIT FOR PURCHASE inside the journal: the pending record written
    /// (durably) first — a journal that cannot be written stops here, before
    /// the card is debited — then completed with the TAC, or voided when the
    /// card refused. When the answer is lost the record stays pending for
    /// [`Terminal::recover_journal`].
    ///
    /// # Errors
    /// As [`Terminal::debit_complete`]; [`Error::Journal`].
    pub fn debit_journaled(
        &mut self,
        init: &DebitInit,
        txn: [u8; 4],
        mac1: [u8; 4],
    ) -> Result<([u8; 4], [u8; 4])> {
        let id = match &self.journal {
            Some(j) => Some(j.begin(&init.new_purchase(txn), self.now())?),
            None => None,
        };
        crash_point("after-journal");
        let r = self.debit_complete(init, txn, mac1);
        if let (Some(j), Some(id)) = (&self.journal, id) {
            match &r {
                Ok((tac, _)) => {
                    crash_point("after-debit");
                    j.complete(id, Some(*tac), None)?;
                    crash_point("after-complete");
                }
                Err(Error::Card { .. }) => j.void(id, "the card refused DEBIT FOR PURCHASE")?,
                Err(_) => {}
            }
        }
        r
    }

    /// Settles the journal's pending records of the card in hand: GET
    /// TRANSACTION PROVE with each record's counter gives the TAC (the card
    /// debited: completed); `9406` means it was not the card's last
    /// purchase, so the card's detail records decide — a record of this
    /// terminal with that counter, amount and time is completed without a
    /// TAC (the card was used since), none is void (the card did not debit).
    /// Returns the records it settled.
    ///
    /// # Errors
    /// Card and journal errors; the records stay pending.
    pub fn recover_journal(&mut self) -> Result<Vec<crate::journal::Entry>> {
        let Some(journal) = self.journal.take() else {
            return Ok(Vec::new());
        };
        let r = self.recover_with(&journal);
        self.journal = Some(journal);
        r
    }

    fn recover_with(&mut self, j: &crate::journal::Journal) -> Result<Vec<crate::journal::Entry>> {
        let card = self.facts_or_identify()?.card_id;
        let pending = j.pending(Some(&card))?;
        for e in &pending {
            if let Some((_, tac)) = self.transaction_proof(e.offline_counter)? {
                j.complete(e.id, Some(tac), Some("recovered: GET TRANSACTION PROVE"))?;
                continue;
            }
            let field = |r: &super::log::LogRecord, name: &str| {
                r.iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let amount = Amount::from_fen(e.amount_fen).to_string();
            let counter = format!("{:04X}", e.offline_counter);
            let debited = self.debit_log()?.iter().any(|r| {
                field(r, "offline_counter") == counter
                    && field(r, "amount") == amount
                    && field(r, "terminal_no") == e.terminal_no
                    && format!("{}{}", field(r, "date"), field(r, "time")) == e.date_time
            });
            if debited {
                j.complete(
                    e.id,
                    None,
                    Some(
                        "recovered from the card's detail records; its TAC is no longer available",
                    ),
                )?;
            } else {
                j.void(e.id, "the card did not debit (GET TRANSACTION PROVE: 9406)")?;
            }
        }
        Ok(pending)
    }

    /// The first half of a debit: PIN (the purse's rule), INITIALIZE FOR
    /// PURCHASE (`80 50 01 02 0B`: DPK's key index, the amount, the
    /// module's terminal number).
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
        let c = commands::initialize_for_purchase(dpk.version, pay.total.fen(), &terminal);
        let r = self.card.command(&c)?;
        if r.len() != 15 {
            return Err(Error::Malformed {
                command: "INITIALIZE FOR PURCHASE",
                reason: format!("{} bytes", r.len()),
            });
        }
        let mac1 = Mac1Request {
            pseudo_random: [r[11], r[12], r[13], r[14]],
            counter: u16::from_be_bytes([r[4], r[5]]),
            amount: pay.total.fen(),
            tx_type: sscard_crypto::debit::EP_PURCHASE,
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
        let c = commands::debit_for_purchase(&txn, &init.pay.date, &init.pay.time, &mac1);
        let r = self.card.command(&c)?;
        match r.as_slice() {
            [a, b, c, d, e, f, g, h] => Ok(([*a, *b, *c, *d], [*e, *f, *g, *h])),
            _ => Err(Error::Malformed {
                command: "DEBIT FOR PURCHASE",
                reason: format!("{} bytes", r.len()),
            }),
        }
    }

    /// The medical debit log, newest first: each record's terminal
    /// transaction number, terminal, date-time, total and account+pooled
    /// split. The card's detail record (02 §2.4) holds the counter, amount,
    /// terminal and time; the terminal transaction number and the split
    /// come from `journal` (the terminal's record of that purchase, found
    /// by card, counter and amount), empty when it holds none.
    ///
    /// # Errors
    /// Card and PIN errors; [`Error::NotSupported`] without a log.
    pub fn debit_records(&mut self) -> Result<Vec<DebitRecord>> {
        self.recover_journal()?;
        let card_id = self.facts_or_identify()?.card_id;
        let log = self.debit_log()?;
        let journal = |card: &[u8; 16], counter: u16, fen: u32| {
            let e = self
                .journal
                .as_ref()?
                .completed(card, counter, fen)
                .ok()??;
            Some((
                e.terminal_txn_no,
                Amount::from_fen(e.account_pooled_fen).to_string(),
            ))
        };
        let field = |r: &super::log::LogRecord, name: &str| {
            r.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Ok(log
            .iter()
            .map(|r| {
                let amount = field(r, "amount");
                let counter = u16::from_str_radix(&field(r, "offline_counter"), 16).unwrap_or(0);
                let fen = amount.parse::<Amount>().map(|a| a.fen()).unwrap_or(0);
                let (txn, split) = journal(&card_id, counter, fen).unwrap_or_default();
                DebitRecord {
                    terminal_txn_no: txn,
                    terminal_no: field(r, "terminal_no"),
                    datetime: format!("{}{}", field(r, "date"), field(r, "time")),
                    amount,
                    account_pooled: split,
                }
            })
            .collect())
    }

    /// GET TRANSACTION PROVE (`80 5A 00 06 02 <counter>`): MAC2 and TAC of
    /// the purchase the card ran with offline counter `counter`, when it
    /// was its last; `None` when the card did not debit with it (`9406`).
    ///
    /// # Errors
    /// Card and access errors.
    pub fn transaction_proof(&mut self, counter: u16) -> Result<Option<([u8; 4], [u8; 4])>> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        let purse = purse_ef(&profile)?;
        self.select_df(&profile, &purse.df)?;
        self.satisfy(&profile, &purse.read, &purse.df, true)?;
        let c = commands::get_transaction_prove(sscard_crypto::debit::EP_PURCHASE, counter);
        let r = self.card.send(&c)?;
        match (r.sw(), r.data()) {
            (sscard_apdu::StatusWord::Success, [a, b, c, d, e, f, g, h]) => {
                Ok(Some(([*a, *b, *c, *d], [*e, *f, *g, *h])))
            }
            (sscard_apdu::StatusWord::MacNotAvailable, _) => Ok(None),
            (sscard_apdu::StatusWord::Success, d) => Err(Error::Malformed {
                command: "GET TRANSACTION PROVE",
                reason: format!("{} bytes", d.len()),
            }),
            (sw, _) => Err(Error::from_card("GET TRANSACTION PROVE", sw)),
        }
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
        let r = self.card.command(&commands::get_balance())?;
        <[u8; 4]>::try_from(r.as_slice())
            .map(u32::from_be_bytes)
            .map_err(|_| Error::Malformed {
                command: "GET BALANCE",
                reason: "not 4 bytes".into(),
            })
    }
}

/// One record of the medical debit log ([`Terminal::debit_records`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebitRecord {
    /// The terminal's transaction number (from its journal; empty without).
    pub terminal_txn_no: String,
    /// The terminal number the card recorded.
    pub terminal_no: String,
    /// Date and time, `YYYYMMDDhhmmss`.
    pub datetime: String,
    /// The total, yuan (`25.80`).
    pub amount: String,
    /// The account+pooled split (from the journal; empty without).
    pub account_pooled: String,
}
