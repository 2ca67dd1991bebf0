#![no_main]
//! Fuzz target: `cargo +nightly fuzz run fields` from `crates/sscard-apdu/fuzz`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    use sscard_apdu::field::{Amount, Date, Format};
    for f in [Format::Cn, Format::N, Format::An, Format::B] {
        let _ = f.decode(data);
    }
    let _ = Date::from_bcd(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = text.parse::<Amount>();
        let _ = text.parse::<Date>();
        if let Ok(b) = Format::An.encode(text, 64) {
            assert_eq!(Format::An.decode(&b).ok().as_deref(), Some(text));
        }
    }
});
