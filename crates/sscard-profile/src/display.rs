//! The card model's words as card engineers say them: `SM4`, `3.0`,
//! `binary, 768 bytes`. Every user-facing text uses these, never `Debug`.

use crate::model::{Algorithm, EfKind, Generation};

impl core::fmt::Display for Algorithm {
    /// `3DES`, `SSF33`, `SM4`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Des => "3DES",
            Self::Ssf33 => "SSF33",
            Self::Sm4 => "SM4",
        })
    }
}

impl core::fmt::Display for Generation {
    /// `1.0`, `2.0`, `3.0`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::V1 => "1.0",
            Self::V2 => "2.0",
            Self::V3 => "3.0",
        })
    }
}

impl core::fmt::Display for EfKind {
    /// In card engineers' words: `variable records`, `fixed records of 64 bytes`,
    /// `cyclic, 10 records of 23 bytes`, `binary, 768 bytes`, `purse`, `private key`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Variable => f.write_str("variable records"),
            Self::Fixed { record_length } => write!(f, "fixed records of {record_length} bytes"),
            Self::Cyclic {
                records,
                record_length,
            } => write!(f, "cyclic, {records} records of {record_length} bytes"),
            Self::Transparent { size } => write!(f, "binary, {size} bytes"),
            Self::Purse => f.write_str("purse"),
            Self::PrivateKey => f.write_str("private key"),
        }
    }
}
