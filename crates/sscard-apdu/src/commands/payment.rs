//! The financial application's commands (spec 04).

use super::{fixed, marked, plain, Apdu};
use crate::error::Result;
use crate::ins::{Ins, Sensitivity};

/// GET PROCESSING OPTIONS `80 A8 00 00 Lc <83 PDOL data> 00`: the answer
/// may hold the PAN and track 2.
///
/// # Errors
/// Data over 65535 bytes.
pub fn get_processing_options(t83: &[u8]) -> Result<Apdu> {
    marked(
        Ins::GetProcessingOptions,
        Sensitivity::PersonalTlv,
        0x00,
        0x00,
        t83,
        Some(256),
    )
}

/// GET DATA `80 CA <tag 2> 00`.
pub fn get_data(tag: u16) -> Apdu {
    let [p1, p2] = tag.to_be_bytes();
    fixed(Ins::GetData, Sensitivity::Plain, p1, p2, &[], Some(256))
}

/// PUT DATA `04 DA <tag 2> Lc <value and MAC>` (an issuer script).
///
/// # Errors
/// Data over 65535 bytes.
pub fn put_data(tag: u16, script: &[u8]) -> Result<Apdu> {
    let [p1, p2] = tag.to_be_bytes();
    plain(Ins::PutData, p1, p2, script, None)
}

/// GENERATE AC `80 AE <reference control> 00 Lc <CDOL data> 00`.
///
/// # Errors
/// Data over 65535 bytes.
pub fn generate_ac(reference_control: u8, cdol_data: &[u8]) -> Result<Apdu> {
    plain(
        Ins::GenerateAc,
        reference_control,
        0x00,
        cdol_data,
        Some(256),
    )
}
