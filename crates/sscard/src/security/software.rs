//! A software security module with master keys from a file. For tests and
//! CI only: it logs a warning on every use.

use sscard_apdu::StatusWord;
use sscard_crypto::debit::{self, DebitData};
use sscard_crypto::{Scheme, SymKey};
use sscard_profile::keys::MasterKeys;

use super::{CardId, Mac1Request, SecurityModule};
use crate::error::{Error, Result};

/// Master keys in memory.
pub struct SoftwareModule {
    masters: MasterKeys,
    terminal_number: [u8; 6],
    dpk_address: u16,
    txn: u32,
    pending: Option<(Scheme, SymKey, u32)>,
    fixed_random: Option<[u8; 8]>,
}

impl SoftwareModule {
    /// A module over `masters`, with a terminal number; `dpk_address` is the
    /// debit key's address (version 1).
    pub fn new(masters: MasterKeys, terminal_number: [u8; 6], dpk_address: u16) -> Self {
        Self {
            masters,
            terminal_number,
            dpk_address,
            txn: 1,
            pending: None,
            fixed_random: None,
        }
    }

    /// A module standing in for the PSAM that `psam` (`psam.toml`)
    /// describes: its terminal number and debit key address.
    pub fn for_psam(masters: MasterKeys, psam: &sscard_profile::Profile) -> Self {
        let terminal = psam.psam.as_ref().map_or([0; 6], |p| p.terminal_number);
        let dpk = psam
            .psam
            .as_ref()
            .and_then(|p| psam.key(&p.debit_key))
            .map_or(0x017F, |k| k.address);
        Self::new(masters, terminal, dpk)
    }

    /// The module with its terminal transaction numbers starting at
    /// `first` (the caller keeps them unique per terminal).
    #[must_use]
    pub fn with_txn_start(mut self, first: u32) -> Self {
        self.txn = first;
        self
    }

    /// The module answering every terminal random with `r`: for golden
    /// traces, whose commands must repeat byte for byte. Never elsewhere:
    /// a fixed source is what lets a counterfeit replay an answer.
    #[must_use]
    pub fn with_fixed_terminal_random(mut self, r: [u8; 8]) -> Self {
        self.fixed_random = Some(r);
        self
    }

    fn warn(&self, what: &str) {
        log::warn!(
            "software security module used for {what}: keys from {} (test{} keys); never in production",
            self.masters.file,
            if self.masters.test_only { "" } else { " or unmarked" }
        );
    }

    fn card_key(&self, scheme: Scheme, address: u16, card: &CardId) -> Result<SymKey> {
        let m = self
            .masters
            .by_address(scheme, address)
            .ok_or(Error::Psam {
                command: "software key lookup",
                sw: StatusWord::ReferenceNotFound,
            })?;
        Ok(scheme.card_key(&m.value, card))
    }
}

impl SecurityModule for SoftwareModule {
    fn terminal_random(&mut self) -> Result<[u8; 8]> {
        match self.fixed_random {
            Some(r) => Ok(r),
            None => super::host_random(),
        }
    }

    fn terminal_number(&mut self) -> Result<[u8; 6]> {
        Ok(self.terminal_number)
    }

    fn auth_data(
        &mut self,
        scheme: Scheme,
        address: u16,
        card: &CardId,
        r1: &[u8; 8],
        r2: &[u8; 8],
    ) -> Result<[u8; 8]> {
        self.warn("authentication data");
        Ok(scheme.auth_data(&self.card_key(scheme, address, card)?, r1, r2))
    }

    fn sm_mac(
        &mut self,
        scheme: Scheme,
        address: u16,
        card: &CardId,
        challenge: &[u8; 8],
        data: &[u8],
    ) -> Result<[u8; 4]> {
        self.warn("a secure-messaging MAC");
        let s = scheme.session_key(&self.card_key(scheme, address, card)?, challenge);
        Ok(scheme.mac(&s, challenge, data))
    }

    fn sm_encrypt(
        &mut self,
        scheme: Scheme,
        address: u16,
        card: &CardId,
        challenge: &[u8; 8],
        blocks: &[u8],
    ) -> Result<Vec<u8>> {
        self.warn("secure-messaging encryption");
        let s = scheme.session_key(&self.card_key(scheme, address, card)?, challenge);
        scheme
            .ecb_encrypt(&s, blocks)
            .map_err(|e| Error::BadArgument(e.to_string()))
    }

    fn mac1(&mut self, req: &Mac1Request) -> Result<([u8; 4], [u8; 4])> {
        self.warn("MAC1");
        let address = self.dpk_address + u16::from(req.key_version.max(1) - 1);
        let scheme = Scheme::from_id(req.algorithm).ok_or(Error::PsamAlgorithm)?;
        let card_key = self.card_key(scheme, address, &req.card_id)?;
        let txn_no = self.txn.to_be_bytes();
        self.txn = self.txn.wrapping_add(1);
        let data = DebitData {
            amount: req.amount,
            tx_type: req.tx_type,
            terminal_no: self.terminal_number,
            terminal_txn_no: txn_no,
            date: req.date,
            time: req.time,
        };
        let session =
            debit::session_key(scheme, &card_key, &req.pseudo_random, req.counter, &txn_no);
        let m = debit::mac1(scheme, &session, &data);
        self.pending = Some((scheme, session, req.amount));
        Ok((txn_no, m))
    }

    fn verify_mac2(&mut self, mac2: &[u8; 4]) -> Result<()> {
        let (scheme, session, total) = self.pending.take().ok_or(Error::Psam {
            command: "VERIFY MAC2",
            sw: StatusWord::ConditionsNotSatisfied,
        })?;
        if debit::mac2(scheme, &session, total) == *mac2 {
            Ok(())
        } else {
            Err(Error::Psam {
                command: "VERIFY MAC2",
                sw: StatusWord::MacInvalid,
            })
        }
    }
}
