//! Set-up shared by the C ABI tests: paths, a call into an export with its
//! output buffer, simulated cards and PSAMs saved where `sim:` readers
//! find them.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::raw::{c_char, c_long};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sscard_profile::keys::MasterKeys;
use sscard_profile::{KeyLevel, Profile};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn masters() -> MasterKeys {
    MasterKeys::load_file(root().join("fixtures/keys/test-masters.toml")).unwrap()
}

/// The text of a built-in profile file.
pub fn profile_text(file: &str) -> String {
    std::fs::read_to_string(root().join("card-profiles").join(file)).unwrap()
}

/// Calls an export with an output buffer of `size` bytes: its code and
/// the output up to the NUL (lossy UTF-8: names are GBK).
pub fn call(size: usize, f: impl FnOnce(*mut c_char) -> c_long) -> (c_long, String) {
    let mut out = vec![0u8; size];
    let code = f(out.as_mut_ptr().cast::<c_char>());
    let end = out.iter().position(|b| *b == 0).unwrap_or(out.len());
    (code, String::from_utf8_lossy(&out[..end]).into_owned())
}

/// zhang-san's card of the model `text`, saved to `path`.
pub fn save_card(text: &str, name: &str, path: &Path) -> Arc<Profile> {
    let p = Arc::new(sscard_profile::load_str(name, text).unwrap());
    let h =
        sscard_profile::holder::Holder::load_file(root().join("fixtures/holders/zhang-san.toml"))
            .unwrap();
    sscard_sim::perso::personalise(&p, &h, &masters())
        .unwrap()
        .save(path)
        .unwrap();
    p
}

/// The test PSAM saved to `path`; `ministry_only` keeps its ministry-level
/// keys only (a PSAM of another province).
pub fn save_psam(path: &Path, ministry_only: bool) {
    let pp = sscard_profile::load_file(root().join("card-profiles/psam.toml")).unwrap();
    let mut img = sscard_sim::psam::psam_image(&pp, &masters()).unwrap();
    if ministry_only {
        let state = img.psam.as_mut().unwrap();
        for k in pp.keys.iter().filter(|k| k.level != KeyLevel::Ministry) {
            state.masters.remove(&format!("{:04X}", k.address));
            state.des_masters.remove(&format!("{:04X}", k.address));
        }
    }
    img.save(path).unwrap();
}

/// `pCardInfo` from an `iReadCardBas` line: `card id|card number|`.
pub fn card_info(bas: &str) -> std::ffi::CString {
    let f: Vec<&str> = bas.split('|').collect();
    std::ffi::CString::new(format!("{}|{}|", f[3], f[2])).unwrap()
}
