//! Security modules: who holds the master keys. A PSAM in a second reader,
//! a remote HSM reached in steps, or (tests and CI only) a software module
//! with keys from a file. Operations use only this trait.

pub mod any;
pub mod hsm;
pub mod key_server;
pub mod psam;
pub mod software;

pub use sscard_crypto::Scheme;

use crate::error::Result;

/// The card-side inputs of a diversified key: card identification code.
pub type CardId = [u8; 16];

/// What MAC1 covers (spec 02 §2.4, §2.5).
#[derive(Debug, Clone, Copy)]
pub struct Mac1Request {
    /// The card's pseudo-random.
    pub pseudo_random: [u8; 4],
    /// The card's debit counter.
    pub counter: u16,
    /// The amount debited, fen (the one amount the card sees).
    pub amount: u32,
    /// Transaction type.
    pub tx_type: u8,
    /// Date YYYYMMDD, BCD.
    pub date: [u8; 4],
    /// Time HHMMSS, BCD.
    pub time: [u8; 3],
    /// Key version from INITIALIZE FOR PURCHASE.
    pub key_version: u8,
    /// Algorithm id from INITIALIZE FOR PURCHASE (`01` 3DES, `03` SM4).
    pub algorithm: u8,
    /// The card.
    pub card_id: CardId,
}

/// Eight random bytes from the host's operating system (the source of an
/// internal authentication when no PSAM gives one).
///
/// # Errors
/// [`crate::Error::NotSupported`] if the OS generator fails.
pub fn host_random() -> Result<[u8; 8]> {
    sscard_crypto::random::bytes()
        .map_err(|e| crate::Error::NotSupported(format!("random source: {e}")))
}

/// Master-key operations a terminal needs.
pub trait SecurityModule {
    /// A fresh terminal random: the source R2 of an internal
    /// authentication, which the card must not choose (02 §2.1). A PSAM
    /// answers GET CHALLENGE; without one, the host's generator.
    ///
    /// # Errors
    /// Module errors.
    fn terminal_random(&mut self) -> Result<[u8; 8]> {
        host_random()
    }

    /// The terminal number, 6 bytes BCD (twelve `0` digits without a PSAM).
    ///
    /// # Errors
    /// Module errors.
    fn terminal_number(&mut self) -> Result<[u8; 6]>;

    /// Authentication data under the `scheme` key `address` for `card`:
    /// process factor `r1`, source `r2` (spec 02 §2.1).
    ///
    /// # Errors
    /// [`crate::Error::Psam`] `6A88` for a missing key,
    /// [`crate::Error::PsamAlgorithm`] for a scheme it holds no keys of, …
    fn auth_data(
        &mut self,
        scheme: Scheme,
        address: u16,
        card: &CardId,
        r1: &[u8; 8],
        r2: &[u8; 8],
    ) -> Result<[u8; 8]>;

    /// The secure-messaging MAC of `data` under the `scheme` key
    /// `address`, session key from `challenge`, IV `challenge ‖ 00…`
    /// (spec 02 §2.3).
    ///
    /// # Errors
    /// Module errors.
    fn sm_mac(
        &mut self,
        scheme: Scheme,
        address: u16,
        card: &CardId,
        challenge: &[u8; 8],
        data: &[u8],
    ) -> Result<[u8; 4]>;

    /// ECB of whole blocks under the same session key (RELOAD PIN).
    ///
    /// # Errors
    /// Module errors.
    fn sm_encrypt(
        &mut self,
        scheme: Scheme,
        address: u16,
        card: &CardId,
        challenge: &[u8; 8],
        blocks: &[u8],
    ) -> Result<Vec<u8>>;

    /// MAC1 of a medical debit; returns the terminal transaction number and MAC1.
    ///
    /// # Errors
    /// Module errors.
    fn mac1(&mut self, req: &Mac1Request) -> Result<([u8; 4], [u8; 4])>;

    /// Checks the card's MAC2 against the last MAC1.
    ///
    /// # Errors
    /// [`crate::Error::Psam`] `9302` when it does not match.
    fn verify_mac2(&mut self, mac2: &[u8; 4]) -> Result<()>;
}
