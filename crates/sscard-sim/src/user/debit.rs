//! The medical debit (spec 02 §2.4): INITIALIZE FOR DEBIT, DEBIT, GET
//! BALANCE, the cyclic debit log. Balance, counter and log change together
//! in one commit.

use sscard_apdu::{Command, Response, StatusWord};
use sscard_crypto::debit::{self, DebitData, MEDICAL_DEBIT};
use sscard_profile::{Ef, EfKind};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::{sw, UserCard};
use crate::image::{CardImage, Hex};
use crate::sim::Tx;

/// An INITIALIZE FOR DEBIT waiting for its DEBIT.
pub(super) struct Pending {
    purse: String,
    total: u32,
    account_pooled: u32,
    terminal_no: [u8; 6],
    pseudo_random: [u8; 4],
    counter: u16,
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.pseudo_random.zeroize();
    }
}

/// A purse's state; a purse never written holds its initial balance.
fn purse_state(image: &CardImage, path: &str, initial: u32) -> crate::image::PurseState {
    image
        .purses
        .get(path)
        .copied()
        .unwrap_or(crate::image::PurseState {
            balance: initial,
            counter: 0,
        })
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut x = [0u8; 4];
    x.copy_from_slice(&b[at..at + 4]);
    u32::from_be_bytes(x)
}

impl UserCard {
    /// The purse EF of the current DF.
    fn purse(&self) -> Option<Ef> {
        self.profile
            .efs
            .iter()
            .find(|e| e.df == self.v.df && e.kind == EfKind::Purse)
            .cloned()
    }

    pub(super) fn init_debit(&mut self, image: &CardImage, cmd: &Command) -> Response {
        self.v.debit = None;
        if cmd.p1 != 0x01 || cmd.p2 != 0x02 {
            return sw(StatusWord::WrongP1P2);
        }
        let Some(ef) = self.purse() else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        if !self.allowed(image, &ef.read) {
            return sw(StatusWord::SecurityNotSatisfied);
        }
        let d = cmd.data();
        if d.len() != 15 {
            return sw(StatusWord::WrongLength);
        }
        let Some(keys) = ef.purse.as_ref() else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        if !image.keys.contains_key(&keys.debit) {
            return sw(StatusWord::ReferenceNotFound);
        }
        let (total, account_pooled) = (u32_at(d, 1), u32_at(d, 5));
        if account_pooled > total {
            return sw(StatusWord::WrongData);
        }
        let state = purse_state(image, &ef.path, keys.initial_balance);
        if state.balance < total {
            return sw(StatusWord::InsufficientBalance);
        }
        let Ok(pseudo_random) = sscard_crypto::random::bytes::<4>() else {
            return sw(StatusWord::NoDiagnosis);
        };
        let mut terminal_no = [0u8; 6];
        terminal_no.copy_from_slice(&d[9..15]);
        self.v.debit = Some(Pending {
            purse: ef.path.clone(),
            total,
            account_pooled,
            terminal_no,
            pseudo_random,
            counter: state.counter,
        });
        let mut out = Vec::with_capacity(15);
        out.extend_from_slice(&state.balance.to_be_bytes());
        out.extend_from_slice(&state.counter.to_be_bytes());
        out.extend_from_slice(&[0, 0, 0]); // overdraft limit
        out.push(d[0]); // key version
        out.push(self.profile.card.algorithm.id());
        out.extend_from_slice(&pseudo_random);
        Response::ok(out)
    }

    pub(super) fn debit(&mut self, tx: &mut Tx<'_>, cmd: &Command) -> Response {
        let Some(p) = self.v.debit.take() else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        if cmd.p1 != 0x01 || cmd.p2 != 0x00 {
            return sw(StatusWord::WrongP1P2);
        }
        let d = cmd.data();
        if d.len() != 15 {
            return sw(StatusWord::WrongLength);
        }
        let Some(ef) = self.profile.ef(&p.purse).cloned() else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        let Some(keys) = ef.purse.as_ref() else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        let (Some(dpk), Some(dtk)) = (
            Self::card_key(tx.image(), &keys.debit),
            Self::card_key(tx.image(), &keys.tac),
        ) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let mut txn_no = [0u8; 4];
        txn_no.copy_from_slice(&d[..4]);
        let mut date = [0u8; 4];
        date.copy_from_slice(&d[4..8]);
        let mut time = [0u8; 3];
        time.copy_from_slice(&d[8..11]);
        let data = DebitData {
            total: p.total,
            account_pooled: p.account_pooled,
            tx_type: MEDICAL_DEBIT,
            terminal_no: p.terminal_no,
            terminal_txn_no: txn_no,
            date,
            time,
        };
        let scheme = match self.scheme() {
            Ok(s) => s,
            Err(e) => return sw(e),
        };
        let session = debit::session_key(scheme, &dpk, &p.pseudo_random, p.counter, &txn_no);
        let mac1 = debit::mac1(scheme, &session, &data);
        if !bool::from(mac1.as_slice().ct_eq(&d[11..15])) {
            return sw(StatusWord::MacInvalid);
        }
        let state = purse_state(tx.image(), &p.purse, keys.initial_balance);
        if state.balance < p.total || state.counter != p.counter {
            return sw(StatusWord::InsufficientBalance);
        }
        let tac = debit::tac(scheme, &dtk, &data);
        let mac2 = debit::mac2(scheme, &session, p.total);
        // The log record (spec 01 §1.3 DF04/EF07).
        let mut rec = Vec::with_capacity(31);
        rec.extend_from_slice(&txn_no);
        rec.extend_from_slice(&p.terminal_no);
        rec.extend_from_slice(&date);
        rec.extend_from_slice(&time);
        rec.extend_from_slice(&p.total.to_be_bytes());
        rec.extend_from_slice(&p.account_pooled.to_be_bytes());
        rec.extend_from_slice(&p.counter.to_be_bytes());
        rec.extend_from_slice(&tac);
        let log = self
            .profile
            .efs
            .iter()
            .find(|e| e.df == ef.df && matches!(e.kind, EfKind::Cyclic { .. }))
            .map(|e| (e.path.clone(), e.kind));
        // One commit: balance, counter and log together.
        let image = tx.edit();
        image.purses.insert(
            p.purse.clone(),
            crate::image::PurseState {
                balance: state.balance - p.total,
                counter: state.counter.wrapping_add(1),
            },
        );
        if let Some((path, EfKind::Cyclic { records, .. })) = log {
            let l = image.logs.entry(path).or_default();
            l.insert(0, Hex(rec));
            l.truncate(usize::from(records));
        }
        let mut out = tac.to_vec();
        out.extend_from_slice(&mac2);
        Response::ok(out)
    }

    pub(super) fn get_balance(&mut self, image: &CardImage, cmd: &Command) -> Response {
        if cmd.p1 != 0x00 || cmd.p2 != 0x02 {
            return sw(StatusWord::WrongP1P2);
        }
        let Some(ef) = self.purse() else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        if !self.allowed(image, &ef.read) {
            return sw(StatusWord::SecurityNotSatisfied);
        }
        let initial = ef.purse.as_ref().map_or(0, |k| k.initial_balance);
        let balance = purse_state(image, &ef.path, initial).balance;
        Response::ok(balance.to_be_bytes().to_vec())
    }
}
