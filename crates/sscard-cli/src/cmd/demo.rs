//! `demo`: the main job, no reader needed. A simulated third-generation
//! card and a PSAM, personalised from a fixture holder and the test keys;
//! then what a hospital POS does: read the basic information, verify the
//! PIN, check the card is genuine (SM4 internal authentication and SM2
//! PKI), a medical debit and a contactless purchase. Personal data masked.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sscard::ops::debit::PayInfo;
use sscard::ops::genuine::Trust;
use sscard::ops::payment::{load_ca_keys, PurchaseRequest};
use sscard::ops::Terminal;
use sscard::pin::{CallbackPad, Pin};
use sscard::security::psam::PsamModule;
use sscard::transport::pcsc::{wait_card, PcscTransport};
use sscard::transport::sim::SimTransport;
use sscard::transport::Transport;
use sscard_crypto::x509::Certificate;
use sscard_profile::holder::{mask, Holder};
use sscard_profile::keys::MasterKeys;
use sscard_profile::Generation;
use sscard_sim::vpcd::{self, VirtualCard};
use sscard_sim::{Psam, Simulator, UserCard};

use crate::args::{Cli, DemoArgs};
use crate::error::{CliError, CliResult};

/// With `--json` the demo prints one document at the end, not its lines.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `println!` that ignores a closed pipe (and is silent with `--json`).
macro_rules! say {
    ($($t:tt)*) => {
        if !QUIET.load(std::sync::atomic::Ordering::Relaxed) {
            crate::cmd::out(&format!($($t)*))
        }
    };
}

/// Runs the demo.
pub fn run(cli: &Cli, a: &DemoArgs) -> CliResult<()> {
    let source = crate::context::profile_source(cli.profiles.as_deref());
    QUIET.store(cli.json, std::sync::atomic::Ordering::Relaxed);
    let steps = demo(&source, a).map_err(|e| CliError::new(1, e.to_string()))?;
    if cli.json {
        crate::cmd::emit(cli, serde_json::json!({"ok": true, "steps": steps}), "");
    }
    Ok(())
}

/// Connects to a vpcd reader, waiting for the bridge to come up.
fn connect_retry(reader: &str) -> Result<PcscTransport, Box<dyn std::error::Error>> {
    let mut last = None;
    for _ in 0..100 {
        match PcscTransport::connect(reader) {
            Ok(t) => return Ok(t),
            Err(e) => last = Some(e),
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Err(format!(
        "{reader}: {}",
        last.map(|e| e.to_string()).unwrap_or_default()
    )
    .into())
}

fn demo(
    source: &sscard::builtin::ProfileSource,
    a: &DemoArgs,
) -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
    let (fixtures, via_pcscd) = (a.fixtures.as_path(), a.via_pcscd);
    let profiles = source.user_profiles()?;
    let masters = MasterKeys::load_file(fixtures.join("keys/test-masters.toml"))?;
    let holder = Holder::load_file(fixtures.join("holders/zhang-san.toml"))?;
    let ca_dir = fixtures.join("ca");
    let read = |n: &str| std::fs::read_to_string(ca_dir.join(n));

    say!("sscard demo: a simulated 3.0 card and PSAM, test keys only\n");
    // Personalise the card image: data files, keys, PINs, the financial
    // application, an SM2 key pair with a certificate from the test CA.
    let profile = profiles
        .for_generation(Generation::V3)
        .ok_or("no 3.0 profile")?;
    // The same plan `perso run` sends, through the simulator: the card
    // generates its SM2 key pair and the test CA certifies it.
    let mut image =
        sscard::ops::sim_card::personalise_simulated(&profile, &holder, &masters, Some(&ca_dir))?;
    let issuer = Certificate::from_pem(&read("issuer.pem")?)?;
    let r = holder.record();
    if let Some(p) = image.purses.get_mut("SSSE/DF04/EF06") {
        p.balance = 10_000; // fen
    }
    if let Some(e) = image.ecash.as_mut() {
        e.balance = 50_000; // fen
    }
    say!(
        "personalised card {} for holder {} ({})",
        r.card.number,
        mask(&r.name),
        mask(&r.ssn)
    );

    let psam_profile = source.load(Path::new("psam.toml"))?;
    let psam_image = sscard_sim::psam::psam_image(&psam_profile, &masters)?;
    let card_sim = Simulator::new(UserCard::new(profile.clone()), image);
    let psam_sim = Simulator::new(Psam::new(psam_profile.clone()), psam_image);
    let stop = Arc::new(AtomicBool::new(false));
    let mut bridges = Vec::new();
    let (card, psam_transport): (Box<dyn Transport>, Box<dyn Transport>) = if via_pcscd {
        // A virtual card left by an earlier program must be gone first: pcscd
        // would otherwise hand our commands to its closed link.
        for reader in ["Virtual PCD 00 00", "Virtual PCD 00 01"] {
            wait_card(reader, false, Duration::from_secs(5)).map_err(|e| {
                format!("{reader}: {e} (another virtual card is being served there)")
            })?;
        }
        for (mut sim, port) in [
            (
                Box::new(card_sim) as Box<dyn VirtualCard + Send>,
                vpcd::PORT_SLOT_0,
            ),
            (Box::new(psam_sim), vpcd::PORT_SLOT_1),
        ] {
            let s = stop.clone();
            bridges.push(std::thread::spawn(move || {
                vpcd::serve(&mut sim, "127.0.0.1", port, &s)
            }));
        }
        for reader in ["Virtual PCD 00 00", "Virtual PCD 00 01"] {
            wait_card(reader, true, Duration::from_secs(10))?;
        }
        say!("serving the card in Virtual PCD 00 00 and the PSAM in Virtual PCD 00 01 (pcscd + vpcd)");
        (
            Box::new(connect_retry("Virtual PCD 00 00")?),
            Box::new(connect_retry("Virtual PCD 00 01")?),
        )
    } else {
        (
            Box::new(SimTransport::new(card_sim, "card")),
            Box::new(SimTransport::new(psam_sim, "PSAM")),
        )
    };
    let psam = PsamModule::from_profile(psam_transport, &psam_profile)?;
    let pin = r.pin.clone().unwrap_or_else(|| "888888".into());
    // The plan sets the holder's PIN; the PKI user PIN keeps the profile's
    // default until the holder changes it.
    let pki_pin = profile
        .roles
        .pki
        .as_ref()
        .and_then(|r| profile.pin(&r.user_pin))
        .and_then(|p| p.default.clone())
        .unwrap_or_else(|| pin.clone());
    let pad = CallbackPad(move |prompt| match prompt {
        sscard::pin::PinPrompt::PkiUser => Pin::new(&pki_pin),
        _ => Pin::new(&pin),
    });
    let mut t = Terminal::new(card, psam, pad, profiles);
    if let Some(path) = &a.trace {
        let atr = t.session().transport().atr();
        let recorder = sscard::session::TraceFile::new(path, "demo", &atr);
        t.observe(recorder.into_observer());
    }
    let done = std::cell::RefCell::new(Vec::new());
    let step = |name: &str, t: &mut Terminal<_, _, _>, detail: String| {
        let s = t.take_stats();
        done.borrow_mut().push(serde_json::json!({
            "step": name, "apdus": s.apdus, "bytes": s.sent + s.received, "result": detail,
        }));
        say!(
            "  {name:<28} {:>3} APDUs {:>5} bytes   {detail}",
            s.apdus,
            s.sent + s.received
        );
    };

    say!("\nsteps (card APDUs; the PSAM's are not counted):");
    let info = t.read_basic_info()?;
    step("read basic information", &mut t, info.to_masked_line());
    t.verify_pin()?;
    step("verify PIN", &mut t, "ok".into());
    let trust = Trust {
        root: Certificate::from_pem(&read("root.pem")?)?,
        intermediates: vec![issuer],
    };
    let g = t.check_genuine(&trust)?;
    step(
        "genuine (SM4 + SM2 PKI)",
        &mut t,
        format!(
            "internal auth {}, SM2 auth {}",
            if g.internal_auth { "passed" } else { "failed" },
            match g.sm2_auth {
                Some(true) => "passed",
                Some(false) => "failed",
                None => "not run",
            }
        ),
    );
    let debit = t.medical_debit(&PayInfo::parse("25.80|20.00|20261123101530|")?)?;
    step(
        "medical debit 25.80",
        &mut t,
        format!(
            "TAC {}, balance {}.{:02}",
            debit.tac,
            debit.balance / 100,
            debit.balance % 100
        ),
    );
    let ca = load_ca_keys(&ca_dir.join("pboc-ca-keys.toml"))?;
    let p = t.purchase(
        &PurchaseRequest::cny(
            1_200,
            [0x26, 0x11, 0x23],
            sscard_crypto::pboc::YearMonth {
                year: 2026,
                month: 11,
            },
        ),
        &ca,
    )?;
    step(
        "contactless purchase 12.00",
        &mut t,
        format!("{}, ATC {}", p.outcome, p.atc),
    );
    for s in &p.steps {
        say!("      fDDA: {s}");
    }
    say!("\ndemo finished: every step succeeded");
    drop(t);
    stop.store(true, Ordering::Relaxed);
    for b in bridges {
        let _ = b.join();
    }
    Ok(done.into_inner())
}
