//! The PKI application (spec 03): GENERATE KEY PAIR on the card, EXPORT
//! PUBLIC KEY, SIGN HASH behind the user PIN. The private key never leaves
//! the image through any command.

use sscard_apdu::{Command, Response, StatusWord};
use sscard_crypto::KeyPair;

use super::{sw, UserCard};
use crate::image::{CardImage, Hex, Lifecycle};
use crate::sim::Tx;

/// `C0 02 <public FID> C2 02 <private FID>`.
fn key_refs(data: &[u8]) -> Option<(u16, u16)> {
    match data {
        [0xC0, 0x02, a, b, 0xC2, 0x02, c, d] => {
            Some((u16::from_be_bytes([*a, *b]), u16::from_be_bytes([*c, *d])))
        }
        _ => None,
    }
}

impl UserCard {
    fn ef_path(&self, fid: u16) -> Option<String> {
        self.profile
            .efs
            .iter()
            .find(|e| e.df == self.v.df && e.fid == fid)
            .map(|e| e.path.clone())
    }

    /// Whether the PKI PIN `role` names (`[roles]`) is verified.
    fn pki_pin(&self, role: impl Fn(&sscard_profile::PkiRoles) -> &String) -> bool {
        self.profile
            .roles
            .pki
            .as_ref()
            .is_some_and(|r| self.v.pins.contains(role(r)))
    }

    pub(super) fn generate_key_pair(&mut self, tx: &mut Tx<'_>, cmd: &Command) -> Response {
        let Some((public, private)) = key_refs(cmd.data()) else {
            return sw(StatusWord::WrongData);
        };
        let (Some(pub_path), Some(priv_path)) = (self.ef_path(public), self.ef_path(private))
        else {
            return sw(StatusWord::FileNotFound);
        };
        if tx.image().lifecycle == Lifecycle::Issued && !self.pki_pin(|r| &r.admin_pin) {
            return sw(StatusWord::SecurityNotSatisfied);
        }
        let Ok(kp) = KeyPair::generate() else {
            return sw(StatusWord::NoDiagnosis);
        };
        let mut file = vec![0xC0, 0x40];
        file.extend_from_slice(&kp.public().to_xy());
        let image = tx.edit();
        image
            .private_keys
            .insert(priv_path, Hex(kp.to_secret_bytes().to_vec()));
        image.binaries.insert(pub_path, Hex(file));
        Response::ok(Vec::new())
    }

    pub(super) fn export_public_key(&mut self, image: &CardImage, cmd: &Command) -> Response {
        match (cmd.p1, cmd.p2) {
            (0x82, 0x00) => {
                let Some((public, _)) = key_refs(cmd.data()) else {
                    return sw(StatusWord::WrongData);
                };
                let Some(path) = self.ef_path(public) else {
                    return sw(StatusWord::FileNotFound);
                };
                self.v.export = Some(path);
                Response::ok(Vec::new())
            }
            (0x82, 0x80) => {
                let Some(path) = self.v.export.take() else {
                    return sw(StatusWord::ConditionsNotSatisfied);
                };
                match image.binaries.get(&path).map(|h| &h.0) {
                    Some(f) if f.len() == 66 && f.iter().skip(2).any(|b| *b != 0) => {
                        Response::ok(f[2..].to_vec())
                    }
                    _ => sw(StatusWord::ReferenceNotFound),
                }
            }
            _ => sw(StatusWord::WrongP1P2),
        }
    }

    /// SIGN HASH `80 2A 9E 9A 20 <e>`: the signing private key of the
    /// current ADF signs `e`; needs the PKI user PIN.
    pub(super) fn sign_hash(&mut self, image: &CardImage, cmd: &Command) -> Response {
        if (cmd.p1, cmd.p2) != (0x9E, 0x9A) {
            return sw(StatusWord::WrongP1P2);
        }
        let Ok(e) = <[u8; 32]>::try_from(cmd.data()) else {
            return sw(StatusWord::WrongLength);
        };
        if !self.pki_pin(|r| &r.user_pin) {
            return sw(StatusWord::SecurityNotSatisfied);
        }
        let Some(key) = self
            .profile
            .efs
            .iter()
            .filter(|f| f.df == self.v.df && f.kind == sscard_profile::EfKind::PrivateKey)
            .find_map(|f| image.private_keys.get(&f.path))
        else {
            return sw(StatusWord::ReferenceNotFound);
        };
        let Ok(kp) = KeyPair::from_secret_bytes(&key.0) else {
            return sw(StatusWord::ReferenceNotFound);
        };
        match kp.sign_digest(&e) {
            Ok(sig) => Response::ok(sig.to_raw().to_vec()),
            Err(_) => sw(StatusWord::NoDiagnosis),
        }
    }
}
