//! The simulator's error type.

/// What can go wrong around the simulated card (never a status word: those
/// are answers, not errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The card lost power during the command (a planned tear): no answer.
    #[error("card powered off during the command (tear)")]
    PowerLost,
    /// A command was sent to a card that is not powered.
    #[error("card is not powered")]
    NotPowered,
    /// A card image that cannot be read or written.
    #[error("card image {path}: {reason}")]
    Image {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Personalisation input that does not fit the profile.
    #[error("personalisation: {0}")]
    Perso(String),
    /// A profile, holder or key file error.
    #[error(transparent)]
    Profile(#[from] sscard_profile::Error),
    /// A cryptographic failure.
    #[error(transparent)]
    Crypto(#[from] sscard_crypto::Error),
    /// A network error of the vpcd bridge.
    #[error("vpcd bridge: {0}")]
    Bridge(String),
}

/// Result with this crate's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
