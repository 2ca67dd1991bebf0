#![no_main]
//! Fuzz target: `cargo +nightly fuzz run dol` from `crates/sscard-apdu/fuzz`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(dol) = sscard_apdu::dol::Dol::parse(data) {
        assert_eq!(sscard_apdu::dol::Dol::parse(&dol.to_bytes()).ok().as_ref(), Some(&dol));
        let built = dol.build(&Default::default());
        assert_eq!(built.len(), dol.data_len());
    }
});
