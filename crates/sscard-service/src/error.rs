//! The service's errors: those that stop it from starting, and those a
//! request gets back as JSON (`{"code", "error", "message"}`), each with
//! the reader interface's code a POS program already handles.

/// What stops the service.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A setting or the token file.
    #[error("{0}")]
    Config(String),
    /// A port that cannot be listened on.
    #[error("cannot listen on {addr}: {reason}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
}

/// Why a request was refused before (or instead of) reaching the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The Host header is not this service's (DNS rebinding).
    BadHost,
    /// The page's origin is not on the allow-list.
    Origin,
    /// No token, or the wrong one.
    Token,
    /// Too many requests from this origin.
    RateLimited,
    /// The queue for the card is full.
    Busy,
    /// The operation did not finish in time.
    Timeout,
    /// The body is not JSON, or not a JSON object.
    BadJson,
    /// A field has the wrong type, or is unknown.
    WrongType,
    /// Neither a function of the interface nor a typed operation.
    UnknownFunction,
    /// A request or frame over 64 KiB.
    TooLarge,
}

impl Refusal {
    /// The name in the JSON answer (`"error"`).
    pub fn name(self) -> &'static str {
        match self {
            Self::BadHost => "bad_host",
            Self::Origin => "origin_not_allowed",
            Self::Token => "bad_token",
            Self::RateLimited => "rate_limited",
            Self::Busy => "busy",
            Self::Timeout => "timeout",
            Self::BadJson => "bad_json",
            Self::WrongType => "wrong_type",
            Self::UnknownFunction => "unknown_function",
            Self::TooLarge => "too_large",
        }
    }

    /// The reader interface's code (spec 05 §5.5): -14 for bad input, -13
    /// for what is not supported, -12 for a connection the caller may not
    /// have, -4 for a card that did not answer in time, -11 for a reader
    /// that is busy.
    pub fn code(self) -> i32 {
        match self {
            Self::BadHost | Self::Origin | Self::Token => -12,
            Self::RateLimited | Self::Busy => -11,
            Self::Timeout => -4,
            Self::BadJson | Self::WrongType | Self::TooLarge => -14,
            Self::UnknownFunction => -13,
        }
    }

    /// The HTTP status.
    pub fn status(self) -> u16 {
        match self {
            Self::BadHost => 421,
            Self::Origin => 403,
            Self::Token => 401,
            Self::RateLimited => 429,
            Self::Busy => 503,
            Self::Timeout => 504,
            Self::BadJson | Self::WrongType => 400,
            Self::UnknownFunction => 404,
            Self::TooLarge => 413,
        }
    }

    /// The JSON answer, with `message` (no personal data: messages are
    /// made here or by serde about field names and types) and the code's
    /// meaning from the interface's table.
    pub fn json(self, message: &str) -> serde_json::Value {
        let meaning = sscard::interface::codes::row(self.code()).map_or("", |r| r.2);
        serde_json::json!({"code": self.code(), "error": self.name(), "message": message, "meaning": meaning})
    }
}
