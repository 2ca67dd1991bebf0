//! A third-generation social security card and a PSAM, simulated from a
//! card profile, in-process or behind pcscd through the vpcd driver.
//!
//! The card logic is pure: it sees complete commands and stages its
//! persistent changes, which the [`Simulator`] commits at once (and saves
//! atomically to the image file when there is one). Tearing can be planned
//! before or after the commit of any command.
//!
//! ```
//! use std::sync::Arc;
//! use sscard_sim::{perso, Simulator, UserCard};
//!
//! let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
//! let profile = Arc::new(sscard_profile::load_file(format!("{root}/card-profiles/ssc-3.0.toml"))?);
//! let holder = sscard_profile::holder::Holder::load_file(format!("{root}/fixtures/holders/zhang-san.toml"))?;
//! let masters = sscard_profile::keys::MasterKeys::load_file(format!("{root}/fixtures/keys/test-masters.toml"))?;
//! let image = perso::personalise(&profile, &holder, &masters)?;
//! let mut card = Simulator::new(UserCard::new(profile), image);
//! card.power_on();
//! // SELECT SSSE, then READ RECORD 7 of EF05: the card number.
//! let fci = card.transmit(&hex::decode("00A404000F7378312E73682EC9E7BBE1B1A3D5CF").unwrap())?; // ok: doc example, fixed input
//! assert_eq!(fci[fci.len() - 2..], [0x90, 0x00]);
//! card.transmit(&hex::decode("00A4020002EF05").unwrap())?; // ok: doc example, fixed input
//! let rec = card.transmit(&hex::decode("00B2070400").unwrap())?; // ok: doc example, fixed input
//! assert_eq!(&rec[2..11], b"X00000019");
//! # Ok::<(), sscard_sim::Error>(())
//! ```
#![forbid(unsafe_code)]

pub mod counterfeit;
pub mod error;
pub mod image;
pub mod perso;
pub mod psam;
pub mod sim;
pub mod user;
pub mod vpcd;

pub use error::{Error, Result};
pub use psam::Psam;
pub use sim::{Applet, Simulator, Tear, TearSide, Tx};
pub use user::UserCard;
