//! `include/ssse32.h` is what cbindgen makes of `src/exports.rs` today.
//! cbindgen only emits `extern "C"` functions, so it reads a copy of the
//! exports with `extern "system"` spelled `extern "C"`; the header's
//! `SSSE32_LONG` carries the calling convention instead.
//! `SSCARD_BLESS=1` rewrites the header.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

fn generate() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(dir.join("src/exports.rs")).unwrap();
    let count = src.matches("extern \"system\" fn").count();
    assert_eq!(count, 24, "spec 05 §5.2 has 24 functions");
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("exports.rs");
    std::fs::write(
        &copy,
        src.replace("extern \"system\" fn", "extern \"C\" fn"),
    )
    .unwrap();
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).unwrap();
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(&copy)
        .generate()
        .unwrap();
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn header_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("include/ssse32.h");
    let fresh = generate();
    if std::env::var_os("SSCARD_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/ssse32.h is stale: run SSCARD_BLESS=1 cargo test -p sscard-ffi --test header"
    );
    for f in [
        "SSSE32_LONG iReadCardBas(int iType, char *pOutInfo);",
        "SSSE32_LONG iReadCard(int iType, int iAuthType, char *pCardInfo, char *pFileAddr, char *pOutInfo);",
        "SSSE32_LONG iReadICCardNum(char *pCardNum, char *pErrMsg);",
    ] {
        assert!(fresh.contains(f), "{f}\n{fresh}");
    }
}
