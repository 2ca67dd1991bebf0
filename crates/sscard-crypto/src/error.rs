//! The crypto layer's one error type.

/// Every failure of this crate, each its own variant so that a caller can
/// say which check failed (spec 03 §3.4, 04 §4.3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input of the wrong size.
    #[error("{what}: expected {expected} bytes, got {got}")]
    Length {
        /// What was given.
        what: &'static str,
        /// Expected size.
        expected: usize,
        /// Given size.
        got: usize,
    },
    /// ECB/CBC data that is not whole blocks.
    #[error("{len} bytes of data are not whole {block}-byte blocks")]
    BlockAlignment {
        /// Data length.
        len: usize,
        /// The cipher's block size (16 for SM4, 8 for DES).
        block: usize,
    },
    /// Hex text that does not decode.
    #[error("{what}: invalid hex: {reason}")]
    Hex {
        /// What was being read.
        what: &'static str,
        /// The decoder's message.
        reason: String,
    },
    /// The operating system's random generator failed.
    #[error("random number generator failed: {0}")]
    Random(String),
    /// Bytes that are not a point on the SM2 curve.
    #[error("invalid SM2 public key: {0}")]
    PublicKey(&'static str),
    /// Bytes that are not a valid SM2 private key (zero, or not below n).
    #[error("invalid SM2 private key")]
    PrivateKey,
    /// A key file that does not parse.
    #[error("cannot read {what}: {reason}")]
    KeyFile {
        /// Which key.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A distinguishing ID longer than 8191 bytes (ENTL is 16 bits of bit length).
    #[error("SM2 distinguishing ID of {len} bytes is too long")]
    DistId {
        /// Its length.
        len: usize,
    },
    /// A signature that is not `r ‖ s` with both in `[1, n-1]`, or bad DER.
    #[error("malformed SM2 signature")]
    SignatureFormat,
    /// A well-formed signature that does not verify.
    #[error("SM2 signature does not verify")]
    BadSignature,
    /// An X.509 certificate that does not encode or decode.
    #[error("X.509 {context}: {reason}")]
    X509 {
        /// What was being done.
        context: &'static str,
        /// The DER or builder error.
        reason: String,
    },
    /// A certificate signed with another algorithm than SM2-with-SM3.
    #[error("certificate {subject}: signature algorithm {oid} is not SM2-with-SM3 (1.2.156.10197.1.501)")]
    CertAlgorithm {
        /// Subject of the certificate.
        subject: String,
        /// The algorithm it names.
        oid: String,
    },
    /// A certificate whose issuer name differs from its issuer's subject.
    #[error("certificate {subject}: issuer {issuer} does not match the next certificate's subject {next}")]
    CertIssuerMismatch {
        /// Subject of the certificate.
        subject: String,
        /// Its issuer field.
        issuer: String,
        /// The subject of the certificate meant to have issued it.
        next: String,
    },
    /// An issuing certificate without `basicConstraints cA`.
    #[error("certificate {subject} issued another certificate but is not a CA")]
    CertNotCa {
        /// Subject of the issuer.
        subject: String,
    },
    /// A certificate signature that does not verify under its issuer's key.
    #[error("certificate {subject}: signature does not verify under the issuer's key")]
    CertSignature {
        /// Subject of the certificate.
        subject: String,
    },
    /// A certificate outside its validity period.
    #[error("certificate {subject}: not valid at {at} (valid {not_before} to {not_after})")]
    CertExpired {
        /// Subject.
        subject: String,
        /// The time checked.
        at: String,
        /// Start of validity.
        not_before: String,
        /// End of validity.
        not_after: String,
    },
    /// A chain whose last certificate is not the configured root.
    #[error("certificate chain ends at {subject}, which is not the trusted root")]
    CertUntrustedRoot {
        /// Subject of the last certificate.
        subject: String,
    },
    /// An empty chain.
    #[error("empty certificate chain")]
    CertChainEmpty,
    /// A PBOC certificate or signed data with a wrong header byte.
    #[error("{object}: header {got:02X}, expected {expected:02X}")]
    PbocHeader {
        /// Which object (`issuer certificate 90`, …).
        object: &'static str,
        /// Expected header.
        expected: u8,
        /// Header found.
        got: u8,
    },
    /// A PBOC object of the wrong length.
    #[error("{object}: {got} bytes, expected {expected}")]
    PbocLength {
        /// Which object.
        object: &'static str,
        /// Expected length.
        expected: usize,
        /// Length found.
        got: usize,
    },
    /// A PBOC certificate naming another algorithm than SM2 (`04`).
    #[error("{object}: {field} {value:02X} is not SM2 (04)")]
    PbocAlgorithm {
        /// Which object.
        object: &'static str,
        /// Which field.
        field: &'static str,
        /// The value found.
        value: u8,
    },
    /// A PBOC certificate past its expiry month.
    #[error("{object}: expired at the end of {expiry} (MMYY)")]
    PbocExpired {
        /// Which object.
        object: &'static str,
        /// Its expiry MMYY.
        expiry: String,
    },
    /// A PBOC signature that does not verify.
    #[error("{object}: signature does not verify")]
    PbocSignature {
        /// Which object.
        object: &'static str,
    },
    /// An ICC certificate for another PAN than the card's.
    #[error("ICC certificate 9F46 is for another PAN than the card's 5A")]
    PbocPanMismatch,
    /// An issuer certificate whose issuer identifier is not the PAN's prefix.
    #[error("issuer certificate 90: issuer identifier does not match the PAN")]
    PbocIssuerMismatch,
}

impl From<der::Error> for Error {
    fn from(e: der::Error) -> Self {
        Error::X509 {
            context: "DER",
            reason: e.to_string(),
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
