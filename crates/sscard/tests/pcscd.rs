//! The same operations through the real PC/SC stack: pcscd + vpcd, the
//! card in `Virtual PCD 00 00`, the PSAM in `Virtual PCD 00 01`, both
//! reached with the `pcsc` transport. Skips without pcscd, except with
//! `CI=true`, where it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sscard::ops::debit::PayInfo;
use sscard::ops::payment::{load_ca_keys, Outcome, PurchaseRequest};
use sscard::ops::{Profiles, Terminal};
use sscard::pin::{CallbackPad, Pin};
use sscard::security::psam::PsamModule;
use sscard::transport::pcsc::{list_readers, Interface, PcscTransport, ReaderConfig};
use sscard_profile::holder::Holder;
use sscard_profile::keys::MasterKeys;
use sscard_profile::Generation;
use sscard_sim::{vpcd, Psam, Simulator, UserCard};

use sscard_system_tests::ci_strict as in_ci;
use sscard_test_support::root;

fn connect(name: &str) -> PcscTransport {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match PcscTransport::connect(name) {
            Ok(t) => return t,
            Err(e) if Instant::now() > deadline => panic!("{name}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

#[test]
fn operations_through_pcscd() {
    match list_readers() {
        Ok(r) if r.iter().any(|n| n.starts_with("Virtual PCD")) => {}
        Ok(r) if in_ci() => panic!("CI=true but no vpcd reader: {r:?}"),
        Err(e) if in_ci() => panic!("CI=true but pcscd is not reachable: {e}"),
        other => return eprintln!("skipped: {other:?}"),
    }
    let masters = MasterKeys::load_file(root().join("fixtures/keys/test-masters.toml")).unwrap();
    let profiles = Profiles::load_dir(&root().join("card-profiles")).unwrap();
    let p = profiles.for_generation(Generation::V3).unwrap();
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let mut img = sscard_sim::perso::personalise(&p, &h, &masters).unwrap();
    let issuer = sscard_sim::perso::PaymentIssuer::from_dir(&root().join("fixtures/ca")).unwrap();
    sscard_sim::perso::personalise_payment(&mut img, &p, &h, &issuer).unwrap();
    img.purses.get_mut("SSSE/DF04/EF06").unwrap().balance = 10_000;
    img.ecash.as_mut().unwrap().balance = 10_000;
    let psam_profile =
        Arc::new(sscard_profile::load_file(root().join("card-profiles/psam.toml")).unwrap());
    let psam_img = sscard_sim::psam::psam_image(&psam_profile, &masters).unwrap();

    // pcscd must have seen the virtual cards of earlier tests go.
    for r in ["Virtual PCD 00 00", "Virtual PCD 00 01"] {
        sscard::transport::pcsc::wait_card(r, false, Duration::from_secs(10)).unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let (s1, s2) = (stop.clone(), stop.clone());
    let t1 = std::thread::spawn(move || {
        vpcd::serve(
            &mut Simulator::new(UserCard::new(p), img),
            "127.0.0.1",
            vpcd::PORT_SLOT_0,
            &s1,
        )
    });
    let t2 = std::thread::spawn(move || {
        vpcd::serve(
            &mut Simulator::new(Psam::new(psam_profile), psam_img),
            "127.0.0.1",
            vpcd::PORT_SLOT_1,
            &s2,
        )
    });

    {
        // iType: one reader configured serves every interface.
        let config = ReaderConfig {
            contact: Some("Virtual PCD 00 00".into()),
            contactless: None,
        };
        assert_eq!(
            config.candidates(Interface::Contactless),
            vec!["Virtual PCD 00 00".to_owned()]
        );
        let _wait = connect("Virtual PCD 00 00");
        drop(_wait);
        let card = PcscTransport::connect_for(&config, Interface::AutoContactlessFirst).unwrap();
        let psam = PsamModule::from_profile(
            connect("Virtual PCD 00 01"),
            &sscard::builtin::by_name("psam.toml").unwrap(),
        )
        .unwrap();
        let pad = CallbackPad(|_| Pin::new("123456"));
        let mut t = Terminal::new(card, psam, pad, profiles);
        let info = t.read_basic_info().unwrap();
        assert_eq!(
            info.to_line(),
            "639900|11010519491231002X|X00000019|639900D15600000500BF7C7A48FB4966|张三|00814E43238697159900BF7C7A|3.00|20261101|20361101|410100813475||"
        );
        t.verify_pin().unwrap();
        let r = t
            .medical_debit(&PayInfo::parse("12.34|10.00|20261123101530|").unwrap())
            .unwrap();
        assert_eq!(r.balance, 10_000 - 1_234);
        let ca = load_ca_keys(&root().join("fixtures/ca/pboc-ca-keys.toml")).unwrap();
        let req = PurchaseRequest::cny(
            500,
            [0x26, 0x11, 0x23],
            sscard_crypto::pboc::YearMonth {
                year: 2026,
                month: 11,
            },
        );
        assert_eq!(t.purchase(&req, &ca).unwrap().outcome, Outcome::Approved);
        assert_eq!(t.ecash().unwrap()[0], 9_500);
    }
    stop.store(true, Ordering::Relaxed);
    t1.join().unwrap().unwrap();
    t2.join().unwrap().unwrap();
}
