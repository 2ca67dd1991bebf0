#![no_main]
//! Fuzz target: `cargo +nightly fuzz run tlv` from `crates/sscard-apdu/fuzz`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(list) = sscard_apdu::Tlv::parse_all(data) {
        let again = sscard_apdu::Tlv::parse_all(&sscard_apdu::tlv::encode_all(&list)).ok();
        assert_eq!(again.as_ref(), Some(&list));
    }
});
