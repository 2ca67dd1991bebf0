#![no_main]
//! Fuzz target: `cargo +nightly fuzz run response` from `crates/sscard-apdu/fuzz`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = sscard_apdu::Response::from_bytes(data) {
        assert_eq!(r.to_bytes(), data);
    }
});
