//! `sim new|serve|show`: simulated cards.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use serde_json::json;
use sscard_profile::holder::mask;
use sscard_profile::keys::MasterKeys;
use sscard_sim::image::CardImage;
use sscard_sim::{perso, psam, vpcd, Psam, Simulator, UserCard};

use super::emit;
use crate::args::{Cli, SimCommand};
use crate::error::{CliError, CliResult};

/// The test master keys (`fixtures/keys/test-masters.toml`), for the PSAM
/// `sim serve` puts in the second slot when no keys are given.
const TEST_MASTERS: &str = include_str!("../../../../fixtures/keys/test-masters.toml");

/// The profile an image was made from: the file of that name (folder or
/// built in) if it is the same version, else the image's own copy.
fn image_profile(cli: &Cli, img: &CardImage) -> CliResult<Arc<sscard_profile::Profile>> {
    let found = super::load_profile(cli, std::path::Path::new(&img.profile))
        .ok()
        .map(Arc::new);
    img.profile_from(found).map_err(CliError::input)
}

/// Runs a sim command.
pub fn run(cli: &Cli, c: &SimCommand) -> CliResult<()> {
    match c {
        SimCommand::New {
            profile,
            holder,
            keys,
            ca,
            balance,
            blank,
            out,
            force,
        } => {
            let p = super::load_profile(cli, profile)?;
            let h = sscard_profile::batch::load_holder(holder).map_err(CliError::input)?;
            let m = MasterKeys::load_file(keys).map_err(CliError::input)?;
            // A test card for a holder without a PAN gets a test PAN.
            let (h, test_pan) = match (&h.record().pan, ca, &p.payment) {
                (None, Some(_), Some(_)) => {
                    let pan = sscard::ops::sim_card::test_pan(&h.card_id());
                    let mut r = h.record().clone();
                    r.pan = Some(pan.clone());
                    let h = sscard_profile::holder::Holder::check(r)
                        .map_err(|e| CliError::usage(format!("{}: {}", e.field, e.message)))?;
                    (h, Some(pan))
                }
                _ => (h, None),
            };
            let mut image = if *blank {
                perso::blank(&p, h.card_id(), &m).map_err(CliError::input)?
            } else {
                sscard::ops::sim_card::personalise_simulated(
                    &std::sync::Arc::new(p.clone()),
                    &h,
                    &m,
                    ca.as_deref(),
                )
                .map_err(CliError::card)?
            };
            for purse in image.purses.values_mut() {
                purse.balance = *balance;
            }
            if let Some(e) = image.ecash.as_mut() {
                e.balance = *balance;
            }
            let saved = if *force {
                image.save(out)
            } else {
                image.save_new(out)
            };
            saved.map_err(CliError::input)?;
            let r = h.record();
            if let Some(pan) = &test_pan {
                if !cli.json {
                    eprintln!(
                        "the holder record has no PAN: the card got the test PAN {}",
                        sscard::redact::mask_pan(pan)
                    );
                }
            }
            emit(
                cli,
                json!({"image": out, "profile": p.file, "card_number": r.card.number, "holder": mask(&r.name), "ssn": mask(&r.ssn),
                       "pki": ca.is_some() && !*blank, "test_pan": test_pan.as_deref().map(sscard::redact::mask_pan)}),
                &format!(
                    "{}: {} card {} for {} ({})",
                    out.display(),
                    p.file,
                    r.card.number,
                    mask(&r.name),
                    mask(&r.ssn)
                ),
            );
            Ok(())
        }
        SimCommand::Show { image, reveal } => {
            let img = CardImage::load(image).map_err(|e| CliError::usage(e.to_string()))?;
            let p = image_profile(cli, &img)?;
            let mut holder = Vec::new();
            for (ef, el) in p
                .efs
                .iter()
                .flat_map(|ef| ef.elements.iter().map(move |e| (ef, e)))
            {
                let Some(rec) = img.records.get(&ef.path).and_then(|r| r.get(&el.record)) else {
                    continue;
                };
                let value = match el.format {
                    sscard_profile::ElementFormat::Field(f) => rec
                        .0
                        .get(2..)
                        .and_then(|v| f.decode(v).ok())
                        .unwrap_or_default(),
                    sscard_profile::ElementFormat::Btlv => "(b-tlv)".into(),
                };
                let shown = if el.personal && !reveal {
                    mask(&value)
                } else {
                    value
                };
                holder.push(json!({"element": el.name, "value": shown}));
            }
            let purses: Vec<_> = img
                .purses
                .iter()
                .map(|(k, v)| json!({"file": k, "balance_fen": v.balance, "counter": v.counter}))
                .collect();
            let pins: Vec<_> = img
                .pins
                .iter()
                .map(|(k, v)| json!({"pin": k, "tries_left": v.tries_left}))
                .collect();
            let mut text = format!("{} ({})\n", img.profile, img.lifecycle);
            for h in &holder {
                text.push_str(&format!(
                    "  {:<20} {}\n",
                    h["element"].as_str().unwrap_or(""),
                    h["value"].as_str().unwrap_or("")
                ));
            }
            for pu in &purses {
                text.push_str(&format!(
                    "  purse {} balance {} counter {}\n",
                    pu["file"].as_str().unwrap_or(""),
                    pu["balance_fen"],
                    pu["counter"]
                ));
            }
            for pi in &pins {
                text.push_str(&format!(
                    "  PIN {} tries left {}\n",
                    pi["pin"].as_str().unwrap_or(""),
                    pi["tries_left"]
                ));
            }
            if let Some(e) = &img.ecash {
                text.push_str(&format!(
                    "  e-cash balance {} ATC {} log {}\n",
                    e.balance,
                    e.atc,
                    e.log.len()
                ));
            }
            emit(
                cli,
                json!({"profile": img.profile, "lifecycle": img.lifecycle.to_string(), "elements": holder, "purses": purses, "pins": pins,
                       "ecash": img.ecash.as_ref().map(|e| json!({"balance_fen": e.balance, "atc": e.atc, "log": e.log.len()}))}),
                text.trim_end(),
            );
            Ok(())
        }
        SimCommand::Serve {
            image,
            replay,
            psam_keys,
            card_only,
        } => {
            if let Some(trace) = replay {
                return serve_replay(trace);
            }
            let Some(image) = image else {
                return Err(CliError::usage("give an image or --replay TRACE".into()));
            };
            let img = CardImage::load(image).map_err(CliError::input)?;
            let p = image_profile(cli, &img)?;
            let stop = Arc::new(AtomicBool::new(false));
            let psam_thread = if *card_only {
                None
            } else {
                let (masters, from) = match psam_keys {
                    Some(k) => (
                        MasterKeys::load_file(k).map_err(CliError::input)?,
                        k.display().to_string(),
                    ),
                    None => (
                        MasterKeys::load_str("test-masters.toml", TEST_MASTERS)
                            .map_err(CliError::input)?,
                        "the built-in test masters (never for real cards)".to_owned(),
                    ),
                };
                eprintln!("PSAM keys from {from}");
                let pp = Arc::new(super::load_profile(cli, std::path::Path::new("psam.toml"))?);
                let pimg = psam::psam_image(&pp, &masters).map_err(CliError::input)?;
                let s = stop.clone();
                Some(std::thread::spawn(move || {
                    vpcd::serve(
                        &mut Simulator::new(Psam::new(pp), pimg),
                        "127.0.0.1",
                        vpcd::PORT_SLOT_1,
                        &s,
                    )
                }))
            };
            eprintln!(
                "serving {} in Virtual PCD 00 00{}",
                image.display(),
                if psam_thread.is_some() {
                    ", a PSAM in Virtual PCD 00 01"
                } else {
                    ""
                }
            );
            let mut card = Simulator::new(UserCard::new(p), img).with_store(image);
            vpcd::serve(&mut card, "127.0.0.1", vpcd::PORT_SLOT_0, &stop)
                .map_err(|e| CliError::usage(e.to_string()))?;
            if let Some(t) = psam_thread {
                let _ = t.join();
            }
            Ok(())
        }
    }
}

/// A recorded trace as the card behind vpcd: the first command it cannot
/// match is reported on standard error and answered `6F00`.
struct ReplayCard {
    replay: sscard::transport::trace::Replay,
    reported: bool,
}

impl vpcd::VirtualCard for ReplayCard {
    fn atr(&mut self) -> Vec<u8> {
        use sscard::transport::Transport;
        self.replay.atr()
    }
    fn power_on(&mut self) {}
    fn power_off(&mut self) {}
    fn reset(&mut self) {}
    fn execute(&mut self, apdu: &[u8]) -> Option<Vec<u8>> {
        use sscard::transport::Transport;
        match self.replay.transmit(apdu) {
            Ok(r) => Some(r),
            Err(e) => {
                if !self.reported {
                    eprintln!("replay: the first command it cannot match: {e}");
                    self.reported = true;
                }
                Some(vec![0x6F, 0x00])
            }
        }
    }
}

fn serve_replay(trace: &std::path::Path) -> CliResult<()> {
    let text = std::fs::read_to_string(trace).map_err(|e| CliError::io(trace, &e))?;
    let t = sscard::transport::trace::Trace::from_json(&text)
        .map_err(|e| CliError::usage(format!("trace {}: {e}", trace.display())))?;
    eprintln!(
        "replaying {} ({} exchanges) in Virtual PCD 00 00",
        trace.display(),
        t.exchanges.len()
    );
    let mut card = ReplayCard {
        replay: sscard::transport::trace::Replay::new(t),
        reported: false,
    };
    let stop = Arc::new(AtomicBool::new(false));
    vpcd::serve(&mut card, "127.0.0.1", vpcd::PORT_SLOT_0, &stop)
        .map_err(|e| CliError::usage(e.to_string()))
}
