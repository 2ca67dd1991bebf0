//! The PBOC electronic purse of the medical account (02 §2.4).

use super::{fixed, Apdu};
use crate::ins::{Ins, Sensitivity};

/// INITIALIZE FOR PURCHASE `80 50 01 02 0B <key index> <amount 4>
/// <terminal 6> 0F` (PBOC e-purse, 02 §2.4).
pub fn initialize_for_purchase(key_index: u8, amount_fen: u32, terminal: &[u8; 6]) -> Apdu {
    let mut d = Vec::with_capacity(11);
    d.push(key_index);
    d.extend_from_slice(&amount_fen.to_be_bytes());
    d.extend_from_slice(terminal);
    fixed(
        Ins::InitializeForPurchase,
        Sensitivity::Plain,
        0x01,
        0x02,
        &d,
        Some(15),
    )
}

/// DEBIT FOR PURCHASE `80 54 01 00 0F <txn 4> <date 4> <time 3> <MAC1 4> 08`.
pub fn debit_for_purchase(txn: &[u8; 4], date: &[u8; 4], time: &[u8; 3], mac1: &[u8; 4]) -> Apdu {
    let d = [&txn[..], date, time, mac1].concat();
    fixed(
        Ins::DebitForPurchase,
        Sensitivity::Plain,
        0x01,
        0x00,
        &d,
        Some(8),
    )
}

/// GET BALANCE `80 5C 00 02 04`.
pub fn get_balance() -> Apdu {
    fixed(
        Ins::GetBalance,
        Sensitivity::Plain,
        0x00,
        0x02,
        &[],
        Some(4),
    )
}

/// GET TRANSACTION PROVE `80 5A 00 <type> 02 <offline counter> 08`.
pub fn get_transaction_prove(tx_type: u8, counter: u16) -> Apdu {
    fixed(
        Ins::GetTransactionProve,
        Sensitivity::Plain,
        0x00,
        tx_type,
        &counter.to_be_bytes(),
        Some(8),
    )
}
