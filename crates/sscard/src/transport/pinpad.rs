//! An emulated PC/SC part 10 PIN pad reader, for tests, CI and the
//! simulator: it announces `VERIFY_PIN_DIRECT` and `MODIFY_PIN_DIRECT`,
//! parses the structure it is sent byte by byte as a CCID reader does
//! (`bmFormatString`, `bmPINBlockString`, offsets, digit limits,
//! confirmation), takes the keys its keypad script holds, builds the APDU
//! and sends it to the card behind it. What it answers by itself is what
//! readers answer: `6400` timeout, `6401` cancelled, `6402` the two new
//! PINs differ, `6403` a PIN outside the digit limits.

use std::collections::VecDeque;

use zeroize::Zeroizing;

use super::part10::{FEATURE_MODIFY_PIN_DIRECT, FEATURE_VERIFY_PIN_DIRECT};
use super::Transport;
use crate::error::{Error, Result};

/// One entry on the keypad.
#[derive(Clone)]
pub enum Keys {
    /// Digits, then OK.
    Digits(Zeroizing<String>),
    /// The cancel key.
    Cancel,
    /// Nothing until the timeout.
    Timeout,
}

impl Keys {
    /// Digits typed then OK.
    pub fn digits(d: &str) -> Self {
        Self::Digits(Zeroizing::new(d.to_owned()))
    }
}

/// Control codes the emulated reader announces (any values do; these
/// follow libccid's `SCARD_CTL_CODE(3500 + tag)` on Linux).
const fn code(feature: u8) -> u32 {
    0x4200_0000 + 3500 + feature as u32
}

/// The reader, over the card transport `T`.
pub struct PinPadReader<T: Transport> {
    inner: T,
    keypad: VecDeque<Keys>,
    /// The APDUs the reader built (PINs included), for tests to check.
    pub built: Vec<Zeroizing<Vec<u8>>>,
}

fn sw(v: u16) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

fn field(s: &[u8], at: usize) -> Result<u8> {
    s.get(at)
        .copied()
        .ok_or_else(|| Error::BadArgument(format!("PIN structure of {} bytes", s.len())))
}

/// The parts of a structure that shape the PIN block.
struct Format {
    min: usize,
    max: usize,
    block: usize,
}

impl<T: Transport> PinPadReader<T> {
    /// A reader over `inner` whose keypad will type `keys`, in order.
    pub fn new(inner: T, keys: impl IntoIterator<Item = Keys>) -> Self {
        Self {
            inner,
            keypad: keys.into_iter().collect(),
            built: Vec::new(),
        }
    }

    /// Queues more keypad entries.
    pub fn type_keys(&mut self, keys: impl IntoIterator<Item = Keys>) {
        self.keypad.extend(keys);
    }

    /// The transport behind the reader.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Checks the format bytes this reader supports: byte offsets, frame
    /// offset 0, left justified, BCD, no length field.
    fn format(s: &[u8], format: usize, block: usize, digits: usize) -> Result<Format> {
        let f = field(s, format)?;
        let b = field(s, block)?;
        if f != 0x81 || b & 0xF0 != 0 || field(s, format + 2)? != 0 {
            return Err(Error::NotSupported(format!(
                "PIN pad format {f:02X} block {b:02X}: this reader does BCD, left justified, no length field"
            )));
        }
        Ok(Format {
            max: usize::from(field(s, digits)?),
            min: usize::from(field(s, digits + 1)?),
            block: usize::from(b & 0x0F),
        })
    }

    /// The next entry as a PIN block, or the reader's own status word.
    fn entry(&mut self, f: &Format) -> core::result::Result<Zeroizing<Vec<u8>>, u16> {
        let d = match self.keypad.pop_front() {
            Some(Keys::Digits(d)) => d,
            Some(Keys::Cancel) => return Err(0x6401),
            Some(Keys::Timeout) | None => return Err(0x6400),
        };
        if d.len() < f.min || d.len() > f.max || !d.bytes().all(|b| b.is_ascii_digit()) {
            return Err(0x6403);
        }
        let n = if f.block == 0 {
            d.len().div_ceil(2)
        } else {
            f.block
        };
        let mut block = Zeroizing::new(vec![0xFFu8; n]);
        for (i, c) in d.bytes().enumerate() {
            let v = c - b'0';
            let byte = block.get_mut(i / 2).ok_or(0x6403u16)?;
            *byte = if i % 2 == 0 {
                (v << 4) | 0x0F
            } else {
                (*byte & 0xF0) | v
            };
        }
        Ok(block)
    }

    /// Header, Lc recomputed, body.
    fn send(&mut self, header: &[u8], body: &[u8]) -> Result<Vec<u8>> {
        let lc = u8::try_from(body.len())
            .map_err(|_| Error::BadArgument("PIN APDU body over 255 bytes".into()))?;
        let apdu = Zeroizing::new([header, &[lc], body].concat());
        self.built.push(apdu.clone());
        self.inner.transmit(&apdu)
    }

    /// `PIN_VERIFY_STRUCTURE`: offsets 2 format, 3 block, 5–6 digits,
    /// 15–18 data length, 19… the APDU.
    fn verify(&mut self, s: &[u8]) -> Result<Vec<u8>> {
        let f = Self::format(s, 2, 3, 5)?;
        let apdu = s.get(19..).unwrap_or_default();
        let (Some(header), Some(template)) = (apdu.get(..4), apdu.get(5..)) else {
            return Err(Error::BadArgument(
                "PIN_VERIFY_STRUCTURE without an APDU".into(),
            ));
        };
        let pin = match self.entry(&f) {
            Ok(p) => p,
            Err(s) => return Ok(sw(s)),
        };
        // The PIN frame at offset 0 replaces the template's placeholder
        // block (a fixed block size) or goes before it (block size 0).
        let keep = if f.block == 0 {
            0
        } else {
            f.block.min(template.len())
        };
        let body = Zeroizing::new([&pin[..], &template[keep..]].concat());
        self.send(header, &body)
    }

    /// `PIN_MODIFY_STRUCTURE`: 2 format, 3 block, 5 old offset, 6 new
    /// offset, 7–8 digits, 9 confirm, 20–23 data length, 24… the APDU.
    /// With a block size of 0 each block is inserted at its template offset
    /// and the template's later bytes move right.
    fn modify(&mut self, s: &[u8]) -> Result<Vec<u8>> {
        let f = Self::format(s, 2, 3, 7)?;
        let (old_at, new_at) = (usize::from(field(s, 5)?), usize::from(field(s, 6)?));
        let confirm = field(s, 9)? & 0x01 != 0;
        let apdu = s.get(24..).unwrap_or_default();
        let (Some(header), Some(template)) = (apdu.get(..4), apdu.get(5..)) else {
            return Err(Error::BadArgument(
                "PIN_MODIFY_STRUCTURE without an APDU".into(),
            ));
        };
        if old_at > new_at || new_at > template.len() {
            return Err(Error::BadArgument("PIN_MODIFY_STRUCTURE offsets".into()));
        }
        let old = match self.entry(&f) {
            Ok(p) => p,
            Err(s) => return Ok(sw(s)),
        };
        let new = match self.entry(&f) {
            Ok(p) => p,
            Err(s) => return Ok(sw(s)),
        };
        if confirm {
            match self.entry(&f) {
                Ok(again) if again == new => {}
                Ok(_) => return Ok(sw(0x6402)),
                Err(s) => return Ok(sw(s)),
            }
        }
        let mut body = Zeroizing::new(Vec::new());
        body.extend_from_slice(&template[..old_at]);
        body.extend_from_slice(&old);
        body.extend_from_slice(&template[old_at..new_at]);
        body.extend_from_slice(&new);
        body.extend_from_slice(&template[new_at..]);
        self.send(header, &body)
    }
}

impl<T: Transport> Transport for PinPadReader<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>> {
        self.inner.transmit(apdu)
    }
    fn reset(&mut self) -> Result<Vec<u8>> {
        self.inner.reset()
    }
    fn atr(&self) -> Vec<u8> {
        self.inner.atr()
    }
    fn name(&self) -> String {
        format!("PIN pad reader ({})", self.inner.name())
    }
    fn features(&mut self) -> Vec<(u8, u32)> {
        [FEATURE_VERIFY_PIN_DIRECT, FEATURE_MODIFY_PIN_DIRECT]
            .into_iter()
            .map(|f| (f, code(f)))
            .collect()
    }
    fn control(&mut self, code_: u32, input: &[u8]) -> Result<Vec<u8>> {
        match code_ {
            c if c == code(FEATURE_VERIFY_PIN_DIRECT) => self.verify(input),
            c if c == code(FEATURE_MODIFY_PIN_DIRECT) => self.modify(input),
            other => Err(super::part10::unsupported(other)),
        }
    }
}
