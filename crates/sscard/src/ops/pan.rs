//! The financial application's PAN (`iReadICCardNum`): from the records
//! without a transaction, or — on a card that reads its records only after
//! GET PROCESSING OPTIONS (`6985`) — after a GPO; from `5A`, else from
//! track 2 (`57`).

use sscard_apdu::dol::Dol;
use sscard_apdu::tlv::Tlv;
use sscard_crypto::pboc::YearMonth;

use super::payment::{bytes_of, pdol_values, ttq, PurchaseRequest};
use super::Terminal;
use crate::error::{Error, Result};
use crate::pin::PinPad;
use crate::security::SecurityModule;
use crate::transport::Transport;
use sscard_apdu::commands;

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// The financial application's PAN (tag `5A`), read from its records
    /// without a transaction (no GPO): SFIs 1 to 10 in turn, each up to its
    /// first missing record. Digits, the `F` padding removed.
    ///
    /// # Errors
    /// Card errors; [`Error::Card`] `6A83` when no record holds a PAN.
    pub fn read_pan(&mut self) -> Result<String> {
        let (_, pdol, _) = self.select_payment()?;
        let mut search = PanSearch::default();
        for sfi in 1..=10u8 {
            for n in 1..=16u8 {
                let r = match self.sfi_record(&commands::read_payment_record(sfi, n)) {
                    Ok(Some(r)) => r,
                    Ok(None) => break,
                    // A card that reads its records only after GPO (6985).
                    Err(Error::Card {
                        sw: sscard_apdu::StatusWord::ConditionsNotSatisfied,
                        ..
                    }) => return self.read_pan_after_gpo(&pdol),
                    Err(e) => return Err(e),
                };
                if let Some(pan) = search.look(&r) {
                    return Ok(pan);
                }
            }
        }
        search.finish()
    }

    /// GET PROCESSING OPTIONS (a zero amount on an offline-only reader), then
    /// the AFL's records: the PAN from `5A`, else from track 2 (`57`), which
    /// the GPO answer may carry too.
    fn read_pan_after_gpo(&mut self, pdol: &Dol) -> Result<String> {
        let req = PurchaseRequest::cny(
            0,
            [0x26, 0x01, 0x01],
            YearMonth {
                year: 2026,
                month: 1,
            },
        );
        let un = sscard_crypto::random::bytes::<4>().map_err(|e| Error::Reader(e.to_string()))?;
        let v = pdol_values(&req, &[0; 6], 0x00, ttq(false, false), un);
        let t77 = self.gpo(pdol, &v)?;
        let inner: Vec<Tlv> = t77.iter().flat_map(|t| t.children().to_vec()).collect();
        let mut search = PanSearch::default();
        if let Some(pan) = search.look_in(&inner) {
            return Ok(pan);
        }
        for (_, _, _, r) in self.afl_records(&bytes_of(&inner, 0x94))? {
            if let Some(pan) = search.look(&r) {
                return Ok(pan);
            }
        }
        search.finish()
    }
}

/// A PAN search over records: `5A` ends it, a track 2 PAN is kept for
/// when no record has `5A`.
#[derive(Default)]
struct PanSearch {
    track2: Option<String>,
}

impl PanSearch {
    /// The PAN of `5A` in the record `r`, if any (its track 2 kept).
    fn look(&mut self, r: &[u8]) -> Option<String> {
        self.look_in(&Tlv::parse_all(r).ok()?)
    }

    /// As [`PanSearch::look`] over parsed objects.
    fn look_in(&mut self, objects: &[Tlv]) -> Option<String> {
        match pan_of(objects) {
            Some(Found::Pan(p)) => Some(p),
            Some(Found::Track2(p)) => {
                self.track2 = self.track2.take().or(Some(p));
                None
            }
            None => None,
        }
    }

    /// The track 2 PAN, else "record not found".
    fn finish(self) -> Result<String> {
        self.track2.ok_or(Error::Card {
            command: "READ RECORD (PAN)",
            sw: sscard_apdu::StatusWord::RecordNotFound,
        })
    }
}

/// Where a PAN was found.
enum Found {
    /// `5A`.
    Pan(String),
    /// Track 2 equivalent data `57`: the digits before the `D` separator.
    Track2(String),
}

/// The PAN in `list` (searched through templates): `5A`, else track 2.
fn pan_of(list: &[Tlv]) -> Option<Found> {
    let all: Vec<&Tlv> = list
        .iter()
        .flat_map(|t| std::iter::once(t).chain(t.children().iter()))
        .collect();
    let get = |tag: u32| {
        all.iter()
            .find(|t| t.tag().number() == tag)
            .and_then(|t| t.bytes())
            .map(<[u8]>::to_vec)
    };
    if let Some(p) = get(0x5A).and_then(|b| pan_digits(&b, 0xF)) {
        return Some(Found::Pan(p));
    }
    let digits = pan_digits(&get(0x57)?, 0xD)?;
    (digits.len() >= 12).then_some(Found::Track2(digits))
}

/// The digits of a BCD PAN up to the nibble `end` (`F` padding of `5A`,
/// the `D` separator of track 2) or the end; a digit masked in a trace
/// ([`crate::redact::MASKED_DIGIT`]) reads `*`, so a replayed PAN reads
/// masked. `None` for any other nibble.
fn pan_digits(bytes: &[u8], end: u8) -> Option<String> {
    let mut out = String::new();
    for n in bytes.iter().flat_map(|b| [b >> 4, b & 0x0F]) {
        match n {
            0..=9 => out.push(char::from(b'0' + n)),
            crate::redact::MASKED_DIGIT => out.push('*'),
            _ if n == end => break,
            _ => return None,
        }
    }
    Some(out)
}
