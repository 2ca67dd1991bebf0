//! PIN entry through the C ABI on a reader with a PIN pad (issue 13 point
//! 3): `pin_source = "emulated-pinpad"` puts an emulated PC/SC part 10
//! reader in front of the simulated card, typing `test_pins`. Verify,
//! change, reload and unblock work; the initial-PIN rules give -35 and -36.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::undocumented_unsafe_blocks)] // buffers are the documented sizes

mod common;

use common::{call, card_info, profile_text, save_card, save_psam};

fn keys(k: &str) {
    std::env::set_var("SSSE32_TEST_PINS", k);
}

#[test]
fn the_pin_family_on_a_pin_pad_reader() {
    let tmp = tempfile::tempdir().unwrap();
    let card = tmp.path().join("card.json");
    save_card(&profile_text("ssc-2.0.toml"), "ssc-2.0.toml", &card);
    let psam = tmp.path().join("psam.json");
    save_psam(&psam, false);
    std::env::remove_var("SSSE32_CONFIG");
    std::env::set_var("SSSE32_READER", format!("sim:{}", card.display()));
    std::env::set_var("SSSE32_PSAM_READER", format!("sim:{}", psam.display()));
    std::env::set_var("SSSE32_PIN_SOURCE", "emulated-pinpad");
    let (_, bas) = call(1024, |o| unsafe { ssse32::iReadCardBas(1, o) });
    let info = card_info(&bas);
    let info = || info.as_ptr().cast_mut();
    let verify = || call(512, |o| unsafe { ssse32::iVerifyPIN(1, o) }).0;

    keys("123456");
    assert_eq!(verify(), 0);
    keys("cancel");
    assert_eq!(verify(), -31);
    keys("123");
    assert_eq!(verify(), -33);
    keys("123456,654321,654321");
    assert_eq!(call(512, |o| unsafe { ssse32::iChangePIN(1, o) }).0, 0);
    keys("654321");
    assert_eq!(verify(), 0);
    // Reload sets the initial PIN, which the holder changes on the pad.
    keys("");
    let (code, msg) = call(512, |o| unsafe { ssse32::iReloadPIN(1, info(), o) });
    assert_eq!(code, -13, "no initial PIN configured: {msg}");
    std::env::set_var("SSSE32_INITIAL_PIN", "888888");
    keys("888888,135790,135790");
    let (code, msg) = call(512, |o| unsafe { ssse32::iReloadPIN(1, info(), o) });
    assert_eq!(code, 0, "{msg}");
    keys("000000,000000,000000");
    for _ in 0..3 {
        assert_ne!(verify(), 0);
    }
    keys("");
    let (code, msg) = call(512, |o| unsafe { ssse32::iUnblockPIN(1, info(), o) });
    assert_eq!(code, 0, "{msg}");
    keys("135790");
    assert_eq!(verify(), 0);

    // The initial-PIN rules where the host sees the PIN (test source).
    std::env::set_var("SSSE32_PIN_SOURCE", "test");
    std::env::set_var("SSSE32_INITIAL_PIN", "135790");
    keys("135790");
    assert_eq!(verify(), -35);
    keys("135790,135790,135790");
    assert_eq!(call(512, |o| unsafe { ssse32::iChangePIN(1, o) }).0, -36);
    std::env::set_var("SSSE32_PIN_MIN_DIGITS", "8");
    std::env::set_var("SSSE32_PIN_MAX_DIGITS", "4");
    keys("135790");
    assert_eq!(verify(), -14, "min above max is a configuration error");
}
