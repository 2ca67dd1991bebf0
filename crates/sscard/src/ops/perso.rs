//! Personalisation of a blank card through APDUs, with a journal so that a
//! run stopped half-way (card pulled, power lost, Ctrl-C) resumes where it
//! stopped. Every step is self-contained (it selects its own file), and
//! re-running a step whose effect was committed but not journalled gives
//! the same card: record writes are idempotent, the key pair step is
//! followed by the certificate step that certifies whatever key is on the
//! card, and END PERSONALISATION is idempotent on the card.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sscard_crypto::x509::{self, CertKind, CertSpec, Certificate};
use sscard_crypto::{KeyPair, PublicKey};
use sscard_profile::holder::Holder;
use sscard_profile::Profile;

use super::Terminal;
use crate::error::{Error, Result};
use crate::pin::PinPad;
use crate::security::SecurityModule;
use crate::transport::Transport;
use sscard_apdu::commands;

/// What a step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepKind {
    /// UPDATE RECORD `record` of EF `fid` in DF `df` with `data`.
    Record {
        /// DF path.
        df: String,
        /// EF FID.
        fid: u16,
        /// Record number.
        record: u8,
        /// `tag len value`.
        data: Vec<u8>,
        /// Personal data (masked in the plan).
        personal: bool,
    },
    /// CHANGE PIN from the profile's default to the holder's PIN.
    HolderPin {
        /// The default.
        from: String,
        /// The holder's.
        to: String,
    },
    /// GENERATE KEY PAIR in DF `df` (administrator PIN first).
    GenerateKey {
        /// The PKI ADF.
        df: String,
    },
    /// Certify the card's public key and write the certificate to EF `fid`.
    Certificate {
        /// The PKI ADF.
        df: String,
        /// Certificate EF.
        fid: u16,
    },
    /// END PERSONALISATION.
    End,
}

/// One step of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// A name for the plan and the journal (`SSSE/EF05 #7`).
    pub name: String,
    /// What it does.
    pub kind: StepKind,
}

impl Step {
    /// One line of the plan, personal data and PINs masked.
    pub fn describe(&self) -> String {
        match &self.kind {
            StepKind::Record {
                data,
                personal,
                record,
                ..
            } => {
                let shown = if *personal {
                    format!(
                        "{:02X} {:02X} [{} personal bytes]",
                        data.first().copied().unwrap_or(0),
                        data.get(1).copied().unwrap_or(0),
                        data.len().saturating_sub(2)
                    )
                } else {
                    hex::encode_upper(data)
                };
                format!("{:<24} UPDATE RECORD {record} {shown}", self.name)
            }
            StepKind::HolderPin { .. } => format!("{:<24} CHANGE PIN [secret]", self.name),
            StepKind::GenerateKey { .. } => format!(
                "{:<24} VERIFY admin PIN [secret], GENERATE KEY PAIR",
                self.name
            ),
            StepKind::Certificate { .. } => format!(
                "{:<24} EXPORT PUBLIC KEY, certify, UPDATE BINARY in 0x70 chunks",
                self.name
            ),
            StepKind::End => format!("{:<24} END PERSONALISATION", self.name),
        }
    }
}

/// The plan for `profile` and `holder`: every data record, the holder PIN,
/// the PKI key pair and certificate, then END PERSONALISATION.
///
/// # Errors
/// [`Error::InvalidInput`] for a value that does not fit its element.
pub fn plan(profile: &Profile, holder: &Holder) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    for ef in &profile.efs {
        for el in &ef.elements {
            let text = sscard_profile::element_data::element_value(profile, holder, el);
            let data = sscard_profile::element_data::element_record(el, &text)
                .map_err(|e| Error::InvalidInput(format!("element {}: {e}", el.name)))?;
            for n in 0..el.occurrences {
                steps.push(Step {
                    name: format!("{} #{}", ef.path, el.record + n),
                    kind: StepKind::Record {
                        df: ef.df.clone(),
                        fid: ef.fid,
                        record: el.record + n,
                        data: data.clone(),
                        personal: el.personal,
                    },
                });
            }
        }
    }
    if let (Some(pin), Some(def)) = (&holder.record().pin, profile.pin(&profile.roles.holder_pin)) {
        if let Some(from) = &def.default {
            if from != pin {
                steps.push(Step {
                    name: "holder PIN".into(),
                    kind: StepKind::HolderPin {
                        from: from.clone(),
                        to: pin.clone(),
                    },
                });
            }
        }
    }
    let certificate = profile
        .roles
        .pki
        .as_ref()
        .map(|p| p.signing_certificate.as_str());
    if let Some(cert_ef) = certificate.and_then(|c| profile.ef(c)) {
        steps.push(Step {
            name: "PKI key pair".into(),
            kind: StepKind::GenerateKey {
                df: cert_ef.df.clone(),
            },
        });
        steps.push(Step {
            name: "PKI certificate".into(),
            kind: StepKind::Certificate {
                df: cert_ef.df.clone(),
                fid: cert_ef.fid,
            },
        });
    }
    steps.push(Step {
        name: "end".into(),
        kind: StepKind::End,
    });
    Ok(steps)
}

/// What batch data preparation makes for one card: the data records as a
/// `sscard script`.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The card number (file names).
    pub card_number: String,
    /// `APDU SW` lines selecting each file and writing each record.
    pub script: String,
}

/// Prepares one card: the plan's record steps as a script.
///
/// # Errors
/// [`Error::InvalidInput`] for values that do not fit the profile.
pub fn prepare(profile: &Profile, holder: &Holder) -> Result<Prepared> {
    let steps = plan(profile, holder)?;
    let mut script = String::with_capacity(4096);
    let mut current: Option<(&str, u16)> = None;
    for s in &steps {
        if let StepKind::Record {
            df,
            fid,
            record,
            data,
            ..
        } = &s.kind
        {
            if current != Some((df.as_str(), *fid)) {
                script.push_str(&format!("# {}\n", s.name.split(" #").next().unwrap_or("")));
                for part in df_path_selects(profile, df) {
                    script.push_str(&part);
                    script.push_str(" => 9000\n");
                }
                script.push_str(&format!("00A4000002{fid:04X} => 9000\n"));
                current = Some((df.as_str(), *fid));
            }
            script.push_str(&format!(
                "00DC{record:02X}04{:02X}{} => 9000\n",
                data.len(),
                hex::encode_upper(data)
            ));
        }
    }
    Ok(Prepared {
        card_number: holder.record().card.number.clone(),
        script,
    })
}

/// SELECT APDUs (hex) from the MF down to `df`.
fn df_path_selects(profile: &Profile, df: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut walked = String::new();
    for part in df.split('/') {
        walked = if walked.is_empty() {
            part.to_owned()
        } else {
            format!("{walked}/{part}")
        };
        match profile.df(&walked).map(|d| (d.name.clone(), d.fid)) {
            Some((Some(name), _)) => out.push(format!(
                "00A40400{:02X}{}",
                name.len(),
                hex::encode_upper(name)
            )),
            Some((None, Some(fid))) => out.push(format!("00A4000002{fid:04X}")),
            _ => {}
        }
    }
    out
}

/// Which steps of a plan are done, kept in a file written atomically.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    /// Journal format.
    pub format: u32,
    /// The card identification code the plan is for.
    pub card_id: String,
    /// Step names of the plan, to refuse a journal of another plan.
    pub steps: Vec<String>,
    /// How many steps, from the start, are done.
    pub done: usize,
}

impl Journal {
    /// A new journal for `plan`.
    pub fn new(card_id: &str, plan: &[Step]) -> Self {
        Self {
            format: 1,
            card_id: card_id.to_owned(),
            steps: plan.iter().map(|s| s.name.clone()).collect(),
            done: 0,
        }
    }

    /// Loads a journal.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when it cannot be read or parsed.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::InvalidInput(format!(
                "{}: {}",
                path.display(),
                sscard_profile::error::io_reason(&e)
            ))
        })?;
        serde_json::from_str(&text)
            .map_err(|e| Error::InvalidInput(format!("{}: {e}", path.display())))
    }

    /// Saves atomically (`sscard_profile::atomic`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] on I/O errors.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json =
            serde_json::to_vec_pretty(self).map_err(|e| Error::InvalidInput(e.to_string()))?;
        sscard_profile::atomic::write_atomically(path, &json).map_err(|e| {
            Error::InvalidInput(format!(
                "{}: {}",
                path.display(),
                sscard_profile::error::io_reason(&e)
            ))
        })
    }
}

/// The CA that certifies the card's PKI key (`--ca`).
pub struct CertIssuer {
    /// The issuing CA's certificate.
    pub cert: Certificate,
    /// Its key.
    pub key: KeyPair,
}

impl CertIssuer {
    /// `issuer.pem` and `issuer.key.pem` from `dir`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when they cannot be read.
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let read = |n: &str| {
            std::fs::read_to_string(dir.join(n)).map_err(|e| {
                Error::InvalidInput(format!(
                    "{}: {}",
                    dir.join(n).display(),
                    sscard_profile::error::io_reason(&e)
                ))
            })
        };
        Ok(Self {
            cert: Certificate::from_pem(&read("issuer.pem")?)
                .map_err(|e| Error::InvalidInput(e.to_string()))?,
            key: KeyPair::from_pkcs8_pem(&read("issuer.key.pem")?)
                .map_err(|e| Error::InvalidInput(e.to_string()))?,
        })
    }
}

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    fn perso_step(
        &mut self,
        profile: &Profile,
        holder: &Holder,
        step: &Step,
        ca: Option<&CertIssuer>,
    ) -> Result<()> {
        match &step.kind {
            StepKind::Record {
                df,
                fid,
                record,
                data,
                personal,
            } => {
                self.select_df(profile, df)?;
                self.select_ef(*fid)?;
                let c = if *personal {
                    commands::update_holder_record(*record, data)?
                } else {
                    commands::update_record(*record, data)?
                };
                self.card.command(&c).map(|_| ())
            }
            StepKind::HolderPin { from, to } => {
                self.select_df(profile, super::SSSE)?;
                let bcd = |p: &str| crate::pin::Pin::new(p).map(|p| p.to_bcd().to_vec());
                let r = self
                    .card
                    .send(&commands::change_pin(&bcd(from)?, &bcd(to)?)?)?;
                match r.sw() {
                    sscard_apdu::StatusWord::Success => Ok(()),
                    // Committed before a tear: the holder PIN is already set.
                    sscard_apdu::StatusWord::VerifyFailed { .. } => {
                        let check = commands::verify(0x00, &bcd(to)?)?;
                        self.card.command(&check).map(|_| ())
                    }
                    sw => Err(Error::from_card("CHANGE PIN", sw)),
                }
            }
            StepKind::GenerateKey { df } => {
                self.select_df(profile, df)?;
                let admin = profile
                    .roles
                    .pki
                    .as_ref()
                    .and_then(|p| profile.pin(&p.admin_pin))
                    .ok_or_else(|| Error::BadArgument("no PKI administrator PIN".into()))?;
                let pin = crate::pin::Pin::new(admin.default.as_deref().unwrap_or_default())?;
                let reference = admin.reference;
                self.card
                    .command(&commands::verify(reference, &pin.to_bcd())?)?;
                self.card
                    .command(&commands::generate_key_pair())
                    .map(|_| ())
            }
            StepKind::Certificate { df, fid } => {
                let ca = ca.ok_or_else(|| {
                    Error::BadArgument("the plan certifies a PKI key: give --ca".into())
                })?;
                self.select_df(profile, df)?;
                self.card.command(&commands::export_public_key())?;
                let xy = self.card.command(&commands::export_public_key_value())?;
                let key = PublicKey::from_xy(&xy).map_err(|e| Error::Malformed {
                    command: "EXPORT PUBLIC KEY",
                    reason: e.to_string(),
                })?;
                let r = holder.record();
                let now = self.now();
                let cert = x509::issue(
                    &CertSpec {
                        kind: CertKind::Signing,
                        subject: x509::holder_subject(&r.name, &r.ssn, &holder.area_code()),
                        serial: u64::from_be_bytes(
                            holder.card_id()[8..].try_into().unwrap_or([0; 8]),
                        ) >> 1,
                        not_before: now - Duration::from_secs(60),
                        not_after: now + Duration::from_secs(86_400 * 365 * 10),
                    },
                    &key,
                    Some(&ca.cert),
                    &ca.key,
                )
                .map_err(|e| Error::InvalidInput(e.to_string()))?;
                self.select_ef(*fid)?;
                for (i, chunk) in cert.to_der().chunks(0x70).enumerate() {
                    let off = u16::try_from(i * 0x70).unwrap_or(u16::MAX);
                    self.card
                        .command(&commands::update_holder_binary(off, chunk)?)?;
                }
                Ok(())
            }
            StepKind::End => self
                .card
                .command(&commands::end_personalisation())
                .map(|_| ()),
        }
    }

    /// Runs `plan` from where `journal_path` says it stopped (from the
    /// start when there is no journal), saving the journal after each step.
    /// Returns how many steps ran now.
    ///
    /// # Errors
    /// The first failing step's error; the journal keeps what was done.
    pub fn personalise(
        &mut self,
        profile: &Profile,
        holder: &Holder,
        plan: &[Step],
        journal_path: &Path,
        ca: Option<&CertIssuer>,
    ) -> Result<usize> {
        self.run_plan(profile, holder, plan, Some(journal_path), ca)
    }

    /// Runs `plan` after the checks of [`Terminal::personalise`], with a
    /// journal or (a simulated card made in one go) without.
    pub(crate) fn run_plan(
        &mut self,
        profile: &Profile,
        holder: &Holder,
        plan: &[Step],
        journal_path: Option<&Path>,
        ca: Option<&CertIssuer>,
    ) -> Result<usize> {
        let card_id = hex::encode_upper(holder.card_id());
        let mut journal = match journal_path.filter(|p| p.exists()) {
            Some(path) => {
                let j = Journal::load(path)?;
                if j.card_id != card_id
                    || j.steps != plan.iter().map(|s| s.name.clone()).collect::<Vec<_>>()
                {
                    return Err(Error::InvalidInput(format!(
                        "{} is the journal of another plan or card",
                        path.display()
                    )));
                }
                j
            }
            None => Journal::new(&card_id, plan),
        };
        self.state.forget_selection();
        self.check_before_perso(profile, holder, plan, ca)?;
        let mut ran = 0;
        for step in plan.iter().skip(journal.done) {
            self.perso_step(profile, holder, step, ca)?;
            journal.done += 1;
            if let Some(path) = journal_path {
                journal.save(path)?;
            }
            ran += 1;
        }
        Ok(ran)
    }
}
