//! `iReadCardBas_HSM_Step1`'s line: 9 fields by default (the terminal
//! device code last), 8 with `hsm_step1_fields = 8` (some vendors'
//! libraries), -14 for another value. The internal source is the library's
//! random, not the card's: two calls give two sources.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::undocumented_unsafe_blocks)] // the buffer passed is the documented 1024 bytes

use sscard_test_support::root;
use std::os::raw::{c_char, c_long};

fn step1() -> (c_long, String) {
    let mut out = vec![0u8; 1024];
    let rc = unsafe { ssse32::iReadCardBas_HSM_Step1(1, out.as_mut_ptr().cast::<c_char>()) };
    let end = out.iter().position(|b| *b == 0).unwrap();
    (rc, String::from_utf8_lossy(&out[..end]).into_owned())
}

#[test]
fn step1_line_has_the_configured_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let card = tmp.path().join("card.json");
    std::fs::copy(root().join("fixtures/cards/zhang-san-3.0.json"), &card).unwrap();
    std::env::remove_var("SSSE32_CONFIG");
    std::env::set_var("SSSE32_READER", format!("sim:{}", card.display()));
    std::env::set_var("SSSE32_PSAM_READER", "none");
    let (rc, nine) = step1();
    assert_eq!(rc, 0, "{nine}");
    assert_eq!(nine.matches('|').count(), 9, "{nine}");
    std::env::set_var("SSSE32_HSM_STEP1_FIELDS", "8");
    let (rc, eight) = step1();
    assert_eq!(rc, 0, "{eight}");
    assert_eq!(eight.matches('|').count(), 8, "{eight}");
    let fields = |l: &str| l.split('|').map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(fields(&nine)[..4], fields(&eight)[..4]);
    assert_ne!(
        fields(&nine)[5],
        fields(&eight)[5],
        "the internal source repeated"
    );
    std::env::set_var("SSSE32_HSM_STEP1_FIELDS", "7");
    assert_eq!(step1().0, -14);
    std::env::remove_var("SSSE32_HSM_STEP1_FIELDS");
}
