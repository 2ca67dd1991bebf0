#![no_main]
//! Fuzz target: `cargo +nightly fuzz run records` from `crates/sscard-apdu/fuzz`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sscard_apdu::record::Record::parse(data);
    let _ = sscard_apdu::record::BtlvRecord::parse(data);
    if let Ok(list) = sscard_apdu::record::parse_records(data) {
        let again = sscard_apdu::record::parse_records(&sscard_apdu::record::encode_records(&list)).ok();
        assert_eq!(again.as_ref(), Some(&list));
    }
});
