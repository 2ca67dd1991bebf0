//! Contactless purchase, terminal side (qPBOC, spec 04): PPSE, AID, GPO
//! with the PDOL built from the terminal's data, AFL records, SM2 fDDA
//! through CA → issuer → ICC → dynamic data, then approve, decline or go
//! online; electronic cash balance, limits and log.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use sscard_apdu::dol::Dol;
use sscard_apdu::field::{n_decode_u64, n_encode_u64};
use sscard_apdu::tlv::{self, find_path, Tlv};
use sscard_crypto::pboc::{
    terminal_dynamic_data, IccCert, IssuerCert, SignedDynamicData, YearMonth,
};
use sscard_crypto::PublicKey;

use super::Terminal;
use crate::error::{Error, Result};
use crate::pin::PinPad;
use crate::security::SecurityModule;
use crate::transport::Transport;
use sscard_apdu::commands::{self, RecordAt};
use sscard_apdu::Apdu;

/// PPSE name, `2PAY.SYS.DDF01`.
pub const PPSE: &[u8] = b"2PAY.SYS.DDF01";

/// A CA public key of the terminal's list.
#[derive(Debug, Clone)]
pub struct CaKey {
    /// RID.
    pub rid: Vec<u8>,
    /// Index (`8F`).
    pub index: u8,
    /// The SM2 key.
    pub key: PublicKey,
}

#[derive(Deserialize)]
struct RawList {
    ca: Vec<RawCa>,
}

#[derive(Deserialize)]
struct RawCa {
    rid: String,
    index: String,
    key: String,
    #[allow(dead_code)]
    expiry: Option<String>,
}

/// Loads a CA key list (`fixtures/ca/pboc-ca-keys.toml`).
///
/// # Errors
/// [`Error::BadArgument`] for an unreadable or malformed list.
pub fn load_ca_keys(path: &Path) -> Result<Vec<CaKey>> {
    let bad = |why: String| Error::BadArgument(format!("CA key list {}: {why}", path.display()));
    let text =
        std::fs::read_to_string(path).map_err(|e| bad(sscard_profile::error::io_reason(&e)))?;
    let raw: RawList = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
    raw.ca
        .into_iter()
        .map(|c| {
            let rid = hex::decode(&c.rid).map_err(|e| bad(e.to_string()))?;
            let index = hex::decode(&c.index)
                .ok()
                .and_then(|b| b.first().copied())
                .ok_or_else(|| bad("bad index".into()))?;
            let key = hex::decode(&c.key)
                .ok()
                .and_then(|k| PublicKey::from_xy(&k).ok())
                .ok_or_else(|| bad("bad key".into()))?;
            Ok(CaKey { rid, index, key })
        })
        .collect()
}

/// One electronic cash log record: (tag, value) per field of the log format.
pub type LogRecord = Vec<(u32, Vec<u8>)>;

/// The terminal's side of a purchase.
#[derive(Debug, Clone)]
pub struct PurchaseRequest {
    /// Amount, fen.
    pub amount: u32,
    /// Currency (`5F2A`), e.g. `0156`.
    pub currency: [u8; 2],
    /// Country (`9F1A`).
    pub country: [u8; 2],
    /// Date YYMMDD BCD (`9A`).
    pub date: [u8; 3],
    /// Unpredictable number (`9F37`); random when `None`.
    pub unpredictable_number: Option<[u8; 4]>,
    /// Today, for certificate expiry.
    pub today: YearMonth,
    /// Whether this terminal can go online: the TTQ says so truly (an
    /// offline-only reader gets a decline, not an ARQC it cannot send).
    pub online_capable: bool,
}

impl PurchaseRequest {
    /// A purchase in yuan (currency and country `0156`) on `date` (YYMMDD
    /// BCD), certificates checked against `today`, a random unpredictable number.
    pub fn cny(amount: u32, date: [u8; 3], today: YearMonth) -> Self {
        Self {
            amount,
            currency: [0x01, 0x56],
            country: [0x01, 0x56],
            date,
            unpredictable_number: None,
            today,
            online_capable: false,
        }
    }

    /// The same purchase on a terminal that can go online.
    #[must_use]
    pub fn online(mut self) -> Self {
        self.online_capable = true;
        self
    }
}

/// The terminal transaction qualifiers (`9F66`) of this terminal: byte 1
/// b6 qPBOC supported, b4 offline-only reader (unless `online_capable`);
/// byte 2 b8 online cryptogram required (`online_required`).
pub fn ttq(online_capable: bool, online_required: bool) -> [u8; 4] {
    [
        0x20 | if online_capable { 0x00 } else { 0x08 },
        if online_required { 0x80 } else { 0x00 },
        0x00,
        0x00,
    ]
}

/// The PDOL values a terminal sends (04 §4.1) for `amount` of transaction
/// type `tx_type` with unpredictable number `un`.
pub(crate) fn pdol_values(
    req: &PurchaseRequest,
    amount: &[u8],
    tx_type: u8,
    ttq: [u8; 4],
    un: [u8; 4],
) -> BTreeMap<u32, Vec<u8>> {
    let mut v = BTreeMap::new();
    v.insert(0x9F66, ttq.to_vec());
    v.insert(0x9F02, amount.to_vec());
    v.insert(0x9F03, vec![0; 6]);
    v.insert(0x9F1A, req.country.to_vec());
    v.insert(0x95, vec![0; 5]);
    v.insert(0x5F2A, req.currency.to_vec());
    v.insert(0x9A, req.date.to_vec());
    v.insert(0x9C, vec![tx_type]);
    v.insert(0x9F37, un.to_vec());
    v.insert(0xDF60, vec![0x00]);
    v.insert(0xDF69, vec![0x01]);
    v
}

/// What the card decided and what the terminal checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Offline approved, fDDA verified.
    Approved,
    /// The card asks to go online (ARQC).
    Online,
    /// Declined (AAC).
    Declined,
}

impl core::fmt::Display for Outcome {
    /// `approved offline`, `online requested`, `declined`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Approved => "approved offline",
            Self::Online => "online requested (ARQC)",
            Self::Declined => "declined (AAC)",
        })
    }
}

impl Outcome {
    /// A stable word for JSON: `approved`, `online`, `declined`.
    pub fn word(&self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Online => "online",
            Self::Declined => "declined",
        }
    }
}

/// A purchase's result, step by step.
#[derive(Debug, Clone)]
pub struct Purchase {
    /// The outcome.
    pub outcome: Outcome,
    /// Application transaction counter.
    pub atc: u16,
    /// The application cryptogram (`9F26`).
    pub cryptogram: Vec<u8>,
    /// Available offline amount after the purchase (`9F5D`), fen.
    pub available: Option<u32>,
    /// The fDDA steps that passed, in order (for display).
    pub steps: Vec<String>,
}

/// A record the AFL names: (SFI, record number, whether static data
/// authentication covers it, the record's bytes as read).
pub(crate) type AflRecord = (u8, u8, bool, Vec<u8>);

pub(crate) fn bytes_of(list: &[Tlv], tag: u32) -> Vec<u8> {
    tlv::find_tag(list, tag)
        .and_then(Tlv::bytes)
        .unwrap_or(&[])
        .to_vec()
}

/// What a signed record adds to the static data (04 §4.3, EMV Book 3
/// §10.3), from the bytes as read, never re-encoded: for SFI 1–10 the value
/// of the `70` template (a signed record that is not one fails offline
/// authentication), for SFI 11–30 the whole record.
fn signed_bytes(sfi: u8, rec: &[u8]) -> Result<&[u8]> {
    if sfi > 10 {
        return Ok(rec);
    }
    match sscard_apdu::tlv_view::iter(rec).next() {
        Some(Ok(v)) if v.tag().number() == 0x70 => Ok(v.value()),
        _ => Err(not_genuine(format!(
            "a signed record of SFI {sfi} is not a 70 template"
        ))),
    }
}

pub(crate) fn malformed(command: &'static str, reason: impl Into<String>) -> Error {
    Error::Malformed {
        command,
        reason: reason.into(),
    }
}

fn not_genuine(step: String) -> Error {
    Error::NotGenuine { step }
}

/// The cryptogram information (`9F27`'s bits 8-7: `40` TC, `80` ARQC, `00`
/// AAC) of a GPO answer: from `9F27` when the card sends it, else from the
/// issuer application data `9F10` (PBOC: CVR byte 1, bits 6-5), else `40`
/// when the card signed dynamic data (`9F4B`), else AAC (04 §4.4).
fn cryptogram_type(gpo: &[Tlv]) -> u8 {
    if let Some(cid) = bytes_of(gpo, 0x9F27).first() {
        return *cid;
    }
    let iad = bytes_of(gpo, 0x9F10);
    match iad.as_slice() {
        [0x07, _, _, 0x03, cvr1, ..] => match (cvr1 >> 4) & 0x03 {
            0x01 => 0x40,
            0x02 => 0x80,
            _ => 0x00,
        },
        _ if !bytes_of(gpo, 0x9F4B).is_empty() => 0x40,
        _ => 0x00,
    }
}

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// PPSE, then the application: its AID, PDOL and log entry (`9F4D`).
    /// GET PROCESSING OPTIONS with the PDOL data of `values`: the answer's
    /// objects (template `77`, or format 1 `80`).
    pub(crate) fn gpo(&mut self, pdol: &Dol, values: &BTreeMap<u32, Vec<u8>>) -> Result<Vec<Tlv>> {
        let t83 = Tlv::primitive(0x83, pdol.build(values))
            .map_err(|e| Error::BadArgument(e.to_string()))?
            .to_bytes();
        let gpo = self
            .card
            .command(&commands::get_processing_options(&t83)?)?;
        Tlv::parse_all(&gpo).map_err(|e| malformed("GET PROCESSING OPTIONS", e.to_string()))
    }

    /// READ RECORD for every record the AFL names, in AFL order.
    pub(crate) fn afl_records(&mut self, afl: &[u8]) -> Result<Vec<AflRecord>> {
        let mut out = Vec::new();
        for e in afl.chunks(4) {
            let [sfi_byte, first, last, signed] = <[u8; 4]>::try_from(e)
                .map_err(|_| malformed("GPO", "AFL is not a multiple of 4"))?;
            for n in first..=last {
                let rec = self
                    .card
                    .command(&commands::read_payment_record(sfi_byte >> 3, n))?;
                out.push((sfi_byte >> 3, n, n < first.saturating_add(signed), rec));
            }
        }
        Ok(out)
    }

    pub(crate) fn select_payment(&mut self) -> Result<(Vec<u8>, Dol, Vec<u8>)> {
        // Selecting another application leaves SSSE: its PIN and keys no
        // longer stand on the card (02 §2.2).
        self.state.leave_application();
        let ppse = Tlv::parse_all(&self.card.select_name(PPSE)?)
            .map_err(|e| malformed("SELECT PPSE", e.to_string()))?;
        let aid = find_path(&ppse, &[0x6F, 0xA5, 0xBF0C, 0x61, 0x4F])
            .and_then(Tlv::bytes)
            .ok_or_else(|| malformed("SELECT PPSE", "no application in the directory"))?
            .to_vec();
        let fci = Tlv::parse_all(&self.card.select_name(&aid)?)
            .map_err(|e| malformed("SELECT AID", e.to_string()))?;
        let pdol = find_path(&fci, &[0x6F, 0xA5, 0x9F38])
            .and_then(Tlv::bytes)
            .map(Dol::parse)
            .transpose()
            .map_err(|e| malformed("SELECT AID", e.to_string()))?
            .unwrap_or_default();
        if !pdol.contains(0xDF69) {
            return Err(Error::NotSupported(
                "the card's PDOL lacks DF69: not an SM card".into(),
            ));
        }
        let log_entry = bytes_of(&fci, 0x9F4D);
        Ok((aid, pdol, log_entry))
    }

    /// A contactless purchase: GPO, records, SM2 fDDA, the card's decision.
    ///
    /// # Errors
    /// [`Error::NotGenuine`] naming the fDDA step that failed; card errors.
    pub fn purchase(&mut self, req: &PurchaseRequest, ca_keys: &[CaKey]) -> Result<Purchase> {
        let (aid, pdol, _) = self.select_payment()?;
        let un = match req.unpredictable_number {
            Some(u) => u,
            None => {
                sscard_crypto::random::bytes::<4>().map_err(|e| Error::Reader(e.to_string()))?
            }
        };
        let amount = n_encode_u64(u64::from(req.amount), 6)
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
        let v = pdol_values(req, &amount, 0x00, ttq(req.online_capable, false), un);
        let t77 = self.gpo(&pdol, &v)?;
        let afl = bytes_of(&t77, 0x94);
        let aip = bytes_of(&t77, 0x82);
        let cid = cryptogram_type(&t77);
        let atc = <[u8; 2]>::try_from(bytes_of(&t77, 0x9F36).as_slice())
            .map(u16::from_be_bytes)
            .unwrap_or(0);
        let cryptogram = bytes_of(&t77, 0x9F26);
        let available = n_decode_u64(&bytes_of(&t77, 0x9F5D))
            .ok()
            .and_then(|x| u32::try_from(x).ok());
        let outcome = match cid & 0xC0 {
            0x40 => Outcome::Approved,
            0x80 => Outcome::Online,
            _ => Outcome::Declined,
        };
        let mut steps = vec![format!("GPO: CID {cid:02X}, ATC {atc}")];
        if outcome != Outcome::Approved {
            return Ok(Purchase {
                outcome,
                atc,
                cryptogram,
                available,
                steps,
            });
        }
        // Records of the AFL; the signed ones feed the static data.
        let mut objects = Vec::new();
        let mut static_data = Vec::new();
        for (sfi, _, signed, rec) in self.afl_records(&afl)? {
            let t = Tlv::parse_one(&rec).map_err(|e| malformed("READ RECORD", e.to_string()))?;
            if signed {
                static_data.extend_from_slice(signed_bytes(sfi, &rec)?);
            }
            objects.extend(t.children().to_vec());
        }
        if bytes_of(&objects, 0x9F4A) == [0x82] {
            static_data.extend(&aip);
        }
        let index = bytes_of(&objects, 0x8F)
            .first()
            .copied()
            .ok_or_else(|| not_genuine("no CA index (8F)".into()))?;
        let rid = aid.get(..5).unwrap_or(&[]);
        let ca = ca_keys
            .iter()
            .find(|k| k.rid == rid && k.index == index)
            .ok_or_else(|| {
                not_genuine(format!(
                    "CA key {index:02X} of RID {} is not in the terminal's list",
                    hex::encode_upper(rid)
                ))
            })?;
        steps.push(format!("CA key {index:02X} found"));
        let pan = bytes_of(&objects, 0x5A);
        let issuer = IssuerCert::verify(&bytes_of(&objects, 0x90), &ca.key, &pan, req.today)
            .map_err(|e| not_genuine(format!("issuer certificate: {e}")))?;
        steps.push("issuer certificate (90) verified under the CA key".into());
        let icc = IccCert::verify(
            &bytes_of(&objects, 0x9F46),
            &issuer.key,
            &static_data,
            &pan,
            req.today,
        )
        .map_err(|e| not_genuine(format!("ICC certificate: {e}")))?;
        steps.push(
            "ICC certificate (9F46) verified under the issuer key with the static data".into(),
        );
        let tdd = terminal_dynamic_data(&un, &amount, &req.currency, &bytes_of(&objects, 0x9F69));
        SignedDynamicData::verify(&bytes_of(&t77, 0x9F4B), &icc.key, &tdd)
            .map_err(|e| not_genuine(format!("dynamic signature: {e}")))?;
        steps.push("signed dynamic data (9F4B) verified under the ICC key".into());
        Ok(Purchase {
            outcome,
            atc,
            cryptogram,
            available,
            steps,
        })
    }

    /// The electronic cash log: each record split by the log format
    /// (`9F4F`) into tag and value, newest first.
    ///
    /// # Errors
    /// Card errors; a malformed format.
    pub fn ecash_log(&mut self) -> Result<Vec<LogRecord>> {
        let (_, _, log_entry) = self.select_payment()?;
        let fmt = self.card.command(&commands::get_data(0x9F4F))?;
        let fmt = Tlv::parse_one(&fmt).map_err(|e| malformed("GET DATA", e.to_string()))?;
        let dol = Dol::parse(fmt.bytes().unwrap_or(&[]))
            .map_err(|e| malformed("GET DATA", e.to_string()))?;
        let (sfi, count) = match log_entry.as_slice() {
            [s, n] => (*s, *n),
            _ => return Err(malformed("SELECT AID", "no log entry (9F4D)")),
        };
        let mut out = Vec::new();
        for n in 1..=count {
            // The log holds amounts and dates, no holder data.
            let log = commands::read_record(RecordAt::Sfi { sfi, number: n }, 256)?;
            let Some(r) = self.sfi_record(&log)? else {
                break;
            };
            let items = dol
                .split(&r)
                .map_err(|e| malformed("READ RECORD", e.to_string()))?;
            out.push(
                items
                    .into_iter()
                    .map(|(t, v)| (t.number(), v.to_vec()))
                    .collect(),
            );
        }
        Ok(out)
    }

    /// A READ RECORD by SFI (`read`); `None` past the last record (or for
    /// an SFI the application does not have).
    pub(crate) fn sfi_record(&mut self, read: &Apdu) -> Result<Option<Vec<u8>>> {
        let r = self.card.send(read)?;
        match r.sw() {
            sscard_apdu::StatusWord::Success => Ok(Some(r.data().to_vec())),
            sscard_apdu::StatusWord::RecordNotFound | sscard_apdu::StatusWord::FileNotFound => {
                Ok(None)
            }
            sw => Err(Error::from_card("READ RECORD", sw)),
        }
    }

    /// Electronic cash balance and limits (GET DATA `9F79 9F77 9F78 9F6D`), fen.
    ///
    /// # Errors
    /// Card errors.
    pub fn ecash(&mut self) -> Result<[u32; 4]> {
        self.select_payment()?;
        let mut out = [0u32; 4];
        for (slot, tag) in out.iter_mut().zip([0x9F79u16, 0x9F77, 0x9F78, 0x9F6D]) {
            let r = self.card.command(&commands::get_data(tag))?;
            let t = Tlv::parse_one(&r).map_err(|e| malformed("GET DATA", e.to_string()))?;
            *slot = t
                .bytes()
                .and_then(|b| n_decode_u64(b).ok())
                .and_then(|x| u32::try_from(x).ok())
                .ok_or_else(|| malformed("GET DATA", "not an amount"))?;
        }
        Ok(out)
    }
}
