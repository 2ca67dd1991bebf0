//! Every card operation on the cards in circulation (issue 13 point 1):
//! the 3DES second-generation card, an SM4 second-generation card, a 3DES
//! first-generation card and the SM4 third-generation card, each through
//! the software module and through a PSAM (its DES or SM4 key environment).
//! The host learns the algorithm from the card (`9F0C`, or the area-code
//! rule of a 1.0 card): one 2.0 profile serves both 2.0 cards.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use sscard::ops::files::FileAddr;
use sscard::ops::{Profiles, Terminal};
use sscard::pin::{CallbackPad, Pin, PinPrompt};
use sscard::security::psam::PsamModule;
use sscard::security::software::SoftwareModule;
use sscard::security::{Scheme, SecurityModule};
use sscard::transport::sim::SimTransport;
use sscard::Error;
use sscard_profile::holder::Holder;
use sscard_profile::Profile;
use sscard_sim::image::CardImage;
use sscard_sim::{Psam, Simulator, UserCard};
use sscard_test_support::{masters, root};

fn profile_text(file: &str) -> String {
    std::fs::read_to_string(root().join("card-profiles").join(file)).unwrap()
}

/// The four cards: label, the card's own profile, the scheme it must use.
fn cards() -> Vec<(&'static str, Arc<Profile>, Scheme)> {
    let load = |name: &str, text: &str| Arc::new(sscard_profile::load_str(name, text).unwrap());
    let v2 = profile_text("ssc-2.0.toml");
    let v2_sm4 = v2.replace("algorithm = \"des\"", "algorithm = \"sm4\"");
    assert_ne!(v2, v2_sm4);
    vec![
        (
            "3.0 SM4",
            load("ssc-3.0.toml", &profile_text("ssc-3.0.toml")),
            Scheme::Sm4,
        ),
        ("2.0 3DES", load("ssc-2.0.toml", &v2), Scheme::TripleDes),
        ("2.0 SM4", load("ssc-2.0-sm4.toml", &v2_sm4), Scheme::Sm4),
        (
            "1.0 3DES",
            load("ssc-1.0.toml", &profile_text("ssc-1.0.toml")),
            Scheme::TripleDes,
        ),
    ]
}

type Pad = CallbackPad<Box<dyn FnMut(PinPrompt) -> sscard::Result<Pin>>>;

/// A pad typing the PINs queued in `q`, in order.
fn pad(q: &Rc<RefCell<Vec<&'static str>>>) -> Pad {
    let q = q.clone();
    CallbackPad(Box::new(move |_| {
        let next = q.borrow_mut().remove(0);
        Pin::new(next)
    }))
}

fn image(p: &Arc<Profile>) -> CardImage {
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    sscard_sim::perso::personalise(p, &h, &masters()).unwrap()
}

fn psam() -> PsamModule<SimTransport<Psam>> {
    let pp = Arc::new(sscard_profile::load_str("psam.toml", &profile_text("psam.toml")).unwrap());
    let img = sscard_sim::psam::psam_image(&pp, &masters()).unwrap();
    PsamModule::from_profile(
        SimTransport::new(Simulator::new(Psam::new(pp.clone()), img), "psam"),
        &pp,
    )
    .unwrap()
}

/// Runs every operation on `card` with security module `sm`.
fn every_operation<S: SecurityModule>(label: &str, card: &Arc<Profile>, scheme: Scheme, sm: S) {
    let writable = !card.variant.records_reversed;
    let pins = Rc::new(RefCell::new(Vec::new()));
    let sim = SimTransport::new(
        Simulator::new(UserCard::new(card.clone()), image(card)),
        "sim",
    );
    let profiles = Profiles::load_dir(&root().join("card-profiles")).unwrap();
    let mut t = Terminal::new(sim, sm, pad(&pins), profiles);
    let queue = |v: &[&'static str]| pins.borrow_mut().extend_from_slice(v);

    // Basic information, with the internal authentication under IRK.
    let info = t.read_basic_info().unwrap();
    assert_eq!(info.name, "张三", "{label}");
    assert_eq!(
        info.spec_version,
        card.card.spec_version.clone().unwrap(),
        "{label}"
    );
    let facts = t.facts().unwrap().clone();
    assert_eq!(
        facts.scheme, scheme,
        "{label}: the scheme comes from the card"
    );
    t.internal_auth().unwrap();

    // PINs: a wrong one costs a try; change, reload (secure messaging
    // under PUK, the block encrypted), unblock (a MAC under PUK).
    queue(&["000000", "123456"]);
    let e = t.verify_pin().unwrap_err();
    assert!(matches!(e, Error::WrongPin { tries: 2 }), "{label}: {e}");
    t.verify_pin().unwrap();
    queue(&["123456", "654321", "654321", "654321"]);
    t.change_pin().unwrap();
    t.verify_pin().unwrap();
    queue(&["11223344", "11223344", "11223344"]);
    t.reload_pin().unwrap();
    t.verify_pin().unwrap();
    queue(&["000000", "000000", "000000"]);
    for _ in 0..3 {
        assert!(t.verify_pin().is_err(), "{label}");
    }
    queue(&["11223344"]);
    assert!(
        matches!(t.verify_pin().unwrap_err(), Error::PinBlocked),
        "{label}"
    );
    t.unblock_pin().unwrap();
    queue(&["11223344"]);
    t.verify_pin().unwrap();

    // A file written under an external authentication (UKSSSE) and read
    // back (RKSSSE on the 3.0 card).
    let addr = FileAddr::parse("SSSEEF06|0B|$").unwrap();
    assert_eq!(
        t.read_file_addr(&addr, 2).unwrap(),
        "SSSEEF06|01|$",
        "{label}"
    );
    let wrote = t.write_file_addr(&addr, "SSSEEF06|02|$");
    let now = if writable { "02" } else { "01" };
    // A card whose records are in another order refuses a write by the
    // model's record number (it would replace another element): unchanged.
    assert_eq!(wrote.is_ok(), writable, "{label}: {wrote:?}");
    assert_eq!(
        t.read_file_addr(&addr, 2).unwrap(),
        format!("SSSEEF06|{now}|$"),
        "{label}"
    );
    assert!(pins.borrow().is_empty(), "{label}: PINs left over");
}

#[test]
fn every_operation_on_every_generation_with_the_software_module() {
    for (label, card, scheme) in cards() {
        let sm = SoftwareModule::new(masters(), [0x41, 0x01, 0x00, 0x81, 0x34, 0x75], 0x017F);
        every_operation(label, &card, scheme, sm);
    }
}

#[test]
fn every_operation_on_every_generation_through_a_psam() {
    for (label, card, scheme) in cards() {
        every_operation(label, &card, scheme, psam());
    }
}

/// The card variants of the field (spec README "Strictness") as profile
/// options: records in another order, `20` or `FF` padding of text
/// fields, T=0. The host reads and does the same on each.
#[test]
fn every_operation_on_every_variant() {
    let variants = [
        ("records reversed", "record_order = \"reversed\""),
        ("padding 20", "text_padding = \"20\""),
        ("padding FF", "text_padding = \"FF\""),
        ("T=0", "transport = \"T=0\""),
    ];
    for (base, file, scheme) in [
        ("3.0 SM4", "ssc-3.0.toml", Scheme::Sm4),
        ("2.0 3DES", "ssc-2.0.toml", Scheme::TripleDes),
        ("1.0 3DES", "ssc-1.0.toml", Scheme::TripleDes),
    ] {
        for (name, line) in variants {
            let text = format!("{}\n[variant]\n{line}\n", profile_text(file));
            let p = Arc::new(sscard_profile::load_str(file, &text).unwrap());
            let label = format!("{base}, {name}");
            every_operation(&label, &p, scheme, psam());
        }
    }
}

/// The variants are what they say: the simulated cards answer differently.
#[test]
fn the_variants_differ_on_the_wire() {
    use sscard::transport::Transport;
    let with = |line: &str| {
        let text = format!("{}\n[variant]\n{line}\n", profile_text("ssc-3.0.toml"));
        let p = Arc::new(sscard_profile::load_str("ssc-3.0.toml", &text).unwrap());
        let img = image(&p);
        let mut t = SimTransport::new(Simulator::new(UserCard::new(p.clone()), img.clone()), "sim");
        t.reset().unwrap();
        (img, t)
    };
    let plain = image(&cards()[0].1);
    let (img, _) = with("record_order = \"reversed\"");
    assert_ne!(img.records["SSSE/EF06"], plain.records["SSSE/EF06"]);
    let (img, _) = with("text_padding = \"FF\"");
    let name = img.records["SSSE/EF06"]
        .values()
        .find(|r| r.0[0] == 0x09)
        .unwrap();
    assert_eq!(*name.0.last().unwrap(), 0xFF, "the name field is FF-filled");
    let (_, mut t) = with("transport = \"T=0\"");
    let r = t
        .transmit(&hex::decode("00A404000F7378312E73682EC9E7BBE1B1A3D5CF").unwrap())
        .unwrap();
    assert_eq!(r[0], 0x61, "a T=0 card answers 61xx to SELECT with an FCI");
}

/// A PSAM without a DES key environment cannot serve a 3DES card: -2202,
/// and an SM4 card still works with it.
#[test]
fn a_psam_without_des_keys_reports_2202_for_a_3des_card() {
    let text = profile_text("psam.toml");
    let start = text
        .find("[[psam.environment]]\nalgorithm = \"des\"")
        .unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let sm4_only = format!("{}{}", &text[..start], &text[end..]);
    let pp = Arc::new(sscard_profile::load_str("psam.toml", &sm4_only).unwrap());
    for (label, card, scheme) in cards() {
        let img = sscard_sim::psam::psam_image(&pp, &masters()).unwrap();
        assert!(img.psam.as_ref().unwrap().des_masters.is_empty());
        let sm = PsamModule::from_profile(
            SimTransport::new(Simulator::new(Psam::new(pp.clone()), img), "psam"),
            &pp,
        )
        .unwrap();
        let sim = SimTransport::new(
            Simulator::new(UserCard::new(card.clone()), image(&card)),
            "sim",
        );
        let profiles = Profiles::load_dir(&root().join("card-profiles")).unwrap();
        let pins = Rc::new(RefCell::new(Vec::new()));
        let mut t = Terminal::new(sim, sm, pad(&pins), profiles);
        match scheme {
            Scheme::TripleDes => {
                assert_eq!(t.read_basic_info().unwrap_err().code(), -2202, "{label}")
            }
            Scheme::Sm4 => assert!(t.read_basic_info().is_ok(), "{label}"),
        }
    }
}

/// A card whose FCI names SSF33 (`02`) is reported unsupported, not read
/// with the wrong keys.
#[test]
fn an_ssf33_card_is_reported_unsupported() {
    let text = profile_text("ssc-2.0.toml").replace("algorithm = \"des\"", "algorithm = \"ssf33\"");
    let p = Arc::new(sscard_profile::load_str("ssc-2.0-ssf33.toml", &text).unwrap());
    let sim = SimTransport::new(Simulator::new(UserCard::new(p.clone()), image(&p)), "sim");
    let profiles = Profiles::load_dir(&root().join("card-profiles")).unwrap();
    let pins = Rc::new(RefCell::new(Vec::new()));
    let sm = SoftwareModule::new(masters(), [0; 6], 0x017F);
    let mut t = Terminal::new(sim, sm, pad(&pins), profiles);
    let e = t.read_basic_info().unwrap_err();
    assert!(matches!(e, Error::NotSupported(_)), "{e}");
    assert!(e.to_string().contains("SSF33"), "{e}");
}
