//! SELECT by DF name and by FID, the current-DF rules, and the FCI.

use sscard_apdu::tlv::Tlv;
use sscard_apdu::{Command, Response, StatusWord};
use sscard_profile::load::parent_of;
use sscard_profile::Df;

use super::{sw, UserCard};

impl UserCard {
    pub(super) fn select(&mut self, cmd: &Command) -> Response {
        if !matches!(cmd.p2, 0x00 | 0x04 | 0x0C) {
            return sw(StatusWord::WrongP1P2);
        }
        match cmd.p1 {
            0x04 => {
                let name = cmd.data();
                let found = self
                    .profile
                    .dfs
                    .iter()
                    .find(|d| d.name.as_deref() == Some(name))
                    .map(|d| d.path.clone());
                match found {
                    Some(path) => self.enter_df(&path, cmd.p2),
                    None => sw(StatusWord::FileNotFound),
                }
            }
            0x00..=0x02 => {
                let [hi, lo] = match cmd.data() {
                    [a, b] => [*a, *b],
                    _ => return sw(StatusWord::WrongLength),
                };
                let fid = u16::from_be_bytes([hi, lo]);
                if fid == 0x3F00 {
                    return self.enter_df("MF", cmd.p2);
                }
                let current = self.v.df.clone();
                if cmd.p1 != 0x01 {
                    if let Some(ef) = self
                        .profile
                        .efs
                        .iter()
                        .find(|e| e.df == current && e.fid == fid)
                    {
                        self.v.ef = Some(ef.path.clone());
                        return Response::ok(Vec::new());
                    }
                }
                if cmd.p1 == 0x02 {
                    return sw(StatusWord::FileNotFound);
                }
                // A child of the current DF, its parent, or a sibling.
                let parent = parent_of(&current).to_owned();
                let found = self
                    .profile
                    .dfs
                    .iter()
                    .filter(|d| d.fid == Some(fid))
                    .find(|d| {
                        let p = parent_of(&d.path);
                        p == current || d.path == parent || p == parent
                    })
                    .map(|d| d.path.clone());
                match found {
                    Some(path) => self.enter_df(&path, cmd.p2),
                    None => sw(StatusWord::FileNotFound),
                }
            }
            _ => sw(StatusWord::WrongP1P2),
        }
    }

    /// Makes `path` the current DF: security state of other DFs is cleared,
    /// PINs stay only inside their scope.
    fn enter_df(&mut self, path: &str, p2: u8) -> Response {
        if self.v.df != path {
            self.v.keys.clear();
            self.v.debit = None;
            self.v.export = None;
            let profile = &self.profile;
            self.v.pins.retain(|name| {
                profile.pin(name).is_some_and(|p| {
                    p.scope == "MF" || path == p.scope || path.starts_with(&format!("{}/", p.scope))
                })
            });
        }
        self.v.df = path.to_owned();
        self.v.gpo_done = false;
        self.v.ef = None;
        match self.profile.df(path) {
            Some(df) if p2 != 0x0C => match self.fci(df) {
                Some(fci) => Response::ok(fci),
                None => sw(StatusWord::NoDiagnosis),
            },
            _ => Response::ok(Vec::new()),
        }
    }

    /// The directory entry of the financial application: `61 { 4F AID, 50
    /// label, 87 priority }`, as the PPSE FCI and the PSE records hold it.
    pub(super) fn directory_entry(&self) -> Option<Tlv> {
        let pay = self.profile.payment.as_ref()?;
        let app = self.profile.df(&pay.application)?;
        Tlv::constructed(
            0x61,
            vec![
                Tlv::primitive(0x4F, app.name.clone()?).ok()?,
                Tlv::primitive(0x50, pay.label.as_bytes()).ok()?,
                Tlv::primitive(0x87, [pay.priority]).ok()?,
            ],
        )
        .ok()
    }

    /// The FCI of a DF: `6F { 84 name, A5 { … } }`.
    fn fci(&self, df: &Df) -> Option<Vec<u8>> {
        let mut a5 = Vec::new();
        if df.algorithm_template {
            // 9F0C is primitive; its value is itself 86 01 xx (spec 01 §1.5).
            let inner = Tlv::primitive(0x86, [self.profile.card.algorithm.id()]).ok()?;
            a5.push(Tlv::primitive(0x9F0C, inner.to_bytes()).ok()?);
        }
        if let Some(sfi) = df.directory_sfi {
            a5.push(Tlv::primitive(0x88, [sfi]).ok()?);
        }
        if let Some(pay) = &self.profile.payment {
            if pay.application == df.path {
                a5.push(Tlv::primitive(0x50, pay.label.as_bytes()).ok()?);
                a5.push(Tlv::primitive(0x87, [pay.priority]).ok()?);
                a5.push(Tlv::primitive(0x9F38, pay.pdol.to_bytes()).ok()?);
                let log = [pay.ecash.log_sfi, pay.ecash.log_records];
                a5.push(Tlv::constructed(0xBF0C, vec![Tlv::primitive(0x9F4D, log).ok()?]).ok()?);
            } else if df.path == "PPSE" {
                a5.push(Tlv::constructed(0xBF0C, vec![self.directory_entry()?]).ok()?);
            }
        }
        let mut children = Vec::new();
        match (&df.name, df.fid) {
            (Some(name), _) => children.push(Tlv::primitive(0x84, name.clone()).ok()?),
            (None, Some(fid)) => children.push(Tlv::primitive(0x83, fid.to_be_bytes()).ok()?),
            (None, None) => {}
        }
        if !a5.is_empty() {
            children.push(Tlv::constructed(0xA5, a5).ok()?);
        }
        Some(Tlv::constructed(0x6F, children).ok()?.to_bytes())
    }
}
