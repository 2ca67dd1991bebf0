//! One pure builder per command of the spec. Each gives an [`Apdu`]: the
//! command, its name and what in its exchange is secret or personal, so
//! that whoever sends, logs or traces it redacts by construction. Its
//! `Display` never prints a PIN or a cryptogram.
//!
//! ```
//! use sscard_apdu::commands;
//!
//! let verify = commands::verify(0x00, &[0x12, 0x34, 0x56])?;
//! assert_eq!(verify.command().to_string(), "00 20 00 00 03 12 34 56");
//! assert_eq!(verify.to_string(), "VERIFY 00 20 00 00 [3 secret bytes]");
//! # Ok::<(), sscard_apdu::Error>(())
//! ```

use core::fmt;

use crate::error::Result;
use crate::hexfmt;
use crate::ins::{Ins, Sensitivity};
use crate::Command;

/// A command ready to send: its name, the APDU and its sensitivity.
#[derive(Clone, PartialEq, Eq)]
pub struct Apdu {
    name: &'static str,
    command: Command,
    sensitivity: Sensitivity,
}

impl Apdu {
    fn new(ins: Ins, command: Command, sensitivity: Sensitivity) -> Self {
        Self {
            name: ins.name(),
            command,
            sensitivity,
        }
    }

    /// A raw command (typed by a user, read from a script or a capture):
    /// named and marked by its instruction ([`Sensitivity::of_command`]).
    pub fn raw(command: Command) -> Self {
        Self {
            name: Ins::name_of(command.cla, command.ins),
            sensitivity: Sensitivity::of_command(&command),
            command,
        }
    }

    /// The same command with another Le (`6Cxx`); name and sensitivity kept.
    ///
    /// # Errors
    /// [`crate::Error::LeOutOfRange`] outside `1..=65536`.
    pub fn with_le(&self, le: usize) -> Result<Self> {
        Ok(Self {
            command: self.command.resend_with_le(le)?,
            ..self.clone()
        })
    }

    /// The command's name (`VERIFY`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The APDU.
    pub fn command(&self) -> &Command {
        &self.command
    }

    /// What in the exchange is secret or personal.
    pub fn sensitivity(&self) -> Sensitivity {
        self.sensitivity
    }

    /// The APDU as spaced hex, secret data replaced by its length
    /// (`00 20 00 00 [3 secret bytes]`).
    pub fn redacted(&self) -> String {
        let c = &self.command;
        if self.sensitivity == Sensitivity::SecretCommand && !c.data().is_empty() {
            let header = hexfmt::to_spaced_hex(&[c.cla, c.ins, c.p1, c.p2]);
            format!("{header} [{} secret bytes]", c.data().len())
        } else {
            c.to_string()
        }
    }
}

/// Name and [`Apdu::redacted`].
impl fmt::Display for Apdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.redacted())
    }
}

/// Never the data of a secret command.
impl fmt::Debug for Apdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Which record a READ RECORD or UPDATE RECORD names (01 §1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordAt {
    /// `<n> 04`: record `n` of the current EF.
    Number(u8),
    /// `<tag> 00`: the record holding `tag`, in the current EF.
    Tag(u8),
    /// `<n> <SFI << 3 | 04>`: record `n` of the EF with short identifier `sfi`.
    Sfi {
        /// The short file identifier (1–30).
        sfi: u8,
        /// The record number.
        number: u8,
    },
}

impl RecordAt {
    fn p1_p2(self) -> (u8, u8) {
        match self {
            Self::Number(n) => (n, 0x04),
            Self::Tag(t) => (t, 0x00),
            Self::Sfi { sfi, number } => (number, (sfi << 3) | 0x04),
        }
    }
}

/// Where a READ BINARY starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryAt {
    /// An offset in the current EF (15 bits).
    Offset(u16),
    /// Offset 0 of the EF with short identifier `sfi` (P1 `80 | SFI`).
    Sfi(u8),
}

fn build(ins: Ins, p1: u8, p2: u8, data: &[u8], le: Option<usize>) -> Result<Command> {
    let mut c = Command::new(ins.cla(), ins.byte(), p1, p2);
    if !data.is_empty() {
        c = c.with_data(data.to_vec())?;
    }
    if let Some(le) = le {
        c = c.with_le(le)?;
    }
    Ok(c)
}

/// A command whose data and Le are short by construction (fixed-size
/// arguments): it cannot fail to build.
fn fixed(ins: Ins, s: Sensitivity, p1: u8, p2: u8, data: &[u8], le: Option<usize>) -> Apdu {
    Apdu::new(
        ins,
        Command::short(ins.cla(), ins.byte(), p1, p2, data, le),
        s,
    )
}

fn plain(ins: Ins, p1: u8, p2: u8, data: &[u8], le: Option<usize>) -> Result<Apdu> {
    Ok(Apdu::new(
        ins,
        build(ins, p1, p2, data, le)?,
        Sensitivity::Plain,
    ))
}

fn marked(
    ins: Ins,
    s: Sensitivity,
    p1: u8,
    p2: u8,
    data: &[u8],
    le: Option<usize>,
) -> Result<Apdu> {
    Ok(Apdu::new(ins, build(ins, p1, p2, data, le)?, s))
}

/// SELECT by DF name `00 A4 04 00 Lc <name> 00`: the answer is the FCI.
///
/// # Errors
/// A name over 255 bytes is refused by no card; over 65535 bytes, here.
pub fn select_name(df_name: &[u8]) -> Result<Apdu> {
    plain(Ins::Select, 0x04, 0x00, df_name, Some(256))
}

/// SELECT by FID under the current DF `00 A4 00 00 02 <FID>`.
pub fn select_fid(fid: u16) -> Apdu {
    fixed(
        Ins::Select,
        Sensitivity::Plain,
        0x00,
        0x00,
        &fid.to_be_bytes(),
        None,
    )
}

/// READ RECORD `00 B2 <P1> <P2> Le` of a public file (a log, the card's
/// identification record).
///
/// # Errors
/// Le outside 1–65536.
pub fn read_record(at: RecordAt, le: usize) -> Result<Apdu> {
    let (p1, p2) = at.p1_p2();
    plain(Ins::ReadRecord, p1, p2, &[], Some(le))
}

/// READ RECORD of a holder's one-byte-tag record: its value is masked.
///
/// # Errors
/// Le outside 1–65536.
pub fn read_holder_record(at: RecordAt, le: usize) -> Result<Apdu> {
    let (p1, p2) = at.p1_p2();
    marked(
        Ins::ReadRecord,
        Sensitivity::PersonalResponse,
        p1,
        p2,
        &[],
        Some(le),
    )
}

/// READ RECORD `00 B2 <n> <SFI << 3 | 04> 00` of a payment application's
/// record: the values of personal tags (PAN, track 2, name) are masked.
pub fn read_payment_record(sfi: u8, number: u8) -> Apdu {
    let (p1, p2) = RecordAt::Sfi { sfi, number }.p1_p2();
    fixed(
        Ins::ReadRecord,
        Sensitivity::PersonalTlv,
        p1,
        p2,
        &[],
        Some(256),
    )
}

fn binary_p1_p2(at: BinaryAt) -> (u8, u8) {
    match at {
        BinaryAt::Offset(off) => {
            let [hi, lo] = (off & 0x7FFF).to_be_bytes();
            (hi, lo)
        }
        BinaryAt::Sfi(sfi) => (0x80 | (sfi & 0x1F), 0x00),
    }
}

/// READ BINARY `00 B0 <offset> Le` (or P1 `80 | SFI`) of a public file.
///
/// # Errors
/// Le outside 1–65536.
pub fn read_binary(at: BinaryAt, le: usize) -> Result<Apdu> {
    let (p1, p2) = binary_p1_p2(at);
    plain(Ins::ReadBinary, p1, p2, &[], Some(le))
}

/// READ BINARY of a holder's file (a photo, a certificate): masked whole.
///
/// # Errors
/// Le outside 1–65536.
pub fn read_holder_binary(at: BinaryAt, le: usize) -> Result<Apdu> {
    let (p1, p2) = binary_p1_p2(at);
    marked(
        Ins::ReadBinary,
        Sensitivity::PersonalBinary,
        p1,
        p2,
        &[],
        Some(le),
    )
}

/// UPDATE RECORD `00 DC <n> 04 Lc <record>` of a public record.
///
/// # Errors
/// Data over 65535 bytes.
pub fn update_record(number: u8, record: &[u8]) -> Result<Apdu> {
    plain(Ins::UpdateRecord, number, 0x04, record, None)
}

/// UPDATE RECORD of a holder's record: the data is hidden.
///
/// # Errors
/// Data over 65535 bytes.
pub fn update_holder_record(number: u8, record: &[u8]) -> Result<Apdu> {
    marked(
        Ins::UpdateRecord,
        Sensitivity::SecretCommand,
        number,
        0x04,
        record,
        None,
    )
}

/// UPDATE BINARY `00 D6 <offset> Lc <chunk>` of a holder's file: the
/// data is hidden.
///
/// # Errors
/// Data over 65535 bytes.
pub fn update_holder_binary(offset: u16, chunk: &[u8]) -> Result<Apdu> {
    let [hi, lo] = (offset & 0x7FFF).to_be_bytes();
    marked(
        Ins::UpdateBinary,
        Sensitivity::SecretCommand,
        hi,
        lo,
        chunk,
        None,
    )
}

/// VERIFY `00 20 00 <reference> Lc <PIN block>`: the block is hidden.
///
/// # Errors
/// A block over 65535 bytes.
pub fn verify(reference: u8, pin_block: &[u8]) -> Result<Apdu> {
    marked(
        Ins::Verify,
        Sensitivity::SecretCommand,
        0x00,
        reference,
        pin_block,
        None,
    )
}

/// The header of VERIFY, for a PIN pad that fills in the PIN itself
/// (PC/SC part 10 `VERIFY_PIN_DIRECT`).
pub fn verify_header(reference: u8) -> [u8; 4] {
    [Ins::Verify.cla(), Ins::Verify.byte(), 0x00, reference]
}

/// CHANGE PIN `80 5E 01 00 Lc <old> FF <new>` (PBOC): hidden.
///
/// # Errors
/// PIN blocks over 65534 bytes together.
pub fn change_pin(old: &[u8], new: &[u8]) -> Result<Apdu> {
    let data = zeroize::Zeroizing::new([old, &[0xFF], new].concat());
    marked(
        Ins::ChangePin,
        Sensitivity::SecretCommand,
        0x01,
        0x00,
        &data,
        None,
    )
}

/// The header of CHANGE PIN and the separator between the PINs, for a PIN
/// pad (`MODIFY_PIN_DIRECT`).
pub fn change_pin_header() -> ([u8; 4], u8) {
    (
        [Ins::ChangePin.cla(), Ins::ChangePin.byte(), 0x01, 0x00],
        0xFF,
    )
}

/// The five header bytes of RELOAD PIN `84 5E 00 00 Lc` for an encrypted
/// block of `block_len` bytes and a 4-byte MAC: the MAC's input starts
/// with them (02 §2.3).
pub fn reload_pin_header(block_len: usize) -> [u8; 5] {
    [
        Ins::ReloadPin.cla(),
        Ins::ReloadPin.byte(),
        0x00,
        0x00,
        (block_len + 4).min(255) as u8,
    ]
}

/// The five header bytes of UNBLOCK PIN `84 24 00 00 04`.
pub fn unblock_pin_header() -> [u8; 5] {
    [
        Ins::UnblockPin.cla(),
        Ins::UnblockPin.byte(),
        0x00,
        0x00,
        0x04,
    ]
}

/// The secure-messaging command a header of [`reload_pin_header`] or
/// [`unblock_pin_header`] begins, with its data (cryptogram and MAC):
/// hidden. `None` for another header.
///
/// # Errors
/// Data over 65535 bytes.
pub fn pin_sm(header: [u8; 5], data: &[u8]) -> Option<Result<Apdu>> {
    let [cla, ins, p1, p2, _] = header;
    let which = match Ins::of(cla, ins) {
        Some(i @ (Ins::ReloadPin | Ins::UnblockPin)) => i,
        _ => return None,
    };
    Some(marked(
        which,
        Sensitivity::SecretCommand,
        p1,
        p2,
        data,
        None,
    ))
}

/// GET CHALLENGE `00 84 00 00 08`.
pub fn get_challenge() -> Apdu {
    fixed(
        Ins::GetChallenge,
        Sensitivity::Plain,
        0x00,
        0x00,
        &[],
        Some(8),
    )
}

/// INTERNAL AUTHENTICATE `00 88 00 <key id> 10 <R1> <R2> 08` (02 §2.1).
pub fn internal_authenticate(key_id: u8, r1: &[u8; 8], r2: &[u8; 8]) -> Apdu {
    let d = [&r1[..], &r2[..]].concat();
    fixed(
        Ins::InternalAuthenticate,
        Sensitivity::Plain,
        0x00,
        key_id,
        &d,
        Some(8),
    )
}

/// EXTERNAL AUTHENTICATE `00 82 00 <key id> 10 <auth data> <R2>`.
pub fn external_authenticate(key_id: u8, auth: &[u8; 8], r2: &[u8; 8]) -> Apdu {
    let d = [&auth[..], &r2[..]].concat();
    fixed(
        Ins::ExternalAuthenticate,
        Sensitivity::Plain,
        0x00,
        key_id,
        &d,
        None,
    )
}

/// EXTERNAL AUTHENTICATE with data a key server gave (auth data and source).
///
/// # Errors
/// Data over 65535 bytes.
pub fn external_authenticate_with(key_id: u8, data: &[u8]) -> Result<Apdu> {
    plain(Ins::ExternalAuthenticate, 0x00, key_id, data, None)
}

/// END PERSONALISATION `80 E6 00 00` [design].
pub fn end_personalisation() -> Apdu {
    Apdu::new(
        Ins::EndPersonalisation,
        Command::new(0x80, 0xE6, 0x00, 0x00),
        Sensitivity::Plain,
    )
}

/// GET RESPONSE `00 C0 00 00 <Le>` for the rest of `of`'s answer; it
/// keeps `of`'s sensitivity.
///
/// # Errors
/// Le outside 1–65536.
pub fn get_response(of: &Apdu, le: usize) -> Result<Apdu> {
    marked(Ins::GetResponse, of.sensitivity, 0x00, 0x00, &[], Some(le))
}

mod payment;
mod pki;
mod psam;
mod purse;

pub use payment::*;
pub use pki::*;
pub use psam::*;
pub use purse::*;

#[cfg(test)]
mod tests;
