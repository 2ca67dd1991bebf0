//! The user card, command by command, including every error status.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use sscard_apdu::field::Format;
use sscard_apdu::record::{BtlvRecord, Record};
use sscard_apdu::tlv::{find_path, Tlv};
use sscard_apdu::{Command, StatusWord};
use sscard_crypto::Scheme;
use sscard_profile::{EfKind, ElementFormat};
use sscard_sim::perso;

#[test]
fn select_fci_and_basic_errors() {
    let (mut c, _) = card("ssc-3.0.toml", "zhang-san.toml");
    let fci = ok(&mut c, SELECT_SSSE);
    let t = Tlv::parse_all(&fci).unwrap();
    let alg = find_path(&t, &[0x6F, 0xA5, 0x9F0C])
        .unwrap()
        .parse_value()
        .unwrap();
    assert_eq!(
        find_path(&alg, &[0x86]).and_then(Tlv::bytes),
        Some(&[0x03][..])
    );
    // EF by FID with P1 00 and 02; DF by FID; MF.
    ok(&mut c, "00A4000002EF05");
    ok(&mut c, "00A4020002EF05");
    ok(&mut c, "00A4000002DF01");
    ok(&mut c, "00A4020002EF05"); // DF01's EF05
    ok(&mut c, "00A40000023F00");
    assert_eq!(tx(&mut c, "00A4020002EF99").sw(), StatusWord::FileNotFound);
    assert_eq!(tx(&mut c, "00A4020003EF0501").sw(), StatusWord::WrongLength);
    assert_eq!(
        tx(&mut c, "00A40400051122334455").sw(),
        StatusWord::FileNotFound
    );
    assert_eq!(tx(&mut c, "00FF000000").sw(), StatusWord::InsNotSupported);
    assert_eq!(tx(&mut c, "B0B2010400").sw(), StatusWord::ClaNotSupported);
    assert_eq!(tx(&mut c, "00A4").sw(), StatusWord::WrongLength);
    // ATR carries the profile's historical bytes.
    assert_eq!(
        hex::encode_upper(c.atr()),
        "3B6D000000814E43238697159900BF7C7A"
    );
}

/// Personalise from a holder, then read every element of every record file
/// both ways and every transparent file, with the access each needs.
#[test]
fn read_the_whole_card() {
    for holder_name in ["zhang-san.toml", "ayguli.toml", "li-na.toml"] {
        let (mut c, h) = card("ssc-3.0.toml", holder_name);
        let profile = c.applet().profile().clone();
        let mut elements = 0;
        for ef in &profile.efs {
            // Select the DF from MF, then the EF.
            ok(&mut c, "00A40000023F00");
            let mut path = String::new();
            for part in ef.df.split('/') {
                path = if path.is_empty() {
                    part.to_owned()
                } else {
                    format!("{path}/{part}")
                };
                let df = profile.df(&path).unwrap();
                match (&df.name, df.fid) {
                    (Some(name), _) => ok(
                        &mut c,
                        &format!("00A40400{:02X}{}", name.len(), hex::encode(name)),
                    ),
                    (None, Some(fid)) => ok(&mut c, &format!("00A4000002{fid:04X}")),
                    _ => unreachable!(),
                };
            }
            if ef.read.pin().is_some() {
                assert_eq!(
                    verify_pin(&mut c, h.record().pin.as_deref().unwrap_or("888888")).sw(),
                    StatusWord::Success
                );
            }
            if let Some(k) = ef.read.key().filter(|_| ef.read.pin().is_none()) {
                let id = profile.key(k).unwrap().id.unwrap();
                assert_eq!(external_auth(&mut c, &h, k, id).sw(), StatusWord::Success);
            }
            ok(&mut c, &format!("00A4020002{:04X}", ef.fid));
            match ef.kind {
                EfKind::Transparent { size } => {
                    let r = send(
                        &mut c,
                        &Command::new(0, 0xB0, 0, 0).with_le(size.min(256)).unwrap(),
                    );
                    assert_eq!(r.sw(), StatusWord::Success, "{}", ef.path);
                }
                EfKind::Variable | EfKind::Fixed { .. } => {
                    for el in &ef.elements {
                        elements += 1;
                        let expected =
                            perso::element_record(el, &perso::element_value(&profile, &h, el))
                                .unwrap();
                        let by_number = send(
                            &mut c,
                            &Command::new(0, 0xB2, el.record, 0x04)
                                .with_le(expected.len())
                                .unwrap(),
                        );
                        assert_eq!(by_number.data(), expected, "{} tag {:02X}", ef.path, el.tag);
                        let by_tag = ok(&mut c, &format!("00B2{:02X}0000", el.tag));
                        assert_eq!(by_tag, expected);
                        match el.format {
                            ElementFormat::Field(f) => {
                                let rec = Record::parse(&by_tag).unwrap();
                                let text = f.decode(&rec.value).unwrap();
                                let want = perso::element_value(&profile, &h, el);
                                if f != Format::B || !want.is_empty() {
                                    assert_eq!(text, want, "{}", el.name);
                                }
                            }
                            ElementFormat::Btlv => {
                                let b = BtlvRecord::parse(&by_tag).unwrap();
                                assert_eq!(b.items.len(), el.items.len());
                                for n in 1..el.occurrences {
                                    ok(&mut c, &format!("00B2{:02X}0400", el.record + n));
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        let defined: usize = profile
            .efs
            .iter()
            .filter(|e| e.kind.is_record())
            .map(|e| e.elements.len())
            .sum();
        assert_eq!(elements, defined);
        assert!(defined >= 35);
    }
}

#[test]
fn access_rules_and_their_scope() {
    let (mut c, h) = card("ssc-3.0.toml", "zhang-san.toml");
    ok(&mut c, SELECT_SSSE);
    ok(&mut c, "00A4020002EF06");
    assert_eq!(
        tx(&mut c, "00B2010400").sw(),
        StatusWord::SecurityNotSatisfied
    );
    assert_eq!(
        external_auth(&mut c, &h, "RKSSSE", 0x0A).sw(),
        StatusWord::Success
    );
    ok(&mut c, "00A4020002EF06");
    let ssn = Record::parse(&ok(&mut c, "00B2010400")).unwrap();
    assert_eq!(Format::An.decode(&ssn.value).unwrap(), "11010519491231002X");
    // Selecting another DF clears the key; coming back does not restore it.
    ok(&mut c, "00A4000002DF01");
    ok(&mut c, SELECT_SSSE);
    ok(&mut c, "00A4020002EF06");
    assert_eq!(
        tx(&mut c, "00B2010400").sw(),
        StatusWord::SecurityNotSatisfied
    );
    // The holder PIN holds in SSSE and below, until reset.
    ok(&mut c, "00A4000002DF01");
    ok(&mut c, "00A4020002EF05");
    assert_eq!(
        tx(&mut c, "00B2010400").sw(),
        StatusWord::SecurityNotSatisfied
    );
    assert!(verify_pin(&mut c, "123456").is_success());
    ok(&mut c, "00B2010400");
    ok(&mut c, "00A4000002DF04");
    ok(&mut c, "00A4020002EF05");
    ok(&mut c, "00B2010400");
    c.reset();
    ok(&mut c, SELECT_SSSE);
    ok(&mut c, "00A4000002DF01");
    ok(&mut c, "00A4020002EF05");
    assert_eq!(
        tx(&mut c, "00B2010400").sw(),
        StatusWord::SecurityNotSatisfied
    );
    // A never-written record and a wrong P2.
    assert!(verify_pin(&mut c, "123456").is_success());
    assert_eq!(tx(&mut c, "00B2090400").sw(), StatusWord::RecordNotFound);
    assert_eq!(tx(&mut c, "00B2010500").sw(), StatusWord::WrongP1P2);
    // The 2.0 card reads EF06 freely: the rule comes from the profile.
    let (mut c2, _) = card("ssc-2.0.toml", "zhang-san.toml");
    ok(&mut c2, SELECT_SSSE);
    ok(&mut c2, "00A4020002EF06");
    ok(&mut c2, "00B2010400");
}

#[test]
fn pin_tries_block_and_unblock() {
    let (mut c, h) = card("ssc-3.0.toml", "zhang-san.toml");
    ok(&mut c, SELECT_SSSE);
    assert_eq!(
        verify_pin(&mut c, "000000").sw(),
        StatusWord::VerifyFailed { tries: 2 }
    );
    assert_eq!(
        verify_pin(&mut c, "000000").sw(),
        StatusWord::VerifyFailed { tries: 1 }
    );
    assert_eq!(
        tx(&mut c, "0020000000").sw(),
        StatusWord::VerifyFailed { tries: 1 }
    );
    assert_eq!(
        verify_pin(&mut c, "000000").sw(),
        StatusWord::VerifyFailed { tries: 0 }
    );
    assert_eq!(
        verify_pin(&mut c, "123456").sw(),
        StatusWord::AuthMethodBlocked
    );
    // A block of another length is compared like any other (02 §2.1): on a
    // blocked PIN, 6983; a data field longer than any PIN, 6700.
    assert_eq!(verify_pin(&mut c, "12").sw(), StatusWord::AuthMethodBlocked);
    assert_eq!(
        tx(&mut c, "0020000009000000000000000000").sw(),
        StatusWord::WrongLength
    );
    // UNBLOCK with a wrong MAC changes nothing.
    let mut bad = with_mac(&mut c, &h, "PUK", [0x84, 0x24, 0, 0], &[]);
    bad = Command::new(0x84, 0x24, 0, 0)
        .with_data(bad.data().iter().map(|b| b ^ 1).collect::<Vec<_>>())
        .unwrap();
    assert_eq!(
        send(&mut c, &bad).sw(),
        StatusWord::SecureMessagingIncorrect
    );
    assert_eq!(
        verify_pin(&mut c, "123456").sw(),
        StatusWord::AuthMethodBlocked
    );
    // Without a challenge: 6984.
    assert_eq!(
        tx(&mut c, "8424000004AABBCCDD").sw(),
        StatusWord::ReferenceDataInvalid
    );
    let good = with_mac(&mut c, &h, "PUK", [0x84, 0x24, 0, 0], &[]);
    assert!(send(&mut c, &good).is_success());
    assert!(verify_pin(&mut c, "123456").is_success());
    // The same MAC again: the challenge was used.
    assert_eq!(send(&mut c, &good).sw(), StatusWord::ReferenceDataInvalid);
}

#[test]
fn change_and_reload_pin() {
    let (mut c, h) = card("ssc-3.0.toml", "zhang-san.toml");
    ok(&mut c, SELECT_SSSE);
    let change = format!("{}FF{}", pin_bcd("123456"), pin_bcd("24680"));
    ok(&mut c, &format!("805E0100{:02X}{change}", change.len() / 2));
    assert_eq!(
        verify_pin(&mut c, "123456").sw(),
        StatusWord::VerifyFailed { tries: 2 }
    );
    assert!(verify_pin(&mut c, "24680").is_success());
    // A wrong old PIN counts as a failed try and changes nothing.
    let wrong = format!("{}FF{}", pin_bcd("999999"), pin_bcd("1111"));
    assert_eq!(
        tx(&mut c, &format!("805E0100{:02X}{wrong}", wrong.len() / 2)).sw(),
        StatusWord::VerifyFailed { tries: 2 }
    );
    // RELOAD: the new PIN enciphered under PUK's session key.
    let challenge: [u8; 8] = ok(&mut c, "0084000008").try_into().unwrap();
    let session = Scheme::Sm4.session_key(&card_key(&h, "PUK"), &challenge);
    let mut block = vec![6u8];
    block.extend(Format::Cn.encode("135790", 3).unwrap());
    let plain = sscard_crypto::mac::pad80(&block);
    let cipher = sscard_crypto::cipher::ecb_encrypt(&session, &plain).unwrap();
    let mut input = vec![0x84, 0x5E, 0, 0, 0x14];
    input.extend(&cipher);
    let m = Scheme::Sm4.mac(&session, &challenge, &input);
    let mut data = cipher.clone();
    data.extend(m);
    assert!(send(
        &mut c,
        &Command::new(0x84, 0x5E, 0, 0).with_data(data).unwrap()
    )
    .is_success());
    assert!(verify_pin(&mut c, "135790").is_success());
}

#[test]
fn authentication() {
    let (mut c, h) = card("ssc-3.0.toml", "zhang-san.toml");
    ok(&mut c, SELECT_SSSE);
    // INTERNAL AUTHENTICATE answers what the PSAM computes from IRK.
    let r1: [u8; 8] = ok(&mut c, "0084000008").try_into().unwrap();
    let r2: [u8; 8] = ok(&mut c, "0084000008").try_into().unwrap();
    let answer = ok(
        &mut c,
        &format!("0088000810{}{}", hex::encode(r1), hex::encode(r2)),
    );
    assert_eq!(
        answer,
        Scheme::Sm4.auth_data(&card_key(&h, "IRK"), &r1, &r2)
    );
    assert_eq!(
        tx(
            &mut c,
            &format!("0088009910{}{}", hex::encode(r1), hex::encode(r2))
        )
        .sw(),
        StatusWord::ReferenceNotFound
    );
    // EXTERNAL AUTHENTICATE with the wrong key: tries count down to blocked.
    for left in [2, 1, 0] {
        let r1: [u8; 8] = ok(&mut c, "0084000008").try_into().unwrap();
        let r2: [u8; 8] = ok(&mut c, "0084000008").try_into().unwrap();
        let a = Scheme::Sm4.auth_data(&card_key(&h, "UKSSSE"), &r1, &r2);
        let r = tx(
            &mut c,
            &format!("0082000A10{}{}", hex::encode(a), hex::encode(r2)),
        );
        assert_eq!(r.sw(), StatusWord::VerifyFailed { tries: left });
    }
    assert_eq!(
        external_auth(&mut c, &h, "RKSSSE", 0x0A).sw(),
        StatusWord::AuthMethodBlocked
    );
    // R2 that is not the card's latest challenge, and no challenge at all.
    assert_eq!(
        tx(&mut c, "00820012100011223344556677AABBCCDDEEFF0011").sw(),
        StatusWord::ReferenceDataInvalid
    );
    assert_eq!(
        external_auth(&mut c, &h, "UKSSSE", 0x12).sw(),
        StatusWord::Success
    );
    assert_eq!(tx(&mut c, "0084000005").sw(), StatusWord::WrongLength);
}

#[test]
fn update_record_plain_and_with_mac() {
    let (mut c, h) = card("ssc-3.0.toml", "zhang-san.toml");
    ok(&mut c, SELECT_SSSE);
    ok(&mut c, "00A4020002EF05");
    let rec = Record::new(0x07, *b"Y12345678").unwrap().to_bytes();
    let plain = Command::new(0, 0xDC, 7, 4).with_data(rec.clone()).unwrap();
    assert_eq!(send(&mut c, &plain).sw(), StatusWord::SecurityNotSatisfied);
    // A MAC under the file's update key, not the maintenance key STK: 6988.
    let cmd = with_mac(&mut c, &h, "UKSSSE", [0x04, 0xDC, 7, 4], &rec);
    assert_eq!(
        send(&mut c, &cmd).sw(),
        StatusWord::SecureMessagingIncorrect
    );
    // With a wrong MAC: 6988 and the record is unchanged.
    let mut cmd = with_mac(&mut c, &h, "STKSSSE", [0x04, 0xDC, 7, 4], &rec);
    let mut data = cmd.data().to_vec();
    let n = data.len();
    data[n - 1] ^= 0xFF;
    cmd = Command::new(0x04, 0xDC, 7, 4).with_data(data).unwrap();
    assert_eq!(
        send(&mut c, &cmd).sw(),
        StatusWord::SecureMessagingIncorrect
    );
    assert_eq!(&ok(&mut c, "00B2070400")[2..], b"X00000019");
    // Under STK (02 §2.3), the record is written.
    let cmd = with_mac(&mut c, &h, "STKSSSE", [0x04, 0xDC, 7, 4], &rec);
    assert!(send(&mut c, &cmd).is_success());
    assert_eq!(&ok(&mut c, "00B2070400")[2..], b"Y12345678");
    // After external authentication, a plain update; wrong tag and length refused.
    assert!(external_auth(&mut c, &h, "UKSSSE", 0x12).is_success());
    ok(&mut c, "00A4020002EF05");
    assert!(send(&mut c, &plain).is_success());
    let wrong_tag = Command::new(0, 0xDC, 7, 4)
        .with_data(Record::new(0x08, *b"X").unwrap().to_bytes())
        .unwrap();
    assert_eq!(send(&mut c, &wrong_tag).sw(), StatusWord::WrongData);
    let too_long = Command::new(0, 0xDC, 7, 4)
        .with_data(Record::new(0x07, vec![b'1'; 10]).unwrap().to_bytes())
        .unwrap();
    assert_eq!(send(&mut c, &too_long).sw(), StatusWord::WrongLength);
}

#[test]
fn binary_files_offset_and_sfi() {
    let (mut c, h) = card("ssc-3.0.toml", "zhang-san.toml");
    ok(&mut c, SELECT_SSSE);
    assert!(external_auth(&mut c, &h, "RKSSSE", 0x0A).is_success());
    ok(&mut c, "00A4020002EF08");
    assert_eq!(ok(&mut c, "00B0000010").len(), 16);
    assert_eq!(tx(&mut c, "00B0200000").sw(), StatusWord::WrongParameters);
    assert_eq!(ok(&mut c, "00B00FF010").len(), 16); // the last 16 bytes of 4096
                                                    // Le past the end: the bytes there are, with 6282 (ISO/IEC 7816-4);
                                                    // an offset at the end is outside the file: 6B00.
    let r = tx(&mut c, "00B00FF000");
    assert_eq!((r.sw(), r.data().len()), (StatusWord::EndOfFile, 16));
    assert_eq!(tx(&mut c, "00B0100001").sw(), StatusWord::WrongParameters);
    // UPDATE BINARY needs UKSSSE.
    assert_eq!(
        tx(&mut c, "00D6000004DEADBEEF").sw(),
        StatusWord::SecurityNotSatisfied
    );
    // PKI public key file is free to read, never to update.
    ok(&mut c, "00A404000C504B492EC9E7BBE1B1A3D5CF");
    ok(&mut c, "00A404000C53532E434552542E41444631");
    ok(&mut c, "00A40200020012");
    assert_eq!(ok(&mut c, "00B0000042").len(), 66);
    assert_eq!(
        tx(&mut c, "00D6000001FF").sw(),
        StatusWord::SecurityNotSatisfied
    );
    assert_eq!(
        tx(&mut c, "00B2010400").sw(),
        StatusWord::IncompatibleFileStructure
    );
}

#[test]
fn t0_mode_answers_61xx_and_6cxx() {
    let (mut c, _) = card("ssc-3.0.toml", "zhang-san.toml");
    c.set_t0(true);
    let r = tx(&mut c, SELECT_SSSE);
    let StatusWord::MoreData(n) = r.sw() else {
        panic!("{}", r.sw())
    };
    let fci = ok(&mut c, &format!("00C00000{n:02X}"));
    assert_eq!(fci[0], 0x6F);
    ok(&mut c, "00A4020002EF05");
    assert_eq!(tx(&mut c, "00B2070405").sw(), StatusWord::WrongLe(11));
    assert_eq!(&ok(&mut c, "00B207040B")[2..], b"X00000019");
    assert_eq!(
        tx(&mut c, "00C0000010").sw(),
        StatusWord::ConditionsNotSatisfied
    );
}
