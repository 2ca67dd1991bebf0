//! The PKI application: on-card key generation, export, certificates
//! written by UPDATE BINARY, SIGN HASH behind the user PIN, and the SM2
//! card authentication of spec 03 §3.4 done by hand.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, SystemTime};

use common::*;
use sscard_apdu::{Command, StatusWord};
use sscard_crypto::x509::{self, CertKind, CertSpec, Certificate};
use sscard_crypto::{KeyPair, PublicKey, Signature, DEFAULT_ID};

const SELECT_PKI: &str = "00A404000C504B492EC9E7BBE1B1A3D5CF";
const SELECT_ADF: &str = "00A404000C53532E434552542E41444631";

#[test]
fn generate_certify_and_sign() {
    let (mut c, h) = card("ssc-3.0.toml", "zhang-san.toml");
    ok(&mut c, SELECT_PKI);
    ok(&mut c, SELECT_ADF);
    // Key generation needs the administrator PIN on an issued card.
    assert_eq!(
        tx(&mut c, "8040000008C0020012C2020013").sw(),
        StatusWord::SecurityNotSatisfied
    );
    let admin = pin_bcd("12345678");
    ok(&mut c, &format!("00200082{:02X}{admin}", admin.len() / 2));
    ok(&mut c, "8040000008C0020012C2020013");
    ok(&mut c, "80C9820008C0020012C2020013");
    let xy = ok(&mut c, "80C9828000");
    assert_eq!(xy.len(), 64);
    let public = PublicKey::from_xy(&xy).unwrap();
    // The public key file holds C0 40 x y; the private key file is never readable.
    ok(&mut c, "00A40200020012");
    assert_eq!(ok(&mut c, "00B0000042")[2..], xy[..]);
    ok(&mut c, "00A40200020013");
    assert_eq!(
        tx(&mut c, "00B0000010").sw(),
        StatusWord::IncompatibleFileStructure
    );

    // The issuing CA of fixtures/ca certifies the key; the card stores it in 0x70 chunks.
    let ca_dir = root().join("fixtures/ca");
    let issuer =
        Certificate::from_pem(&std::fs::read_to_string(ca_dir.join("issuer.pem")).unwrap())
            .unwrap();
    let issuer_key =
        KeyPair::from_pkcs8_pem(&std::fs::read_to_string(ca_dir.join("issuer.key.pem")).unwrap())
            .unwrap();
    let root_cert =
        Certificate::from_pem(&std::fs::read_to_string(ca_dir.join("root.pem")).unwrap()).unwrap();
    let now = SystemTime::now();
    let cert = x509::issue(
        &CertSpec {
            kind: CertKind::Signing,
            subject: x509::holder_subject(&h.record().name, &h.record().ssn, &h.area_code()),
            serial: 1001,
            not_before: now - Duration::from_secs(60),
            not_after: now + Duration::from_secs(86_400 * 365),
        },
        &public,
        Some(&issuer),
        &issuer_key,
    )
    .unwrap();
    ok(&mut c, "00A40200020018");
    for (i, chunk) in cert.to_der().chunks(0x70).enumerate() {
        let off = (i * 0x70) as u16;
        let cmd = Command::new(0, 0xD6, (off >> 8) as u8, off as u8)
            .with_data(chunk.to_vec())
            .unwrap();
        assert!(send(&mut c, &cmd).is_success());
    }
    // Spec 03 §3.4: read the certificate, check the chain, challenge, PIN, SIGN HASH, verify.
    c.reset();
    ok(&mut c, SELECT_PKI);
    ok(&mut c, SELECT_ADF);
    ok(&mut c, "00A40200020018");
    let mut der = Vec::new();
    while der.len() < 2048 {
        let off = der.len() as u16;
        let part = send(
            &mut c,
            &Command::new(0, 0xB0, (off >> 8) as u8, off as u8)
                .with_le(256)
                .unwrap(),
        );
        der.extend_from_slice(part.data());
    }
    // The file is longer than the certificate: the zeros after it are padding.
    let len = sscard_apdu::Tlv::parse_one(&der).unwrap().encoded_len();
    let read_back = Certificate::from_der(&der[..len]).unwrap();
    x509::verify_chain(
        &[read_back.clone(), issuer.clone()],
        &root_cert,
        SystemTime::now(),
    )
    .unwrap();
    let challenge = sscard_crypto::random::bytes::<32>().unwrap();
    let e = read_back
        .public_key()
        .unwrap()
        .digest(DEFAULT_ID.as_bytes(), &challenge)
        .unwrap();
    let sign = format!("802A9E9A20{}00", hex::encode(e));
    assert_eq!(tx(&mut c, &sign).sw(), StatusWord::SecurityNotSatisfied);
    let user = pin_bcd("123456");
    ok(&mut c, &format!("00200081{:02X}{user}", user.len() / 2));
    let rs = ok(&mut c, &sign);
    read_back
        .public_key()
        .unwrap()
        .verify(&challenge, &Signature::from_raw(&rs).unwrap())
        .unwrap();
    // Without Le the card answers the same way.
    let rs2 = ok(&mut c, &format!("802A9E9A20{}", hex::encode(e)));
    read_back
        .public_key()
        .unwrap()
        .verify(&challenge, &Signature::from_raw(&rs2).unwrap())
        .unwrap();
    // Selecting another application clears the PKI PIN.
    ok(&mut c, SELECT_SSSE);
    ok(&mut c, SELECT_PKI);
    ok(&mut c, SELECT_ADF);
    assert_eq!(tx(&mut c, &sign).sw(), StatusWord::SecurityNotSatisfied);
}

#[test]
fn sign_hash_without_a_key_and_bad_lengths() {
    let (mut c, _) = card("ssc-3.0.toml", "zhang-san.toml");
    ok(&mut c, SELECT_PKI);
    ok(&mut c, SELECT_ADF);
    let user = pin_bcd("123456");
    ok(&mut c, &format!("00200081{:02X}{user}", user.len() / 2));
    assert_eq!(
        tx(&mut c, &format!("802A9E9A20{}00", "11".repeat(32))).sw(),
        StatusWord::ReferenceNotFound
    );
    assert_eq!(
        tx(&mut c, "802A9E9A0411223344").sw(),
        StatusWord::WrongLength
    );
    assert_eq!(
        tx(&mut c, "80C9828000").sw(),
        StatusWord::ConditionsNotSatisfied
    );
}
