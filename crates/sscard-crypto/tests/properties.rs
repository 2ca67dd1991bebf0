//! Property tests: SM2 sign/verify round trips, certificate build/parse
//! round trips, and tampering with any byte makes verification fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;
use sscard_crypto::pboc::{IssuerCert, SignedDynamicData, YearMonth};
use sscard_crypto::x509::{self, CertKind, CertSpec, Certificate};
use sscard_crypto::{cipher, mac, KeyPair, Signature, SymKey};

struct Fixture {
    root_key: KeyPair,
    root: Certificate,
    card: KeyPair,
    leaf: Certificate,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let spec = |kind, subject: &str| CertSpec {
            kind,
            subject: subject.into(),
            serial: 42,
            not_before: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            not_after: UNIX_EPOCH + Duration::from_secs(2_000_000_000),
        };
        let root_key = KeyPair::generate().unwrap();
        let root = x509::issue(
            &spec(CertKind::Ca, "CN=Root,C=CN"),
            root_key.public(),
            None,
            &root_key,
        )
        .unwrap();
        let card = KeyPair::generate().unwrap();
        let leaf = x509::issue(
            &spec(CertKind::Signing, "CN=Card"),
            card.public(),
            Some(&root),
            &root_key,
        )
        .unwrap();
        Fixture {
            root_key,
            root,
            card,
            leaf,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn sign_verify_round_trip(msg in proptest::collection::vec(any::<u8>(), 0..200), id in "[0-9A-Za-z]{1,20}") {
        let kp = &fixture().card;
        let sig = kp.sign_with_id(id.as_bytes(), &msg).unwrap();
        prop_assert!(kp.public().verify_with_id(id.as_bytes(), &msg, &sig).is_ok());
        prop_assert_eq!(Signature::from_der(&sig.to_der().unwrap()).unwrap(), sig);
    }

    #[test]
    fn a_flipped_signature_bit_fails(msg in proptest::collection::vec(any::<u8>(), 0..64), bit in 0usize..512) {
        let kp = &fixture().card;
        let mut raw = kp.sign(&msg).unwrap().to_raw();
        raw[bit / 8] ^= 1 << (bit % 8);
        let bad = Signature::from_raw(&raw).unwrap();
        prop_assert!(kp.public().verify(&msg, &bad).is_err());
    }

    #[test]
    fn a_flipped_message_bit_fails(msg in proptest::collection::vec(any::<u8>(), 1..64), bit in any::<prop::sample::Index>()) {
        let kp = &fixture().card;
        let sig = kp.sign(&msg).unwrap();
        let mut m = msg.clone();
        let i = bit.index(m.len() * 8);
        m[i / 8] ^= 1 << (i % 8);
        prop_assert!(kp.public().verify(&m, &sig).is_err());
    }

    #[test]
    fn certificate_build_parse_round_trip(serial in 1u64..u64::MAX / 2, cn in "[A-Za-z0-9 ]{1,20}") {
        let f = fixture();
        let spec = CertSpec {
            kind: CertKind::Encryption,
            subject: format!("CN={},O=639900", x509::escape_rdn_value(cn.trim())),
            serial,
            not_before: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            not_after: UNIX_EPOCH + Duration::from_secs(1_900_000_000),
        };
        prop_assume!(!cn.trim().is_empty());
        let cert = x509::issue(&spec, f.card.public(), Some(&f.root), &f.root_key).unwrap();
        let parsed = Certificate::from_der(cert.to_der()).unwrap();
        prop_assert_eq!(&parsed, &cert);
        prop_assert_eq!(parsed.public_key().unwrap(), f.card.public().clone());
        prop_assert!(parsed.verify_issued_by(&f.root).is_ok());
    }

    /// Tampering with any byte of a certificate makes it fail to parse or
    /// fail to verify.
    #[test]
    fn a_tampered_certificate_fails(pos in any::<prop::sample::Index>(), x in 1u8..=255) {
        let f = fixture();
        let mut der = f.leaf.to_der().to_vec();
        let i = pos.index(der.len());
        der[i] ^= x;
        if let Ok(c) = Certificate::from_der(&der) {
            prop_assert!(c.verify_issued_by(&f.root).is_err(), "byte {} accepted", i);
        }
    }

    #[test]
    fn a_tampered_pboc_certificate_fails(pos in any::<prop::sample::Index>(), x in 1u8..=255) {
        let f = fixture();
        let ic = IssuerCert { issuer_id: [0x62, 0x35, 0xFF, 0xFF], expiry: YearMonth { year: 2040, month: 1 }, serial: [0, 0, 1], key: f.card.public().clone() };
        let mut c = ic.sign(&f.root_key).unwrap();
        let i = pos.index(c.len());
        c[i] ^= x;
        let today = YearMonth { year: 2030, month: 1 };
        let verdict = IssuerCert::verify(&c, f.root_key.public(), &[0x62, 0x35, 0x00], today);
        prop_assert!(verdict.is_err());
        let tdd = [1u8, 2, 3, 4];
        let mut s = SignedDynamicData::sign(&f.card, &[7, 7], &tdd).unwrap();
        let j = pos.index(s.len());
        s[j] ^= x;
        prop_assert!(SignedDynamicData::verify(&s, f.card.public(), &tdd).is_err());
    }

    #[test]
    fn cbc_round_trip(key in any::<[u8; 16]>(), iv in any::<[u8; 16]>(), blocks in proptest::collection::vec(any::<[u8; 16]>(), 0..8)) {
        let k = SymKey::new(key);
        let data: Vec<u8> = blocks.concat();
        let ct = cipher::cbc_encrypt(&k, &iv, &data).unwrap();
        prop_assert_eq!(cipher::cbc_decrypt(&k, &iv, &ct).unwrap(), data.clone());
        prop_assert_eq!(cipher::ecb_decrypt(&k, &cipher::ecb_encrypt(&k, &data).unwrap()).unwrap(), data);
        prop_assert_eq!(mac::pad80(&[0u8; 5]).len() % 16, 0);
    }
}
