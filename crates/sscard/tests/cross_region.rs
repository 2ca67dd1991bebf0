//! Cross-region cards (issue 13 point 5). A terminal's PSAM holds the
//! ministry-level keys every card shares, but province-level keys only for
//! its own province: with a card from elsewhere the host reports -24 (key
//! level too low) and the operation completes through the key server (the
//! `_HSM_` steps). Key versions 1–3: the version a card holds comes from the
//! profile (and, for the purse key, from the card), never a fixed 1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use sscard::ops::files::FileAddr;
use sscard::ops::{Profiles, Terminal};
use sscard::pin::{CallbackPad, Pin, PinPrompt};
use sscard::security::psam::PsamModule;
use sscard::security::software::SoftwareModule;
use sscard::security::{CardId, Scheme, SecurityModule};
use sscard::transport::sim::SimTransport;
use sscard_profile::holder::Holder;
use sscard_profile::{KeyLevel, Profile};
use sscard_sim::image::CardImage;
use sscard_sim::{Psam, Simulator, UserCard};
use sscard_test_support::{masters, root};

fn text(file: &str) -> String {
    std::fs::read_to_string(root().join("card-profiles").join(file)).unwrap()
}

type Pad = CallbackPad<Box<dyn FnMut(PinPrompt) -> sscard::Result<Pin>>>;

fn pad(pins: &[&'static str]) -> Pad {
    let q = Rc::new(RefCell::new(pins.to_vec()));
    CallbackPad(Box::new(move |_| Pin::new(q.borrow_mut().remove(0))))
}

fn card(p: &Arc<Profile>) -> (SimTransport<UserCard>, CardId) {
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let img: CardImage = sscard_sim::perso::personalise(p, &h, &masters()).unwrap();
    let id = img.card_id();
    (
        SimTransport::new(Simulator::new(UserCard::new(p.clone()), img), "sim"),
        id,
    )
}

/// A PSAM of another province: its ministry-level keys only.
fn ministry_psam() -> PsamModule<SimTransport<Psam>> {
    let pp = Arc::new(sscard_profile::load_str("psam.toml", &text("psam.toml")).unwrap());
    let mut img = sscard_sim::psam::psam_image(&pp, &masters()).unwrap();
    let state = img.psam.as_mut().unwrap();
    for k in pp.keys.iter().filter(|k| k.level != KeyLevel::Ministry) {
        for v in 0..3 {
            let a = format!("{:04X}", k.address + v);
            state.masters.remove(&a);
            state.des_masters.remove(&a);
        }
    }
    assert!(
        !state.masters.contains_key("0094"),
        "UKSSSE (province) gone"
    );
    assert!(state.masters.contains_key("0170"), "IRK (ministry) kept");
    PsamModule::from_profile(
        SimTransport::new(Simulator::new(Psam::new(pp.clone()), img), "psam"),
        &pp,
    )
    .unwrap()
}

/// The key server's answer to an `algorithm|key address|R1|R2|` line.
fn key_server(line: &str, card: &CardId) -> String {
    let f: Vec<&str> = line.split('|').collect();
    let scheme = Scheme::from_id(u8::from_str_radix(f[0], 16).unwrap()).unwrap();
    let address = u16::from_str_radix(f[1], 16).unwrap();
    let r1: [u8; 8] = hex::decode(f[2]).unwrap().try_into().unwrap();
    let r2: [u8; 8] = hex::decode(f[3]).unwrap().try_into().unwrap();
    let auth = SoftwareModule::new(masters(), [0; 6], 0x017F)
        .auth_data(scheme, address, card, &r1, &r2)
        .unwrap();
    format!("{}{}", hex::encode_upper(auth), f[3])
}

#[test]
fn a_province_key_the_psam_lacks_is_24_then_the_key_server_completes() {
    for file in ["ssc-3.0.toml", "ssc-2.0.toml", "ssc-1.0.toml"] {
        let p = Arc::new(sscard_profile::load_str(file, &text(file)).unwrap());
        let (sim, id) = card(&p);
        let profiles = Profiles::load_dir(&root().join("card-profiles")).unwrap();
        let mut t = Terminal::new(sim, ministry_psam(), pad(&[]), profiles);
        // Ministry-level keys work: IRK (genuine), RKSSSE (3.0 EF06).
        let info = t.read_basic_info().unwrap();
        assert_eq!(info.name, "张三", "{file}");
        // UKSSSE is province level: -24, nothing written.
        let addr = FileAddr::parse("SSSEEF06|0B|$").unwrap();
        let e = t.write_file_addr(&addr, "SSSEEF06|02|$").unwrap_err();
        assert_eq!(e.code(), -24, "{file}: {e}");
        assert_eq!(t.read_file_addr(&addr, 2).unwrap(), "SSSEEF06|01|$");
        // PUK is province level too: unblock -24.
        assert_eq!(t.unblock_pin().unwrap_err().code(), -24, "{file}");
        // The key server completes the write.
        let step = t.key_step1(&addr, true).unwrap();
        let line = step.auth.to_line(t.facts().unwrap().scheme.id());
        assert!(
            line.starts_with(&format!("{:02X}|0094|", t.facts().unwrap().scheme.id())),
            "{line}"
        );
        t.key_step2(&step, &key_server(&line, &id)).unwrap();
        t.write_file_addr(&addr, "SSSEEF06|02|$").unwrap();
        assert_eq!(
            t.read_file_addr(&addr, 2).unwrap(),
            "SSSEEF06|02|$",
            "{file}"
        );
    }
}

/// A card personalised with version 2 of IRK (the profile says so): the
/// host asks the PSAM for IRK's second address (`0171`) and the card is
/// genuine; a host whose profile says version 1 gets a different answer
/// from the PSAM and reports the card not genuine (-21).
#[test]
fn the_key_version_comes_from_the_profile() {
    let v3 = text("ssc-3.0.toml");
    let irk = "name = \"IRK\"\nid = \"08\"\naddress = \"0170\"\n";
    assert!(v3.contains(irk));
    let v3_irk2 = v3.replace(irk, &format!("{irk}version = 2\n"));
    let p2 = Arc::new(sscard_profile::load_str("ssc-3.0.toml", &v3_irk2).unwrap());
    assert_eq!(p2.key("IRK").unwrap().card_address(), 0x0171);
    let psam = || {
        let pp = Arc::new(sscard_profile::load_str("psam.toml", &text("psam.toml")).unwrap());
        let img = sscard_sim::psam::psam_image(&pp, &masters()).unwrap();
        PsamModule::from_profile(
            SimTransport::new(Simulator::new(Psam::new(pp.clone()), img), "psam"),
            &pp,
        )
        .unwrap()
    };
    // The host with the version-2 model.
    let (sim, _) = card(&p2);
    let mut t = Terminal::new(sim, psam(), pad(&[]), Profiles::new(vec![p2.clone()]));
    t.read_basic_info().unwrap();
    t.internal_auth().unwrap();
    // The host with the standard model (version 1) on the same card.
    let (sim, _) = card(&p2);
    let profiles = Profiles::load_dir(&root().join("card-profiles")).unwrap();
    let mut t = Terminal::new(sim, psam(), pad(&[]), profiles);
    assert_eq!(t.read_basic_info().unwrap_err().code(), -21);
}
