//! The C ABI on the cards in circulation (issue 13 point 1): `iReadCardBas`,
//! the PIN family, `iReadCard` and `iWriteCard` on a 3DES 2.0 card, an SM4
//! 2.0 card, a 3DES 1.0 card and the SM4 3.0 card, through a PSAM whose
//! DES and SM4 key environments serve them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::undocumented_unsafe_blocks)] // buffers are the documented sizes

mod common;

use common::{call, card_info, profile_text, save_card, save_psam};

fn pins(p: &str) {
    std::env::set_var("SSSE32_TEST_PINS", p);
}

#[test]
fn every_call_on_every_generation() {
    let tmp = tempfile::tempdir().unwrap();
    let psam = tmp.path().join("psam.json");
    save_psam(&psam, false);
    std::env::remove_var("SSSE32_CONFIG");
    std::env::set_var("SSSE32_PSAM_READER", format!("sim:{}", psam.display()));
    std::env::set_var("SSSE32_PIN_SOURCE", "test");
    let v2 = profile_text("ssc-2.0.toml");
    let cards = [
        ("3.0 SM4", profile_text("ssc-3.0.toml")),
        ("2.0 3DES", v2.clone()),
        (
            "2.0 SM4",
            v2.replace("algorithm = \"des\"", "algorithm = \"sm4\""),
        ),
        ("1.0 3DES", profile_text("ssc-1.0.toml")),
    ];
    for (label, profile) in cards {
        let path = tmp.path().join(format!("{}.json", label.replace(' ', "-")));
        save_card(&profile, label, &path);
        std::env::set_var("SSSE32_READER", format!("sim:{}", path.display()));

        let (code, bas) = call(1024, |o| unsafe { ssse32::iReadCardBas(1, o) });
        assert_eq!(code, 0, "{label}: {bas}");
        let f: Vec<&str> = bas.split('|').collect();
        assert_eq!(f[1], "11010519491231002X", "{label}: {bas}");
        let info = card_info(&bas);
        let info = || info.as_ptr().cast_mut();

        pins("000000");
        let (code, _) = call(512, |o| unsafe { ssse32::iVerifyPIN(1, o) });
        assert_eq!(code, -51, "{label}: a wrong PIN");
        pins("123456");
        assert_eq!(
            call(512, |o| unsafe { ssse32::iVerifyPIN(1, o) }).0,
            0,
            "{label}"
        );
        pins("123456,654321,654321");
        assert_eq!(
            call(512, |o| unsafe { ssse32::iChangePIN(1, o) }).0,
            0,
            "{label}"
        );
        pins("13572468,13572468");
        let (code, out) = call(512, |o| unsafe { ssse32::iReloadPIN(1, info(), o) });
        assert_eq!(code, 0, "{label}: iReloadPIN {out}");
        pins("13572468");
        assert_eq!(
            call(512, |o| unsafe { ssse32::iVerifyPIN(1, o) }).0,
            0,
            "{label}"
        );
        pins("");
        let (code, out) = call(512, |o| unsafe { ssse32::iUnblockPIN(1, info(), o) });
        assert_eq!(code, 0, "{label}: iUnblockPIN {out}");

        let addr = std::ffi::CString::new("SSSEEF06|0B|$").unwrap();
        let data = std::ffi::CString::new("SSSEEF06|02|$").unwrap();
        let (code, out) = call(1024, |o| unsafe {
            ssse32::iWriteCard(
                1,
                info(),
                addr.as_ptr().cast_mut(),
                data.as_ptr().cast_mut(),
                o,
            )
        });
        assert_eq!(code, 0, "{label}: iWriteCard {out}");
        let (code, out) = call(20480, |o| unsafe {
            ssse32::iReadCard(1, 2, info(), addr.as_ptr().cast_mut(), o)
        });
        assert_eq!(
            (code, out.as_str()),
            (0, "SSSEEF06|02|$"),
            "{label}: iReadCard"
        );
    }
}
