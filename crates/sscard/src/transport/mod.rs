//! Transports: how APDUs reach a card. Nothing above this layer knows which
//! one is in use.

pub mod pcsc;
pub mod sim;
pub mod trace;

use crate::error::Result;

/// A connection to one card.
pub trait Transport {
    /// Sends a command APDU, returns the response APDU (data and SW).
    ///
    /// # Errors
    /// Reader or card errors ([`crate::Error::CardRemoved`], …).
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>>;

    /// Resets the card; returns the ATR.
    ///
    /// # Errors
    /// Reader or card errors.
    fn reset(&mut self) -> Result<Vec<u8>>;

    /// The card's ATR.
    fn atr(&self) -> Vec<u8>;

    /// A name for messages (the reader name).
    fn name(&self) -> String;

    /// VERIFY with the PIN typed on the reader's own PIN pad (PC/SC part
    /// 10 secure PIN entry): the PIN never reaches the host. `None` when the
    /// reader has no PIN pad; otherwise the card's response.
    fn secure_verify(&mut self, _reference: u8, _min: u8, _max: u8) -> Option<Result<Vec<u8>>> {
        None
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>> {
        (**self).transmit(apdu)
    }
    fn reset(&mut self) -> Result<Vec<u8>> {
        (**self).reset()
    }
    fn atr(&self) -> Vec<u8> {
        (**self).atr()
    }
    fn name(&self) -> String {
        (**self).name()
    }
    fn secure_verify(&mut self, reference: u8, min: u8, max: u8) -> Option<Result<Vec<u8>>> {
        (**self).secure_verify(reference, min, max)
    }
}
