//! The user card: the social-security application, its DFs and files, PINs,
//! authentication, the medical debit, as the profile describes them.

pub(crate) mod auth;
mod debit;
mod files;
mod gate;
pub mod payment;
mod pin;
mod pki;
mod select;

use std::collections::BTreeSet;
use std::sync::Arc;

use sscard_apdu::{Command, Ins, Response, StatusWord};
use sscard_crypto::{Scheme, SymKey};
use sscard_profile::{AccessRule, Ef, Profile};

use crate::image::{CardImage, Lifecycle};
use crate::sim::{Applet, Tx};

/// State lost at reset or power-off.
#[derive(Default)]
struct Volatile {
    /// Current DF path (`MF` after reset).
    df: String,
    /// Current EF path.
    ef: Option<String>,
    /// The two latest challenges, oldest first.
    challenges: Vec<[u8; 8]>,
    /// PINs verified (names).
    pins: BTreeSet<String>,
    /// Keys externally authenticated in the current DF (names).
    keys: BTreeSet<String>,
    /// An INITIALIZE FOR PURCHASE waiting for its DEBIT FOR PURCHASE.
    debit: Option<debit::Pending>,
    /// The public key file an EXPORT PUBLIC KEY selected.
    export: Option<String>,
    /// GET PROCESSING OPTIONS ran in the financial application.
    gpo_done: bool,
    /// A load's GPO waiting for its GENERATE AC: the ATC.
    load_atc: Option<u16>,
    /// The last ARQC (ATC, cryptogram), for the issuer script's MAC.
    arqc: Option<(u16, [u8; 8])>,
}

/// The user card's logic over a profile.
pub struct UserCard {
    profile: Arc<Profile>,
    v: Volatile,
}

fn sw(s: StatusWord) -> Response {
    Response::status(s)
}

impl UserCard {
    /// A card that runs `profile`.
    pub fn new(profile: Arc<Profile>) -> Self {
        let mut card = Self {
            profile,
            v: Volatile::default(),
        };
        card.reset();
        card
    }

    /// The profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Whether `rule` is satisfied now.
    fn allowed(&self, image: &CardImage, rule: &AccessRule) -> bool {
        if image.lifecycle == Lifecycle::Personalising {
            return !matches!(rule, AccessRule::Never);
        }
        let pin = |p: &String| self.v.pins.contains(p);
        let key = |k: &String| self.v.keys.contains(k);
        match rule {
            AccessRule::Free => true,
            AccessRule::Never => false,
            AccessRule::Pin(p) => pin(p),
            AccessRule::Key(k) => key(k),
            AccessRule::PinAndKey(p, k) => pin(p) && key(k),
            AccessRule::PinOrKey(p, k) => pin(p) || key(k),
        }
    }

    /// The EF a record/binary command addresses: by SFI in the current DF,
    /// or the current EF.
    fn target_ef(&self, sfi: u8) -> Result<&Ef, StatusWord> {
        if sfi != 0 {
            return self
                .profile
                .efs
                .iter()
                .find(|e| e.df == self.v.df && e.sfi == Some(sfi))
                .ok_or(StatusWord::FileNotFound);
        }
        let path = self.v.ef.as_ref().ok_or(StatusWord::NoCurrentEf)?;
        self.profile.ef(path).ok_or(StatusWord::NoCurrentEf)
    }

    /// The card key `name` from the image.
    fn card_key(image: &CardImage, name: &str) -> Option<SymKey> {
        image
            .keys
            .get(name)
            .and_then(|k| SymKey::from_slice(&k.value.0).ok())
    }

    /// The card's symmetric scheme; `None` (SSF33) answers `6A81` to
    /// every cryptographic command.
    fn scheme(&self) -> Result<Scheme, StatusWord> {
        self.profile
            .card
            .algorithm
            .scheme()
            .ok_or(StatusWord::FunctionNotSupported)
    }

    /// The latest challenge, consumed.
    fn take_challenge(&mut self) -> Option<[u8; 8]> {
        self.v.challenges.pop()
    }
}

impl UserCard {
    /// END PERSONALISATION `80 E6 00 00` [design]: the card becomes issued
    /// and its access rules apply from now on. Idempotent, so that a
    /// personalisation run torn after it can be resumed.
    fn end_personalisation(tx: &mut Tx<'_>, cmd: &Command) -> Response {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return sw(StatusWord::WrongP1P2);
        }
        if tx.image().lifecycle == Lifecycle::Personalising {
            tx.edit().lifecycle = Lifecycle::Issued;
        }
        Response::ok(Vec::new())
    }
}

/// What a counterfeit card answers (`CardImage::counterfeit`).
fn counterfeit(tx: &mut Tx<'_>, cmd: &Command) -> Response {
    let Some(c) = tx.image().counterfeit.clone() else {
        return sw(StatusWord::InsNotSupported);
    };
    if cmd.ins == 0x88 {
        return Response::ok(c.internal_answer.0.clone());
    }
    let Some(next) = c
        .challenges
        .get(c.given % c.challenges.len().max(1))
        .cloned()
    else {
        return sw(StatusWord::NoDiagnosis);
    };
    if let Some(state) = tx.edit().counterfeit.as_mut() {
        state.given += 1;
    }
    Response::ok(next.0)
}

impl Applet for UserCard {
    fn t0(&self) -> bool {
        self.profile.variant.t0
    }

    fn atr(&self) -> Vec<u8> {
        self.profile.card.atr()
    }

    fn reset(&mut self) {
        self.v = Volatile {
            df: "MF".into(),
            ..Volatile::default()
        };
    }

    fn process(&mut self, tx: &mut Tx<'_>, cmd: &Command) -> Response {
        let ins = match gate::admit(cmd.cla, cmd.ins, tx.image().lifecycle) {
            Ok(i) => i,
            Err(refused) => return sw(refused),
        };
        match ins {
            Ins::GetChallenge | Ins::InternalAuthenticate if tx.image().counterfeit.is_some() => {
                counterfeit(tx, cmd)
            }
            Ins::Select => self.select(cmd),
            Ins::ReadRecord => self.read_record(tx.image(), cmd),
            Ins::UpdateRecord => self.update_record(tx, cmd),
            Ins::ReadBinary => self.read_binary(tx.image(), cmd),
            Ins::UpdateBinary => self.update_binary(tx, cmd),
            Ins::Verify => self.verify(tx, cmd),
            Ins::ChangePin => self.change_pin(tx, cmd),
            Ins::ReloadPin => self.reload_pin(tx, cmd),
            Ins::UnblockPin => self.unblock_pin(tx, cmd),
            Ins::GetChallenge => self.get_challenge(cmd),
            Ins::InternalAuthenticate => self.internal_auth(tx.image(), cmd),
            Ins::ExternalAuthenticate => self.external_auth(tx, cmd),
            Ins::InitializeForPurchase => self.init_debit(tx.image(), cmd),
            Ins::DebitForPurchase => self.debit(tx, cmd),
            Ins::GetBalance => self.get_balance(tx.image(), cmd),
            Ins::GetTransactionProve => self.get_transaction_prove(tx.image(), cmd),
            Ins::GenerateKeyPair => self.generate_key_pair(tx, cmd),
            Ins::ExportPublicKey => self.export_public_key(tx.image(), cmd),
            Ins::SignHash => self.sign_hash(tx.image(), cmd),
            Ins::GetProcessingOptions => self.gpo(tx, cmd),
            Ins::GetData => self.get_data(tx.image(), cmd),
            Ins::PutData => self.put_data(tx, cmd),
            Ins::GenerateAc => self.generate_ac(tx.image(), cmd),
            Ins::EndPersonalisation => Self::end_personalisation(tx, cmd),
            // Not in the gate's list.
            _ => sw(StatusWord::InsNotSupported),
        }
    }
}
