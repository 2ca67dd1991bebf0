//! The host library's one error type and its single table of reader-
//! interface codes (spec 05 §5.5).

use sscard_apdu::StatusWord;

/// Every failure an operation can report. [`Error::code`] gives the
/// reader-interface code; the raw status word is kept in every card error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The card answered, but it is not a social security card.
    #[error("not a social security card: {0}")]
    WrongCardType(String),
    /// No card in the reader.
    #[error("no card in reader {reader}")]
    NoCard {
        /// Reader name.
        reader: String,
    },
    /// The card is present but not powered.
    #[error("card present but not powered")]
    NotPowered,
    /// The card does not answer (mute, or lost power).
    #[error("card does not answer")]
    CardMute,
    /// The reader or PC/SC service failed.
    #[error("reader error: {0}")]
    Reader(String),
    /// No reader connection (none configured, none found).
    #[error("no reader connection: {0}")]
    NoConnection(String),
    /// The card was removed or reset by someone else during the operation.
    #[error("card removed or reset during the operation")]
    CardRemoved,
    /// The card or reader cannot do this (e.g. SSF33).
    #[error("not supported: {0}")]
    NotSupported(String),
    /// A bad argument.
    #[error("bad argument: {0}")]
    BadArgument(String),
    /// A malformed card identification code.
    #[error("bad card identification code: {0}")]
    BadCardId(String),
    /// The card is not genuine; `step` says which check failed.
    #[error("card is not genuine: {step}")]
    NotGenuine {
        /// The failing step.
        step: String,
    },
    /// `pCardInfo` does not match the card, or the card was swapped between steps.
    #[error("input does not match the card: {0}")]
    CardMismatch(String),
    /// Invalid input data (a bad `pFileAddr`, amount, …).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The PSAM's key level is too low.
    #[error("PSAM key level too low")]
    PsamKeyLevel,
    /// The holder cancelled PIN entry.
    #[error("PIN entry cancelled")]
    PinCancelled,
    /// PIN entry timed out.
    #[error("PIN entry timed out")]
    PinTimeout,
    /// A PIN of the wrong length.
    #[error("wrong PIN length")]
    PinLength,
    /// The two new PINs differ.
    #[error("the two new PINs differ")]
    PinMismatch,
    /// The terminal journal cannot be written or read: no purchase is sent.
    #[error("terminal journal: {0}")]
    Journal(String),
    /// The holder verified with the issuer's initial PIN: the card accepted
    /// it, but no transaction runs until the holder changes it.
    #[error("the PIN is still the initial PIN: change it before any transaction")]
    InitialPin,
    /// A new PIN that is the initial PIN.
    #[error("the new PIN may not be the initial PIN")]
    InitialPinReused,
    /// Data with illegal characters.
    #[error("data has illegal characters: {0}")]
    IllegalCharacters(String),
    /// Data of the wrong length.
    #[error("wrong data length: {0}")]
    DataLength(String),
    /// A wrong PIN; `tries` left.
    #[error("wrong PIN, {tries} tries left")]
    WrongPin {
        /// Tries left.
        tries: u8,
    },
    /// The PIN is blocked.
    #[error("PIN blocked")]
    PinBlocked,
    /// No PSAM.
    #[error("no PSAM: {0}")]
    NoPsam(String),
    /// The PSAM does not support the card's algorithm.
    #[error("PSAM does not support the algorithm")]
    PsamAlgorithm,
    /// The PSAM has no RKSSSE.
    #[error("PSAM has no RKSSSE")]
    PsamNoRkssse,
    /// The file needs no key: no key server step.
    #[error("no key server needed")]
    NoKeyServerNeeded,
    /// External authentication failed; `tries` left.
    #[error("external authentication failed, {tries} tries left")]
    ExternalAuth {
        /// Tries left.
        tries: u8,
    },
    /// The card answered a command with an error status.
    #[error("{command}: card answered {sw}")]
    Card {
        /// The command (name).
        command: &'static str,
        /// The status word.
        sw: StatusWord,
    },
    /// The PSAM answered a command with an error status.
    #[error("PSAM {command}: answered {sw}")]
    Psam {
        /// The command.
        command: &'static str,
        /// The status word.
        sw: StatusWord,
    },
    /// A card answer that does not parse.
    #[error("{command}: malformed answer: {reason}")]
    Malformed {
        /// The command.
        command: &'static str,
        /// Why.
        reason: String,
    },
    /// A profile, holder or key file problem.
    #[error(transparent)]
    Profile(#[from] sscard_profile::Error),
    /// A trace file problem.
    #[error("trace: {0}")]
    Trace(String),
}

/// A command that cannot be built (data over 65535 bytes, Le out of
/// range): the caller's argument is wrong.
impl From<sscard_apdu::Error> for Error {
    fn from(e: sscard_apdu::Error) -> Self {
        Self::BadArgument(e.to_string())
    }
}

impl Error {
    /// The reader-interface error code (spec 05 §5.5): the library's own
    /// small codes, or the status word negated for card errors, with the
    /// table's exception for external authentication (`63C2` → -25536,
    /// `63C1` → -25537, `63C0` → -25538).
    pub fn code(&self) -> i32 {
        match self {
            Error::WrongCardType(_) => -1,
            Error::NoCard { .. } => -2,
            Error::NotPowered => -3,
            Error::CardMute => -4,
            Error::Reader(_) => -11,
            Error::NoConnection(_) => -12,
            Error::CardRemoved => -12,
            Error::NotSupported(_) => -13,
            Error::BadArgument(_) => -14,
            Error::BadCardId(_) => -20,
            Error::NotGenuine { .. } => -21,
            Error::CardMismatch(_) => -22,
            Error::InvalidInput(_) => -23,
            Error::PsamKeyLevel => -24,
            Error::PinCancelled => -31,
            Error::PinTimeout => -32,
            Error::PinLength => -33,
            Error::PinMismatch => -34,
            Error::InitialPin => -35,
            Error::Journal(_) => -14,
            Error::InitialPinReused => -36,
            Error::IllegalCharacters(_) => -41,
            Error::DataLength(_) => -42,
            Error::WrongPin { .. } => -51,
            Error::PinBlocked => -52,
            Error::NoPsam(_) => -2201,
            Error::PsamAlgorithm => -2202,
            Error::PsamNoRkssse => -2203,
            Error::NoKeyServerNeeded => -2204,
            Error::ExternalAuth { tries } => match tries {
                2 => -25536,
                1 => -25537,
                0 => -25538,
                n => -(i32::from(0x63C0u16 | u16::from(*n))),
            },
            Error::Card { sw, .. } | Error::Psam { sw, .. } => -i32::from(sw.to_u16()),
            Error::Malformed { .. } => -4,
            Error::Profile(_) | Error::Trace(_) => -14,
        }
    }

    /// A card status turned into the most specific error.
    pub fn from_card(command: &'static str, sw: StatusWord) -> Self {
        Error::Card { command, sw }
    }

    /// The error of a PIN command's status (`63Cx`, `6983`, and the
    /// PIN-pad statuses `6400` timeout and `6401` cancelled); `None` for `9000`.
    pub fn from_pin_status(command: &'static str, sw: StatusWord) -> Option<Self> {
        match sw {
            StatusWord::Success => None,
            StatusWord::VerifyFailed { tries: 0 } | StatusWord::AuthMethodBlocked => {
                Some(Error::PinBlocked)
            }
            StatusWord::VerifyFailed { tries } => Some(Error::WrongPin { tries }),
            StatusWord::Other(0x6400) => Some(Error::PinTimeout),
            StatusWord::Other(0x6401) => Some(Error::PinCancelled),
            // A PIN pad reader's own answers (PC/SC part 10).
            StatusWord::Other(0x6402) => Some(Error::PinMismatch),
            StatusWord::Other(0x6403) => Some(Error::PinLength),
            sw => Some(Error::from_card(command, sw)),
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Spec 05 §5.5, entry by entry.
    #[test]
    fn the_code_table() {
        let s = String::new;
        let card = |sw: u16| Error::Card {
            command: "x",
            sw: StatusWord::from_u16(sw),
        };
        let table: Vec<(Error, i32)> = vec![
            (Error::WrongCardType(s()), -1),
            (Error::NoCard { reader: s() }, -2),
            (Error::NotPowered, -3),
            (Error::CardMute, -4),
            (Error::Reader(s()), -11),
            (Error::NoConnection(s()), -12),
            (Error::NotSupported(s()), -13),
            (Error::BadArgument(s()), -14),
            (Error::BadCardId(s()), -20),
            (Error::NotGenuine { step: s() }, -21),
            (Error::CardMismatch(s()), -22),
            (Error::InvalidInput(s()), -23),
            (Error::PsamKeyLevel, -24),
            (Error::PinCancelled, -31),
            (Error::PinTimeout, -32),
            (Error::PinLength, -33),
            (Error::PinMismatch, -34),
            (Error::InitialPin, -35),
            (Error::InitialPinReused, -36),
            (Error::IllegalCharacters(s()), -41),
            (Error::DataLength(s()), -42),
            (Error::WrongPin { tries: 2 }, -51),
            (Error::PinBlocked, -52),
            (Error::NoPsam(s()), -2201),
            (Error::PsamAlgorithm, -2202),
            (Error::PsamNoRkssse, -2203),
            (Error::NoKeyServerNeeded, -2204),
            (Error::ExternalAuth { tries: 2 }, -25536),
            (Error::ExternalAuth { tries: 1 }, -25537),
            (Error::ExternalAuth { tries: 0 }, -25538),
            (card(0x6700), -26368),
            (card(0x6901), -26881),
            (card(0x6981), -27009),
            (card(0x6982), -27010),
            (card(0x6983), -27011),
            (card(0x6984), -27012),
            (card(0x6985), -27013),
            (card(0x6988), -27016),
            (card(0x6A80), -27264),
            (card(0x6A81), -27265),
            (card(0x6A82), -27266),
            (card(0x6A83), -27267),
            (card(0x6A88), -27272),
            (card(0x9302), -37634),
            (card(0x9303), -37635),
            (card(0x9403), -37891),
            (card(0x9406), -37894),
            (
                Error::Psam {
                    command: "x",
                    sw: StatusWord::ReferenceNotFound,
                },
                -27272,
            ),
        ];
        for (e, code) in table {
            assert_eq!(e.code(), code, "{e:?}");
        }
    }
}
