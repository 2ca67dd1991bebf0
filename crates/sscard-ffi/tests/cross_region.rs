//! A card from another province through the C ABI (issue 13 point 5): the
//! terminal's PSAM holds ministry-level keys only, so `iWriteCard` under the
//! province-level UKSSSE answers -24, and `iWriteCard_HSM_Step1/2` with the
//! key server's answer completes the write.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::undocumented_unsafe_blocks)] // buffers are the documented sizes

use std::ffi::CString;
use std::os::raw::{c_char, c_long};
use std::path::PathBuf;

use sscard_profile::KeyLevel;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn call(size: usize, f: impl FnOnce(*mut c_char) -> c_long) -> (c_long, String) {
    let mut out = vec![0u8; size];
    let code = f(out.as_mut_ptr().cast::<c_char>());
    let end = out.iter().position(|b| *b == 0).unwrap_or(out.len());
    (code, String::from_utf8_lossy(&out[..end]).into_owned())
}

#[test]
fn a_province_key_is_24_and_the_hsm_steps_complete_the_write() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = root().join("fixtures/keys/test-masters.toml");
    let masters = sscard_profile::keys::MasterKeys::load_file(&keys).unwrap();
    let h =
        sscard_profile::holder::Holder::load_file(root().join("fixtures/holders/zhang-san.toml"))
            .unwrap();
    let p = sscard_profile::load_file(root().join("card-profiles/ssc-2.0.toml")).unwrap();
    let card = tmp.path().join("card.json");
    sscard_sim::perso::personalise(&p, &h, &masters)
        .unwrap()
        .save(&card)
        .unwrap();
    let pp = sscard_profile::load_file(root().join("card-profiles/psam.toml")).unwrap();
    let mut img = sscard_sim::psam::psam_image(&pp, &masters).unwrap();
    let state = img.psam.as_mut().unwrap();
    for k in pp.keys.iter().filter(|k| k.level != KeyLevel::Ministry) {
        state.masters.remove(&format!("{:04X}", k.address));
        state.des_masters.remove(&format!("{:04X}", k.address));
    }
    let psam = tmp.path().join("psam.json");
    img.save(&psam).unwrap();
    std::env::remove_var("SSSE32_CONFIG");
    std::env::set_var("SSSE32_READER", format!("sim:{}", card.display()));
    std::env::set_var("SSSE32_PSAM_READER", format!("sim:{}", psam.display()));
    std::env::set_var("SSSE32_PIN_SOURCE", "test");

    let (code, bas) = call(1024, |o| unsafe { ssse32::iReadCardBas(1, o) });
    assert_eq!(code, 0, "ministry keys suffice to read: {bas}");
    let f: Vec<&str> = bas.split('|').collect();
    let info = CString::new(format!("{}|{}|", f[3], f[2])).unwrap();
    let addr = CString::new("SSSEEF06|0B|$").unwrap();
    let data = CString::new("SSSEEF06|02|$").unwrap();
    let ptr = |c: &CString| c.as_ptr().cast_mut();
    let (code, msg) = call(1024, |o| unsafe {
        ssse32::iWriteCard(1, ptr(&info), ptr(&addr), ptr(&data), o)
    });
    assert_eq!(code, -24, "{msg}");

    let (code, line) = call(1024, |o| unsafe {
        ssse32::iWriteCard_HSM_Step1(1, ptr(&info), ptr(&addr), o)
    });
    assert_eq!(code, 0, "{line}");
    assert!(line.starts_with("01|0094|"), "3DES card, UKSSSE: {line}");
    let mut server = sscard::security::key_server::KeyServer::new(masters, &p).unwrap();
    let answer = server.answer(&format!("AUTH {} {line}", f[3])).unwrap();
    let key = CString::new(answer).unwrap();
    let (code, msg) = call(1024, |o| unsafe {
        ssse32::iWriteCard_HSM_Step2(ptr(&key), ptr(&data), o)
    });
    assert_eq!(code, 0, "{msg}");
    let (code, out) = call(20480, |o| unsafe {
        ssse32::iReadCard(1, 2, ptr(&info), ptr(&addr), o)
    });
    assert_eq!((code, out.as_str()), (0, "SSSEEF06|02|$"));
}
