//! The strict simulator (spec README "Strictness"): where a card could
//! refuse, it refuses. Each case is a leniency of an earlier simulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use sscard_apdu::StatusWord;

#[test]
fn lc_is_checked_against_the_data_everywhere() {
    let (mut c, _h) = card("ssc-3.0.toml", "zhang-san.toml");
    ok(&mut c, SELECT_SSSE);
    for (apdu, why) in [
        (
            "008800081101020304050607080102030405060708FF",
            "INTERNAL AUTHENTICATE with 17 bytes",
        ),
        (
            "0088000808010203040506070",
            "INTERNAL AUTHENTICATE with 8 bytes",
        ),
        ("0084000010", "GET CHALLENGE for 16 bytes"),
        ("00840000080102", "GET CHALLENGE with data"),
        (
            "0082000A0F0102030405060708010203040506FF",
            "EXTERNAL AUTHENTICATE with 15 bytes",
        ),
        ("00A4000003EF0500", "SELECT with a 3-byte FID"),
        ("00A4000002EF", "an Lc of 2 with 1 byte of data"),
        ("00A4000002EF0500FF", "an Lc of 2 with 4 bytes"),
        (
            "0020000009000000000000000000",
            "VERIFY longer than the longest PIN",
        ),
    ] {
        let apdu = if apdu.len() % 2 == 1 {
            &apdu[..apdu.len() - 1]
        } else {
            apdu
        };
        let r = tx(&mut c, apdu).sw();
        assert!(r == StatusWord::WrongLength, "{why}: {apdu} → {r}");
    }
}

#[test]
fn a_pin_block_is_compared_whole() {
    let (mut c, _h) = card("ssc-2.0.toml", "zhang-san.toml");
    ok(&mut c, SELECT_SSSE);
    // The 6-digit PIN 123456 in an FF-filled 8-byte block (the PIN pad
    // structure of old) and with an F nibble: wrong PINs, each a try.
    assert_eq!(
        tx(&mut c, "0020000008123456FFFFFFFFFF").sw(),
        StatusWord::VerifyFailed { tries: 2 }
    );
    assert_eq!(
        tx(&mut c, "00200000041234560F").sw(),
        StatusWord::VerifyFailed { tries: 1 }
    );
    assert_eq!(tx(&mut c, "0020000003123456").sw(), StatusWord::Success);
}

#[test]
fn read_binary_past_the_end_answers_the_public_status_words() {
    let (mut c, h) = card("ssc-3.0.toml", "zhang-san.toml");
    ok(&mut c, SELECT_SSSE);
    assert!(external_auth(&mut c, &h, "RKSSSE", 0x0A).sw() == StatusWord::Success);
    ok(&mut c, "00A4020002EF07");
    // EF07 is 768 bytes: offset 0x0300 is past the end, 0x02F0 + 32 crosses it.
    assert_eq!(tx(&mut c, "00B0030010").sw(), StatusWord::WrongParameters);
    let r = tx(&mut c, "00B002F020");
    assert_eq!(r.sw(), StatusWord::EndOfFile);
    assert_eq!(r.data().len(), 16);
}
