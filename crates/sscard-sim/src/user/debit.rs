//! The medical account as the PBOC electronic purse (spec 02 §2.4):
//! INITIALIZE FOR PURCHASE, DEBIT FOR PURCHASE, GET BALANCE, GET
//! TRANSACTION PROVE and the 23-byte transaction detail records. Balance,
//! counter, detail record and the purchase's proof change in one commit.

use sscard_apdu::{Command, Response, StatusWord};
use sscard_crypto::debit::{self, DebitData, EP_PURCHASE};
use sscard_profile::{Ef, EfKind};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::{sw, UserCard};
use crate::image::{CardImage, Hex, PurchaseProof, PurseState};
use crate::sim::Tx;

/// An INITIALIZE FOR PURCHASE waiting for its DEBIT FOR PURCHASE.
pub(super) struct Pending {
    purse: String,
    amount: u32,
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
fn purse_state(image: &CardImage, path: &str, initial: u32) -> PurseState {
    image.purses.get(path).copied().unwrap_or(PurseState {
        balance: initial,
        counter: 0,
        last: None,
    })
}

fn array<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut x = [0u8; N];
    x.copy_from_slice(&b[..N]);
    x
}

impl UserCard {
    /// The purse EF of the current DF, when its read rule is met.
    fn purse(&self, image: &CardImage) -> Result<Ef, StatusWord> {
        let ef = self
            .profile
            .efs
            .iter()
            .find(|e| e.df == self.v.df && e.kind == EfKind::Purse)
            .cloned()
            .ok_or(StatusWord::ConditionsNotSatisfied)?;
        if !self.allowed(image, &ef.read) {
            return Err(StatusWord::SecurityNotSatisfied);
        }
        Ok(ef)
    }

    /// INITIALIZE FOR PURCHASE `80 50 01 02 0B <key index 1> <amount 4>
    /// <terminal no. 6>`: balance, offline counter, overdraft limit, key
    /// version, algorithm id, pseudo-random (15 bytes).
    pub(super) fn init_debit(&mut self, image: &CardImage, cmd: &Command) -> Response {
        self.v.debit = None;
        if cmd.p1 != 0x01 || cmd.p2 != 0x02 {
            return sw(StatusWord::WrongP1P2);
        }
        let ef = match self.purse(image) {
            Ok(ef) => ef,
            Err(s) => return sw(s),
        };
        let d = cmd.data();
        // Lc 0B exactly: the two-amount form of an earlier design (0F) is refused.
        if d.len() != 11 {
            return sw(StatusWord::WrongLength);
        }
        let Some(keys) = ef.purse.as_ref() else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        let Some(dpk) = self.profile.key(&keys.debit) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        // The key index names the DPK version; the card holds one.
        if !image.keys.contains_key(&keys.debit) || (d[0] != 0 && d[0] != dpk.version) {
            return sw(StatusWord::ReferenceNotFound);
        }
        let amount = u32::from_be_bytes(array(&d[1..5]));
        let state = purse_state(image, &ef.path, keys.initial_balance);
        if state.balance < amount {
            return sw(StatusWord::InsufficientBalance);
        }
        let Ok(pseudo_random) = sscard_crypto::random::bytes::<4>() else {
            return sw(StatusWord::NoDiagnosis);
        };
        self.v.debit = Some(Pending {
            purse: ef.path.clone(),
            amount,
            terminal_no: array(&d[5..11]),
            pseudo_random,
            counter: state.counter,
        });
        let mut out = Vec::with_capacity(15);
        out.extend_from_slice(&state.balance.to_be_bytes());
        out.extend_from_slice(&state.counter.to_be_bytes());
        out.extend_from_slice(&[0, 0, 0]); // overdraft limit
        out.push(dpk.version);
        out.push(self.profile.card.algorithm.id());
        out.extend_from_slice(&pseudo_random);
        Response::ok(out)
    }

    /// DEBIT FOR PURCHASE `80 54 01 00 0F <terminal txn no. 4> <date 4>
    /// <time 3> <MAC1 4>`: TAC and MAC2.
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
        let scheme = match self.scheme() {
            Ok(s) => s,
            Err(e) => return sw(e),
        };
        let data = DebitData {
            amount: p.amount,
            tx_type: EP_PURCHASE,
            terminal_no: p.terminal_no,
            terminal_txn_no: array(&d[..4]),
            date: array(&d[4..8]),
            time: array(&d[8..11]),
        };
        let session = debit::session_key(
            scheme,
            &dpk,
            &p.pseudo_random,
            p.counter,
            &data.terminal_txn_no,
        );
        if !bool::from(
            debit::mac1(scheme, &session, &data)
                .as_slice()
                .ct_eq(&d[11..15]),
        ) {
            return sw(StatusWord::MacInvalid);
        }
        let state = purse_state(tx.image(), &p.purse, keys.initial_balance);
        if state.balance < p.amount || state.counter != p.counter {
            return sw(StatusWord::InsufficientBalance);
        }
        let tac = debit::tac(scheme, &dtk, &data);
        let mac2 = debit::mac2(scheme, &session, p.amount);
        let log = self
            .profile
            .efs
            .iter()
            .find(|e| e.df == ef.df && matches!(e.kind, EfKind::Cyclic { .. }))
            .map(|e| (e.path.clone(), e.kind));
        // One commit: balance, counter, detail record and proof together.
        let image = tx.edit();
        image.purses.insert(
            p.purse.clone(),
            PurseState {
                balance: state.balance - p.amount,
                counter: state.counter.wrapping_add(1),
                last: Some(PurchaseProof {
                    counter: p.counter,
                    mac2,
                    tac,
                }),
            },
        );
        if let Some((path, EfKind::Cyclic { records, .. })) = log {
            let l = image.logs.entry(path).or_default();
            l.insert(0, Hex(debit::detail_record(p.counter, &data)));
            l.truncate(usize::from(records));
        }
        let mut out = tac.to_vec();
        out.extend_from_slice(&mac2);
        Response::ok(out)
    }

    /// GET BALANCE `80 5C 00 02 04`.
    pub(super) fn get_balance(&mut self, image: &CardImage, cmd: &Command) -> Response {
        if cmd.p1 != 0x00 || cmd.p2 != 0x02 {
            return sw(StatusWord::WrongP1P2);
        }
        let ef = match self.purse(image) {
            Ok(ef) => ef,
            Err(s) => return sw(s),
        };
        let initial = ef.purse.as_ref().map_or(0, |k| k.initial_balance);
        let balance = purse_state(image, &ef.path, initial).balance;
        Response::ok(balance.to_be_bytes().to_vec())
    }

    /// GET TRANSACTION PROVE `80 5A 00 06 02 <offline counter 2>`: MAC2 and
    /// TAC of the purchase that ran with that counter, when it was the
    /// last one; `9406` otherwise (the card did not debit with it).
    pub(super) fn get_transaction_prove(&mut self, image: &CardImage, cmd: &Command) -> Response {
        if cmd.p1 != 0x00 || cmd.p2 != EP_PURCHASE {
            return sw(StatusWord::WrongP1P2);
        }
        if cmd.data().len() != 2 {
            return sw(StatusWord::WrongLength);
        }
        let ef = match self.purse(image) {
            Ok(ef) => ef,
            Err(s) => return sw(s),
        };
        let counter = u16::from_be_bytes(array(cmd.data()));
        let initial = ef.purse.as_ref().map_or(0, |k| k.initial_balance);
        match purse_state(image, &ef.path, initial).last {
            Some(proof) if proof.counter == counter => {
                Response::ok([proof.mac2, proof.tac].concat())
            }
            _ => sw(StatusWord::MacNotAvailable),
        }
    }
}
