//! The financial application: PPSE, AID, GPO with DF69, qPBOC offline
//! approval checked through the whole SM2 fDDA chain, ARQC, GET DATA, the
//! log, the load script, and tearing of the purchase and the load.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use sscard_apdu::dol::Dol;
use sscard_apdu::tlv::{self, find_path, Tlv};
use sscard_apdu::{Command, Response, StatusWord};
use sscard_crypto::pboc::{
    terminal_dynamic_data, IccCert, IssuerCert, SignedDynamicData, YearMonth,
};
use sscard_crypto::PublicKey;
use sscard_sim::image::CardImage;
use sscard_sim::perso::{personalise_payment, PaymentIssuer};
use sscard_sim::{Simulator, UserCard};

const SELECT_PPSE: &str = "00A404000E325041592E5359532E444446303100";
const SELECT_AID: &str = "00A4040008A00000033301010100";

fn payment_image(
    balance: u32,
) -> (
    std::sync::Arc<sscard_profile::Profile>,
    sscard_profile::holder::Holder,
    CardImage,
) {
    let (p, h, mut img) = image("ssc-3.0.toml", "zhang-san.toml");
    let issuer = PaymentIssuer::from_dir(&root().join("fixtures/ca")).unwrap();
    personalise_payment(&mut img, &p, &h, &issuer).unwrap();
    img.ecash.as_mut().unwrap().balance = balance;
    (p, h, img)
}

fn ca_key() -> PublicKey {
    let list = std::fs::read_to_string(root().join("fixtures/ca/pboc-ca-keys.toml")).unwrap();
    let key = list
        .lines()
        .find_map(|l| l.strip_prefix("key = \""))
        .unwrap()
        .trim_end_matches('"');
    PublicKey::from_xy(&hex::decode(key).unwrap()).unwrap()
}

/// The terminal's PDOL data for `amount` fen.
fn pdol_data(pdol: &Dol, amount: u32, sm: u8, un: [u8; 4]) -> Vec<u8> {
    pdol_data_with(pdol, amount, sm, un, [0x20, 0x00, 0x00, 0x00], 0x00)
}

/// PDOL data with the TTQ `ttq` and transaction type `tx_type`.
fn pdol_data_with(
    pdol: &Dol,
    amount: u32,
    sm: u8,
    un: [u8; 4],
    ttq: [u8; 4],
    tx_type: u8,
) -> Vec<u8> {
    let mut v = std::collections::BTreeMap::new();
    v.insert(0x9F66, ttq.to_vec());
    v.insert(
        0x9F02,
        sscard_apdu::field::n_encode_u64(u64::from(amount), 6).unwrap(),
    );
    v.insert(0x9F03, vec![0; 6]);
    v.insert(0x9F1A, vec![0x01, 0x56]);
    v.insert(0x5F2A, vec![0x01, 0x56]);
    v.insert(0x9A, vec![0x26, 0x11, 0x23]);
    v.insert(0x9C, vec![tx_type]);
    v.insert(0x9F37, un.to_vec());
    v.insert(0xDF69, vec![sm]);
    pdol.build(&v)
}

fn gpo<A: sscard_sim::Applet>(c: &mut Simulator<A>, data: &[u8]) -> Response {
    let t = Tlv::primitive(0x83, data.to_vec()).unwrap().to_bytes();
    send(
        c,
        &Command::new(0x80, 0xA8, 0, 0)
            .with_data(t)
            .unwrap()
            .with_le(256)
            .unwrap(),
    )
}

/// Select, GPO, read records, verify CA → issuer → ICC → dynamic data.
fn purchase(
    c: &mut Simulator<UserCard>,
    amount: u32,
) -> (Vec<Tlv>, Result<(), sscard_crypto::Error>) {
    let ppse = Tlv::parse_all(&ok(c, SELECT_PPSE)).unwrap();
    let aid = find_path(&ppse, &[0x6F, 0xA5, 0xBF0C, 0x61, 0x4F])
        .and_then(Tlv::bytes)
        .unwrap()
        .to_vec();
    assert_eq!(hex::encode_upper(&aid), "A000000333010101");
    let fci = Tlv::parse_all(&ok(c, SELECT_AID)).unwrap();
    let pdol = Dol::parse(
        find_path(&fci, &[0x6F, 0xA5, 0x9F38])
            .and_then(Tlv::bytes)
            .unwrap(),
    )
    .unwrap();
    assert!(pdol.contains(0xDF69));
    let un = [0x11, 0x22, 0x33, 0x44];
    let data = pdol_data(&pdol, amount, 0x01, un);
    let r = gpo(c, &data);
    assert!(r.is_success(), "{}", r.sw());
    let t77 = Tlv::parse_all(r.data()).unwrap();
    let gpo_tags = t77[0].children().to_vec();
    let afl = tlv::find_tag(&t77, 0x94)
        .and_then(Tlv::bytes)
        .unwrap()
        .to_vec();
    let aip = tlv::find_tag(&t77, 0x82)
        .and_then(Tlv::bytes)
        .unwrap()
        .to_vec();
    let mut objects = Vec::new();
    let mut static_data = Vec::new();
    for e in afl.chunks(4) {
        let (sfi, first, last, signed) = (e[0] >> 3, e[1], e[2], e[3]);
        for n in first..=last {
            let rec = ok(c, &format!("00B2{n:02X}{:02X}00", (sfi << 3) | 4));
            let t = Tlv::parse_one(&rec).unwrap();
            if n < first + signed {
                static_data.extend(tlv::encode_all(t.children()));
            }
            objects.extend(t.children().to_vec());
        }
    }
    let get = |tag: u32| {
        tlv::find_tag(&objects, tag)
            .and_then(Tlv::bytes)
            .unwrap_or(&[])
            .to_vec()
    };
    if get(0x9F4A) == [0x82] {
        static_data.extend(&aip);
    }
    let Some(sdad) = tlv::find_tag(&gpo_tags, 0x9F4B).and_then(Tlv::bytes) else {
        return (gpo_tags.clone(), Err(sscard_crypto::Error::CertChainEmpty));
    };
    let today = YearMonth {
        year: 2026,
        month: 11,
    };
    let check = || -> Result<(), sscard_crypto::Error> {
        assert_eq!(get(0x8F), [0x80]);
        let issuer = IssuerCert::verify(&get(0x90), &ca_key(), &get(0x5A), today)?;
        let icc = IccCert::verify(&get(0x9F46), &issuer.key, &static_data, &get(0x5A), today)?;
        let amount_n = sscard_apdu::field::n_encode_u64(u64::from(amount), 6).unwrap();
        let tdd = terminal_dynamic_data(&un, &amount_n, &[0x01, 0x56], &get(0x9F69));
        SignedDynamicData::verify(sdad, &icc.key, &tdd)?;
        Ok(())
    };
    (gpo_tags.clone(), check())
}

fn ecash_balance<A: sscard_sim::Applet>(c: &mut Simulator<A>) -> u32 {
    let t = Tlv::parse_one(&ok(c, "80CA9F7900")).unwrap();
    sscard_apdu::field::n_decode_u64(t.bytes().unwrap()).unwrap() as u32
}

#[test]
fn offline_purchase_with_sm2_fdda() {
    let (p, _h, img) = payment_image(10_000);
    let mut c = Simulator::new(UserCard::new(p), img);
    c.power_on();
    let (gpo_tags, verdict) = purchase(&mut c, 2_580);
    verdict.unwrap();
    assert_eq!(
        tlv::find_tag(&gpo_tags, 0x9F27).and_then(Tlv::bytes),
        Some(&[0x40][..])
    );
    assert_eq!(ecash_balance(&mut c), 7_420);
    let t = Tlv::parse_one(&ok(&mut c, "80CA9F7800")).unwrap();
    assert_eq!(t.bytes().unwrap(), [0, 0, 0, 0x05, 0x00, 0x00]);
    assert_eq!(
        Tlv::parse_one(&ok(&mut c, "80CA9F3600"))
            .unwrap()
            .bytes()
            .unwrap(),
        [0, 1]
    );
    assert_eq!(tx(&mut c, "80CA9F9900").sw(), StatusWord::ReferenceNotFound);
    // The log (SFI 11) holds the purchase.
    let log = ok(&mut c, "00B2015C00");
    assert_eq!(&log[6..12], &[0, 0, 0, 0, 0x25, 0x80]);
    assert_eq!(tx(&mut c, "00B2025C00").sw(), StatusWord::RecordNotFound);
    // A tampered static record breaks the ICC certificate check.
    let (p2, _, mut img2) = payment_image(10_000);
    let rec = img2
        .records
        .get_mut("PBOC/SFI1")
        .unwrap()
        .get_mut(&1)
        .unwrap();
    let n = rec.0.len();
    rec.0[n - 1] ^= 1;
    let mut c2 = Simulator::new(UserCard::new(p2), img2);
    c2.power_on();
    assert!(matches!(
        purchase(&mut c2, 100).1,
        Err(sscard_crypto::Error::PbocSignature { .. })
    ));
}

#[test]
fn online_when_over_the_limit_and_errors() {
    let (p, _h, img) = payment_image(10_000);
    let mut c = Simulator::new(UserCard::new(p), img);
    c.power_on();
    // Above the single-transaction limit: ARQC, no 9F4B, balance unchanged.
    let (tags, verdict) = purchase(&mut c, 60_000);
    assert!(verdict.is_err());
    assert_eq!(
        tlv::find_tag(&tags, 0x9F27).and_then(Tlv::bytes),
        Some(&[0x80][..])
    );
    assert_eq!(
        tlv::find_tag(&tags, 0x9F26)
            .and_then(Tlv::bytes)
            .map(<[u8]>::len),
        Some(8)
    );
    assert_eq!(ecash_balance(&mut c), 10_000);
    // Above the balance: online too.
    let (tags, _) = purchase(&mut c, 20_000);
    assert_eq!(
        tlv::find_tag(&tags, 0x9F27).and_then(Tlv::bytes),
        Some(&[0x80][..])
    );
    // An offline-only reader (TTQ byte 1 b4): the card cannot go online
    // there, so it declines (AAC) and the balance stays.
    ok(&mut c, SELECT_AID);
    let pdol = c.applet().profile().payment.clone().unwrap().pdol;
    let r = gpo(
        &mut c,
        &pdol_data_with(&pdol, 60_000, 0x01, [1; 4], [0x28, 0, 0, 0], 0x00),
    );
    let tags = Tlv::parse_all(r.data()).unwrap();
    assert_eq!(
        find_path(&tags, &[0x77, 0x9F27]).and_then(Tlv::bytes),
        Some(&[0x00][..])
    );
    assert_eq!(ecash_balance(&mut c), 10_000);
    // A terminal without SM (DF69 = 00), a wrong PDOL length, GPO outside the application.
    ok(&mut c, SELECT_AID);
    let pdol = c.applet().profile().payment.clone().unwrap().pdol;
    assert_eq!(
        gpo(&mut c, &pdol_data(&pdol, 100, 0x00, [0; 4])).sw(),
        StatusWord::ConditionsNotSatisfied
    );
    assert_eq!(gpo(&mut c, &[0; 3]).sw(), StatusWord::WrongLength);
    ok(&mut c, SELECT_SSSE);
    assert_eq!(
        gpo(&mut c, &pdol_data(&pdol, 100, 0x01, [0; 4])).sw(),
        StatusWord::ConditionsNotSatisfied
    );
    // PSE: the directory record names the application.
    ok(&mut c, "00A404000E315041592E5359532E444446303100");
    let dir = Tlv::parse_all(&ok(&mut c, "00B2010C00")).unwrap();
    assert!(find_path(&dir, &[0x70, 0x61, 0x4F]).is_some());
    assert_eq!(tx(&mut c, "00B2020C00").sw(), StatusWord::RecordNotFound);
}

/// A load's GPO (type 60) and GENERATE AC: the ATC and the ARQC.
fn arqc(c: &mut Simulator<UserCard>) -> (u16, [u8; 8]) {
    try_arqc(c).unwrap()
}

/// As [`arqc`], a tear passed on.
fn try_arqc(c: &mut Simulator<UserCard>) -> Result<(u16, [u8; 8]), sscard_sim::Error> {
    let mut send = |cmd: Command| -> Result<Response, sscard_sim::Error> {
        Ok(Response::from_bytes(&c.transmit(&cmd.to_bytes())?).unwrap())
    };
    let select = Command::from_bytes(&hex::decode(SELECT_AID).unwrap()).unwrap();
    assert!(send(select)?.is_success());
    let pay = c.applet().profile().payment.clone().unwrap();
    let data = pdol_data_with(&pay.pdol, 5_000, 0x01, [9; 4], [0x20, 0x80, 0, 0], 0x60);
    let t = Tlv::primitive(0x83, data).unwrap().to_bytes();
    let mut send = |cmd: Command| -> Result<Response, sscard_sim::Error> {
        Ok(Response::from_bytes(&c.transmit(&cmd.to_bytes())?).unwrap())
    };
    let r = send(
        Command::new(0x80, 0xA8, 0, 0)
            .with_data(t)
            .unwrap()
            .with_le(256)
            .unwrap(),
    )?;
    assert!(r.is_success(), "{}", r.sw());
    let mut v = std::collections::BTreeMap::new();
    v.insert(0x9F02, vec![0, 0, 0, 0, 0x50, 0]);
    let data = pay.cdol1.unwrap().build(&v);
    let r = send(
        Command::new(0x80, 0xAE, 0x80, 0)
            .with_data(data)
            .unwrap()
            .with_le(256)
            .unwrap(),
    )?;
    assert!(r.is_success(), "{}", r.sw());
    let t = Tlv::parse_all(r.data()).unwrap();
    let get = |tag| {
        find_path(&t, &[0x77, tag])
            .and_then(Tlv::bytes)
            .unwrap()
            .to_vec()
    };
    assert_eq!(get(0x9F27), [0x80]);
    Ok((
        u16::from_be_bytes(get(0x9F36).try_into().unwrap()),
        get(0x9F26).try_into().unwrap(),
    ))
}

/// The issuer's load script for `balance`: its MAC under the card's FIN_MAC
/// key and ATC covers the header, the ATC and the ARQC, then the data.
fn load_script(h: &sscard_profile::holder::Holder, atc: u16, ac: [u8; 8], balance: u32) -> Command {
    let key = card_key(h, "FIN_MAC");
    let mut f = [0u8; 8];
    f[..2].copy_from_slice(&atc.to_be_bytes());
    let session = sscard_crypto::Scheme::Sm4.session_key(&key, &f);
    let bal = sscard_apdu::field::n_encode_u64(u64::from(balance), 6).unwrap();
    let mut input = vec![0x04, 0xDA, 0x9F, 0x79, 0x0A];
    input.extend(atc.to_be_bytes());
    input.extend(ac);
    input.extend(&bal);
    let m = sscard_crypto::Scheme::Sm4.mac(&session, &[], &input);
    let mut data = bal;
    data.extend(m);
    Command::new(0x04, 0xDA, 0x9F, 0x79)
        .with_data(data)
        .unwrap()
}

#[test]
fn load_script_needs_the_mac() {
    let (p, h, img) = payment_image(1_000);
    let mut c = Simulator::new(UserCard::new(p), img);
    c.power_on();
    // Without an ARQC first: 6985.
    ok(&mut c, SELECT_AID);
    assert_eq!(
        send(&mut c, &load_script(&h, 1, [0; 8], 50_000)).sw(),
        StatusWord::ConditionsNotSatisfied
    );
    let (atc, ac) = arqc(&mut c);
    let mut bad = load_script(&h, atc, ac, 50_000).data().to_vec();
    bad[9] ^= 1;
    assert_eq!(
        send(
            &mut c,
            &Command::new(0x04, 0xDA, 0x9F, 0x79).with_data(bad).unwrap()
        )
        .sw(),
        StatusWord::SecureMessagingIncorrect
    );
    assert_eq!(ecash_balance(&mut c), 1_000);
    let (atc, ac) = arqc(&mut c);
    assert_eq!(
        send(&mut c, &load_script(&h, atc, ac, 200_000)).sw(),
        StatusWord::WrongData
    );
    let (atc, ac) = arqc(&mut c);
    assert!(send(&mut c, &load_script(&h, atc, ac, 50_000)).is_success());
    assert_eq!(ecash_balance(&mut c), 50_000);
    // The same script again (one script per ARQC), and a script for the
    // next ARQC built on the old cryptogram: refused.
    assert_eq!(
        send(&mut c, &load_script(&h, atc, ac, 50_000)).sw(),
        StatusWord::ConditionsNotSatisfied
    );
    let (atc2, _) = arqc(&mut c);
    assert_eq!(
        send(&mut c, &load_script(&h, atc2, ac, 60_000)).sw(),
        StatusWord::SecureMessagingIncorrect
    );
    assert_eq!(ecash_balance(&mut c), 50_000);
}

#[test]
fn tearing_the_ecash_purchase() {
    let (p, _h, start) = payment_image(10_000);
    tear_everywhere(
        &start,
        p,
        |c| {
            for apdu in [SELECT_PPSE, SELECT_AID] {
                c.transmit(&hex::decode(apdu).unwrap())?;
            }
            let pdol = c.applet().profile().payment.clone().unwrap().pdol;
            let t = Tlv::primitive(0x83, pdol_data(&pdol, 1_500, 1, [1, 2, 3, 4]))
                .unwrap()
                .to_bytes();
            let cmd = Command::new(0x80, 0xA8, 0, 0)
                .with_data(t)
                .unwrap()
                .with_le(256)
                .unwrap();
            let r = c.transmit(&cmd.to_bytes())?;
            assert_eq!(r[r.len() - 2..], [0x90, 0x00]);
            Ok(())
        },
        |img| {
            let e = img.ecash.as_ref().unwrap();
            match (e.balance, e.atc, e.log.len()) {
                (10_000, 0, 0) => "old",
                (8_500, 1, 1) => "new",
                _ => "between",
            }
        },
    );
}

#[test]
fn tearing_the_load_script() {
    let (p, h, start) = payment_image(1_000);
    tear_everywhere(
        &start,
        p,
        |c| {
            let (atc, ac) = try_arqc(c)?;
            let r = c.transmit(&load_script(&h, atc, ac, 30_000).to_bytes())?;
            assert_eq!(r[r.len() - 2..], [0x90, 0x00]);
            Ok(())
        },
        |img| match img.ecash.as_ref().unwrap().balance {
            1_000 => "old",
            30_000 => "new",
            _ => "between",
        },
    );
}
