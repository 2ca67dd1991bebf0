//! The medical debit as the PBOC e-purse purchase against the PSAM, byte
//! for byte as 02 §2.4 and §2.5 write it, and tearing: at every command
//! index, on both sides of the commit, the card reloaded from disk is in
//! the old state or the new one, never between.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use proptest::prelude::*;
use sscard_apdu::{Command, Response, StatusWord};
use sscard_crypto::diversify;
use sscard_sim::image::CardImage;
use sscard_sim::{Error, Psam, Simulator, UserCard};

const PURSE: &str = "SSSE/DF04/EF06";
const LOG: &str = "SSSE/DF04/EF07";

fn funded(
    balance: u32,
) -> (
    std::sync::Arc<sscard_profile::Profile>,
    sscard_profile::holder::Holder,
    CardImage,
) {
    let (p, h, mut img) = image("ssc-3.0.toml", "zhang-san.toml");
    img.purses.get_mut(PURSE).unwrap().balance = balance;
    (p, h, img)
}

/// The card's commands of a medical debit; the PSAM's answers are computed
/// in between. Stops at the first error (a tear) and returns it.
fn debit_flow(
    card: &mut Simulator<UserCard>,
    psam: &mut Simulator<Psam>,
    h: &sscard_profile::holder::Holder,
    amount: u32,
) -> Result<Response, Error> {
    let send = |c: &mut Simulator<UserCard>, hex_apdu: String| -> Result<Response, Error> {
        let b = hex::decode(hex_apdu).unwrap();
        c.transmit(&b).map(|r| Response::from_bytes(&r).unwrap())
    };
    send(card, SELECT_SSSE.into())?;
    send(card, "00A4000002DF04".into())?;
    let pin = pin_bcd("123456");
    send(card, format!("002000000{}{pin}", pin.len() / 2))?;
    let terminal = ok(psam, "00B0960006");
    // INITIALIZE FOR PURCHASE: Lc 0B, key index, one amount, terminal no.
    let init = send(
        card,
        format!("805001020B01{amount:08X}{}", hex::encode(&terminal)),
    )?;
    if !init.is_success() {
        return Ok(init);
    }
    let d = init.data();
    let (pr, counter, key_version, alg) = (&d[11..15], &d[4..6], d[9], d[10]);
    let id = h.card_id();
    let (date, time) = ("20261123", "101530");
    ok(psam, "00A4000002DF03");
    // MAC1, the public layout with the second level: Lc 24, card factor
    // then area factor; type 06 (EP purchase).
    let mac1_cmd = format!(
        "8070000024{}{}{amount:08X}06{date}{time}{key_version:02X}{alg:02X}{}{}",
        hex::encode(pr),
        hex::encode(counter),
        hex::encode(diversify::card_factor(&id)),
        hex::encode(diversify::area_factor(&id)),
    );
    let m = ok(psam, &mac1_cmd);
    let (txn, mac1) = (&m[..4], &m[4..8]);
    let r = send(
        card,
        format!(
            "805401000F{}{date}{time}{}",
            hex::encode(txn),
            hex::encode(mac1)
        ),
    )?;
    if r.is_success() {
        let mac2 = &r.data()[4..8];
        ok(psam, &format!("8072000004{}", hex::encode(mac2)));
    }
    Ok(r)
}

fn balance(img: &CardImage) -> u32 {
    img.purses[PURSE].balance
}

#[test]
fn medical_debit_end_to_end() {
    let (p, h, img) = funded(10_000);
    let mut card = Simulator::new(UserCard::new(p), img);
    card.power_on();
    let mut psam = psam_sim();
    let r = debit_flow(&mut card, &mut psam, &h, 2_580).unwrap();
    assert!(r.is_success(), "{}", r.sw());
    assert_eq!(r.data().len(), 8);
    assert_eq!(balance(card.image()), 7_420);
    let log = card.image().logs[LOG].clone();
    assert_eq!(log.len(), 1);
    // The detail record, 23 bytes: counter 0000, overdraft 000000, amount,
    // type 06, terminal no., date, time.
    let rec = &log[0].0;
    assert_eq!(
        hex::encode_upper(rec),
        "0000000000".to_owned() + "00000A14" + "06" + "410100813475" + "20261123" + "101530"
    );
    // The TAC is what the DTK card key gives over the public fields; the
    // PSAM's first terminal transaction number is 1.
    let tac = sscard_crypto::debit::tac(
        sscard_crypto::Scheme::Sm4,
        &card_key(&h, "DTK"),
        &sscard_crypto::debit::DebitData {
            amount: 2_580,
            tx_type: 0x06,
            terminal_no: [0x41, 0x01, 0x00, 0x81, 0x34, 0x75],
            terminal_txn_no: [0, 0, 0, 1],
            date: [0x20, 0x26, 0x11, 0x23],
            time: [0x10, 0x15, 0x30],
        },
    );
    assert_eq!(&r.data()[..4], &tac);
    // GET BALANCE, the detail record by SFI 18 (00 B2 01 C4 17).
    assert_eq!(ok(&mut card, "805C000204"), 7_420u32.to_be_bytes());
    assert_eq!(ok(&mut card, "00B201C417"), rec.clone());
    // GET TRANSACTION PROVE for counter 0: MAC2 and TAC of that purchase;
    // for counter 1 (no purchase yet): 9406.
    assert_eq!(
        ok(&mut card, "805A0006020000"),
        [&r.data()[4..8], &r.data()[..4]].concat()
    );
    assert_eq!(
        tx(&mut card, "805A0006020001").sw(),
        StatusWord::MacNotAvailable
    );
    // Not enough balance: 9401.
    let r = debit_flow(&mut card, &mut psam, &h, 9_000).unwrap();
    assert_eq!(r.sw(), StatusWord::InsufficientBalance);
    // The two-amount form of an earlier design (Lc 0F) is 6700, as on a real COS.
    assert_eq!(
        tx(&mut card, "805001020F01000003E8000003E8410100813475").sw(),
        StatusWord::WrongLength
    );
    // DEBIT without INITIALIZE: 6985.
    assert_eq!(
        tx(&mut card, "805401000F0000000120261123101530AABBCCDD").sw(),
        StatusWord::ConditionsNotSatisfied
    );
}

#[test]
fn wrong_mac1_keeps_the_balance() {
    let (p, _h, img) = funded(5_000);
    let mut card = Simulator::new(UserCard::new(p), img);
    card.power_on();
    ok(&mut card, SELECT_SSSE);
    ok(&mut card, "00A4000002DF04");
    assert!(verify_pin(&mut card, "123456").is_success());
    ok(&mut card, "805001020B01000003E8410100813475");
    let r = tx(&mut card, "805401000F0000000120261123101530DEADBEEF");
    assert_eq!(r.sw(), StatusWord::MacInvalid);
    assert_eq!(balance(card.image()), 5_000);
    assert!(card.image().logs.get(LOG).is_none_or(Vec::is_empty));
    // Without the PIN: 6982.
    card.reset();
    ok(&mut card, SELECT_SSSE);
    ok(&mut card, "00A4000002DF04");
    assert_eq!(
        tx(&mut card, "805001020B01000003E8410100813475").sw(),
        StatusWord::SecurityNotSatisfied
    );
}

#[test]
fn psam_missing_key_answers_6a88() {
    let p = profile("psam.toml");
    let text = std::fs::read_to_string(root().join("fixtures/keys/test-masters.toml")).unwrap();
    // A PSAM whose key file lacks DPK.
    let without_dpk: String = text
        .split("\n[[key]]")
        .filter(|k| !k.contains("name = \"DPK\""))
        .collect::<Vec<_>>()
        .join("\n[[key]]");
    let masters = sscard_profile::keys::MasterKeys::load_str("partial.toml", &without_dpk).unwrap();
    let img = sscard_sim::psam::psam_image(&p, &masters).unwrap();
    let mut psam = Simulator::new(Psam::new(p), img);
    psam.power_on();
    assert_eq!(
        tx(&mut psam, "80FA000010000102030405060708090A0B0C0D0E0F").sw(),
        StatusWord::ConditionsNotSatisfied
    );
    ok(&mut psam, "00A4000002DF03");
    assert_eq!(
        tx(&mut psam, "801A017F08AABBCCDDEEFF0011").sw(),
        StatusWord::ReferenceNotFound
    );
    assert_eq!(
        tx(
            &mut psam,
            &format!("8070000024{}", "00".repeat(18) + "0103" + &"00".repeat(16))
        )
        .sw(),
        StatusWord::ReferenceNotFound
    );
    // IRK is there: INIT CRYPTO + CRYPTO gives the card's internal authentication data.
    let (_, h, _) = image("ssc-3.0.toml", "zhang-san.toml");
    let id = h.card_id();
    let (r1, r2) = ([1u8; 8], [2u8; 8]);
    ok(
        &mut psam,
        &format!(
            "801A017018{}{}{}",
            hex::encode(diversify::area_factor(&id)),
            hex::encode(diversify::card_factor(&id)),
            hex::encode(r1)
        ),
    );
    let c = ok(
        &mut psam,
        &format!("80FA000010{}", hex::encode(sscard_crypto::mac::pad80(&r2))),
    );
    assert_eq!(
        &c[..8],
        &sscard_crypto::Scheme::Sm4.auth_data(&card_key(&h, "IRK"), &r1, &r2)
    );
    assert_eq!(
        tx(&mut psam, "00A4000002DF09").sw(),
        StatusWord::FileNotFound
    );
}

#[test]
fn tearing_the_medical_debit() {
    let (p, h, start) = funded(10_000);
    let old_counter = start.purses[PURSE].counter;
    let psam_start = psam_sim();
    let psam_image = psam_start.image().clone();
    let pp = profile("psam.toml");
    tear_everywhere(
        &start,
        p,
        |card| {
            let mut psam = Simulator::new(Psam::new(pp.clone()), psam_image.clone());
            psam.power_on();
            debit_flow(card, &mut psam, &h, 1_234).map(|_| ())
        },
        |img| {
            let log = img.logs.get(LOG).map_or(0, Vec::len);
            match (balance(img), img.purses[PURSE].counter, log) {
                (10_000, c, 0) if c == old_counter => "old",
                (8_766, c, 1) if c == old_counter + 1 => "new",
                _ => "between",
            }
        },
    );
}

#[test]
fn tearing_the_pin_change() {
    let (p, _h, start) = image("ssc-3.0.toml", "zhang-san.toml");
    let change = format!("{}FF{}", pin_bcd("123456"), pin_bcd("654321"));
    let apdu = hex::decode(format!("805E0100{:02X}{change}", change.len() / 2)).unwrap();
    let select = hex::decode(SELECT_SSSE).unwrap();
    tear_everywhere(
        &start,
        p,
        |card| {
            card.transmit(&select)?;
            let r = card.transmit(&apdu)?;
            assert_eq!(r[r.len() - 2..], [0x90, 0x00]);
            Ok(())
        },
        |img| match (
            img.pins["holder"].value.as_str(),
            img.pins["holder"].tries_left,
        ) {
            ("123456", 3) => "old",
            ("654321", 3) => "new",
            _ => "between",
        },
    );
}

#[derive(Debug, Clone)]
enum Op {
    Debit(u32),
    WrongPin,
    Garbage(Vec<u8>),
    Reset,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u32..3_000).prop_map(Op::Debit),
        1 => Just(Op::WrongPin),
        3 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Op::Garbage),
        1 => Just(Op::Reset),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Random valid and invalid commands never panic, and the balance always
    /// equals the start minus the totals in the log.
    #[test]
    fn balance_agrees_with_log(ops in proptest::collection::vec(op(), 1..10)) {
        let (p, h, img) = funded(10_000);
        let mut card = Simulator::new(UserCard::new(p), img);
        card.power_on();
        let mut psam = psam_sim();
        for o in ops {
            match o {
                Op::Debit(t) => { let _ = debit_flow(&mut card, &mut psam, &h, t); }
                Op::WrongPin => { let _ = card.transmit(&[0x00, 0x20, 0x00, 0x00, 0x03, 0x11, 0x11, 0x11]); }
                Op::Garbage(b) => { let _ = card.transmit(&b); }
                Op::Reset => { card.reset(); }
            }
            let img = card.image();
            let logged: u32 = img.logs.get(LOG).map_or(0, |l| l.iter().map(|r| u32::from_be_bytes(r.0[5..9].try_into().unwrap())).sum());
            prop_assert_eq!(balance(img) + logged, 10_000);
            prop_assert_eq!(u32::from(img.purses[PURSE].counter) as usize, img.logs.get(LOG).map_or(0, Vec::len));
        }
    }
}

#[test]
fn garbage_never_panics() {
    let (mut c, _) = card("ssc-3.0.toml", "zhang-san.toml");
    let mut x: u64 = 0x1234_5678;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = (x % 24) as usize;
        let mut b: Vec<u8> = (0..len).map(|i| (x >> (i % 8 * 8)) as u8).collect();
        if len > 1 {
            b[0] = [0x00, 0x04, 0x80, 0x84][(x % 4) as usize];
            b[1] = [
                0xA4, 0xB2, 0xB0, 0xDC, 0xD6, 0x20, 0x5E, 0x24, 0x84, 0x88, 0x82, 0x50, 0x54, 0x5C,
            ][(x % 14) as usize];
        }
        let _ = c.transmit(&b);
    }
    let _ = Command::new(0, 0, 0, 0);
}
