//! The electronic cash load end to end against the simulator (issue 14
//! point 4): GPO for a load, GENERATE AC (ARQC), the issuer checking the
//! ARQC and answering a script whose MAC covers header, ATC and cryptogram;
//! a replayed or altered script is refused and loads nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use sscard::ops::ecash_load::{IssuerScript, LoadRequest};
use sscard::ops::payment::PurchaseRequest;
use sscard::ops::{Profiles, Terminal};
use sscard::pin::{CallbackPad, Pin, PinPrompt};
use sscard::security::software::SoftwareModule;
use sscard::transport::sim::SimTransport;
use sscard_apdu::field::n_encode_u64;
use sscard_crypto::{mac, Scheme, SymKey};
use sscard_profile::holder::Holder;
use sscard_sim::{Simulator, UserCard};
use sscard_test_support::{masters, root};

type Pad = CallbackPad<fn(PinPrompt) -> sscard::Result<Pin>>;

fn terminal() -> (
    Terminal<SimTransport<UserCard>, SoftwareModule, Pad>,
    [u8; 16],
) {
    fn pin(_: PinPrompt) -> sscard::Result<Pin> {
        Pin::new("123456")
    }
    let p = Arc::new(sscard_profile::load_file(root().join("card-profiles/ssc-3.0.toml")).unwrap());
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let mut img = sscard_sim::perso::personalise(&p, &h, &masters()).unwrap();
    let issuer = sscard_sim::perso::PaymentIssuer::from_dir(&root().join("fixtures/ca")).unwrap();
    sscard_sim::perso::personalise_payment(&mut img, &p, &h, &issuer).unwrap();
    let id = img.card_id();
    let t = Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p.clone()), img), "sim"),
        SoftwareModule::new(masters(), [0; 6], 0x017F),
        CallbackPad(pin as fn(_) -> _),
        Profiles::new(vec![p]),
    );
    (t, id)
}

/// The card key `name` and its session key for `atc` (ATC ‖ 00×6).
fn atc_key(name: &str, card: &[u8; 16], atc: u16) -> SymKey {
    let m = masters();
    let k = Scheme::Sm4.card_key(&m.by_name(Scheme::Sm4, name, 1).unwrap().value, card);
    let mut f = [0u8; 8];
    f[..2].copy_from_slice(&atc.to_be_bytes());
    Scheme::Sm4.session_key(&k, &f)
}

/// The issuer: checks the ARQC, answers the script for `balance + amount`.
fn issuer(card: [u8; 16]) -> impl Fn(&LoadRequest) -> sscard::Result<IssuerScript> {
    move |r: &LoadRequest| {
        let mut input = r.cdol1_data.clone();
        input.extend([0x7C, 0x00]); // AIP
        input.extend(r.atc.to_be_bytes());
        let ac = mac::cbc_mac_block(&atc_key("FIN_AC", &card, r.atc), &[0; 16], &input);
        assert_eq!(ac[..8], r.arqc, "the issuer verifies the ARQC");
        let balance = n_encode_u64(u64::from(r.balance + r.amount), 6).unwrap();
        let mut m = vec![0x04, 0xDA, 0x9F, 0x79, 0x0A];
        m.extend(r.atc.to_be_bytes());
        m.extend(r.arqc);
        m.extend(&balance);
        let tag = Scheme::Sm4.mac(&atc_key("FIN_MAC", &card, r.atc), &[], &m);
        let mut s = [0u8; 10];
        s[..6].copy_from_slice(&balance);
        s[6..].copy_from_slice(&tag);
        Ok(s)
    }
}

fn load(amount: u32) -> PurchaseRequest {
    PurchaseRequest::cny(
        amount,
        [0x26, 0x12, 0x01],
        sscard_crypto::pboc::YearMonth {
            year: 2026,
            month: 12,
        },
    )
    .online()
}

#[test]
fn a_load_end_to_end_and_a_replayed_script_refused() {
    let (mut t, card) = terminal();
    assert_eq!(t.ecash().unwrap()[0], 0);
    assert_eq!(t.ecash_load(&load(20_000), issuer(card)).unwrap(), 20_000);
    assert_eq!(t.ecash().unwrap()[0], 20_000);
    // The script of that load, captured and replayed on the next ARQC.
    let captured = std::cell::RefCell::new(None);
    t.ecash_load(&load(5_000), |r| {
        let s = issuer(card)(r)?;
        *captured.borrow_mut() = Some(s);
        Ok(s)
    })
    .unwrap();
    assert_eq!(t.ecash().unwrap()[0], 25_000);
    let old = captured.borrow().unwrap();
    let e = t.ecash_load(&load(5_000), |_| Ok(old)).unwrap_err();
    assert!(e.to_string().contains("6988"), "{e}");
    assert_eq!(t.ecash().unwrap()[0], 25_000, "nothing loaded");
    // An altered balance under the right MAC key: refused too.
    let e = t
        .ecash_load(&load(5_000), |r| {
            let mut s = issuer(card)(r)?;
            s[5] ^= 0x01;
            Ok(s)
        })
        .unwrap_err();
    assert!(e.to_string().contains("6988"), "{e}");
    assert_eq!(t.ecash().unwrap()[0], 25_000);
}

#[test]
fn the_ttq_tells_the_truth() {
    use sscard::ops::payment::ttq;
    assert_eq!(ttq(false, false), [0x28, 0, 0, 0], "offline-only reader");
    assert_eq!(ttq(true, false), [0x20, 0, 0, 0], "online capable");
    assert_eq!(
        ttq(true, true),
        [0x20, 0x80, 0, 0],
        "online cryptogram required"
    );
}
