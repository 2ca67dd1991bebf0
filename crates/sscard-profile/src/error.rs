//! Loader errors: each names the file, the line and the element.

use core::fmt;

/// A profile, holder or key file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file cannot be read.
    #[error("{file}: cannot read: {reason}")]
    Io {
        /// The file.
        file: String,
        /// The OS error.
        reason: String,
    },
    /// The file is not valid TOML, or has a key of the wrong type or an
    /// unknown key.
    #[error("{file}:{line}: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// The TOML parser's message (first line).
        message: String,
    },
    /// The file parses but describes something impossible.
    #[error("{}", Located { file, line: *line, element, message })]
    Invalid {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// The element at fault, e.g. `DF01/EF05 tag 21`.
        element: String,
        /// What is wrong.
        message: String,
    },
}

struct Located<'a> {
    file: &'a str,
    line: usize,
    element: &'a str,
    message: &'a str,
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.element.is_empty() {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(
                f,
                "{}:{}: {}: {}",
                self.file, self.line, self.element, self.message
            )
        }
    }
}

/// An I/O error in words, without the OS's `(os error 2)` suffix:
/// "No such file or directory".
pub fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &std::path::Path, e: &std::io::Error) -> Self {
        Error::Io {
            file: path.display().to_string(),
            reason: io_reason(e),
        }
    }

    /// The line the error points at (0 for I/O errors).
    pub fn line(&self) -> usize {
        match self {
            Error::Io { .. } => 0,
            Error::Syntax { line, .. } | Error::Invalid { line, .. } => *line,
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

/// Reads a text file; returns its short name (for messages) and its text.
pub(crate) fn read_source(path: &std::path::Path) -> Result<(String, String)> {
    let src = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    Ok((file, src))
}

/// The deserialiser's type words (`invalid type: string "2", expected
/// usize`) in the words of someone editing the file.
fn plain_words(message: &str) -> String {
    let Some(rest) = message.strip_prefix("invalid type: ") else {
        return message.to_owned();
    };
    let Some((found, expected)) = rest.split_once(", expected ") else {
        return message.to_owned();
    };
    let expected = match expected {
        "usize" | "u8" | "u16" | "u32" | "u64" | "i64" | "an integer" => "a whole number",
        "a string" | "a borrowed string" => "text in quotes",
        "a boolean" => "true or false",
        "a sequence" => "a list in [ ]",
        "a map" | "struct" => "a table",
        other if other.starts_with("struct ") => "a table",
        other => other,
    };
    let found = if let Some(v) = found.strip_prefix("string ") {
        format!("the text {v}")
    } else if let Some(v) = found.strip_prefix("integer ") {
        format!("the number {}", v.trim_matches('`'))
    } else if let Some(v) = found.strip_prefix("boolean ") {
        v.trim_matches('`').to_owned()
    } else {
        found.to_owned()
    };
    let hint = if expected == "a whole number" && found.starts_with("the text ") {
        " (write the number without quotes)"
    } else if expected == "text in quotes" {
        " (put the value in quotes)"
    } else {
        ""
    };
    format!("expected {expected}, found {found}{hint}")
}

/// Turns byte offsets into 1-based line numbers for one source text.
pub(crate) struct Lines<'a> {
    pub(crate) file: &'a str,
    src: &'a str,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(file: &'a str, src: &'a str) -> Self {
        Self { file, src }
    }

    pub(crate) fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.src.len());
        self.src.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    pub(crate) fn invalid(
        &self,
        span: core::ops::Range<usize>,
        element: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        Error::Invalid {
            file: self.file.to_owned(),
            line: self.line(span.start),
            element: element.into(),
            message: message.into(),
        }
    }

    pub(crate) fn syntax(&self, e: &toml::de::Error) -> Error {
        let line = e.span().map_or(1, |s| self.line(s.start));
        let message = plain_words(e.message().lines().next().unwrap_or("invalid TOML"));
        Error::Syntax {
            file: self.file.to_owned(),
            line,
            message,
        }
    }
}
