//! The medical debit as the PBOC electronic purse purchase (spec 02 §2.4):
//! the purchase session key SESPK, MAC1, MAC2, the TAC and the 23-byte
//! transaction detail record. MACs here use a zero IV; the construction
//! (SM4 CBC-MAC, or the DES MAC under single-DES keys) is the card's
//! [`Scheme`].

use crate::scheme::Scheme;
use crate::secret::SymKey;

/// Transaction type of an EP purchase (`09` is the CAPP composite purchase).
pub const EP_PURCHASE: u8 = 0x06;

/// What MAC1 and the TAC cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DebitData {
    /// The amount debited, in fen (the one amount the card sees).
    pub amount: u32,
    /// Transaction type ([`EP_PURCHASE`]).
    pub tx_type: u8,
    /// Terminal number, 6 bytes BCD.
    pub terminal_no: [u8; 6],
    /// Terminal transaction number.
    pub terminal_txn_no: [u8; 4],
    /// Date `YYYYMMDD` BCD.
    pub date: [u8; 4],
    /// Time `HHMMSS` BCD.
    pub time: [u8; 3],
}

/// The purchase session key SESPK: the session key of
/// [`Scheme::session_key`] from the DPK card key and `pseudo-random ‖
/// offline counter ‖ terminal txn no. low 2` (3DES cards: 3DES of that
/// block under DPK, a single-DES key).
pub fn session_key(
    scheme: Scheme,
    dpk_card_key: &SymKey,
    pseudo_random: &[u8; 4],
    counter: u16,
    terminal_txn_no: &[u8; 4],
) -> SymKey {
    let mut f = [0u8; 8];
    f[..4].copy_from_slice(pseudo_random);
    f[4..6].copy_from_slice(&counter.to_be_bytes());
    f[6..].copy_from_slice(&terminal_txn_no[2..]);
    scheme.session_key(dpk_card_key, &f)
}

/// MAC1 = MAC(SESPK, amount ‖ type ‖ terminal no. ‖ date ‖ time).
pub fn mac1(scheme: Scheme, session: &SymKey, d: &DebitData) -> [u8; 4] {
    let mut m = Vec::with_capacity(18);
    m.extend_from_slice(&d.amount.to_be_bytes());
    m.push(d.tx_type);
    m.extend_from_slice(&d.terminal_no);
    m.extend_from_slice(&d.date);
    m.extend_from_slice(&d.time);
    scheme.mac(session, &[], &m)
}

/// MAC2 = MAC(SESPK, amount).
pub fn mac2(scheme: Scheme, session: &SymKey, amount: u32) -> [u8; 4] {
    scheme.mac(session, &[], &amount.to_be_bytes())
}

/// TAC = MAC(TAC key of [`Scheme::tac_key`], amount ‖ type ‖ terminal
/// no. ‖ terminal txn no. ‖ date ‖ time).
pub fn tac(scheme: Scheme, dtk_card_key: &SymKey, d: &DebitData) -> [u8; 4] {
    let mut m = Vec::with_capacity(22);
    m.extend_from_slice(&d.amount.to_be_bytes());
    m.push(d.tx_type);
    m.extend_from_slice(&d.terminal_no);
    m.extend_from_slice(&d.terminal_txn_no);
    m.extend_from_slice(&d.date);
    m.extend_from_slice(&d.time);
    scheme.mac(&scheme.tac_key(dtk_card_key), &[], &m)
}

/// The transaction detail record the card writes (the EP log, 23 bytes):
/// offline counter (2), overdraft limit (3), amount (4), type (1),
/// terminal no. (6), date (4), time (3).
pub fn detail_record(counter: u16, d: &DebitData) -> Vec<u8> {
    let mut r = Vec::with_capacity(23);
    r.extend_from_slice(&counter.to_be_bytes());
    r.extend_from_slice(&[0, 0, 0]);
    r.extend_from_slice(&d.amount.to_be_bytes());
    r.push(d.tx_type);
    r.extend_from_slice(&d.terminal_no);
    r.extend_from_slice(&d.date);
    r.extend_from_slice(&d.time);
    r
}
