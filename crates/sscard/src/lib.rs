//! The host library POS software links to work with social security cards:
//! transports (PC/SC, the in-process simulator, trace replay), security
//! modules (a PSAM, a remote HSM in steps, a software module for tests),
//! PIN entry, and the card operations: basic information, genuineness,
//! PINs, the medical debit.
//!
//! ```
//! use std::sync::Arc;
//! use sscard::ops::{Profiles, Terminal};
//! use sscard::pin::{CallbackPad, Pin};
//! use sscard::security::software::SoftwareModule;
//! use sscard::transport::sim::SimTransport;
//!
//! let root = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
//! let profiles = Profiles::load_dir(&root.join("card-profiles"))?;
//! // A simulated card personalised for a test holder, and test master keys.
//! let profile = profiles.for_generation(sscard_profile::Generation::V3).unwrap(); // ok: doc example, fixed input
//! let holder = sscard_profile::holder::Holder::load_file(root.join("fixtures/holders/zhang-san.toml"))?;
//! let masters = sscard_profile::keys::MasterKeys::load_file(root.join("fixtures/keys/test-masters.toml"))?;
//! let image = sscard_sim::perso::personalise(&profile, &holder, &masters).unwrap(); // ok: doc example, fixed input
//! let card = SimTransport::new(sscard_sim::Simulator::new(sscard_sim::UserCard::new(profile.clone()), image), "sim");
//! let sm = SoftwareModule::new(masters, [0x41, 0x01, 0x00, 0x81, 0x34, 0x75], 0x017F);
//! let pad = CallbackPad(|_| Pin::new("123456"));
//! let mut terminal = Terminal::new(card, sm, pad, profiles);
//! let info = terminal.read_basic_info()?;
//! assert_eq!(info.to_masked_line(),
//!     "639900|110************02X|X00000019|639900D15600000500BF7C7A48FB4966|张*|00814E43238697159900BF7C7A|3.00|20261101|20361101|410100813475||");
//! # Ok::<(), sscard::Error>(())
//! ```
#![forbid(unsafe_code)]

pub mod builtin;
pub mod clock;
pub mod error;
pub mod interface;
pub mod journal;
pub mod ops;
pub mod pin;
pub mod prep;
pub mod redact;
pub mod security;
pub mod session;
pub mod testing;
pub mod transport;

pub use error::{Error, Result};
