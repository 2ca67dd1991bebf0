//! Command APDUs: ISO/IEC 7816-4 cases 1–4, short and extended length.

use core::fmt;
use core::str::FromStr;

use zeroize::Zeroize;

use crate::error::{Error, Result};
use crate::hexfmt;

/// Largest Le of a short APDU (encoded `00`).
pub const SHORT_LE_MAX: usize = 256;
/// Largest Le of an extended APDU (encoded `00 00`).
pub const EXTENDED_LE_MAX: usize = 65_536;
/// Largest data field of a short APDU.
pub const SHORT_DATA_MAX: usize = 255;
/// Largest data field of an extended APDU.
pub const EXTENDED_DATA_MAX: usize = 65_535;

/// The four ISO/IEC 7816-4 command cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Header only.
    One,
    /// Header and Le.
    Two,
    /// Header, Lc and data.
    Three,
    /// Header, Lc, data and Le.
    Four,
}

/// A command APDU. The data field is wiped from memory when the command is
/// dropped, because it may hold a PIN or a cryptogram.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    data: Vec<u8>,
    le: Option<usize>,
}

impl Command {
    /// A case 1 command (header only).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
        }
    }

    /// A command whose data (at most 255 bytes) and Le (1–256) its
    /// builder fixed ([`crate::commands`]); out-of-range values are clamped
    /// rather than refused, which no builder relies on.
    pub(crate) fn short(cla: u8, ins: u8, p1: u8, p2: u8, data: &[u8], le: Option<usize>) -> Self {
        let mut data = data.to_vec();
        data.truncate(SHORT_DATA_MAX);
        Self {
            cla,
            ins,
            p1,
            p2,
            data,
            le: le.map(|n| n.clamp(1, SHORT_LE_MAX)),
        }
    }

    /// Adds a data field (case 3, or case 4 with [`Command::with_le`]).
    ///
    /// # Errors
    /// [`Error::DataTooLong`] above 65535 bytes.
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Result<Self> {
        let data = data.into();
        if data.len() > EXTENDED_DATA_MAX {
            return Err(Error::DataTooLong { len: data.len() });
        }
        self.data.zeroize();
        self.data = data;
        Ok(self)
    }

    /// Adds an expected response length. Le 256 is the short `00`, Le 65536
    /// the extended `00 00`.
    ///
    /// # Errors
    /// [`Error::LeOutOfRange`] outside `1..=65536`.
    pub fn with_le(mut self, le: usize) -> Result<Self> {
        if le == 0 || le > EXTENDED_LE_MAX {
            return Err(Error::LeOutOfRange { le });
        }
        self.le = Some(le);
        Ok(self)
    }

    /// The data field.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The expected response length, if any.
    pub fn le(&self) -> Option<usize> {
        self.le
    }

    /// Which ISO/IEC 7816-4 case this command is.
    pub fn case(&self) -> Case {
        match (self.data.is_empty(), self.le.is_some()) {
            (true, false) => Case::One,
            (true, true) => Case::Two,
            (false, false) => Case::Three,
            (false, true) => Case::Four,
        }
    }

    /// `true` when the command needs extended length fields.
    pub fn is_extended(&self) -> bool {
        self.data.len() > SHORT_DATA_MAX || self.le.is_some_and(|le| le > SHORT_LE_MAX)
    }

    /// The same command with another Le (as a `6Cxx` answer asks).
    ///
    /// # Errors
    /// [`Error::LeOutOfRange`] outside `1..=65536`.
    pub fn resend_with_le(&self, le: usize) -> Result<Self> {
        self.clone().with_le(le)
    }

    /// The encoded APDU; short form when everything fits, extended otherwise.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        let extended = self.is_extended();
        if !self.data.is_empty() {
            let lc = self.data.len();
            if extended {
                out.push(0);
                out.extend_from_slice(&(lc as u16).to_be_bytes());
            } else {
                out.push(lc as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            if extended {
                if self.data.is_empty() {
                    out.push(0);
                }
                // 65536 wraps to 00 00 as the standard wants.
                out.extend_from_slice(&((le % EXTENDED_LE_MAX) as u16).to_be_bytes());
            } else {
                out.push((le % SHORT_LE_MAX) as u8);
            }
        }
        out
    }

    /// Length of [`Command::to_bytes`].
    pub fn encoded_len(&self) -> usize {
        let ext = self.is_extended();
        let lc = match (self.data.len(), ext) {
            (0, _) => 0,
            (_, false) => 1,
            (_, true) => 3,
        };
        let le = match (self.le, ext, self.data.is_empty()) {
            (None, _, _) => 0,
            (Some(_), false, _) => 1,
            (Some(_), true, true) => 3,
            (Some(_), true, false) => 2,
        };
        4 + lc + self.data.len() + le
    }

    /// Parses a command APDU, deciding the case from the length as
    /// ISO/IEC 7816-3 §12.1.3 does.
    ///
    /// # Errors
    /// [`Error::CommandTooShort`] below 4 bytes, [`Error::CommandLength`]
    /// when the length bytes disagree with the total.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let [cla, ins, p1, p2, body @ ..] = bytes else {
            return Err(Error::CommandTooShort { len: bytes.len() });
        };
        let mut cmd = Command::new(*cla, *ins, *p1, *p2);
        let len = bytes.len();
        let bad = |reason| Error::CommandLength { len, reason };
        match body {
            [] => {}
            [le] => cmd.le = Some(short_le(*le)),
            [0, rest @ ..] if rest.len() >= 2 => {
                // Extended: `00` then Lc (2) or Le (2).
                let n = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
                let after = &rest[2..];
                if after.is_empty() {
                    cmd.le = Some(extended_le(n));
                } else if n == 0 {
                    return Err(bad("extended Lc of 0"));
                } else if after.len() == n {
                    cmd.data = after.to_vec();
                } else if after.len() == n + 2 {
                    cmd.data = after[..n].to_vec();
                    cmd.le = Some(extended_le(usize::from(u16::from_be_bytes([
                        after[n],
                        after[n + 1],
                    ]))));
                } else {
                    return Err(bad("extended Lc disagrees with the data length"));
                }
            }
            [0, ..] => {
                return Err(bad(
                    "a 00 Lc byte starts an extended field, which is cut short",
                ))
            }
            [lc, rest @ ..] => {
                let n = usize::from(*lc);
                if rest.len() == n {
                    cmd.data = rest.to_vec();
                } else if rest.len() == n + 1 {
                    cmd.data = rest[..n].to_vec();
                    cmd.le = Some(short_le(rest[n]));
                } else {
                    return Err(bad("short Lc disagrees with the data length"));
                }
            }
        }
        Ok(cmd)
    }
}

fn short_le(b: u8) -> usize {
    if b == 0 {
        SHORT_LE_MAX
    } else {
        usize::from(b)
    }
}

fn extended_le(n: usize) -> usize {
    if n == 0 {
        EXTENDED_LE_MAX
    } else {
        n
    }
}

impl Drop for Command {
    fn drop(&mut self) {
        self.data.zeroize();
    }
}

impl fmt::Display for Command {
    /// Spaced upper-case hex of the encoded APDU: `00 A4 04 00 0F 73 78 …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        hexfmt::spaced(f, &self.to_bytes())
    }
}

impl fmt::Debug for Command {
    /// The header and lengths, never the data (it may hold a PIN).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Command {{ {:02X} {:02X} {:02X} {:02X}, data: {} bytes, le: {:?} }}",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.le
        )
    }
}

impl FromStr for Command {
    type Err = Error;

    /// Hex text with optional spaces: `"00 A4 04 00 0E 32 50 41 59 …"`.
    fn from_str(s: &str) -> Result<Self> {
        Self::from_bytes(&hexfmt::parse(s)?)
    }
}

impl TryFrom<&[u8]> for Command {
    type Error = Error;
    fn try_from(bytes: &[u8]) -> Result<Self> {
        Self::from_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_short() -> Result<()> {
        let c1 = Command::new(0x00, 0x84, 0, 0);
        assert_eq!(c1.to_bytes(), [0, 0x84, 0, 0]);
        let c2 = Command::new(0x00, 0x84, 0, 0).with_le(8)?;
        assert_eq!(c2.to_bytes(), [0, 0x84, 0, 0, 8]);
        assert_eq!(c2.case(), Case::Two);
        let c2_256 = Command::new(0x00, 0xB0, 0, 0).with_le(256)?;
        assert_eq!(c2_256.to_bytes(), [0, 0xB0, 0, 0, 0]);
        assert_eq!(Command::from_bytes(&c2_256.to_bytes())?.le(), Some(256));
        let c4 = Command::new(0x80, 0xA8, 0, 0)
            .with_data([0x83, 0x00])?
            .with_le(256)?;
        assert_eq!(c4.to_bytes(), [0x80, 0xA8, 0, 0, 2, 0x83, 0, 0]);
        assert_eq!(Command::from_bytes(&c4.to_bytes())?, c4);
        Ok(())
    }

    #[test]
    fn cases_extended() -> Result<()> {
        let data = vec![0xAB; 300];
        let c3 = Command::new(0, 0xD6, 0, 0).with_data(data.clone())?;
        let b = c3.to_bytes();
        assert_eq!(&b[4..7], &[0, 0x01, 0x2C]);
        assert_eq!(b.len(), 7 + 300);
        assert_eq!(Command::from_bytes(&b)?, c3);
        let c4 = c3.clone().with_le(65_536)?;
        let b = c4.to_bytes();
        assert_eq!(&b[b.len() - 2..], &[0, 0]);
        assert_eq!(Command::from_bytes(&b)?, c4);
        let c2 = Command::new(0, 0xB0, 0, 0).with_le(1000)?;
        assert_eq!(c2.to_bytes(), [0, 0xB0, 0, 0, 0, 0x03, 0xE8]);
        assert_eq!(Command::from_bytes(&c2.to_bytes())?, c2);
        Ok(())
    }

    #[test]
    fn bad_lengths_are_errors() {
        assert_eq!(
            Command::from_bytes(&[0, 0xA4, 4]),
            Err(Error::CommandTooShort { len: 3 })
        );
        assert!(matches!(
            Command::from_bytes(&[0, 0xA4, 4, 0, 3, 1, 2]),
            Err(Error::CommandLength { len: 7, .. })
        ));
        assert!(matches!(
            Command::from_bytes(&[0, 0xA4, 4, 0, 0, 0]),
            Err(Error::CommandLength { .. })
        ));
        assert!(Command::new(0, 0, 0, 0).with_le(0).is_err());
        assert!(Command::new(0, 0, 0, 0).with_data(vec![0; 65_536]).is_err());
    }

    #[test]
    fn debug_hides_data() -> Result<()> {
        let pin = Command::new(0, 0x20, 0, 0).with_data([0x12, 0x34, 0x56])?;
        assert!(!format!("{pin:?}").contains("12"));
        Ok(())
    }
}
