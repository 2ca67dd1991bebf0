#![no_main]
//! Fuzz target: `cargo +nightly fuzz run command` from `crates/sscard-apdu/fuzz`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = sscard_apdu::Command::from_bytes(data) {
        // Whatever parses must re-encode to an equivalent command.
        let again = sscard_apdu::Command::from_bytes(&c.to_bytes()).ok();
        assert_eq!(again.as_ref(), Some(&c));
    }
});
