//! `iReadCardBas` on a counterfeit card (challenges chosen in advance, a
//! recorded genuine answer played back) returns -21, card not genuine; on
//! the genuine card it returns 0. The PSAM gives the source of the internal
//! authentication (its GET CHALLENGE), never the card (spec 02 §2.1).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::undocumented_unsafe_blocks)] // the buffer passed is the documented 1024 bytes

use sscard_test_support::root;
use std::os::raw::{c_char, c_long};
use std::sync::Arc;

fn read_bas() -> c_long {
    let mut out = vec![0u8; 1024];
    unsafe { ssse32::iReadCardBas(1, out.as_mut_ptr().cast::<c_char>()) }
}

#[test]
fn a_counterfeit_is_not_genuine_through_the_c_abi() {
    let tmp = tempfile::tempdir().unwrap();
    let masters =
        sscard_profile::keys::MasterKeys::load_file(root().join("fixtures/keys/test-masters.toml"))
            .unwrap();
    let p = Arc::new(sscard_profile::load_file(root().join("card-profiles/ssc-3.0.toml")).unwrap());
    let h =
        sscard_profile::holder::Holder::load_file(root().join("fixtures/holders/zhang-san.toml"))
            .unwrap();
    let genuine = sscard_sim::perso::personalise(&p, &h, &masters).unwrap();
    let fake = sscard_sim::counterfeit::counterfeit_of(&genuine, &p, [0x11; 8], [0x22; 8]).unwrap();
    let (real_path, fake_path) = (tmp.path().join("real.json"), tmp.path().join("fake.json"));
    genuine.save(&real_path).unwrap();
    fake.save(&fake_path).unwrap();
    let pp = sscard_profile::load_file(root().join("card-profiles/psam.toml")).unwrap();
    let psam = tmp.path().join("psam.json");
    sscard_sim::psam::psam_image(&pp, &masters)
        .unwrap()
        .save(&psam)
        .unwrap();
    std::env::remove_var("SSSE32_CONFIG");
    std::env::set_var("SSSE32_PSAM_READER", format!("sim:{}", psam.display()));
    std::env::set_var("SSSE32_READER", format!("sim:{}", real_path.display()));
    assert_eq!(read_bas(), 0);
    std::env::set_var("SSSE32_READER", format!("sim:{}", fake_path.display()));
    assert_eq!(read_bas(), -21);
}
