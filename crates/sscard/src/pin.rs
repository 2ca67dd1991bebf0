//! PIN entry. The holder types the PIN; the library never takes it as an
//! argument of an operation. A `PinPad` is a reader's PIN pad or a callback
//! for software that collects the PIN itself.

use core::fmt;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Which PIN the pad asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinPrompt {
    /// The PIN to verify.
    Verify,
    /// The PKI user PIN (SM2 card authentication).
    PkiUser,
    /// The current PIN (change).
    Old,
    /// The new PIN (change, reload).
    New,
    /// The new PIN again.
    Confirm,
}

impl core::fmt::Display for PinPrompt {
    /// The words a prompt shows: "PIN", "PKI user PIN", "current PIN", …
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Verify => "PIN",
            Self::PkiUser => "PKI user PIN",
            Self::Old => "current PIN",
            Self::New => "new PIN",
            Self::Confirm => "new PIN again",
        })
    }
}

/// What configuration says about PINs.
#[derive(Clone, Default)]
pub struct PinPolicy {
    /// The digits a reader's PIN pad accepts; the profile's limits when `None`.
    pub limits: Option<crate::transport::part10::PinLimits>,
    /// The issuer's initial PIN: a holder who verifies with it is asked to
    /// change it first (-35), and no new PIN may be it (-36).
    pub initial: Option<Pin>,
}

impl core::fmt::Debug for PinPolicy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "PinPolicy {{ limits: {:?}, initial: {} }}",
            self.limits,
            if self.initial.is_some() {
                "<set>"
            } else {
                "none"
            }
        )
    }
}

/// A PIN: digits, wiped on drop, never printed.
#[derive(Clone)]
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// Checks 4–16 digits.
    ///
    /// # Errors
    /// [`Error::PinLength`] or [`Error::IllegalCharacters`].
    pub fn new(digits: &str) -> Result<Self> {
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::IllegalCharacters("a PIN is digits only".into()));
        }
        if !(4..=16).contains(&digits.len()) {
            return Err(Error::PinLength);
        }
        Ok(Self(Zeroizing::new(digits.to_owned())))
    }

    /// Packed BCD, odd counts padded with `F`.
    pub fn to_bcd(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(
            sscard_apdu::field::Format::Cn
                .encode(&self.0, self.0.len().div_ceil(2))
                .unwrap_or_default(),
        )
    }

    /// The digits. Only for the public interface's HSM step that hands the
    /// new PIN to the key server; never log them.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// Number of digits.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true for a checked PIN.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

impl PartialEq for Pin {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

/// Where PINs come from.
pub trait PinPad {
    /// Asks the holder for a PIN.
    ///
    /// # Errors
    /// [`Error::PinCancelled`], [`Error::PinTimeout`], [`Error::PinLength`].
    fn read_pin(&mut self, prompt: PinPrompt) -> Result<Pin>;
}

/// A PIN pad that calls back into the integrator's software.
pub struct CallbackPad<F: FnMut(PinPrompt) -> Result<Pin>>(pub F);

impl<F: FnMut(PinPrompt) -> Result<Pin>> PinPad for CallbackPad<F> {
    fn read_pin(&mut self, prompt: PinPrompt) -> Result<Pin> {
        (self.0)(prompt)
    }
}
