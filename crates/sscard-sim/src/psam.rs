//! The PSAM (spec 02 §2.5): terminal number, master keys by address,
//! INIT CRYPTO / CRYPTO, MAC1 and VERIFY MAC2.
//!
//! One key environment per algorithm (`[[psam.environment]]`): SELECT of
//! its DF picks the keys and the scheme every later command uses.
//!
//! Byte layouts [design]: INIT CRYPTO `80 1A <address hi> <address lo> Lc
//! <factors>` applies one diversification step per 8-byte factor (area,
//! card), and a third factor (Lc `18`) derives the session key; CRYPTO
//! `80 FA 00 00` encrypts whole blocks (ECB), `80 FA 05 00` MACs with a
//! zero IV and `80 FA 05 01` takes the IV as the first block of the data.
//! MAC1 has the public 28-byte layout (36 with a second level).

use std::sync::Arc;

use sscard_apdu::{Command, Ins, Response, StatusWord};
use sscard_crypto::debit::{self, DebitData};
use sscard_crypto::{Scheme, SymKey};
use sscard_profile::keys::MasterKeys;
use sscard_profile::Profile;
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};
use crate::image::{CardImage, Hex, Lifecycle, PsamState};
use crate::sim::{Applet, Tx};

/// The PSAM's logic.
pub struct Psam {
    profile: Arc<Profile>,
    /// The selected key environment.
    env: Option<Scheme>,
    session: Option<SymKey>,
    mac2: Option<(Scheme, SymKey, u32)>,
}

fn sw(s: StatusWord) -> Response {
    Response::status(s)
}

/// A PSAM image holding every master key of `masters` whose name is in the
/// PSAM profile's key table.
///
/// # Errors
/// [`Error::Perso`] when the profile is not a PSAM profile.
pub fn psam_image(profile: &Profile, masters: &MasterKeys) -> Result<CardImage> {
    if profile.psam.is_none() {
        return Err(Error::Perso(format!(
            "{} is not a PSAM profile",
            profile.file
        )));
    }
    let mut image = CardImage::for_profile(profile, [0; 16]);
    let psam = profile.psam.as_ref();
    let keys = |scheme: Scheme| {
        masters
            .iter()
            .filter(|m| m.scheme == scheme && profile.key(&m.name).is_some())
            .filter(|_| psam.is_some_and(|p| p.environment(scheme).is_some()))
            .map(|m| (format!("{:04X}", m.address), Hex(m.value.expose().to_vec())))
            .collect()
    };
    image.psam = Some(PsamState {
        txn_counter: 1,
        masters: keys(Scheme::Sm4),
        des_masters: keys(Scheme::TripleDes),
    });
    image.lifecycle = Lifecycle::Issued;
    Ok(image)
}

impl Psam {
    /// A PSAM that runs `profile`.
    pub fn new(profile: Arc<Profile>) -> Self {
        Self {
            profile,
            env: None,
            session: None,
            mac2: None,
        }
    }

    fn master(image: &CardImage, scheme: Scheme, address: u16) -> Option<SymKey> {
        image
            .psam
            .as_ref()?
            .masters_of(scheme)
            .get(&format!("{address:04X}"))
            .and_then(|h| SymKey::from_slice(&h.0).ok())
    }

    fn select(&mut self, cmd: &Command) -> Response {
        let Some(psam) = &self.profile.psam else {
            return sw(StatusWord::FileNotFound);
        };
        match cmd.data() {
            [0x3F, 0x00] => {
                self.env = None;
                Response::ok(Vec::new())
            }
            [hi, lo] => {
                let fid = u16::from_be_bytes([*hi, *lo]);
                match psam.environments.iter().find(|e| e.key_df == fid) {
                    Some(e) => {
                        self.env = Some(e.scheme);
                        self.session = None;
                        Response::ok(Vec::new())
                    }
                    None => sw(StatusWord::FileNotFound),
                }
            }
            _ => sw(StatusWord::WrongLength),
        }
    }

    fn read_binary(&self, cmd: &Command) -> Response {
        let Some(psam) = &self.profile.psam else {
            return sw(StatusWord::FileNotFound);
        };
        if cmd.p1 != 0x80 | psam.terminal_number_sfi {
            return sw(StatusWord::FileNotFound);
        }
        let offset = usize::from(cmd.p2);
        if offset > 6 {
            return sw(StatusWord::WrongParameters);
        }
        let n = cmd.le().unwrap_or(256).min(6 - offset);
        Response::ok(psam.terminal_number[offset..offset + n].to_vec())
    }

    fn init_crypto(&mut self, image: &CardImage, cmd: &Command) -> Response {
        self.session = None;
        let Some(scheme) = self.env else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        let address = u16::from_be_bytes([cmd.p1, cmd.p2]);
        let Some(mut key) = Self::master(image, scheme, address) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let f = cmd.data();
        if f.is_empty() || f.len() > 24 || !f.len().is_multiple_of(8) {
            return sw(StatusWord::WrongLength);
        }
        for (i, chunk) in f.chunks(8).enumerate() {
            let mut factor = [0u8; 8];
            factor.copy_from_slice(chunk);
            key = if i == 2 {
                scheme.session_key(&key, &factor)
            } else {
                scheme.step(&key, &factor)
            };
        }
        self.session = Some(key);
        Response::ok(Vec::new())
    }

    fn crypto(&mut self, cmd: &Command) -> Response {
        let (Some(key), Some(scheme)) = (&self.session, self.env) else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        let d = cmd.data();
        let block = scheme.block();
        match (cmd.p1, cmd.p2) {
            (0x00, 0x00) => match scheme.ecb_encrypt(key, d) {
                Ok(c) => Response::ok(c),
                Err(_) => sw(StatusWord::WrongLength),
            },
            (0x05, 0x00) => Response::ok(scheme.mac(key, &[], d).to_vec()),
            (0x05, 0x01) if d.len() >= block => {
                Response::ok(scheme.mac(key, &d[..block], &d[block..]).to_vec())
            }
            (0x05, 0x01) => sw(StatusWord::WrongLength),
            _ => sw(StatusWord::WrongP1P2),
        }
    }

    /// MAC1 (消费 MAC1 计算), the public layout: `80 70 00 00 1C <card
    /// pseudo-random 4> <offline counter 2> <amount 4> <type 1> <date 4>
    /// <time 3> <key version 1> <algorithm id 1> <card factor 8>`, and
    /// with a second diversification level Lc `24` and the area factor
    /// after the card factor. Answers terminal txn no. ‖ MAC1.
    fn mac1(&mut self, tx: &mut Tx<'_>, cmd: &Command) -> Response {
        self.mac2 = None;
        let d = cmd.data();
        if d.len() != 28 && d.len() != 36 {
            return sw(StatusWord::WrongLength);
        }
        let Some(psam) = self.profile.psam.clone() else {
            return sw(StatusWord::FileNotFound);
        };
        let (version, algorithm) = (d[18], d[19]);
        let Some(scheme) = self.env.filter(|s| s.id() == algorithm) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let Some(dpk) = self.profile.key(&psam.debit_key) else {
            return sw(StatusWord::KeyNotSupported);
        };
        let address = dpk.address + u16::from(version.max(1) - 1);
        let Some(master) = Self::master(tx.image(), scheme, address) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let eight = |at: usize| {
            let mut f = [0u8; 8];
            f.copy_from_slice(&d[at..at + 8]);
            f
        };
        let card_key = if d.len() == 36 {
            scheme.step(&scheme.step(&master, &eight(28)), &eight(20))
        } else {
            scheme.step(&master, &eight(20))
        };
        let txn = tx.image().psam.as_ref().map_or(1, |p| p.txn_counter);
        if let Some(p) = tx.edit().psam.as_mut() {
            p.txn_counter = txn.wrapping_add(1);
        }
        let txn_no = txn.to_be_bytes();
        let mut pr = [0u8; 4];
        pr.copy_from_slice(&d[..4]);
        let counter = u16::from_be_bytes([d[4], d[5]]);
        let data = DebitData {
            amount: u32::from_be_bytes([d[6], d[7], d[8], d[9]]),
            tx_type: d[10],
            terminal_no: psam.terminal_number,
            terminal_txn_no: txn_no,
            date: [d[11], d[12], d[13], d[14]],
            time: [d[15], d[16], d[17]],
        };
        let session = debit::session_key(scheme, &card_key, &pr, counter, &txn_no);
        let mac1 = debit::mac1(scheme, &session, &data);
        self.mac2 = Some((scheme, session, data.amount));
        let mut out = txn_no.to_vec();
        out.extend_from_slice(&mac1);
        Response::ok(out)
    }

    fn verify_mac2(&mut self, cmd: &Command) -> Response {
        let Some((scheme, session, total)) = self.mac2.take() else {
            return sw(StatusWord::ConditionsNotSatisfied);
        };
        let expected = debit::mac2(scheme, &session, total);
        if cmd.data().len() == 4 && bool::from(expected.as_slice().ct_eq(cmd.data())) {
            Response::ok(Vec::new())
        } else {
            sw(StatusWord::MacInvalid)
        }
    }
}

/// GET CHALLENGE `00 84 00 00 08`: the terminal's random (PBOC PSAM).
fn get_challenge(cmd: &Command) -> Response {
    if cmd.p1 != 0 || cmd.p2 != 0 {
        return sw(StatusWord::WrongP1P2);
    }
    if !cmd.data().is_empty() || !matches!(cmd.le(), Some(4 | 8)) {
        return sw(StatusWord::WrongLength);
    }
    let n = cmd.le().unwrap_or(8);
    match sscard_crypto::random::bytes::<8>() {
        Ok(r) => Response::ok(r[..n].to_vec()),
        Err(_) => sw(StatusWord::NoDiagnosis),
    }
}

impl Applet for Psam {
    fn atr(&self) -> Vec<u8> {
        self.profile.card.atr()
    }

    fn reset(&mut self) {
        self.env = None;
        self.session = None;
        self.mac2 = None;
    }

    fn process(&mut self, tx: &mut Tx<'_>, cmd: &Command) -> Response {
        // The host's own vocabulary: a PSAM answers these.
        match Ins::of(cmd.cla, cmd.ins) {
            Some(Ins::Select) => self.select(cmd),
            Some(Ins::ReadBinary) => self.read_binary(cmd),
            Some(Ins::GetChallenge) => get_challenge(cmd),
            Some(Ins::InitCrypto) => self.init_crypto(tx.image(), cmd),
            Some(Ins::Crypto) => self.crypto(cmd),
            Some(Ins::Mac1) => self.mac1(tx, cmd),
            Some(Ins::VerifyMac2) => self.verify_mac2(cmd),
            _ if matches!(cmd.cla, 0x00 | 0x80) => sw(StatusWord::InsNotSupported),
            _ => sw(StatusWord::ClaNotSupported),
        }
    }
}
