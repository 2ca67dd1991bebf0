//! The reader interface's key-server flows (spec 05 §5.4) against the
//! in-process simulator: the terminal has no PSAM, each cryptographic step
//! is computed by a stand-in key server (the software module over the test
//! master keys) from exactly what the step's line says.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::rc::Rc;

use sscard::ops::card_info::CardInfo;
use sscard::ops::debit::PayInfo;
use sscard::ops::files::FileAddr;
use sscard::ops::{Profiles, Terminal};
use sscard::pin::{CallbackPad, Pin, PinPrompt};
use sscard::security::any::AnyModule;
use sscard::security::software::SoftwareModule;
use sscard::security::{CardId, Mac1Request, Scheme, SecurityModule};
use sscard::transport::sim::SimTransport;
use sscard_profile::holder::Holder;
use sscard_profile::Generation;
use sscard_sim::{Simulator, UserCard};
use sscard_test_support::{masters, root};

/// The terminal's module in HSM mode: no PSAM, every key operation -2201.
fn no_psam() -> AnyModule {
    AnyModule::None("HSM mode".into())
}

type Pad = CallbackPad<Box<dyn FnMut(PinPrompt) -> sscard::Result<Pin>>>;
type Term = Terminal<SimTransport<UserCard>, AnyModule, Pad>;

/// A terminal whose pad types `pins` in order (then `123456`).
fn terminal(pins: Rc<RefCell<Vec<&'static str>>>) -> (Term, CardId) {
    let profiles = Profiles::load_dir(&root().join("card-profiles")).unwrap();
    let p = profiles.for_generation(Generation::V3).unwrap();
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let mut img = sscard_sim::perso::personalise(&p, &h, &masters()).unwrap();
    img.purses.get_mut("SSSE/DF04/EF06").unwrap().balance = 10_000;
    let issuer = sscard_sim::perso::PaymentIssuer::from_dir(&root().join("fixtures/ca")).unwrap();
    sscard_sim::perso::personalise_payment(&mut img, &p, &h, &issuer).unwrap();
    let card_id = img.card_id();
    let f: Box<dyn FnMut(PinPrompt) -> sscard::Result<Pin>> = Box::new(move |_| {
        let next = pins.borrow_mut().pop();
        Pin::new(next.unwrap_or("123456"))
    });
    let card = SimTransport::new(Simulator::new(UserCard::new(p), img), "sim");
    (
        Terminal::new(card, no_psam(), CallbackPad(f), profiles),
        card_id,
    )
}

/// The stand-in key server.
fn server() -> SoftwareModule {
    SoftwareModule::new(masters(), [0; 6], 0x017F)
}

/// The key server's answer to a `algorithm|key address|process factor|source|` line.
fn answer_auth(line: &str, card: &CardId) -> String {
    let f: Vec<&str> = line.split('|').collect();
    assert_eq!(f.len(), 5, "{line}");
    assert_eq!(f[0], "03");
    let address = u16::from_str_radix(f[1], 16).unwrap();
    let r1: [u8; 8] = hex::decode(f[2]).unwrap().try_into().unwrap();
    let r2: [u8; 8] = hex::decode(f[3]).unwrap().try_into().unwrap();
    let auth = server()
        .auth_data(Scheme::Sm4, address, card, &r1, &r2)
        .unwrap();
    format!("{}{}", hex::encode_upper(auth), f[3])
}

#[test]
fn read_and_write_through_the_key_server() {
    let (mut t, card) = terminal(Rc::new(RefCell::new(vec![])));
    // Without a PSAM a key-protected read is -2201: the caller turns to the HSM steps.
    let ef06 = FileAddr::parse("SSSEEF06|08|09|$").unwrap();
    assert_eq!(t.read_file_addr(&ef06, 2).unwrap_err().code(), -2201);
    let step = t.key_step1(&ef06, false).unwrap();
    let line = step.auth.to_line(0x03);
    assert!(line.starts_with("03|004C|"), "{line}");
    t.key_step2(&step, &answer_auth(&line, &card)).unwrap();
    assert_eq!(
        t.read_file_addr(&ef06, 2).unwrap(),
        "SSSEEF06|11010519491231002X|张三|$"
    );
    // Free files need no key server: -2204.
    let ef05 = FileAddr::parse("SSSEEF05|07|$").unwrap();
    assert_eq!(t.key_step1(&ef05, false).unwrap_err().code(), -2204);
    // Two keys in one call are refused before anything is sent.
    let two = FileAddr::parse("SSSEEF06|08|$DF01EF0A|37|$").unwrap();
    assert_eq!(t.key_step1(&two, true).unwrap_err().code(), -23);
    // A wrong answer counts the key down; a malformed one is -23 and sends nothing.
    let step = t.key_step1(&ef06, false).unwrap();
    let good = answer_auth(&step.auth.to_line(3), &card);
    let before = t.session().stats().apdus;
    assert_eq!(t.key_step2(&step, "00").unwrap_err().code(), -23);
    let other_source = format!("{}{}", &good[..16], "0000000000000000");
    assert_eq!(t.key_step2(&step, &other_source).unwrap_err().code(), -23);
    assert_eq!(t.session().stats().apdus, before);
    let wrong = format!("{}{}", "0000000000000000", &good[16..]);
    assert_eq!(t.key_step2(&step, &wrong).unwrap_err().code(), -25536);
    // Write under UK1DF01 through the key server.
    let a = FileAddr::parse("DF01EF0A|37|$").unwrap();
    let step = t.key_step1(&a, true).unwrap();
    let line = step.auth.to_line(3);
    t.key_step2(&step, &answer_auth(&line, &card)).unwrap();
    t.write_file_addr(&a, "DF01EF0A|HKG|$").unwrap();
    assert_eq!(t.read_file_addr(&a, 1).unwrap(), "DF01EF0A|HKG|$");
}

#[test]
fn debit_through_the_key_server() {
    let (mut t, card) = terminal(Rc::new(RefCell::new(vec![])));
    let pay = PayInfo::parse("25.80|20.00|20261123101530|").unwrap();
    assert_eq!(t.medical_debit(&pay).unwrap_err().code(), -2201);
    let (mut t, _) = terminal(Rc::new(RefCell::new(vec![])));
    let dir = tempfile::tempdir().unwrap();
    t.set_journal(sscard::journal::Journal::open(&dir.path().join("j.sqlite")).unwrap());
    let init = t.debit_init(&pay).unwrap();
    let line = init.to_line();
    let f: Vec<&str> = line.split('|').collect();
    assert_eq!(f.len(), 9, "{line}");
    assert_eq!(f[0], "03");
    assert_eq!(f[3], "0000", "first debit");
    assert_eq!(f[4], "00000A14", "the one amount the card sees");
    assert_eq!(f[5], "06", "EP purchase");
    assert_eq!(f[6], "000000000000", "no PSAM: twelve 0 digits");
    assert_eq!(f[7], "20261123101530");
    // The key server computes MAC1 from the line alone (and the card id of pCardInfo).
    let mut hsm = server();
    let req = Mac1Request {
        pseudo_random: hex::decode(f[2]).unwrap().try_into().unwrap(),
        counter: u16::from_str_radix(f[3], 16).unwrap(),
        amount: 2580,
        tx_type: 0x06,
        date: [0x20, 0x26, 0x11, 0x23],
        time: [0x10, 0x15, 0x30],
        key_version: 1,
        algorithm: 3,
        card_id: card,
    };
    assert_eq!(req.pseudo_random, init.mac1.pseudo_random);
    let (txn, mac1) = hsm.mac1(&req).unwrap();
    let key = format!(
        "{}|{}|{}|",
        hex::encode_upper(txn),
        f[7],
        hex::encode_upper(mac1)
    );
    assert_eq!(init.parse_key("1|2|3|").unwrap_err().code(), -23);
    assert_eq!(
        init.parse_key(&key.replace("20261123101530", "20261123101531"))
            .unwrap_err()
            .code(),
        -23
    );
    let (txn, mac1) = init.parse_key(&key).unwrap();
    let (tac, mac2) = t.debit_journaled(&init, txn, mac1).unwrap();
    hsm.verify_mac2(&mac2).unwrap();
    let result = init.result(txn, tac);
    assert_eq!(result.balance, 10_000 - 2_580);
    assert!(result
        .to_line()
        .starts_with("03|017F|00000A14|06|000000000000|00000001|20261123101530|"));
    assert_eq!(t.balance().unwrap(), 10_000 - 2_580);
    // The card's detail record gives terminal, time and amount; the
    // terminal transaction number and the split come from the journal.
    let records = t.debit_records().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].terminal_txn_no, "00000001");
    assert_eq!(records[0].account_pooled, "20.00");
    assert_eq!(
        records[0].to_line(),
        "00000001^000000000000^20261123101530^25.80^20.00^|"
    );
    let e = &t.journal().unwrap().list().unwrap()[0];
    assert_eq!(e.state, sscard::journal::State::Completed);
    assert_eq!(e.tac.as_deref(), Some(hex::encode_upper(tac).as_str()));
}

#[test]
fn reload_and_unblock_through_the_key_server() {
    let pins = Rc::new(RefCell::new(vec![]));
    let (mut t, card) = terminal(pins.clone());
    // Reload: the card proves itself first (IRK), then the new PIN.
    let g = t.genuine_step1().unwrap();
    let line = g.auth.to_line(3);
    assert!(line.starts_with("03|"), "{line}");
    let mut forged = answer_auth(&line, &card);
    forged.replace_range(0..2, if &forged[0..2] == "00" { "11" } else { "00" });
    assert_eq!(t.genuine_step2(&g, &forged).unwrap_err().code(), -21);
    t.genuine_step2(&g, &answer_auth(&line, &card)).unwrap();
    *pins.borrow_mut() = vec!["654321", "654321"];
    let req = t.reload_request().unwrap();
    let line = req.to_line();
    let f: Vec<&str> = line.split('|').collect();
    assert_eq!(f[0], "03");
    assert_eq!(f[1], "0090", "PUK");
    assert_eq!(f[3], "845E000014");
    assert_eq!(f[4], "654321");
    assert!(!format!("{req:?}").contains("654321"));
    let mut hsm = server();
    let challenge: [u8; 8] = hex::decode(f[2]).unwrap().try_into().unwrap();
    let block = sscard_crypto::mac::pad80(&[6, 0x65, 0x43, 0x21]);
    let cipher = hsm
        .sm_encrypt(Scheme::Sm4, 0x0090, &card, &challenge, &block)
        .unwrap();
    let header = hex::decode(f[3]).unwrap();
    let mac = hsm
        .sm_mac(
            Scheme::Sm4,
            0x0090,
            &card,
            &challenge,
            &[header.clone(), cipher.clone()].concat(),
        )
        .unwrap();
    let answer = hex::encode_upper([header, cipher, mac.to_vec()].concat());
    assert_eq!(answer.len(), 50);
    assert_eq!(req.parse_answer(&answer[2..]).unwrap_err().code(), -23);
    assert_eq!(
        req.parse_answer(&answer.replacen("845E", "845F", 1))
            .unwrap_err()
            .code(),
        -23
    );
    let data = req.parse_answer(&answer).unwrap();
    t.send_sm(&req, &data).unwrap();
    *pins.borrow_mut() = vec!["654321"];
    t.verify_pin().unwrap();
    // Block the PIN, then unblock it through the key server.
    *pins.borrow_mut() = vec!["000000", "000000", "000000"];
    for _ in 0..3 {
        let _ = t.verify_pin();
    }
    *pins.borrow_mut() = vec!["654321"];
    assert_eq!(t.verify_pin().unwrap_err().code(), -52);
    let req = t.unblock_request().unwrap();
    let line = req.to_line();
    assert!(line.ends_with("|8424000004||"), "{}", *line);
    let challenge: [u8; 8] = hex::decode(&line[8..24]).unwrap().try_into().unwrap();
    let mac = hsm
        .sm_mac(
            Scheme::Sm4,
            0x0090,
            &card,
            &challenge,
            &[0x84, 0x24, 0x00, 0x00, 0x04],
        )
        .unwrap();
    let answer = format!("8424000004{}", hex::encode_upper(mac));
    assert_eq!(answer.len(), 18);
    t.send_sm(&req, &req.parse_answer(&answer).unwrap())
        .unwrap();
    *pins.borrow_mut() = vec!["654321"];
    t.verify_pin().unwrap();
}

#[test]
fn card_info_and_pan() {
    let (mut t, _) = terminal(Rc::new(RefCell::new(vec![])));
    let ok = CardInfo::parse("639900D15600000500BF7C7A48FB4966|X00000019|").unwrap();
    t.check_card_info(&ok).unwrap();
    let other_number = CardInfo::parse("639900D15600000500BF7C7A48FB4966|X00000020|").unwrap();
    assert_eq!(t.check_card_info(&other_number).unwrap_err().code(), -22);
    let other_card = CardInfo::parse("639900D15600000500BF7C7A48FB4967|X00000019|").unwrap();
    assert_eq!(t.check_card_info(&other_card).unwrap_err().code(), -22);
    let pan = t.read_pan().unwrap();
    assert!(pan.len() >= 16 && pan.len() <= 19, "{pan}");
    assert!(pan.bytes().all(|b| b.is_ascii_digit()), "{pan}");
}
