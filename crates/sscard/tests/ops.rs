//! Every operation against the in-process simulator, for a 3.0 and a 2.0
//! card, with the failure paths and their reader-interface codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sscard::ops::debit::PayInfo;
use sscard::ops::genuine::Trust;
use sscard::ops::Terminal;
use sscard::pin::{CallbackPad, Pin, PinPrompt};
use sscard::security::psam::PsamModule;
use sscard::security::software::SoftwareModule;
use sscard::security::SecurityModule;
use sscard::transport::sim::SimTransport;
use sscard::Error;
use sscard_apdu::StatusWord;
use sscard_crypto::x509::{self, CertKind, CertSpec, Certificate};
use sscard_crypto::KeyPair;
use sscard_profile::holder::Holder;
use sscard_profile::keys::MasterKeys;
use sscard_profile::Generation;
use sscard_sim::image::{CardImage, Hex};
use sscard_sim::{Psam, Simulator, UserCard};
use sscard_test_support::{masters, profiles, root, software};

fn holder(name: &str) -> Holder {
    Holder::load_file(root().join("fixtures/holders").join(name)).unwrap()
}

fn card_image(
    generation: Generation,
    holder_name: &str,
) -> (Arc<sscard_profile::Profile>, CardImage) {
    let p = profiles().for_generation(generation).unwrap();
    let img = sscard_sim::perso::personalise(&p, &holder(holder_name), &masters()).unwrap();
    (p, img)
}

type Pad = CallbackPad<Box<dyn FnMut(PinPrompt) -> sscard::Result<Pin>>>;

/// A pad that types the PINs of `script` in order, then `123456`.
fn pad(script: &[&str]) -> (Pad, Rc<RefCell<Vec<PinPrompt>>>) {
    let queue: Rc<RefCell<Vec<String>>> = Rc::new(RefCell::new(
        script.iter().rev().map(|s| s.to_string()).collect(),
    ));
    let asked = Rc::new(RefCell::new(Vec::new()));
    let a = asked.clone();
    let f: Box<dyn FnMut(PinPrompt) -> sscard::Result<Pin>> = Box::new(move |p| {
        a.borrow_mut().push(p);
        Pin::new(&queue.borrow_mut().pop().unwrap_or_else(|| "123456".into()))
    });
    (CallbackPad(f), asked)
}

fn terminal(
    generation: Generation,
    pins: &[&str],
) -> Terminal<SimTransport<UserCard>, SoftwareModule, Pad> {
    let (p, img) = card_image(generation, "zhang-san.toml");
    let card = SimTransport::new(Simulator::new(UserCard::new(p), img), "sim");
    Terminal::new(card, software(), pad(pins).0, profiles())
}

#[test]
fn basic_info_3_0_and_2_0() {
    let mut t = terminal(Generation::V3, &[]);
    let info = t.read_basic_info().unwrap();
    assert_eq!(
        info.to_line(),
        "639900|11010519491231002X|X00000019|639900D15600000500BF7C7A48FB4966|张三|00814E43238697159900BF7C7A|3.00|20261101|20361101|410100813475||"
    );
    assert!(!format!("{info:?}").contains("11010519491231002X"));
    let v3 = t.take_stats();
    let mut t2 = terminal(Generation::V2, &[]);
    let info2 = t2.read_basic_info().unwrap();
    assert_eq!(info2.spec_version, "2.00");
    assert_eq!(info2.name, "张三");
    let v2 = t2.take_stats();
    // 2.0 needs no RKSSSE: three APDUs fewer (two challenges, one EXTERNAL AUTHENTICATE).
    assert_eq!(v3.apdus, v2.apdus + 3, "3.0 {v3:?}, 2.0 {v2:?}");
    // A long name joins tag 09 and the name extension 4E.
    let (p, img) = card_image(Generation::V3, "ayguli.toml");
    let mut t3 = Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p), img), "sim"),
        software(),
        pad(&[]).0,
        profiles(),
    );
    assert_eq!(
        t3.read_basic_info().unwrap().name,
        holder("ayguli.toml").record().name
    );
}

#[test]
fn minimal_apdus_for_basic_info() {
    let mut t = terminal(Generation::V3, &[]);
    t.read_basic_info().unwrap();
    let s = t.take_stats();
    // SELECT SSSE, SELECT EF05, 2 reads, 2 challenges + INTERNAL AUTH,
    // 3 reads, SELECT EF06 + 2 challenges + EXTERNAL AUTH (+ reselects), 3 reads.
    assert!(s.apdus <= 20, "{s:?}");
    assert!(s.contactless_ms() < 50.0, "{}", s.contactless_ms());
}

#[test]
fn wrong_pin_down_to_blocked_then_unblock_and_change() {
    let mut t = terminal(Generation::V3, &["000000", "000001", "000002", "123456"]);
    for (tries, code) in [(2, -51), (1, -51)] {
        let e = t.verify_pin().unwrap_err();
        assert!(
            matches!(e, Error::WrongPin { tries: x } if x == tries),
            "{e}"
        );
        assert_eq!(e.code(), code);
    }
    let e = t.verify_pin().unwrap_err();
    assert!(matches!(e, Error::PinBlocked), "{e}");
    assert_eq!(e.code(), -52);
    assert!(matches!(t.verify_pin().unwrap_err(), Error::PinBlocked));
    t.unblock_pin().unwrap();
    t.verify_pin().unwrap();
    // Change: old, new, new again.
    let mut t = terminal(Generation::V3, &["123456", "2468", "2468", "2468"]);
    t.change_pin().unwrap();
    t.verify_pin().unwrap();
    // The two new PINs differ: nothing is sent.
    let mut t = terminal(Generation::V3, &["123456", "1111", "2222"]);
    let before = t.session().stats().apdus;
    let e = t.change_pin().unwrap_err();
    assert!(matches!(e, Error::PinMismatch));
    assert_eq!(e.code(), -34);
    assert!(t.session().stats().apdus - before <= 4);
    // Reload: a new PIN without the old one.
    let mut t = terminal(Generation::V2, &["97531", "97531", "97531"]);
    t.reload_pin().unwrap();
    t.verify_pin().unwrap();
    assert!(matches!(Pin::new("12a4"), Err(Error::IllegalCharacters(_))));
    assert!(matches!(Pin::new("123"), Err(Error::PinLength)));
}

#[test]
fn medical_debit_with_software_module_and_psam() {
    let (p, mut img) = card_image(Generation::V3, "zhang-san.toml");
    img.purses.get_mut("SSSE/DF04/EF06").unwrap().balance = 10_000;
    let card = SimTransport::new(Simulator::new(UserCard::new(p.clone()), img.clone()), "sim");
    let mut t = Terminal::new(card, software(), pad(&[]).0, profiles());
    let pay = PayInfo::parse("25.80|20.00|20261123101530|").unwrap();
    let r = t.medical_debit(&pay).unwrap();
    assert_eq!(r.balance, 7_420);
    assert_eq!(t.balance().unwrap(), 7_420);
    assert!(
        r.to_line()
            .starts_with("03|017F|00000A14|06|410100813475|00000001|20261123101530|"),
        "{}",
        r.to_line()
    );
    // Through a PSAM in a second (simulated) reader.
    let psam_profile =
        Arc::new(sscard_profile::load_file(root().join("card-profiles/psam.toml")).unwrap());
    let psam_img = sscard_sim::psam::psam_image(&psam_profile, &masters()).unwrap();
    let psam = PsamModule::from_profile(
        SimTransport::new(
            Simulator::new(Psam::new(psam_profile.clone()), psam_img),
            "psam",
        ),
        &psam_profile,
    )
    .unwrap();
    let card = SimTransport::new(Simulator::new(UserCard::new(p), img), "sim");
    let mut t = Terminal::new(card, psam, pad(&[]).0, profiles());
    let info = t.read_basic_info().unwrap();
    assert_eq!(info.terminal_number, "410100813475");
    let r = t.medical_debit(&pay).unwrap();
    assert_eq!(r.balance, 7_420);
    // Not enough balance: 9401.
    let e = t
        .medical_debit(&PayInfo::parse("100.00|0.00|20261123101530|").unwrap())
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Card {
                sw: StatusWord::InsufficientBalance,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.code(), -0x9401);
    // Bad pPayInfo.
    for bad in [
        "1.00|2.00|20261123101530|",
        "1.001|0|20261123101530|",
        "1|0|2026112310153|",
        "1|0|20261123256000|",
        "x",
    ] {
        assert!(
            matches!(PayInfo::parse(bad), Err(Error::InvalidInput(_))),
            "{bad}"
        );
    }
}

#[test]
fn missing_psam_key_is_6a88() {
    let text = std::fs::read_to_string(root().join("fixtures/keys/test-masters.toml")).unwrap();
    let without: String = text
        .split("\n[[key]]")
        .filter(|k| !k.contains("name = \"IRK\""))
        .collect::<Vec<_>>()
        .join("\n[[key]]");
    let partial = MasterKeys::load_str("partial.toml", &without).unwrap();
    let (p, img) = card_image(Generation::V3, "zhang-san.toml");
    // Software module and PSAM both report 6A88 → -27272.
    let sm = SoftwareModule::new(partial.clone(), [0; 6], 0x017F);
    let mut t = Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p.clone()), img.clone()), "sim"),
        sm,
        pad(&[]).0,
        profiles(),
    );
    let e = t.read_basic_info().unwrap_err();
    assert_eq!(e.code(), -27272, "{e}");
    let psam_profile =
        Arc::new(sscard_profile::load_file(root().join("card-profiles/psam.toml")).unwrap());
    let psam_img = sscard_sim::psam::psam_image(&psam_profile, &partial).unwrap();
    let psam = PsamModule::from_profile(
        SimTransport::new(
            Simulator::new(Psam::new(psam_profile.clone()), psam_img),
            "psam",
        ),
        &psam_profile,
    )
    .unwrap();
    let mut t = Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p), img), "sim"),
        psam,
        pad(&[]).0,
        profiles(),
    );
    let e = t.read_basic_info().unwrap_err();
    assert!(
        matches!(
            e,
            Error::Psam {
                sw: StatusWord::ReferenceNotFound,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.code(), -27272);
}

#[test]
fn card_not_genuine_and_wrong_key() {
    // A card whose keys come from other masters: internal authentication fails.
    let text = std::fs::read_to_string(root().join("fixtures/keys/test-masters.toml")).unwrap();
    let other =
        MasterKeys::load_str("other.toml", &text.replace("value = \"1", "value = \"2")).unwrap();
    let p = profiles().for_generation(Generation::V3).unwrap();
    let img = sscard_sim::perso::personalise(&p, &holder("zhang-san.toml"), &other).unwrap();
    let mut t = Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p), img), "sim"),
        software(),
        pad(&[]).0,
        profiles(),
    );
    let e = t.read_basic_info().unwrap_err();
    // Whichever key differs first decides the error: IRK (-21) or RKSSSE (-25536).
    assert!(matches!(e.code(), -21 | -25536), "{e}");
}

#[test]
fn wrong_rksssse_counts_down() {
    let p = profiles().for_generation(Generation::V3).unwrap();
    let mut img =
        sscard_sim::perso::personalise(&p, &holder("zhang-san.toml"), &masters()).unwrap();
    // RKSSSE on the card differs from the master the module has.
    img.keys.get_mut("RKSSSE").unwrap().value = Hex(vec![0x55; 16]);
    let mut t = Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p), img), "sim"),
        software(),
        pad(&[]).0,
        profiles(),
    );
    for (tries, code) in [(2, -25536), (1, -25537), (0, -25538)] {
        let e = t.read_basic_info().unwrap_err();
        assert!(
            matches!(e, Error::ExternalAuth { tries: x } if x == tries),
            "{e}"
        );
        assert_eq!(e.code(), code);
    }
    let e = t.read_basic_info().unwrap_err();
    assert_eq!(e.code(), -27011, "{e}"); // 6983 blocked
}

#[test]
fn card_swapped_between_steps_is_minus_22() {
    let mut t = terminal(Generation::V3, &[]);
    t.identify().unwrap();
    let (_, other) = card_image(Generation::V3, "li-na.toml");
    t.transport_mut().sim_mut().set_image(other);
    let e = t.identify().unwrap_err();
    assert!(matches!(e, Error::CardMismatch(_)));
    assert_eq!(e.code(), -22);
}

fn trust() -> (Trust, KeyPair) {
    let dir = root().join("fixtures/ca");
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap();
    let issuer = Certificate::from_pem(&read("issuer.pem")).unwrap();
    let root_cert = Certificate::from_pem(&read("root.pem")).unwrap();
    (
        Trust {
            root: root_cert,
            intermediates: vec![issuer],
        },
        KeyPair::from_pkcs8_pem(&read("issuer.key.pem")).unwrap(),
    )
}

/// A 3.0 image with an on-card key and a certificate valid from `from` for `days`.
fn pki_image(from: SystemTime, days: u64) -> (Arc<sscard_profile::Profile>, CardImage) {
    let (p, mut img) = card_image(Generation::V3, "zhang-san.toml");
    let h = holder("zhang-san.toml");
    let kp = KeyPair::generate().unwrap();
    let (t, issuer_key) = trust();
    let cert = x509::issue(
        &CertSpec {
            kind: CertKind::Signing,
            subject: x509::holder_subject(&h.record().name, &h.record().ssn, &h.area_code()),
            serial: 77,
            not_before: from,
            not_after: from + Duration::from_secs(86_400 * days),
        },
        kp.public(),
        Some(&t.intermediates[0]),
        &issuer_key,
    )
    .unwrap();
    img.private_keys
        .insert("PKI/ADF1/0013".into(), Hex(kp.to_secret_bytes().to_vec()));
    img.binaries.insert(
        "PKI/ADF1/0012".into(),
        Hex([&[0xC0, 0x40][..], &kp.public().to_xy()].concat()),
    );
    img.binaries
        .insert("PKI/ADF1/0018".into(), Hex(cert.to_der().to_vec()));
    (p, img)
}

/// Certificate validity is judged by the terminal's clock: the same card
/// is genuine today, and not a year and a day after its certificate ends,
/// nor a day before it begins.
#[test]
fn genuine_by_the_terminal_clock() {
    let now = SystemTime::now();
    let (t_trust, _) = trust();
    let (p, img) = pki_image(now - Duration::from_secs(60), 365);
    let run = |at: Option<SystemTime>| {
        let mut t = Terminal::new(
            SimTransport::new(Simulator::new(UserCard::new(p.clone()), img.clone()), "sim"),
            software(),
            pad(&[]).0,
            profiles(),
        );
        if let Some(at) = at {
            t.set_clock(sscard::clock::FixedClock(at));
        }
        t.check_genuine(&t_trust)
    };
    assert_eq!(run(None).unwrap().sm2_auth, Some(true));
    assert_eq!(
        run(Some(now + Duration::from_secs(3600))).unwrap().sm2_auth,
        Some(true)
    );
    for at in [
        now + Duration::from_secs(86_400 * 366),
        now - Duration::from_secs(86_400),
    ] {
        let e = run(Some(at)).unwrap_err();
        assert!(
            matches!(&e, Error::NotGenuine { step } if step.contains("not valid")),
            "{e}"
        );
    }
}

#[test]
fn genuine_with_sm2_and_each_failing_step() {
    let now = SystemTime::now();
    let (t_trust, _) = trust();
    let (p, img) = pki_image(now - Duration::from_secs(60), 365);
    let mut t = Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p.clone()), img.clone()), "sim"),
        software(),
        pad(&[]).0,
        profiles(),
    );
    let g = t.check_genuine(&t_trust).unwrap();
    assert_eq!(g.sm2_auth, Some(true));
    // Tampered certificate.
    let mut bad = img.clone();
    let c = &mut bad.binaries.get_mut("PKI/ADF1/0018").unwrap().0;
    let n = c.len();
    c[n - 10] ^= 1;
    let mut t = Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p.clone()), bad), "sim"),
        software(),
        pad(&[]).0,
        profiles(),
    );
    let e = t.check_genuine(&t_trust).unwrap_err();
    assert!(
        matches!(&e, Error::NotGenuine { step } if step.contains("certificate chain")),
        "{e}"
    );
    assert_eq!(e.code(), -21);
    // Expired certificate.
    let (p2, old) = pki_image(now - Duration::from_secs(86_400 * 10), 2);
    let mut t = Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p2), old), "sim"),
        software(),
        pad(&[]).0,
        profiles(),
    );
    let e = t.check_genuine(&t_trust).unwrap_err();
    assert!(
        matches!(&e, Error::NotGenuine { step } if step.contains("not valid")),
        "{e}"
    );
    // A card key that is not the certificate's: the signature fails.
    let mut swapped = img.clone();
    swapped.private_keys.insert(
        "PKI/ADF1/0013".into(),
        Hex(KeyPair::generate().unwrap().to_secret_bytes().to_vec()),
    );
    let mut t = Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p.clone()), swapped), "sim"),
        software(),
        pad(&[]).0,
        profiles(),
    );
    let e = t.check_genuine(&t_trust).unwrap_err();
    assert!(
        matches!(&e, Error::NotGenuine { step } if step.contains("signature")),
        "{e}"
    );
    // 2.0 card: internal authentication only.
    let mut t2 = terminal(Generation::V2, &[]);
    assert_eq!(t2.check_genuine(&t_trust).unwrap().sm2_auth, None);
}

#[test]
fn t0_card_works_through_the_one_send_command() {
    let (p, img) = card_image(Generation::V3, "zhang-san.toml");
    let mut sim = Simulator::new(UserCard::new(p), img);
    sim.set_t0(true);
    let mut t = Terminal::new(
        SimTransport::new(sim, "t0"),
        software(),
        pad(&[]).0,
        profiles(),
    );
    let info = t.read_basic_info().unwrap();
    assert_eq!(info.card_number, "X00000019");
}

#[test]
fn security_module_terminal_number() {
    let mut sm = software();
    assert_eq!(
        sm.terminal_number().unwrap(),
        [0x41, 0x01, 0x00, 0x81, 0x34, 0x75]
    );
}

#[test]
fn read_and_write_by_file_address() {
    use sscard::ops::files::FileAddr;
    let (p, mut img) = card_image(Generation::V3, "zhang-san.toml");
    img.purses.get_mut("SSSE/DF04/EF06").unwrap().balance = 10_000;
    let mut t = Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p), img), "sim"),
        software(),
        pad(&[]).0,
        profiles(),
    );
    let a = FileAddr::parse("DF01EF0A|37|$").unwrap();
    assert_eq!(t.read_file_addr(&a, 1).unwrap(), "DF01EF0A|CHN|$");
    let a = FileAddr::parse("SSSEEF05|07|05|$DF01EF15|2A|40:2|$DF04EF05|3B|$").unwrap();
    assert_eq!(
        t.read_file_addr(&a, 2).unwrap(),
        "SSSEEF05|X00000019|20261101|$DF01EF15|4|^^^|$DF04EF05|639900|$"
    );
    // The debit log, after a debit.
    t.medical_debit(&PayInfo::parse("1.00|0.50|20261123101530|").unwrap())
        .unwrap();
    let log = t
        .read_file_addr(&FileAddr::parse("DF04EF07|$").unwrap(), 1)
        .unwrap();
    // The PBOC detail record: counter, overdraft limit, amount, type 06,
    // terminal no., date, time.
    assert_eq!(
        log, "DF04EF07|0000^000000^1.00^06^410100813475^20261123^101530^|$",
        "{log}"
    );
    // The photo: the whole transparent file in hex.
    let photo = t
        .read_file_addr(&FileAddr::parse("SSSEEF08|$").unwrap(), 2)
        .unwrap();
    assert_eq!(photo.len(), "SSSEEF08|".len() + 8192 + 2);
    // Write, then read back.
    let a = FileAddr::parse("DF01EF0A|37|$").unwrap();
    t.write_file_addr(&a, "DF01EF0A|HKG|$").unwrap();
    assert_eq!(t.read_file_addr(&a, 1).unwrap(), "DF01EF0A|HKG|$");
    // A protected file and bad input are refused before anything is sent.
    let before = t.session().stats().apdus;
    let e = t
        .write_file_addr(&FileAddr::parse("DF04EF07|$").unwrap(), "DF04EF07|$")
        .unwrap_err();
    assert_eq!(e.code(), -27010);
    let e = t.write_file_addr(&a, "DF01EF0A|TOOLONG|$").unwrap_err();
    assert_eq!(e.code(), -42);
    let e = t.write_file_addr(&a, "DF01EF0A|CHN|X|$").unwrap_err();
    assert_eq!(e.code(), -23);
    assert_eq!(t.session().stats().apdus, before);
    assert_eq!(
        t.read_file_addr(&FileAddr::parse("DF09EF01|01|$").unwrap(), 1)
            .unwrap_err()
            .code(),
        -23
    );
    assert_eq!(
        t.read_file_addr(&FileAddr::parse("DF01EF0A|99|$").unwrap(), 1)
            .unwrap_err()
            .code(),
        -23
    );
    assert_eq!(FileAddr::parse("DF01EF0A|37").unwrap_err().code(), -23);
}

fn payment_terminal(balance: u32) -> Terminal<SimTransport<UserCard>, SoftwareModule, Pad> {
    let (p, mut img) = card_image(Generation::V3, "zhang-san.toml");
    let issuer = sscard_sim::perso::PaymentIssuer::from_dir(&root().join("fixtures/ca")).unwrap();
    sscard_sim::perso::personalise_payment(&mut img, &p, &holder("zhang-san.toml"), &issuer)
        .unwrap();
    img.ecash.as_mut().unwrap().balance = balance;
    Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p), img), "sim"),
        software(),
        pad(&[]).0,
        profiles(),
    )
}

fn purchase_request(amount: u32) -> sscard::ops::payment::PurchaseRequest {
    sscard::ops::payment::PurchaseRequest {
        amount,
        currency: [0x01, 0x56],
        country: [0x01, 0x56],
        date: [0x26, 0x11, 0x23],
        unpredictable_number: Some([1, 2, 3, 4]),
        today: sscard_crypto::pboc::YearMonth {
            year: 2026,
            month: 11,
        },
        online_capable: false,
    }
}

#[test]
fn contactless_purchase_with_fdda() {
    use sscard::ops::payment::{load_ca_keys, Outcome};
    let ca = load_ca_keys(&root().join("fixtures/ca/pboc-ca-keys.toml")).unwrap();
    let mut t = payment_terminal(10_000);
    let p = t.purchase(&purchase_request(2_580), &ca).unwrap();
    assert_eq!(p.outcome, Outcome::Approved);
    assert_eq!(p.steps.len(), 5, "{:?}", p.steps);
    assert_eq!(p.available, Some(7_420));
    assert_eq!(t.ecash().unwrap(), [7_420, 100_000, 50_000, 10_000]);
    // Over the single limit on an online-capable terminal: online, no
    // offline authentication.
    let p = t.purchase(&purchase_request(60_000).online(), &ca).unwrap();
    assert_eq!(p.outcome, Outcome::Online);
    assert_eq!(p.cryptogram.len(), 8);
    // The same on an offline-only reader (its TTQ says so): declined, as
    // the card cannot ask it for an online authorisation.
    let p = t.purchase(&purchase_request(60_000), &ca).unwrap();
    assert_eq!(p.outcome, Outcome::Declined);
    // Without the CA key the card cannot be authenticated offline.
    let e = t.purchase(&purchase_request(100), &[]).unwrap_err();
    assert!(
        matches!(&e, Error::NotGenuine { step } if step.contains("CA key")),
        "{e}"
    );
    // A wrong CA key: the issuer certificate fails.
    let wrong = vec![sscard::ops::payment::CaKey {
        rid: ca[0].rid.clone(),
        index: ca[0].index,
        key: KeyPair::generate().unwrap().public().clone(),
    }];
    let e = t.purchase(&purchase_request(100), &wrong).unwrap_err();
    assert!(
        matches!(&e, Error::NotGenuine { step } if step.contains("issuer certificate")),
        "{e}"
    );
    assert_eq!(e.code(), -21);
}

/// The HSM stand-in: computes what a key server would from the masters.
fn hsm_answer(step1: &sscard::ops::hsm::ReadBasStep1) -> String {
    let m = masters();
    let card: [u8; 16] = hex::decode(&step1.card_id).unwrap().try_into().unwrap();
    let one = |a: &sscard::ops::hsm::HsmAuth| {
        let scheme = sscard_crypto::Scheme::from_id(step1.algorithm).unwrap();
        let key = &m.by_address(scheme, a.key_address).unwrap().value;
        let data = scheme.auth_data_from_master(key, &card, &a.process_factor, &a.source);
        format!("{}{}", hex::encode_upper(data), hex::encode_upper(a.source))
    };
    format!(
        "{}|{}|",
        one(&step1.internal),
        step1.external.as_ref().map(one).unwrap_or_default()
    )
}

#[test]
fn read_basic_info_through_hsm_steps() {
    for generation in [Generation::V3, Generation::V2] {
        let (p, img) = card_image(generation, "zhang-san.toml");
        let mut t = Terminal::new(
            SimTransport::new(Simulator::new(UserCard::new(p), img), "sim"),
            sscard::security::any::AnyModule::None("HSM mode".into()),
            pad(&[]).0,
            profiles(),
        );
        // Without a PSAM the plain read fails with -2201: the caller retries through the HSM.
        assert_eq!(t.read_basic_info().unwrap_err().code(), -2201);
        let s1 = t.read_basic_info_hsm_step1().unwrap();
        assert_eq!(s1.external.is_some(), generation == Generation::V3);
        let line = s1.to_line();
        assert!(
            line.starts_with("639900|00814E43238697159900BF7C7"),
            "{line}"
        );
        // The algorithm id is the card's: SM4 (03) on the 3.0 card, 3DES (01) on the 2.0 one.
        let alg = if generation == Generation::V3 {
            "03"
        } else {
            "01"
        };
        assert!(
            line.contains(&format!("|{alg}|639900D15600000500BF7C7A48FB4966|")),
            "{line}"
        );
        assert_eq!(line.matches('|').count(), 9, "{line}");
        let info = t.read_basic_info_hsm_step2(&s1, &hsm_answer(&s1)).unwrap();
        assert_eq!(info.card_number, "X00000019");
        assert_eq!(info.terminal_number, "000000000000");
    }
    // Wrong internal data: not genuine. Malformed pKey: -23. Swapped card: -22.
    let (p, img) = card_image(Generation::V3, "zhang-san.toml");
    let mut t = Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p), img), "sim"),
        software(),
        pad(&[]).0,
        profiles(),
    );
    let s1 = t.read_basic_info_hsm_step1().unwrap();
    let mut answer = hsm_answer(&s1);
    answer.replace_range(0..2, if &answer[0..2] == "00" { "11" } else { "00" });
    assert_eq!(
        t.read_basic_info_hsm_step2(&s1, &answer)
            .unwrap_err()
            .code(),
        -21
    );
    assert_eq!(
        t.read_basic_info_hsm_step2(&s1, "XYZ|").unwrap_err().code(),
        -23
    );
    let s1 = t.read_basic_info_hsm_step1().unwrap();
    let (_, other) = card_image(Generation::V3, "li-na.toml");
    t.transport_mut().sim_mut().set_image(other);
    assert_eq!(
        t.read_basic_info_hsm_step2(&s1, &hsm_answer(&s1))
            .unwrap_err()
            .code(),
        -22
    );
}

#[test]
fn ecash_log_after_purchases() {
    use sscard::ops::payment::load_ca_keys;
    let ca = load_ca_keys(&root().join("fixtures/ca/pboc-ca-keys.toml")).unwrap();
    let mut t = payment_terminal(10_000);
    assert!(t.ecash_log().unwrap().is_empty());
    t.purchase(&purchase_request(100), &ca).unwrap();
    t.purchase(&purchase_request(250), &ca).unwrap();
    let log = t.ecash_log().unwrap();
    assert_eq!(log.len(), 2);
    let amount = |rec: &Vec<(u32, Vec<u8>)>| {
        rec.iter()
            .find(|(t, _)| *t == 0x9F02)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(amount(&log[0]), [0, 0, 0, 0, 0x02, 0x50]); // newest first
    assert_eq!(amount(&log[1]), [0, 0, 0, 0, 0x01, 0x00]);
}

/// The 2.0 card runs every operation the 3.0 card does, minus the PKI.
#[test]
fn every_operation_on_a_2_0_card() {
    use sscard::ops::files::FileAddr;
    use sscard::ops::payment::{load_ca_keys, Outcome};
    let p = profiles().for_generation(Generation::V2).unwrap();
    let h = holder("li-na.toml");
    let mut img = sscard_sim::perso::personalise(&p, &h, &masters()).unwrap();
    let h_with_pan = {
        let mut r = h.record().clone();
        r.pan = Some("6235990000000000077".into());
        Holder::check(r).unwrap()
    };
    let issuer = sscard_sim::perso::PaymentIssuer::from_dir(&root().join("fixtures/ca")).unwrap();
    sscard_sim::perso::personalise_payment(&mut img, &p, &h_with_pan, &issuer).unwrap();
    img.purses.get_mut("SSSE/DF04/EF06").unwrap().balance = 5_000;
    img.ecash.as_mut().unwrap().balance = 5_000;
    let mut t = Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p), img), "sim"),
        software(),
        pad(&["888888", "888888", "2222", "2222", "2222"]).0,
        profiles(),
    );
    let info = t.read_basic_info().unwrap();
    assert_eq!(
        (
            info.area_code.as_str(),
            info.spec_version.as_str(),
            info.name.as_str()
        ),
        ("330100", "2.00", "李娜")
    );
    t.verify_pin().unwrap();
    t.change_pin().unwrap();
    t.verify_pin().unwrap();
    t.unblock_pin().unwrap();
    assert_eq!(
        t.medical_debit(&PayInfo::parse("10.00|5.00|20261123101530|").unwrap())
            .unwrap()
            .balance,
        4_000
    );
    assert_eq!(
        t.read_file_addr(&FileAddr::parse("DF01EF0A|37|$").unwrap(), 1)
            .unwrap(),
        "DF01EF0A|CHN|$"
    );
    let ca = load_ca_keys(&root().join("fixtures/ca/pboc-ca-keys.toml")).unwrap();
    assert_eq!(
        t.purchase(&purchase_request(300), &ca).unwrap().outcome,
        Outcome::Approved
    );
    let (trust, _) = trust();
    assert_eq!(t.check_genuine(&trust).unwrap().sm2_auth, None);
}

/// A 1.0 card (EF05 version "1.00") is read with the 2.0 model: EF06 free,
/// and the name is tag 09 alone.
#[test]
fn a_1_0_card() {
    let (p, mut img) = card_image(Generation::V2, "ayguli.toml");
    let rec = sscard_apdu::record::Record::new(0x03, *b"1.00")
        .unwrap()
        .to_bytes();
    img.records
        .get_mut("SSSE/EF05")
        .unwrap()
        .insert(3, Hex(rec));
    let mut t = Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p), img), "sim"),
        software(),
        pad(&[]).0,
        profiles(),
    );
    let info = t.read_basic_info().unwrap();
    assert_eq!(info.spec_version, "1.00");
    assert_eq!(t.facts().unwrap().generation, Generation::V1);
    let (first, _) = holder("ayguli.toml").name_parts();
    assert_eq!(info.name, first);
}
