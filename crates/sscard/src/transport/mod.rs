//! Transports: how APDUs reach a card. Nothing above this layer knows which
//! one is in use.

pub mod part10;
pub mod pcapng;
pub mod pcsc;
pub mod pcsc_spy;
pub mod pinpad;
pub mod relay;
#[cfg(feature = "sim")]
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

    /// The reader's PC/SC part 10 features (tag, control code); none for a
    /// reader without a PIN pad.
    fn features(&mut self) -> Vec<(u8, u32)> {
        Vec::new()
    }

    /// `SCardControl(code, input)`: the reader's answer (for a secure PIN
    /// entry, the card's response APDU).
    ///
    /// # Errors
    /// [`crate::Error::NotSupported`] when the reader has no such function.
    fn control(&mut self, code: u32, _input: &[u8]) -> Result<Vec<u8>> {
        Err(part10::unsupported(code))
    }
}

/// A transport behind a pointer forwards every call.
macro_rules! forward {
    ($($ty:ty),*) => {$(
        impl<T: Transport + ?Sized> Transport for $ty {
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
            fn features(&mut self) -> Vec<(u8, u32)> {
                (**self).features()
            }
            fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>> {
                (**self).control(code, input)
            }
        }
    )*};
}

// A boxed transport, and a borrowed one (a caller that inspects it
// afterwards: a replay that must be used up, a recording relay).
forward!(Box<T>, &mut T);
