//! The committed test CAs in `fixtures/ca/` are consistent: keys match
//! certificates, the X.509 chain verifies, the PBOC issuer certificate
//! verifies under the CA key in the terminal's key list.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::SystemTime;

use sscard_crypto::pboc::{IssuerCert, YearMonth};
use sscard_crypto::x509::{self, Certificate};
use sscard_crypto::{KeyPair, PublicKey};

fn read(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/ca")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn x509_test_chain() {
    let root = Certificate::from_pem(&read("root.pem")).unwrap();
    let issuer = Certificate::from_pem(&read("issuer.pem")).unwrap();
    let root_key = KeyPair::from_pkcs8_pem(&read("root.key.pem")).unwrap();
    let issuer_key = KeyPair::from_pkcs8_pem(&read("issuer.key.pem")).unwrap();
    assert_eq!(root.public_key().unwrap(), *root_key.public());
    assert_eq!(issuer.public_key().unwrap(), *issuer_key.public());
    x509::verify_chain(std::slice::from_ref(&issuer), &root, SystemTime::now()).unwrap();
    assert!(issuer.is_ca() && root.is_ca());
}

#[test]
fn pboc_test_chain() {
    let list = read("pboc-ca-keys.toml");
    let key_hex = list
        .lines()
        .find_map(|l| l.strip_prefix("key = \""))
        .and_then(|l| l.strip_suffix('"'))
        .unwrap();
    let ca = PublicKey::from_xy(&hex::decode(key_hex).unwrap()).unwrap();
    assert_eq!(
        ca,
        *KeyPair::from_pkcs8_pem(&read("pboc-ca.key.pem"))
            .unwrap()
            .public()
    );
    let cert90 = hex::decode(read("pboc-issuer-90.hex").trim()).unwrap();
    let today = YearMonth {
        year: 2026,
        month: 11,
    };
    let ic = IssuerCert::verify(&cert90, &ca, &[0x62, 0x35, 0x99, 0x00, 0x12], today).unwrap();
    let issuer = KeyPair::from_pkcs8_pem(&read("pboc-issuer.key.pem")).unwrap();
    assert_eq!(ic.key, *issuer.public());
}
