//! Golden traces in `fixtures/traces/`: read basic information, a medical
//! debit and a qPBOC purchase, recorded from the simulator with personal
//! data and PINs redacted, and replayed byte for byte as a fake card.
//! `SSCARD_BLESS=1 cargo test -p sscard --test traces` rewrites them.
//!
//! Also: no trace holds a fixture holder's SSN, name or birth date.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sscard::ops::debit::PayInfo;
use sscard::ops::payment::{load_ca_keys, PurchaseRequest};
use sscard::ops::{Profiles, Terminal};
use sscard::pin::{CallbackPad, Pin};
use sscard::security::software::SoftwareModule;
use sscard::transport::sim::SimTransport;
use sscard::transport::trace::{Replay, Trace};
use sscard::transport::Transport;
use sscard_profile::holder::Holder;
use sscard_profile::Generation;
use sscard_sim::{Simulator, UserCard};
use sscard_test_support::{masters, root};

/// The test module, its terminal random fixed so that a replay sees the
/// same INTERNAL AUTHENTICATE as the recording.
fn software() -> SoftwareModule {
    SoftwareModule::new(masters(), [0x41, 0x01, 0x00, 0x81, 0x34, 0x75], 0x017F)
        .with_fixed_terminal_random([0x52, 0x32, 0x2D, 0x73, 0x6F, 0x75, 0x72, 0x63])
}

type Pad = CallbackPad<fn(sscard::pin::PinPrompt) -> sscard::Result<Pin>>;

fn pad() -> Pad {
    fn typed(_: sscard::pin::PinPrompt) -> sscard::Result<Pin> {
        Pin::new("123456")
    }
    CallbackPad(typed)
}

fn sim_card() -> SimTransport<UserCard> {
    let profiles = Profiles::load_dir(&root().join("card-profiles")).unwrap();
    let p = profiles.for_generation(Generation::V3).unwrap();
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let mut img = sscard_sim::perso::personalise(&p, &h, &masters()).unwrap();
    let issuer = sscard_sim::perso::PaymentIssuer::from_dir(&root().join("fixtures/ca")).unwrap();
    sscard_sim::perso::personalise_payment(&mut img, &p, &h, &issuer).unwrap();
    img.purses.get_mut("SSSE/DF04/EF06").unwrap().balance = 10_000;
    img.ecash.as_mut().unwrap().balance = 10_000;
    SimTransport::new(Simulator::new(UserCard::new(p), img), "sim")
}

/// How a run records.
#[derive(Clone, Copy, PartialEq)]
enum Rec {
    No,
    Masked,
    Revealed,
}

/// Runs `op` on `card`, returns its (masked) result line.
fn run<C: Transport>(card: C, op: &str, record: Rec) -> (String, Option<Trace>) {
    let (r, t) = try_run(card, op, record);
    (r.unwrap(), t)
}

/// As [`run`], the operation's error kept.
fn try_run<C: Transport>(
    card: C,
    op: &str,
    record: Rec,
) -> (sscard::Result<String>, Option<Trace>) {
    let profiles = Profiles::load_dir(&root().join("card-profiles")).unwrap();
    let mut t = Terminal::new(card, software(), pad(), profiles);
    match record {
        Rec::No => {}
        Rec::Masked => t.record(op),
        Rec::Revealed => t.record_revealing(op),
    }
    let result = match op {
        "read-basic-info" => t.read_basic_info().map(|b| b.to_masked_line()),
        "medical-debit" => t
            .medical_debit(&PayInfo::parse("25.80|20.00|20261123101530|").unwrap())
            .map(|r| r.to_line()),
        "qpboc-purchase" => {
            let ca = load_ca_keys(&root().join("fixtures/ca/pboc-ca-keys.toml")).unwrap();
            t.purchase(
                &PurchaseRequest {
                    amount: 2_580,
                    currency: [0x01, 0x56],
                    country: [0x01, 0x56],
                    date: [0x26, 0x11, 0x23],
                    unpredictable_number: Some([0x11, 0x22, 0x33, 0x44]),
                    today: sscard_crypto::pboc::YearMonth {
                        year: 2026,
                        month: 11,
                    },
                    online_capable: false,
                },
                &ca,
            )
            .map(|p| {
                format!(
                    "{:?}|{}|{:?}|{}",
                    p.outcome,
                    p.atc,
                    p.available,
                    p.steps.join("; ")
                )
            })
        }
        _ => unreachable!(),
    };
    let trace = t.take_trace().map(|mut tr| {
        tr.result = result.as_ref().ok().cloned();
        tr
    });
    (result, trace)
}

const OPS: [&str; 3] = ["read-basic-info", "medical-debit", "qpboc-purchase"];

#[test]
fn golden_traces_replay_byte_for_byte() {
    for op in OPS {
        let path = root().join("fixtures/traces").join(format!("{op}.json"));
        let (fresh_result, fresh) = run(sim_card(), op, Rec::Masked);
        let fresh = fresh.unwrap();
        if std::env::var("SSCARD_BLESS").is_ok() {
            std::fs::write(&path, fresh.to_json().unwrap() + "\n").unwrap();
        }
        let golden = Trace::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
        // The same commands in the same order as a fresh run (randoms differ).
        assert_eq!(
            names(&fresh),
            names(&golden),
            "{op}: the command sequence changed; bless if intended"
        );
        assert_eq!(fresh.stats.apdus, golden.stats.apdus, "{op}");
        let golden_result = golden.result.clone().unwrap_or_default();
        assert_eq!(
            without_personal(op, &fresh_result),
            without_personal(op, &golden_result),
            "{op}"
        );
        // Replay the golden trace as the card: the same commands.
        let mut replay = Replay::new(golden.clone());
        let (result, _) = try_run(&mut replay, op, Rec::No);
        assert!(replay.finished(), "{op}: the replay left exchanges unused");
        if op == "qpboc-purchase" {
            // The trace masked the PAN, which the certificates sign: the
            // replay reads every record and then finds the card not genuine.
            let e = result.unwrap_err().to_string();
            assert!(
                e.contains("not genuine") && e.contains("certificate"),
                "{op}: {e}"
            );
        } else {
            // Personal fields were masked in the trace, so the replay reads masks.
            assert_eq!(
                without_personal(op, &result.unwrap()),
                without_personal(op, &golden_result),
                "{op}"
            );
        }
    }
}

/// The names of a trace's commands.
fn names(t: &Trace) -> Vec<String> {
    t.exchanges.iter().map(|e| e.name.clone()).collect()
}

/// A test card's trace recorded with personal data in clear replays
/// everything, a purchase's offline data authentication included.
#[test]
fn a_revealed_trace_replays_the_purchase_with_its_authentication() {
    let (fresh_result, fresh) = run(sim_card(), "qpboc-purchase", Rec::Revealed);
    let fresh = fresh.unwrap();
    assert!(fresh.revealed);
    let back = Trace::from_json(&fresh.to_json().unwrap()).unwrap();
    assert!(back.revealed, "the flag survives the file");
    let mut replay = Replay::new(back);
    let (result, _) = run(&mut replay, "qpboc-purchase", Rec::No);
    assert!(replay.finished());
    assert_eq!(result, fresh_result);
    assert!(result.contains("(9F4B) verified"), "{result}");
}

/// The result with the personal fields (SSN and name of `iReadCardBas`) blanked.
fn without_personal(op: &str, line: &str) -> String {
    if op != "read-basic-info" {
        return line.to_owned();
    }
    line.split('|')
        .enumerate()
        .map(|(i, f)| if i == 1 || i == 4 { "*" } else { f })
        .collect::<Vec<_>>()
        .join("|")
}

/// The fixture holder's PAN, SSN, name and birth date, each in every form
/// a trace could hold it.
fn forbidden() -> Vec<Vec<String>> {
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let r = h.record();
    let gbk = hex::encode_upper(sscard_apdu::field::gbk_encode(&r.name).unwrap());
    let pan = r.pan.clone().unwrap();
    vec![
        // The PAN's middle digits, as BCD in 5A, track 2 and an SM2 certificate.
        vec![pan[6..pan.len() - 4].to_owned()],
        vec![r.ssn.clone(), hex::encode_upper(r.ssn.as_bytes())],
        vec![r.name.clone(), gbk],
        vec![
            r.birth_date.clone(),
            hex::encode_upper(r.birth_date.as_bytes()),
        ],
    ]
}

#[test]
fn no_trace_holds_personal_data() {
    let mut texts = Vec::new();
    for op in OPS {
        let (_, t) = run(sim_card(), op, Rec::Masked);
        texts.push((format!("fresh {op}"), t.unwrap().to_json().unwrap()));
    }
    for entry in std::fs::read_dir(root().join("fixtures/traces")).unwrap() {
        let p = entry.unwrap().path();
        texts.push((
            p.display().to_string(),
            std::fs::read_to_string(&p).unwrap(),
        ));
    }
    let forbidden = forbidden();
    for (name, text) in &texts {
        for f in forbidden.iter().flatten() {
            assert!(
                !text.to_uppercase().contains(&f.to_uppercase()),
                "{name} contains {f}"
            );
        }
    }
    // The test can fail: a revealed trace of the same operations holds
    // every one of them.
    let mut revealed = String::new();
    for op in OPS {
        let (_, t) = run(sim_card(), op, Rec::Revealed);
        revealed.push_str(&t.unwrap().to_json().unwrap().to_uppercase());
    }
    for forms in &forbidden {
        assert!(
            forms.iter().any(|f| revealed.contains(&f.to_uppercase())),
            "a revealed trace holds none of {forms:?}"
        );
    }
}
