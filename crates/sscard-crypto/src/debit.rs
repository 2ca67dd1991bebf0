//! Medical debit cryptograms (spec 02 §2.4): the debit session key, MAC1,
//! MAC2 and the TAC. MACs here use a zero IV.

use crate::scheme::Scheme;
use crate::secret::SymKey;

/// Transaction type of a medical debit [design].
pub const MEDICAL_DEBIT: u8 = 0x09;

/// What MAC1 and the TAC cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DebitData {
    /// Total amount in fen.
    pub total: u32,
    /// Account plus pooled-fund amount in fen.
    pub account_pooled: u32,
    /// Transaction type ([`MEDICAL_DEBIT`]).
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
/// debit counter ‖ terminal txn no. low 2` (3DES cards: 3DES of that block
/// under DPK, a single-DES key).
pub fn session_key(
    scheme: Scheme,
    dpk_card_key: &SymKey,
    pseudo_random: &[u8; 4],
    debit_counter: u16,
    terminal_txn_no: &[u8; 4],
) -> SymKey {
    let mut f = [0u8; 8];
    f[..4].copy_from_slice(pseudo_random);
    f[4..6].copy_from_slice(&debit_counter.to_be_bytes());
    f[6..].copy_from_slice(&terminal_txn_no[2..]);
    scheme.session_key(dpk_card_key, &f)
}

/// MAC1 = MAC(session, total ‖ account+pooled ‖ type ‖ terminal no. ‖ date ‖ time).
pub fn mac1(scheme: Scheme, session: &SymKey, d: &DebitData) -> [u8; 4] {
    let mut m = Vec::with_capacity(22);
    m.extend_from_slice(&d.total.to_be_bytes());
    m.extend_from_slice(&d.account_pooled.to_be_bytes());
    m.push(d.tx_type);
    m.extend_from_slice(&d.terminal_no);
    m.extend_from_slice(&d.date);
    m.extend_from_slice(&d.time);
    scheme.mac(session, &[], &m)
}

/// MAC2 = MAC(session, total).
pub fn mac2(scheme: Scheme, session: &SymKey, total: u32) -> [u8; 4] {
    scheme.mac(session, &[], &total.to_be_bytes())
}

/// TAC = MAC(TAC key of [`Scheme::tac_key`], total ‖ account+pooled ‖ type ‖ terminal no. ‖
/// terminal txn no. ‖ date ‖ time).
pub fn tac(scheme: Scheme, dtk_card_key: &SymKey, d: &DebitData) -> [u8; 4] {
    let mut m = Vec::with_capacity(26);
    m.extend_from_slice(&d.total.to_be_bytes());
    m.extend_from_slice(&d.account_pooled.to_be_bytes());
    m.push(d.tx_type);
    m.extend_from_slice(&d.terminal_no);
    m.extend_from_slice(&d.terminal_txn_no);
    m.extend_from_slice(&d.date);
    m.extend_from_slice(&d.time);
    scheme.mac(&scheme.tac_key(dtk_card_key), &[], &m)
}
