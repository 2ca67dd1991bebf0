//! The C ABI on the cards in circulation (issue 13 point 1): `iReadCardBas`,
//! the PIN family, `iReadCard` and `iWriteCard` on a 3DES 2.0 card, an SM4
//! 2.0 card, a 3DES 1.0 card and the SM4 3.0 card, through a PSAM whose
//! DES and SM4 key environments serve them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::undocumented_unsafe_blocks)] // buffers are the documented sizes

use std::ffi::CString;
use std::os::raw::{c_char, c_long};
use std::path::PathBuf;
use std::sync::Arc;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn text(file: &str) -> String {
    std::fs::read_to_string(root().join("card-profiles").join(file)).unwrap()
}

/// Output buffer and the call's code.
fn call(size: usize, f: impl FnOnce(*mut c_char) -> c_long) -> (c_long, String) {
    let mut out = vec![0u8; size];
    let code = f(out.as_mut_ptr().cast::<c_char>());
    let end = out.iter().position(|b| *b == 0).unwrap_or(out.len());
    (code, String::from_utf8_lossy(&out[..end]).into_owned())
}

fn pins(p: &str) {
    std::env::set_var("SSSE32_TEST_PINS", p);
}

#[test]
fn every_call_on_every_generation() {
    let tmp = tempfile::tempdir().unwrap();
    let masters =
        sscard_profile::keys::MasterKeys::load_file(root().join("fixtures/keys/test-masters.toml"))
            .unwrap();
    let h =
        sscard_profile::holder::Holder::load_file(root().join("fixtures/holders/zhang-san.toml"))
            .unwrap();
    let pp = sscard_profile::load_file(root().join("card-profiles/psam.toml")).unwrap();
    let psam = tmp.path().join("psam.json");
    sscard_sim::psam::psam_image(&pp, &masters)
        .unwrap()
        .save(&psam)
        .unwrap();
    std::env::remove_var("SSSE32_CONFIG");
    std::env::set_var("SSSE32_PSAM_READER", format!("sim:{}", psam.display()));
    std::env::set_var("SSSE32_PIN_SOURCE", "test");
    let v2 = text("ssc-2.0.toml");
    let cards = [
        ("3.0 SM4", text("ssc-3.0.toml")),
        ("2.0 3DES", v2.clone()),
        (
            "2.0 SM4",
            v2.replace("algorithm = \"des\"", "algorithm = \"sm4\""),
        ),
        ("1.0 3DES", text("ssc-1.0.toml")),
    ];
    for (label, profile) in cards {
        let p = Arc::new(sscard_profile::load_str(label, &profile).unwrap());
        let path = tmp.path().join(format!("{}.json", label.replace(' ', "-")));
        sscard_sim::perso::personalise(&p, &h, &masters)
            .unwrap()
            .save(&path)
            .unwrap();
        std::env::set_var("SSSE32_READER", format!("sim:{}", path.display()));

        let (code, bas) = call(1024, |o| unsafe { ssse32::iReadCardBas(1, o) });
        assert_eq!(code, 0, "{label}: {bas}");
        let f: Vec<&str> = bas.split('|').collect();
        assert_eq!(f[1], "11010519491231002X", "{label}: {bas}");
        let info = CString::new(format!("{}|{}|", f[3], f[2])).unwrap();
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

        let addr = CString::new("SSSEEF06|0B|$").unwrap();
        let data = CString::new("SSSEEF06|02|$").unwrap();
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
