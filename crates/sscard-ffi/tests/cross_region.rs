//! A card from another province through the C ABI (issue 13 point 5): the
//! terminal's PSAM holds ministry-level keys only, so `iWriteCard` under the
//! province-level UKSSSE answers -24, and `iWriteCard_HSM_Step1/2` with the
//! key server's answer completes the write.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::undocumented_unsafe_blocks)] // buffers are the documented sizes

mod common;

use std::ffi::CString;

use common::{call, card_info, masters, profile_text, save_card, save_psam};

#[test]
fn a_province_key_is_24_and_the_hsm_steps_complete_the_write() {
    let tmp = tempfile::tempdir().unwrap();
    let card = tmp.path().join("card.json");
    let p = save_card(&profile_text("ssc-2.0.toml"), "ssc-2.0.toml", &card);
    let psam = tmp.path().join("psam.json");
    save_psam(&psam, true);
    std::env::remove_var("SSSE32_CONFIG");
    std::env::set_var("SSSE32_READER", format!("sim:{}", card.display()));
    std::env::set_var("SSSE32_PSAM_READER", format!("sim:{}", psam.display()));
    std::env::set_var("SSSE32_PIN_SOURCE", "test");

    let (code, bas) = call(1024, |o| unsafe { ssse32::iReadCardBas(1, o) });
    assert_eq!(code, 0, "ministry keys suffice to read: {bas}");
    let info = card_info(&bas);
    let card_id = bas.split('|').nth(3).unwrap().to_owned();
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
    let mut server = sscard::security::key_server::KeyServer::new(masters(), &p).unwrap();
    let answer = server.answer(&format!("AUTH {card_id} {line}")).unwrap();
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
