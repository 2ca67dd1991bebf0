//! Status words (SW1 SW2) with the meanings the social security card and its
//! PSAM use.

use core::fmt;

/// A status word, with a named variant for every value the specification
/// uses. Each variant documents its hex; [`StatusWord::Other`] keeps any
/// other value unchanged, so `from_u16(x).to_u16() == x` for every `x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusWord {
    /// `9000`: normal processing.
    Success,
    /// `61xx`: `xx` more bytes available with GET RESPONSE (`00` means 256).
    MoreData(u8),
    /// `6281`: part of the returned data may be corrupted.
    DataCorrupted,
    /// `6282`: end of file or record reached before Le bytes were read.
    EndOfFile,
    /// `6283`: the selected file is invalidated.
    FileInvalidated,
    /// `63Cx`: verification failed, `x` tries left (PIN or external authentication).
    VerifyFailed {
        /// Tries left (0–15).
        tries: u8,
    },
    /// `6581`: memory failure (a write did not complete).
    MemoryFailure,
    /// `6700`: wrong length (Lc or Le).
    WrongLength,
    /// `6901`: command not accepted (invalid state).
    CommandNotAccepted,
    /// `6981`: command incompatible with the file structure.
    IncompatibleFileStructure,
    /// `6982`: security status not satisfied.
    SecurityNotSatisfied,
    /// `6983`: authentication method blocked (PIN or key blocked).
    AuthMethodBlocked,
    /// `6984`: reference data not usable (e.g. no challenge fetched).
    ReferenceDataInvalid,
    /// `6985`: conditions of use not satisfied.
    ConditionsNotSatisfied,
    /// `6986`: command not allowed (no current EF).
    NoCurrentEf,
    /// `6988`: secure messaging data object incorrect (wrong MAC).
    SecureMessagingIncorrect,
    /// `6A80`: incorrect data field.
    WrongData,
    /// `6A81`: function not supported, or card/application locked.
    FunctionNotSupported,
    /// `6A82`: file or application not found.
    FileNotFound,
    /// `6A83`: record not found.
    RecordNotFound,
    /// `6A84`: not enough memory space in the file.
    NotEnoughMemory,
    /// `6A85`: Lc inconsistent with the TLV structure.
    LcInconsistentWithTlv,
    /// `6A86`: incorrect parameters P1-P2.
    WrongP1P2,
    /// `6A87`: Lc inconsistent with P1-P2.
    LcInconsistentWithP1P2,
    /// `6A88`: referenced data (key) not found.
    ReferenceNotFound,
    /// `6B00`: wrong parameters P1-P2 (offset outside the EF).
    WrongParameters,
    /// `6Cxx`: wrong Le; resend with Le = `xx` (`00` means 256).
    WrongLe(u8),
    /// `6D00`: instruction not supported.
    InsNotSupported,
    /// `6E00`: class not supported.
    ClaNotSupported,
    /// `6F00`: no precise diagnosis.
    NoDiagnosis,
    /// `9302`: MAC invalid (e.g. MAC1 of a debit).
    MacInvalid,
    /// `9303`: application permanently locked.
    AppPermanentlyLocked,
    /// `9401`: insufficient balance.
    InsufficientBalance,
    /// `9403`: key index not supported (PSAM does not support debit).
    KeyNotSupported,
    /// `9406`: MAC or TAC not available.
    MacNotAvailable,
    /// Any other status word.
    Other(u16),
}

impl StatusWord {
    /// Names the status word `sw`.
    pub const fn from_u16(sw: u16) -> Self {
        let [sw1, sw2] = sw.to_be_bytes();
        match (sw1, sw2) {
            (0x90, 0x00) => Self::Success,
            (0x61, n) => Self::MoreData(n),
            (0x62, 0x81) => Self::DataCorrupted,
            (0x62, 0x82) => Self::EndOfFile,
            (0x62, 0x83) => Self::FileInvalidated,
            (0x63, n) if n & 0xF0 == 0xC0 => Self::VerifyFailed { tries: n & 0x0F },
            (0x65, 0x81) => Self::MemoryFailure,
            (0x67, 0x00) => Self::WrongLength,
            (0x69, 0x01) => Self::CommandNotAccepted,
            (0x69, 0x81) => Self::IncompatibleFileStructure,
            (0x69, 0x82) => Self::SecurityNotSatisfied,
            (0x69, 0x83) => Self::AuthMethodBlocked,
            (0x69, 0x84) => Self::ReferenceDataInvalid,
            (0x69, 0x85) => Self::ConditionsNotSatisfied,
            (0x69, 0x86) => Self::NoCurrentEf,
            (0x69, 0x88) => Self::SecureMessagingIncorrect,
            (0x6A, 0x80) => Self::WrongData,
            (0x6A, 0x81) => Self::FunctionNotSupported,
            (0x6A, 0x82) => Self::FileNotFound,
            (0x6A, 0x83) => Self::RecordNotFound,
            (0x6A, 0x84) => Self::NotEnoughMemory,
            (0x6A, 0x85) => Self::LcInconsistentWithTlv,
            (0x6A, 0x86) => Self::WrongP1P2,
            (0x6A, 0x87) => Self::LcInconsistentWithP1P2,
            (0x6A, 0x88) => Self::ReferenceNotFound,
            (0x6B, 0x00) => Self::WrongParameters,
            (0x6C, n) => Self::WrongLe(n),
            (0x6D, 0x00) => Self::InsNotSupported,
            (0x6E, 0x00) => Self::ClaNotSupported,
            (0x6F, 0x00) => Self::NoDiagnosis,
            (0x93, 0x02) => Self::MacInvalid,
            (0x93, 0x03) => Self::AppPermanentlyLocked,
            (0x94, 0x01) => Self::InsufficientBalance,
            (0x94, 0x03) => Self::KeyNotSupported,
            (0x94, 0x06) => Self::MacNotAvailable,
            _ => Self::Other(sw),
        }
    }

    /// The two bytes as one number, `SW1 << 8 | SW2`.
    pub const fn to_u16(self) -> u16 {
        match self {
            Self::Success => 0x9000,
            Self::MoreData(n) => 0x6100 | n as u16,
            Self::DataCorrupted => 0x6281,
            Self::EndOfFile => 0x6282,
            Self::FileInvalidated => 0x6283,
            Self::VerifyFailed { tries } => 0x63C0 | (tries & 0x0F) as u16,
            Self::MemoryFailure => 0x6581,
            Self::WrongLength => 0x6700,
            Self::CommandNotAccepted => 0x6901,
            Self::IncompatibleFileStructure => 0x6981,
            Self::SecurityNotSatisfied => 0x6982,
            Self::AuthMethodBlocked => 0x6983,
            Self::ReferenceDataInvalid => 0x6984,
            Self::ConditionsNotSatisfied => 0x6985,
            Self::NoCurrentEf => 0x6986,
            Self::SecureMessagingIncorrect => 0x6988,
            Self::WrongData => 0x6A80,
            Self::FunctionNotSupported => 0x6A81,
            Self::FileNotFound => 0x6A82,
            Self::RecordNotFound => 0x6A83,
            Self::NotEnoughMemory => 0x6A84,
            Self::LcInconsistentWithTlv => 0x6A85,
            Self::WrongP1P2 => 0x6A86,
            Self::LcInconsistentWithP1P2 => 0x6A87,
            Self::ReferenceNotFound => 0x6A88,
            Self::WrongParameters => 0x6B00,
            Self::WrongLe(n) => 0x6C00 | n as u16,
            Self::InsNotSupported => 0x6D00,
            Self::ClaNotSupported => 0x6E00,
            Self::NoDiagnosis => 0x6F00,
            Self::MacInvalid => 0x9302,
            Self::AppPermanentlyLocked => 0x9303,
            Self::InsufficientBalance => 0x9401,
            Self::KeyNotSupported => 0x9403,
            Self::MacNotAvailable => 0x9406,
            Self::Other(sw) => sw,
        }
    }

    /// SW1 and SW2 as sent on the wire.
    pub const fn to_bytes(self) -> [u8; 2] {
        self.to_u16().to_be_bytes()
    }

    /// `true` for `9000` only. `61xx` is not final: fetch the rest first.
    pub const fn is_success(self) -> bool {
        matches!(self, Self::Success)
    }

    /// A one-line description in English.
    pub const fn description(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::MoreData(_) => "more data available (GET RESPONSE)",
            Self::DataCorrupted => "returned data may be corrupted",
            Self::EndOfFile => "end of file reached before Le bytes",
            Self::FileInvalidated => "selected file invalidated",
            Self::VerifyFailed { .. } => "verification failed, tries left in SW2",
            Self::MemoryFailure => "memory failure",
            Self::WrongLength => "wrong length (Lc or Le)",
            Self::CommandNotAccepted => "command not accepted",
            Self::IncompatibleFileStructure => "command incompatible with file structure",
            Self::SecurityNotSatisfied => "security status not satisfied",
            Self::AuthMethodBlocked => "authentication method blocked",
            Self::ReferenceDataInvalid => "reference data not usable",
            Self::ConditionsNotSatisfied => "conditions of use not satisfied",
            Self::NoCurrentEf => "command not allowed (no current EF)",
            Self::SecureMessagingIncorrect => "secure messaging data incorrect (wrong MAC)",
            Self::WrongData => "incorrect data field",
            Self::FunctionNotSupported => "function not supported, or card or application locked",
            Self::FileNotFound => "file or application not found",
            Self::RecordNotFound => "record not found",
            Self::NotEnoughMemory => "not enough memory space in the file",
            Self::LcInconsistentWithTlv => "Lc inconsistent with TLV structure",
            Self::WrongP1P2 => "incorrect parameters P1-P2",
            Self::LcInconsistentWithP1P2 => "Lc inconsistent with P1-P2",
            Self::ReferenceNotFound => "referenced data (key) not found",
            Self::WrongParameters => "wrong parameters P1-P2",
            Self::WrongLe(_) => "wrong Le, exact length in SW2",
            Self::InsNotSupported => "instruction not supported",
            Self::ClaNotSupported => "class not supported",
            Self::NoDiagnosis => "no precise diagnosis",
            Self::MacInvalid => "MAC invalid",
            Self::AppPermanentlyLocked => "application permanently locked",
            Self::InsufficientBalance => "insufficient balance",
            Self::KeyNotSupported => "key index not supported",
            Self::MacNotAvailable => "MAC or TAC not available",
            Self::Other(_) => "unknown status",
        }
    }
}

impl From<u16> for StatusWord {
    fn from(sw: u16) -> Self {
        Self::from_u16(sw)
    }
}

impl From<[u8; 2]> for StatusWord {
    fn from(sw: [u8; 2]) -> Self {
        Self::from_u16(u16::from_be_bytes(sw))
    }
}

impl From<StatusWord> for u16 {
    fn from(sw: StatusWord) -> Self {
        sw.to_u16()
    }
}

impl fmt::Display for StatusWord {
    /// `6A82 (file or application not found)`; `63C2 (verification failed, 2 tries left)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::VerifyFailed { tries } => {
                write!(
                    f,
                    "{:04X} (verification failed, {tries} tries left)",
                    self.to_u16()
                )
            }
            Self::MoreData(n) => write!(
                f,
                "{:04X} ({} more bytes available)",
                self.to_u16(),
                if n == 0 { 256 } else { usize::from(n) }
            ),
            Self::WrongLe(n) => write!(
                f,
                "{:04X} (wrong Le, resend with Le {})",
                self.to_u16(),
                if n == 0 { 256 } else { usize::from(n) }
            ),
            _ => write!(f, "{:04X} ({})", self.to_u16(), self.description()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_u16_round_trips() {
        for sw in 0..=u16::MAX {
            assert_eq!(StatusWord::from_u16(sw).to_u16(), sw, "{sw:04X}");
        }
    }

    #[test]
    fn named_values() {
        assert_eq!(StatusWord::from_u16(0x9000), StatusWord::Success);
        assert!(StatusWord::Success.is_success());
        assert!(!StatusWord::MoreData(0x10).is_success());
        assert_eq!(
            StatusWord::from([0x63, 0xC2]),
            StatusWord::VerifyFailed { tries: 2 }
        );
        assert_eq!(StatusWord::from_u16(0x6A88), StatusWord::ReferenceNotFound);
        assert_eq!(
            StatusWord::from_u16(0x9401),
            StatusWord::InsufficientBalance
        );
        assert_eq!(StatusWord::from_u16(0x9302), StatusWord::MacInvalid);
        assert_eq!(StatusWord::from_u16(0x6C1A), StatusWord::WrongLe(0x1A));
        assert_eq!(StatusWord::from_u16(0x6300), StatusWord::Other(0x6300));
        assert_eq!(
            StatusWord::VerifyFailed { tries: 1 }.to_string(),
            "63C1 (verification failed, 1 tries left)"
        );
        assert_eq!(
            StatusWord::SecurityNotSatisfied.to_string(),
            "6982 (security status not satisfied)"
        );
    }
}
