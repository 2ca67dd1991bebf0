//! Randomness from the operating system, without panics.

use crate::error::{Error, Result};

/// `N` random bytes from the operating system.
///
/// # Errors
/// [`Error::Random`] if the OS generator fails.
pub fn bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| Error::Random(e.to_string()))?;
    Ok(b)
}
