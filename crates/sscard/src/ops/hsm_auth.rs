//! One authentication the remote key server computes (spec 05's HSM
//! steps): what step 1 hands out and how its answer is read back. Its own
//! module so that the basic-information read and the HSM flows both use
//! it without depending on each other.

/// Authentication data and its source, as the key server answers.
pub type AuthPair = ([u8; 8], [u8; 8]);

/// One authentication the key server must compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HsmAuth {
    /// Key address.
    pub key_address: u16,
    /// Process factor (R1).
    pub process_factor: [u8; 8],
    /// Source (R2).
    pub source: [u8; 8],
}
