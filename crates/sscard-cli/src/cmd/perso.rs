//! `perso plan|run|verify`: personalisation through APDUs with a journal.

use std::path::PathBuf;

use serde_json::json;
use sscard::ops::perso::{plan, CertIssuer};
use sscard_profile::holder::Holder;

use super::emit;
use crate::args::{Cli, PersoArgs, PersoCommand};
use crate::context::open;
use crate::error::{CliError, CliResult};

fn load(cli: &Cli, a: &PersoArgs) -> CliResult<(sscard_profile::Profile, Holder)> {
    Ok((
        super::load_profile(cli, &a.profile)?,
        sscard_profile::batch::load_holder(&a.holder).map_err(CliError::input)?,
    ))
}

/// Runs a perso command.
pub fn run(cli: &Cli, c: &PersoCommand) -> CliResult<()> {
    match c {
        PersoCommand::Plan(a) => {
            let (p, h) = load(cli, a)?;
            let steps = plan(&p, &h).map_err(CliError::card)?;
            let lines: Vec<String> = steps
                .iter()
                .enumerate()
                .map(|(i, s)| format!("{:>3} {}", i + 1, s.describe()))
                .collect();
            emit(cli, json!({"steps": lines}), &lines.join("\n"));
            Ok(())
        }
        PersoCommand::Run {
            perso,
            card,
            journal,
            resume,
        } => {
            let (p, h) = load(cli, perso)?;
            let steps = plan(&p, &h).map_err(CliError::card)?;
            let journal = journal.clone().unwrap_or_else(|| match &card.sim {
                Some(img) => img.with_extension("journal.json"),
                None => PathBuf::from(format!(
                    "perso-{}.journal.json",
                    hex::encode_upper(h.card_id())
                )),
            });
            if journal.exists() && !resume {
                return Err(CliError::usage(format!("{} exists: continue that run with --resume (it does nothing when the run finished)", journal.display())));
            }
            let ca = perso
                .ca
                .as_ref()
                .map(|d| CertIssuer::from_dir(d))
                .transpose()
                .map_err(CliError::card)?;
            let mut t = open(card, cli)?;
            let ran = t
                .personalise(&p, &h, &steps, &journal, ca.as_ref())
                .map_err(CliError::card)?;
            emit(
                cli,
                json!({"steps": steps.len(), "ran": ran, "journal": journal}),
                &format!(
                    "personalised: {ran} of {} steps run now (journal {})",
                    steps.len(),
                    journal.display()
                ),
            );
            Ok(())
        }
        PersoCommand::Verify { perso, card } => {
            let (p, h) = load(cli, perso)?;
            let trust = perso
                .ca
                .as_deref()
                .map(crate::context::load_trust)
                .transpose()?;
            let mut t = open(card, cli)?;
            let bad = t
                .verify_personalisation(&p, &h, trust.as_ref())
                .map_err(CliError::card)?;
            emit(
                cli,
                json!({"ok": bad.is_empty(), "mismatches": bad}),
                &if bad.is_empty() {
                    "card verifies equal to the plan".to_owned()
                } else {
                    bad.join("\n")
                },
            );
            if bad.is_empty() {
                Ok(())
            } else {
                Err(CliError::shown(1, format!("{} mismatches", bad.len())))
            }
        }
    }
}
