//! The byte-level vocabulary of the social security card: command and
//! response APDUs, status words, BER-TLV, the one-byte-tag records of the
//! social-security application, data object lists and the field encodings
//! (`cn`, `n`, `an` with GBK, `b`, dates, amounts).
//!
//! Everything here is pure: no I/O, no card logic, no panics on input.
//! Every parser returns a typed [`Error`] that says what is wrong and where.
//!
//! ```
//! use sscard_apdu::{Command, Response, StatusWord, field::Format, record::Record};
//!
//! // SELECT the social-security application by its DF name (spec 02 §2.1).
//! let ssse = sscard_apdu::hexfmt::parse("7378312E73682EC9E7BBE1B1A3D5CF")?;
//! let select = Command::new(0x00, 0xA4, 0x04, 0x00).with_data(ssse)?;
//! assert_eq!(select.to_string(), "00 A4 04 00 0F 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF");
//!
//! // The card answers a READ RECORD of EF05 record 3 (spec version).
//! let answer: Response = "03 04 33 2E 30 30 90 00".parse()?;
//! assert_eq!(answer.sw(), StatusWord::Success);
//! let rec = Record::parse(answer.data())?;
//! assert_eq!(Format::An.decode(&rec.value)?, "3.00");
//! # Ok::<(), sscard_apdu::Error>(())
//! ```
#![forbid(unsafe_code)]

pub mod command;
pub mod commands;
pub mod dol;
pub mod error;
pub mod field;
pub mod hexfmt;
pub mod ins;
pub mod record;
pub mod response;
pub mod status;
pub mod tlv;
pub mod tlv_view;

pub use command::{Case, Command};
pub use commands::Apdu;
pub use error::{Error, Result};
pub use ins::{Ins, Sensitivity};
pub use response::Response;
pub use status::StatusWord;
pub use tlv::{Tag, Tlv};
