//! Exit statuses, the same for every command (`docs/cli.md`):
//! 0 success, 1 card or check failure, 2 usage or input error. With
//! `--json` an error is also one JSON object on standard output.

use core::fmt;

use serde_json::{json, Value};

/// A failed command.
#[derive(Debug)]
pub struct CliError {
    /// The exit status.
    pub code: i32,
    /// The reader-interface code of a card error (`-51` wrong PIN, …).
    pub card_code: Option<i32>,
    /// The message for standard error: what failed and what to do.
    pub message: String,
    /// The command's JSON document already says it (`ok: false`): no
    /// second JSON document.
    pub shown: bool,
}

impl CliError {
    /// An error with an exit status.
    pub fn new(code: i32, message: String) -> Self {
        Self {
            code,
            card_code: None,
            message,
            shown: false,
        }
    }

    /// A failure the command's output already reports (exit `code`).
    pub fn shown(code: i32, message: String) -> Self {
        Self {
            shown: true,
            ..Self::new(code, message)
        }
    }

    /// A usage or input error (exit 2).
    pub fn usage(message: String) -> Self {
        Self::new(2, message)
    }

    /// An input error from a library (exit 2).
    pub fn input(e: impl fmt::Display) -> Self {
        Self::usage(e.to_string())
    }

    /// A file that cannot be read or written (exit 2), in words.
    pub fn io(path: &std::path::Path, e: &std::io::Error) -> Self {
        Self::usage(format!(
            "{}: {}",
            path.display(),
            sscard_profile::error::io_reason(e)
        ))
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
            card_code: Some(e.code()),
            message: format!("{e} (code {})", e.code()),
            shown: false,
        }
    }

    /// The JSON error object (`schema_version`, `error`).
    pub fn to_json(&self) -> Value {
        json!({
            "schema_version": crate::cmd::SCHEMA_VERSION,
            "error": {
                "exit": self.code,
                "kind": match self.code { 1 => "card", _ => "usage" },
                "code": self.card_code,
                "message": self.message,
            }
        })
    }
}

/// Result of a command.
pub type CliResult<T> = Result<T, CliError>;
