//! The algorithms as the social security card uses them: SM3, SM4 and
//! 2-key 3DES (ECB, CBC, the MACs of secure messaging) behind one
//! [`Scheme`], key diversification,
//! authentication data, the medical debit cryptograms, SM2 signatures with
//! a distinguishing ID, X.509 certificates signed with SM2-with-SM3, and
//! the PBOC SM2 certificate formats of the financial application.
//!
//! Built on RustCrypto's `sm2`, `sm3`, `sm4`, `des`, `cbc`, `ecb` and `x509-cert`.
//! Secret keys live in [`SymKey`] and [`KeyPair`], which wipe themselves on
//! drop and print no key material.
//!
//! ```
//! use sscard_crypto::{diversify, KeyPair, Scheme, SymKey};
//!
//! // The PSAM's side of an internal authentication (spec 02 §2.1).
//! let irk_master = SymKey::from_hex("00112233445566778899AABBCCDDEEFF")?;
//! let card_id = diversify::card_id(&hex::decode("639900D15600000500BF7C7A48FB4966").unwrap())?; // ok: doc example, fixed input
//! let (r1, r2) = ([1u8; 8], [2u8; 8]);
//! for scheme in [Scheme::Sm4, Scheme::TripleDes] {
//!     let expected = scheme.auth_data_from_master(&irk_master, &card_id, &r1, &r2);
//!     // The card computes the same from its own (diversified) IRK.
//!     let card_irk = scheme.card_key(&irk_master, &card_id);
//!     assert_eq!(scheme.auth_data(&card_irk, &r1, &r2), expected);
//! }
//!
//! // SM2 with the default ID 1234567812345678.
//! let kp = KeyPair::generate()?;
//! let sig = kp.sign(b"challenge")?;
//! kp.public().verify(b"challenge", &sig)?;
//! # Ok::<(), sscard_crypto::Error>(())
//! ```
#![forbid(unsafe_code)]

pub mod cipher;
pub mod debit;
pub mod des;
pub mod digest;
pub mod diversify;
pub mod error;
pub mod mac;
pub mod pboc;
pub mod random;
pub mod scheme;
pub mod secret;
pub mod sign;
pub mod x509;

pub use error::{Error, Result};
pub use scheme::Scheme;
pub use secret::SymKey;
pub use sign::{KeyPair, PublicKey, Signature, DEFAULT_ID};
