//! The financial application (spec 04): GET PROCESSING OPTIONS with the
//! PDOL (including `DF69`), qPBOC offline approval with SM2 fDDA or an ARQC
//! for online, AFL records, GET DATA for electronic cash, the transaction
//! log, and the load script. Balance, ATC and log change in one commit.
//!
//! [design] bytes: the application cryptogram is the first 8 bytes of the
//! SM4 CBC-MAC block under the `ac_key` card key diversified by the ATC,
//! over amount ‖ other amount ‖ country ‖ TVR ‖ currency ‖ date ‖ type ‖ UN
//! ‖ AIP ‖ ATC; the ICC dynamic number is ATC ‖ 6 random bytes; the load
//! script MAC uses the `mac_key` card key diversified by ATC ‖ `00`×6 with a
//! zero IV.

use std::collections::BTreeMap;

use sscard_apdu::tlv::{self, Tlv};
use sscard_apdu::{Command, Response, StatusWord};
use sscard_crypto::pboc::SignedDynamicData;
use sscard_crypto::{mac, KeyPair, Scheme, SymKey};
use subtle::ConstantTimeEq;

use super::{sw, UserCard};
use crate::image::{CardImage, Hex};
use crate::sim::Tx;

/// Where the card keeps the ICC private key in the image.
pub const ICC_KEY: &str = "PBOC/ICC";

/// The transaction log format (`9F4F`) [design].
pub const LOG_FORMAT: &str = "9A039F21039F02069F03069F1A025F2A029C019F3602";

/// Cryptogram information: TC (offline approved) and ARQC (go online).
const CID_TC: u8 = 0x40;
const CID_ARQC: u8 = 0x80;
const CID_AAC: u8 = 0x00;
/// Transaction type (`9C`) of an electronic cash load [design].
pub const ECASH_LOAD: u8 = 0x60;

fn n6(v: u32) -> Vec<u8> {
    sscard_apdu::field::n_encode_u64(u64::from(v), 6).unwrap_or_else(|_| vec![0; 6])
}

fn n6_value(b: &[u8]) -> Option<u32> {
    sscard_apdu::field::n_decode_u64(b)
        .ok()
        .and_then(|v| u32::try_from(v).ok())
}

/// The card key `name` diversified by ATC ‖ `00`×6.
fn atc_key(card_key: &SymKey, atc: u16) -> SymKey {
    let mut f = [0u8; 8];
    f[..2].copy_from_slice(&atc.to_be_bytes());
    Scheme::Sm4.session_key(card_key, &f)
}

impl UserCard {
    fn in_payment(&self) -> Option<&sscard_profile::Payment> {
        self.profile
            .payment
            .as_ref()
            .filter(|p| p.application == self.v.df)
    }

    /// An object of the financial application by tag, from its records.
    fn object(image: &CardImage, tag: u32) -> Option<Vec<u8>> {
        image
            .records
            .iter()
            .filter(|(k, _)| k.contains("/SFI"))
            .find_map(|(_, recs)| {
                recs.values().find_map(|r| {
                    let t = Tlv::parse_all(&r.0).ok()?;
                    tlv::find_tag(&t, tag)
                        .and_then(Tlv::bytes)
                        .map(<[u8]>::to_vec)
                })
            })
    }

    /// READ RECORD by SFI in the financial application or the PSE.
    pub(super) fn payment_record(
        &self,
        image: &CardImage,
        sfi: u8,
        number: u8,
    ) -> Option<Result<Vec<u8>, StatusWord>> {
        let df = self.profile.df(&self.v.df)?;
        if df.directory_sfi == Some(sfi) {
            // PSE directory: one 61 entry for the application.
            if number != 1 {
                return Some(Err(StatusWord::RecordNotFound));
            }
            let entry = self.directory_entry()?;
            return Some(Ok(Tlv::constructed(0x70, vec![entry]).ok()?.to_bytes()));
        }
        let pay = self.in_payment()?;
        if sfi == pay.ecash.log_sfi {
            let log = image.ecash.as_ref().map(|e| &e.log);
            return Some(
                log.and_then(|l| l.get(usize::from(number).wrapping_sub(1)))
                    .map(|h| h.0.clone())
                    .ok_or(StatusWord::RecordNotFound),
            );
        }
        if pay.records_after_gpo && !self.v.gpo_done {
            return Some(Err(StatusWord::ConditionsNotSatisfied));
        }
        let key = format!("{}/SFI{sfi}", pay.application);
        Some(
            image
                .records
                .get(&key)
                .and_then(|r| r.get(&number))
                .map(|h| h.0.clone())
                .ok_or(StatusWord::RecordNotFound),
        )
    }

    pub(super) fn gpo(&mut self, tx: &mut Tx<'_>, cmd: &Command) -> Response {
        let Some(pay) = self.in_payment().cloned() else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        let Ok(t) = Tlv::parse_one(cmd.data()) else {
            return sw(StatusWord::WrongData);
        };
        let (Some(data), 0x83) = (t.bytes(), t.tag().number()) else {
            return sw(StatusWord::WrongData);
        };
        let Ok(items) = pay.pdol.split(data) else {
            return sw(StatusWord::WrongLength);
        };
        let v: BTreeMap<u32, Vec<u8>> = items
            .iter()
            .map(|(t, b)| (t.number(), b.to_vec()))
            .collect();
        let get = |tag: u32| v.get(&tag).cloned().unwrap_or_default();
        self.v.gpo_done = true;
        // DF69 = 01: the terminal does SM. Anything else: not for this card.
        if get(0xDF69) != [0x01] {
            return sw(StatusWord::ConditionsNotSatisfied);
        }
        let Some(amount) = n6_value(&get(0x9F02)) else {
            return sw(StatusWord::WrongData);
        };
        let image = tx.image();
        let Some(ecash) = image.ecash.clone() else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        let Some(ac_key) = Self::card_key(image, &pay.ac_key) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let atc = ecash.atc.wrapping_add(1);
        // A load runs the online path: the AIP and AFL now, the ARQC from
        // GENERATE AC (04 §4.4).
        if get(0x9C) == [ECASH_LOAD] {
            self.v.load_atc = Some(atc);
            self.v.arqc = None;
            tx.edit().ecash.get_or_insert(ecash).atc = atc;
            let list = [
                Tlv::primitive(0x82, pay.aip),
                Tlv::primitive(0x94, pay.afl_bytes()),
                Tlv::primitive(0x9F36, atc.to_be_bytes()),
            ];
            return match list
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .and_then(|l| Tlv::constructed(0x77, l))
            {
                Ok(t) => Response::ok(t.to_bytes()),
                Err(_) => sw(StatusWord::NoDiagnosis),
            };
        }
        // The TTQ (9F66): byte 1 b6 qPBOC supported, b4 offline-only reader;
        // byte 2 b8 online cryptogram required.
        let ttq = get(0x9F66);
        let offline_only = ttq.first().is_some_and(|b| b & 0x08 != 0);
        let online_required = ttq.get(1).is_some_and(|b| b & 0x80 != 0);
        let offline = get(0x5F2A) == pay.currency
            && amount <= pay.ecash.single_limit
            && amount <= ecash.balance
            && ttq.first().is_some_and(|b| b & 0x20 != 0)
            && !online_required;
        // A purchase that must go online on a reader that cannot: declined.
        let cid = match (offline, offline_only) {
            (true, _) => CID_TC,
            (false, true) => CID_AAC,
            (false, false) => CID_ARQC,
        };
        let mut ac_input = Vec::new();
        for tag in [0x9F02, 0x9F03, 0x9F1A, 0x95, 0x5F2A, 0x9A, 0x9C, 0x9F37] {
            ac_input.extend(get(tag));
        }
        ac_input.extend_from_slice(&pay.aip);
        ac_input.extend_from_slice(&atc.to_be_bytes());
        let ac = mac::cbc_mac_block(&atc_key(&ac_key, atc), &[0; 16], &ac_input);
        let balance = if offline {
            ecash.balance - amount
        } else {
            ecash.balance
        };
        // Issuer application data (PBOC): length 07, DKI, CVN, CVR (its
        // length 03, then byte 1 whose bits 6-5 give the cryptogram type:
        // 01 TC, 10 ARQC), algorithm 04 (SM).
        let cvr1 = match cid {
            CID_TC => 0x10,
            CID_ARQC => 0x20,
            _ => 0x00,
        };
        let mut out = vec![
            Tlv::primitive(0x82, pay.aip),
            Tlv::primitive(0x94, pay.afl_bytes()),
            Tlv::primitive(0x9F36, atc.to_be_bytes()),
        ];
        if pay.gpo_sends_cid {
            out.push(Tlv::primitive(0x9F27, [cid]));
        }
        out.extend([
            Tlv::primitive(0x9F26, ac[..8].to_vec()),
            Tlv::primitive(0x9F10, vec![0x07, 0x01, 0x01, 0x03, cvr1, 0x00, 0x00, 0x04]),
        ]);
        for tag in [0x57, 0x5F34] {
            if let Some(b) = Self::object(image, tag) {
                out.push(Tlv::primitive(tag, b));
            }
        }
        if offline {
            let Some(icc) = image
                .private_keys
                .get(ICC_KEY)
                .and_then(|k| KeyPair::from_secret_bytes(&k.0).ok())
            else {
                return sw(StatusWord::ReferenceNotFound);
            };
            let Ok(rnd) = sscard_crypto::random::bytes::<6>() else {
                return sw(StatusWord::NoDiagnosis);
            };
            let mut dynamic = atc.to_be_bytes().to_vec();
            dynamic.extend_from_slice(&rnd);
            let card_data = Self::object(image, 0x9F69).unwrap_or_default();
            let terminal = sscard_crypto::pboc::terminal_dynamic_data(
                &get(0x9F37),
                &get(0x9F02),
                &get(0x5F2A),
                &card_data,
            );
            let Ok(sdad) = SignedDynamicData::sign(&icc, &dynamic, &terminal) else {
                return sw(StatusWord::NoDiagnosis);
            };
            out.push(Tlv::primitive(0x9F4B, sdad));
        }
        out.push(Tlv::primitive(0x9F6C, [0x00, 0x00]));
        out.push(Tlv::primitive(0x9F5D, n6(balance)));
        let Ok(list) = out.into_iter().collect::<Result<Vec<_>, _>>() else {
            return sw(StatusWord::NoDiagnosis);
        };
        let Ok(template) = Tlv::constructed(0x77, list) else {
            return sw(StatusWord::NoDiagnosis);
        };
        // One commit: ATC, balance and log together.
        let e = tx.edit().ecash.get_or_insert(ecash);
        e.atc = atc;
        if offline {
            e.balance = balance;
            let mut rec = get(0x9A);
            rec.extend([0, 0, 0]);
            rec.extend(get(0x9F02));
            rec.extend(get(0x9F03));
            rec.extend(get(0x9F1A));
            rec.extend(get(0x5F2A));
            rec.extend(get(0x9C));
            rec.extend(atc.to_be_bytes());
            e.log.insert(0, Hex(rec));
            e.log.truncate(usize::from(pay.ecash.log_records));
        }
        Response::ok(template.to_bytes())
    }

    /// GET DATA `80 CA <tag> 00` for electronic cash and the ATC.
    pub(super) fn get_data(&self, image: &CardImage, cmd: &Command) -> Response {
        let Some(pay) = self.in_payment() else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        let tag = u32::from(u16::from_be_bytes([cmd.p1, cmd.p2]));
        let ecash = image.ecash.clone().unwrap_or(crate::image::EcashState {
            balance: 0,
            atc: 0,
            log: Vec::new(),
        });
        let value = match tag {
            0x9F79 => n6(ecash.balance),
            0x9F77 => n6(pay.ecash.balance_limit),
            0x9F78 => n6(pay.ecash.single_limit),
            0x9F6D => n6(pay.ecash.reset_threshold),
            0x9F36 => ecash.atc.to_be_bytes().to_vec(),
            0x9F4F => hex::decode(LOG_FORMAT).unwrap_or_default(),
            _ => return sw(StatusWord::ReferenceNotFound),
        };
        match Tlv::primitive(tag, value) {
            Ok(t) => Response::ok(t.to_bytes()),
            Err(_) => sw(StatusWord::ReferenceNotFound),
        }
    }

    /// GENERATE AC `80 AE <P1> 00 Lc <CDOL1 data>` after a load's GPO: the
    /// ARQC (P1 `80`; `00` asks an AAC) over the CDOL1 data, AIP and ATC,
    /// kept for the issuer script's MAC.
    pub(super) fn generate_ac(&mut self, image: &CardImage, cmd: &Command) -> Response {
        let Some(pay) = self.in_payment().cloned() else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        let (Some(atc), Some(cdol1)) = (self.v.load_atc.take(), pay.cdol1.as_ref()) else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        if !matches!(cmd.p1, 0x00 | 0x80) || cmd.p2 != 0x00 {
            return sw(StatusWord::WrongP1P2);
        }
        let Ok(items) = cdol1.split(cmd.data()) else {
            return sw(StatusWord::WrongLength);
        };
        let Some(ac_key) = Self::card_key(image, &pay.ac_key) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let mut ac_input: Vec<u8> = items.iter().flat_map(|(_, b)| b.to_vec()).collect();
        ac_input.extend_from_slice(&pay.aip);
        ac_input.extend_from_slice(&atc.to_be_bytes());
        let block = mac::cbc_mac_block(&atc_key(&ac_key, atc), &[0; 16], &ac_input);
        let mut ac = [0u8; 8];
        ac.copy_from_slice(&block[..8]);
        let (cid, cvr1) = if cmd.p1 == 0x80 {
            self.v.arqc = Some((atc, ac));
            (CID_ARQC, 0x20)
        } else {
            (CID_AAC, 0x00)
        };
        let list = [
            Tlv::primitive(0x9F27, [cid]),
            Tlv::primitive(0x9F36, atc.to_be_bytes()),
            Tlv::primitive(0x9F26, ac.to_vec()),
            Tlv::primitive(0x9F10, vec![0x07, 0x01, 0x01, 0x03, cvr1, 0x00, 0x00, 0x04]),
        ];
        match list
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .and_then(|l| Tlv::constructed(0x77, l))
        {
            Ok(t) => Response::ok(t.to_bytes()),
            Err(_) => sw(StatusWord::NoDiagnosis),
        }
    }

    /// The load script `04 DA 9F 79 0A <new balance n6> <MAC 4>`: its MAC
    /// covers the header, the ATC and the cryptogram of the ARQC that asked
    /// for the load, then the data (04 §4.4), so a captured script cannot be
    /// replayed. One script per ARQC.
    pub(super) fn put_data(&mut self, tx: &mut Tx<'_>, cmd: &Command) -> Response {
        let Some(pay) = self.in_payment().cloned() else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        if (cmd.p1, cmd.p2) != (0x9F, 0x79) {
            return sw(StatusWord::WrongP1P2);
        }
        let d = cmd.data();
        if d.len() != 10 {
            return sw(StatusWord::WrongLength);
        }
        let Some((atc, ac)) = self.v.arqc.take() else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        let Some(key) = Self::card_key(tx.image(), &pay.mac_key) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let mut input = vec![cmd.cla, cmd.ins, cmd.p1, cmd.p2, 0x0A];
        input.extend_from_slice(&atc.to_be_bytes());
        input.extend_from_slice(&ac);
        input.extend_from_slice(&d[..6]);
        let expected = Scheme::Sm4.mac(&atc_key(&key, atc), &[], &input);
        if !bool::from(expected.as_slice().ct_eq(&d[6..])) {
            return sw(StatusWord::SecureMessagingIncorrect);
        }
        let Some(balance) = n6_value(&d[..6]) else {
            return sw(StatusWord::WrongData);
        };
        if balance > pay.ecash.balance_limit {
            return sw(StatusWord::WrongData);
        }
        if let Some(e) = tx.edit().ecash.as_mut() {
            e.balance = balance;
        }
        Response::ok(Vec::new())
    }
}
