//! Cardholder fixtures: the valid ones load, the invalid ones say why.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use proptest::prelude::*;
use sscard_profile::holder::{check_ssn, ssn_check_char, Holder};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/holders")
}

#[test]
fn valid_holders_load() {
    for f in ["zhang-san.toml", "ayguli.toml", "li-na.toml"] {
        let h = Holder::load_file(fixtures().join(f)).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !format!("{h:?}").contains(&h.record().ssn),
            "Debug shows the SSN"
        );
    }
    let z = Holder::load_file(fixtures().join("zhang-san.toml")).unwrap();
    assert_eq!(z.area_code(), "639900");
    assert_eq!(z.value("holder.name").as_deref(), Some("张三"));
    assert_eq!(z.value("holder.name_ext").as_deref(), Some(""));
    assert_eq!(z.value("holder.residence_area").as_deref(), Some("110105"));
    // A long name continues into the name extension (tag 4E).
    let a = Holder::load_file(fixtures().join("ayguli.toml")).unwrap();
    let (first, rest) = a.name_parts();
    assert_eq!(format!("{first}{rest}"), a.record().name);
    assert!(sscard_apdu::field::gbk_encode(&first).unwrap().len() <= 30);
    assert!(!rest.is_empty());
}

#[test]
fn a_rare_character_is_written_in_gb18030() {
    let h = Holder::load_file(fixtures().join("rare-character.toml")).unwrap();
    let (first, rest) = h.name_parts();
    assert_eq!((first.as_str(), rest.as_str()), ("吉𠮷", ""));
    assert_eq!(
        sscard_apdu::field::gb18030_encode(&first).unwrap(),
        [0xBC, 0xAA, 0x95, 0x34, 0xB2, 0x35]
    );
}

#[test]
fn a_wrong_check_digit_is_refused() {
    let e = Holder::load_file(fixtures().join("invalid/bad-check-digit.toml")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "bad-check-digit.toml:2: ssn: check digit is 1, expected X (GB 11643)"
    );
}

proptest! {
    /// Any 17 digits with a valid birth date plus their check character pass;
    /// any other last character fails.
    #[test]
    fn check_digit_round_trip(area in "[1-6][0-9]{5}", y in 1900u16..2020, m in 1u8..=12, d in 1u8..=28, seq in "[0-9]{3}", wrong in "[0-9X]") {
        let body = format!("{area}{y:04}{m:02}{d:02}{seq}");
        let c = ssn_check_char(&body).unwrap();
        let good = format!("{body}{c}");
        prop_assert!(check_ssn(&good).is_ok());
        if !wrong.starts_with(c) {
            let bad = format!("{body}{wrong}");
            prop_assert!(check_ssn(&bad).is_err());
        }
    }
}
