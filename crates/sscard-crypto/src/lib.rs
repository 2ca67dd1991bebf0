//! The national algorithms as the social security card uses them: SM3,
//! SM4 (ECB, CBC, the CBC-MAC of secure messaging), key diversification,
//! authentication data, the medical debit cryptograms, SM2 signatures with
//! a distinguishing ID, X.509 certificates signed with SM2-with-SM3, and
//! the PBOC SM2 certificate formats of the financial application.
//!
//! Built on RustCrypto's `sm2`, `sm3`, `sm4`, `cbc`, `ecb` and `x509-cert`.
//! Secret keys live in [`Sm4Key`] and [`KeyPair`], which wipe themselves on
//! drop and print no key material.
//!
//! ```
//! use sscard_crypto::{auth, diversify, KeyPair, Sm4Key};
//!
//! // The PSAM's side of an internal authentication (spec 02 §2.1).
//! let irk_master = Sm4Key::from_hex("00112233445566778899AABBCCDDEEFF")?;
//! let card_id = diversify::card_id(&hex::decode("639900D15600000500BF7C7A48FB4966").unwrap())?; // ok: doc example, fixed input
//! let (r1, r2) = ([1u8; 8], [2u8; 8]);
//! let expected = auth::auth_data_from_master(&irk_master, &card_id, &r1, &r2);
//! // The card computes the same from its own (diversified) IRK.
//! let card_irk = diversify::card_key(&irk_master, &card_id);
//! assert_eq!(auth::auth_data(&card_irk, &r1, &r2), expected);
//!
//! // SM2 with the default ID 1234567812345678.
//! let kp = KeyPair::generate()?;
//! let sig = kp.sign(b"challenge")?;
//! kp.public().verify(b"challenge", &sig)?;
//! # Ok::<(), sscard_crypto::Error>(())
//! ```
#![forbid(unsafe_code)]

pub mod auth;
pub mod cipher;
pub mod debit;
pub mod digest;
pub mod diversify;
pub mod error;
pub mod mac;
pub mod pboc;
pub mod random;
pub mod secret;
pub mod sign;
pub mod x509;

pub use error::{Error, Result};
pub use secret::Sm4Key;
pub use sign::{KeyPair, PublicKey, Signature, DEFAULT_ID};
