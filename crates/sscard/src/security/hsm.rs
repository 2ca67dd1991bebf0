//! A remote HSM reached in steps (spec 05 `_HSM_` functions). The library
//! tells the integrator what to ask (step 1: algorithm, key address,
//! process factor, source) and takes the HSM's answer (step 2: the
//! authentication data). How the request travels is the integrator's.

use sscard_apdu::StatusWord;

use sscard_crypto::Scheme;

use super::{CardId, Mac1Request, SecurityModule};
use crate::error::{Error, Result};

/// What the HSM must compute: authentication data under the key at
/// `key_address`, diversified for the card and by `process_factor`, over
/// `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HsmRequest {
    /// Algorithm id (`01` 3DES, `03` SM4).
    pub algorithm: u8,
    /// PSAM/HSM logical key address.
    pub key_address: u16,
    /// The card identification code (the HSM diversifies with it).
    pub card_id: CardId,
    /// Process factor (R1).
    pub process_factor: [u8; 8],
    /// Source (R2).
    pub source: [u8; 8],
}

impl HsmRequest {
    /// The step 1 line: `algorithm id|key address|process factor|source|`.
    pub fn to_line(&self) -> String {
        format!(
            "{:02X}|{:04X}|{}|{}|",
            self.algorithm,
            self.key_address,
            hex::encode_upper(self.process_factor),
            hex::encode_upper(self.source)
        )
    }
}

/// A module that asks a callback (the integrator's HSM link) for
/// authentication data.
pub struct HsmModule<F: FnMut(&HsmRequest) -> Result<[u8; 8]>> {
    ask: F,
    terminal_number: [u8; 6],
}

impl<F: FnMut(&HsmRequest) -> Result<[u8; 8]>> HsmModule<F> {
    /// A module calling `ask` for every authentication.
    pub fn new(ask: F) -> Self {
        Self {
            ask,
            terminal_number: [0; 6],
        }
    }
}

fn unsupported(what: &'static str) -> Error {
    Error::Psam {
        command: what,
        sw: StatusWord::FunctionNotSupported,
    }
}

impl<F: FnMut(&HsmRequest) -> Result<[u8; 8]>> SecurityModule for HsmModule<F> {
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
        (self.ask)(&HsmRequest {
            algorithm: scheme.id(),
            key_address: address,
            card_id: *card,
            process_factor: *r1,
            source: *r2,
        })
    }

    fn sm_mac(&mut self, _: Scheme, _: u16, _: &CardId, _: &[u8; 8], _: &[u8]) -> Result<[u8; 4]> {
        Err(unsupported("HSM secure-messaging MAC"))
    }

    fn sm_encrypt(
        &mut self,
        _: Scheme,
        _: u16,
        _: &CardId,
        _: &[u8; 8],
        _: &[u8],
    ) -> Result<Vec<u8>> {
        Err(unsupported("HSM secure-messaging encryption"))
    }

    fn mac1(&mut self, _: &Mac1Request) -> Result<([u8; 4], [u8; 4])> {
        Err(unsupported("HSM MAC1"))
    }

    fn verify_mac2(&mut self, _: &[u8; 4]) -> Result<()> {
        Err(unsupported("HSM VERIFY MAC2"))
    }
}
