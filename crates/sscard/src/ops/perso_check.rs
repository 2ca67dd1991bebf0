//! The checks around personalisation: before the first write, that the
//! card in hand is the holder's blank card and that every input is there;
//! after it, that the card reads back as planned, free-read files first.

use sscard_crypto::x509;
use sscard_crypto::PublicKey;
use sscard_profile::holder::Holder;
use sscard_profile::Profile;

use super::perso::{CertIssuer, Step, StepKind};
use super::Terminal;
use crate::error::{Error, Result};
use crate::pin::PinPad;
use crate::security::SecurityModule;
use crate::transport::Transport;
use sscard_apdu::commands::{self, BinaryAt};

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// Compares the records of `efs` with what the plan wrote.
    fn compare_records(
        &mut self,
        profile: &Profile,
        holder: &Holder,
        efs: &[&sscard_profile::Ef],
        bad: &mut Vec<String>,
    ) -> Result<()> {
        for ef in efs {
            for el in &ef.elements {
                let text = sscard_profile::element_data::element_value(profile, holder, el);
                let want = sscard_profile::element_data::element_record(el, &text)
                    .map_err(|e| Error::InvalidInput(e.to_string()))?;
                for n in 0..el.occurrences {
                    let got = self.read_record_of(profile, ef, el, el.record + n, true)?;
                    if got != want[2..] {
                        bad.push(format!("{} record {}: differs", ef.path, el.record + n));
                    }
                }
            }
        }
        Ok(())
    }

    /// Before the first write: every input the plan needs is there (`--ca`
    /// for a PKI certificate), and the card in hand is the holder's blank
    /// card: its IRK, diversified from the holder's card identification
    /// code, answers an internal authentication as the security module
    /// computes it. A mismatch changes nothing on the card.
    pub(crate) fn check_before_perso(
        &mut self,
        profile: &Profile,
        holder: &Holder,
        plan: &[Step],
        ca: Option<&CertIssuer>,
    ) -> Result<()> {
        if ca.is_none()
            && plan
                .iter()
                .any(|s| matches!(s.kind, StepKind::Certificate { .. }))
        {
            return Err(Error::BadArgument(
                "the plan certifies the card's PKI key: give --ca with the issuing CA".into(),
            ));
        }
        let (auth, answer) = self.internal_auth_in(profile)?;
        let expected = self
            .sm
            .auth_data(
                profile.card.algorithm.scheme().ok_or_else(|| {
                    Error::NotSupported("SSF33 cards cannot be personalised here".into())
                })?,
                auth.key_address,
                &holder.card_id(),
                &auth.process_factor,
                &auth.source,
            )
            .map_err(|e| match e {
                Error::NoPsam(_) => Error::BadArgument(
                    "perso run checks the card in hand before writing: give --keys or --psam"
                        .into(),
                ),
                other => other,
            })?;
        if answer != expected {
            return Err(Error::InvalidInput(format!(
                "the card in the reader is not the blank card of {} (card identification code {}): its keys answer for another card; nothing was written",
                holder.record().card.number,
                hex::encode_upper(holder.card_id())
            )));
        }
        self.state.forget_selection();
        Ok(())
    }

    /// Reads every element back and compares it with what the plan wrote;
    /// checks the PKI certificate chains to `trust` and names the card's key.
    /// Returns the mismatches (empty: the card is as planned).
    ///
    /// # Errors
    /// Card and access errors.
    pub fn verify_personalisation(
        &mut self,
        profile: &Profile,
        holder: &Holder,
        trust: Option<&super::genuine::Trust>,
    ) -> Result<Vec<String>> {
        self.state.forget_card();
        self.identify()?;
        let mut bad = Vec::new();
        // Free-read files first: a mismatch seen there ends the check before
        // anything spends a PIN or key try.
        let (free, guarded): (Vec<_>, Vec<_>) = profile
            .efs
            .iter()
            .partition(|ef| ef.read == sscard_profile::AccessRule::Free);
        for (pass, efs) in [free, guarded].into_iter().enumerate() {
            if pass == 1 && !bad.is_empty() {
                bad.push(
                    "files behind a PIN or key not read: the free-read files already differ".into(),
                );
                break;
            }
            self.compare_records(profile, holder, &efs, &mut bad)?;
        }
        let pki = profile.roles.pki.as_ref();
        let public_key = pki.and_then(|p| profile.ef(&p.signing_public_key));
        if let (Some(trust), Some(public_key)) = (trust.filter(|_| bad.is_empty()), public_key) {
            let cert = self.read_signing_certificate()?;
            if let Err(e) = x509::verify_chain(
                &[
                    cert.clone(),
                    trust
                        .intermediates
                        .first()
                        .cloned()
                        .unwrap_or_else(|| trust.root.clone()),
                ],
                &trust.root,
                self.now(),
            ) {
                bad.push(format!("PKI certificate: {e}"));
            }
            self.select_ef(public_key.fid)?;
            // The public key file: nothing personal.
            let file = self
                .card
                .command(&commands::read_binary(BinaryAt::Offset(0), 66)?)?;
            let on_card = file.get(2..).map(PublicKey::from_xy);
            match (on_card, cert.public_key()) {
                (Some(Ok(k)), Ok(c)) if k == c => {}
                _ => bad.push("PKI certificate: does not certify the card's key".into()),
            }
        }
        Ok(bad)
    }
}
