//! Exit codes: 0 success, 1 card or check failure, 2 usage or input error.

use core::fmt;

/// A failed command.
#[derive(Debug)]
pub struct CliError {
    /// The exit code.
    pub code: i32,
    /// The message for standard error.
    pub message: String,
}

impl CliError {
    /// A usage or input error (exit 2).
    pub fn usage(message: String) -> Self {
        Self { code: 2, message }
    }

    /// An input error from a library (exit 2).
    pub fn input(e: impl fmt::Display) -> Self {
        Self::usage(e.to_string())
    }

    /// A card or check failure (exit 1), with the reader-interface code.
    pub fn card(e: sscard::Error) -> Self {
        let code = match e {
            sscard::Error::InvalidInput(_)
            | sscard::Error::BadArgument(_)
            | sscard::Error::Profile(_) => 2,
            _ => 1,
        };
        Self {
            code,
            message: format!("{e} (code {})", e.code()),
        }
    }
}

/// Result of a command.
pub type CliResult<T> = Result<T, CliError>;
