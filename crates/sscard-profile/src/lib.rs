//! The social security card as data. A profile in `card-profiles/*.toml`
//! describes a card: its applications and files, the data elements in each
//! record file with tag, record number, length, format and whether they are
//! personal data, the access rules, the PINs and the key table. The
//! simulator runs a profile; the host library and the CLI read elements by
//! name through it. What differs between card generations lives here, not
//! in code.
//!
//! The loader rejects a bad profile with the file, the line and the element:
//! `ssc-3.0.toml:57: DF01/EF05 tag 21: length 80 does not fit a 64-byte record`.
//!
//! ```
//! let src = r#"
//! format = 1
//! [card]
//! name = "example"
//! kind = "user"
//! spec_version = "3.00"
//! algorithm = "sm4"
//! historical_bytes = "0081"
//!
//! [[pin]]
//! name = "holder"
//! scope = "SSSE"
//! reference = "00"
//! min_length = 6
//! max_length = 6
//! tries = 3
//!
//! [[key]]
//! name = "IRK"
//! id = "08"
//! address = "0170"
//! level = "ministry"
//!
//! [[key]]
//! name = "UKSSSE"
//! id = "12"
//! address = "0094"
//! level = "province"
//!
//! [[df]]
//! path = "SSSE"
//! name = "7378312E73682EC9E7BBE1B1A3D5CF"
//!
//! [[ef]]
//! path = "SSSE/EF05"
//! fid = "EF05"
//! kind = "variable"
//! read = "free"
//! update = "key:UKSSSE"
//!
//!   [[ef.element]]
//!   tag = "07"
//!   record = 7
//!   name = "card_number"
//!   length = 9
//!   format = "an"
//! "#;
//! let profile = sscard_profile::load_str("example.toml", src)?;
//! let (ef, element) = profile.element("card_number").unwrap(); // ok: doc example, fixed input
//! assert_eq!((ef.address_name().as_str(), element.tag, element.length), ("SSSEEF05", 0x07, 9));
//! assert_eq!(profile.card.generation(), sscard_profile::Generation::V3);
//! // No [roles] table: the public names, and no PKI application.
//! assert_eq!((profile.roles.holder_pin.as_str(), profile.roles.internal_key.as_str()), ("holder", "IRK"));
//! assert!(profile.roles.pki.is_none());
//!
//! let bad = src.replace("length = 9", "length = 300");
//! let err = sscard_profile::load_str("example.toml", &bad).unwrap_err();
//! assert_eq!(err.to_string(), "example.toml:45: SSSE/EF05 tag 07: length 300 does not fit a one-byte record length");
//! # Ok::<(), sscard_profile::Error>(())
//! ```
#![forbid(unsafe_code)]

pub mod atomic;
pub mod batch;
mod display;
pub mod element_data;
pub mod error;
pub mod holder;
pub mod holder_csv;
pub mod keys;
pub mod load;
pub mod model;
mod model_ext;
mod raw;

pub use error::{Error, Result};
pub use load::{load_file, load_str};
pub use model::*;
