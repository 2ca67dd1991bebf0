//! Set-up shared by the tests of every crate, so that no test file builds
//! its own: the workspace's paths, the card profiles, the test master keys,
//! the software security module that stands in for the test PSAM, the
//! fixture cards (a personalised 3.0 card with payment and balance, 2.0
//! and 1.0 cards), terminals over them and a scripted PIN pad.
//!
//! Test support: a missing fixture is a broken checkout, so these panic
//! with the path instead of returning errors.
#![forbid(unsafe_code)]
#![allow(clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Arc;

use sscard::ops::{Profiles, Terminal};
use sscard::pin::{CallbackPad, Pin, PinPrompt};
use sscard::security::software::SoftwareModule;
use sscard::transport::sim::SimTransport;
use sscard_profile::keys::MasterKeys;
use sscard_profile::Profile;
use sscard_sim::image::CardImage;
use sscard_sim::{Simulator, UserCard};

pub use sscard_system_tests::workspace_root as root;

/// The test PSAM's terminal number (`card-profiles/psam.toml`).
pub const TERMINAL_NUMBER: [u8; 6] = [0x41, 0x01, 0x00, 0x81, 0x34, 0x75];

/// The test PSAM's purchase key address (DPK).
pub const DPK_ADDRESS: u16 = 0x017F;

/// The fixture card with everything: 3.0, SM4, PKI, payment and a medical
/// account balance.
pub const CARD_3_0: &str = "zhang-san-3.0.json";

/// Every user-card profile of `card-profiles/`.
pub fn profiles() -> Profiles {
    let dir = root().join("card-profiles");
    Profiles::load_dir(&dir).unwrap_or_else(|e| {
        panic!("{}: {e}", dir.display()) // ok: test support
    })
}

/// The profile `card-profiles/<file>`.
pub fn profile(file: &str) -> Arc<Profile> {
    let path = root().join("card-profiles").join(file);
    Arc::new(sscard_profile::load_file(&path).unwrap_or_else(|e| {
        panic!("{e}") // ok: test support
    }))
}

/// The test master keys (`fixtures/keys/test-masters.toml`).
pub fn masters() -> MasterKeys {
    let path = root().join("fixtures/keys/test-masters.toml");
    MasterKeys::load_file(&path).unwrap_or_else(|e| {
        panic!("{}: {e}", path.display()) // ok: test support
    })
}

/// The software module with the test masters, standing in for the test
/// PSAM (its terminal number and DPK).
pub fn software() -> SoftwareModule {
    SoftwareModule::new(masters(), TERMINAL_NUMBER, DPK_ADDRESS)
}

/// The path of the fixture card image `name` (`fixtures/cards/`).
pub fn card_path(name: &str) -> PathBuf {
    root().join("fixtures/cards").join(name)
}

/// The fixture card image `name`.
pub fn image(name: &str) -> CardImage {
    let path = card_path(name);
    CardImage::load(&path).unwrap_or_else(|e| {
        panic!("{}: {e}", path.display()) // ok: test support
    })
}

/// The fixture card `name` in a simulated reader, run by the profile it
/// names.
pub fn sim_card(name: &str) -> SimTransport<UserCard> {
    let img = image(name);
    let here = root().join("card-profiles").join(&img.profile);
    let found = sscard_profile::load_file(&here).ok().map(Arc::new);
    let p = img.profile_from(found).unwrap_or_else(|e| {
        panic!("{name}: {e}") // ok: test support
    });
    SimTransport::new(Simulator::new(UserCard::new(p), img), name)
}

/// A PIN pad that types `pins` in turn (the last one again when they run
/// out).
pub type ScriptedPad = CallbackPad<Box<dyn FnMut(PinPrompt) -> sscard::Result<Pin> + Send>>;

/// A pad typing `pins` in turn.
pub fn pad(pins: &[&str]) -> ScriptedPad {
    let pins: Vec<String> = pins.iter().map(|p| (*p).to_owned()).collect();
    let mut next = 0usize;
    CallbackPad(Box::new(move |_| {
        let p = pins
            .get(next)
            .or_else(|| pins.last())
            .cloned()
            .unwrap_or_default();
        next += 1;
        Pin::new(&p)
    }))
}

/// A terminal over the fixture card `name`, the software module and a pad
/// typing `pins`.
pub fn terminal(
    name: &str,
    pins: &[&str],
) -> Terminal<SimTransport<UserCard>, SoftwareModule, ScriptedPad> {
    Terminal::new(sim_card(name), software(), pad(pins), profiles())
}
