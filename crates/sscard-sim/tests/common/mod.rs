//! Test helpers: a personalised card and PSAM, and the terminal's side of
//! the protocols, written out plainly from the spec.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Arc;

use sscard_apdu::{Command, Response, StatusWord};
use sscard_crypto::{Scheme, SymKey};
use sscard_profile::holder::Holder;
use sscard_profile::keys::MasterKeys;
use sscard_profile::Profile;
use sscard_sim::image::CardImage;
use sscard_sim::{perso, psam, Psam, Simulator, Tear, TearSide, UserCard};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn profile(name: &str) -> Arc<Profile> {
    Arc::new(sscard_profile::load_file(root().join("card-profiles").join(name)).unwrap())
}

pub fn holder(name: &str) -> Holder {
    Holder::load_file(root().join("fixtures/holders").join(name)).unwrap()
}

pub fn masters() -> MasterKeys {
    MasterKeys::load_file(root().join("fixtures/keys/test-masters.toml")).unwrap()
}

pub fn image(profile_name: &str, holder_name: &str) -> (Arc<Profile>, Holder, CardImage) {
    let p = profile(profile_name);
    let h = holder(holder_name);
    let img = perso::personalise(&p, &h, &masters()).unwrap();
    (p, h, img)
}

pub fn card(profile_name: &str, holder_name: &str) -> (Simulator<UserCard>, Holder) {
    let (p, h, img) = image(profile_name, holder_name);
    let mut sim = Simulator::new(UserCard::new(p), img);
    sim.power_on();
    (sim, h)
}

pub fn psam_sim() -> Simulator<Psam> {
    let p = profile("psam.toml");
    let img = psam::psam_image(&p, &masters()).unwrap();
    let mut sim = Simulator::new(Psam::new(p), img);
    sim.power_on();
    sim
}

/// Sends hex, returns the parsed response.
pub fn tx<A: sscard_sim::Applet>(sim: &mut Simulator<A>, apdu: &str) -> Response {
    let bytes = sscard_apdu::hexfmt::parse(apdu).unwrap();
    Response::from_bytes(&sim.transmit(&bytes).unwrap()).unwrap()
}

pub fn send<A: sscard_sim::Applet>(sim: &mut Simulator<A>, cmd: &Command) -> Response {
    Response::from_bytes(&sim.transmit(&cmd.to_bytes()).unwrap()).unwrap()
}

pub fn ok<A: sscard_sim::Applet>(sim: &mut Simulator<A>, apdu: &str) -> Vec<u8> {
    let r = tx(sim, apdu);
    assert_eq!(r.sw(), StatusWord::Success, "{apdu} → {}", r.sw());
    r.data().to_vec()
}

pub const SELECT_SSSE: &str = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF";

/// The SM4 card key `key` of `h`'s card (the 3.0 card of these tests).
pub fn card_key(h: &Holder, key: &str) -> SymKey {
    let m = masters();
    Scheme::Sm4.card_key(&m.by_name(Scheme::Sm4, key, 1).unwrap().value, &h.card_id())
}

/// GET CHALLENGE twice, then EXTERNAL AUTHENTICATE with `key` (id `id`).
pub fn external_auth(sim: &mut Simulator<UserCard>, h: &Holder, key: &str, id: u8) -> Response {
    let r1: [u8; 8] = ok(sim, "0084000008").try_into().unwrap();
    let r2: [u8; 8] = ok(sim, "0084000008").try_into().unwrap();
    let a = Scheme::Sm4.auth_data(&card_key(h, key), &r1, &r2);
    let mut data = a.to_vec();
    data.extend_from_slice(&r2);
    send(
        sim,
        &Command::new(0x00, 0x82, 0x00, id).with_data(data).unwrap(),
    )
}

/// A secure-messaging command: GET CHALLENGE, then MAC under `key`'s session key.
pub fn with_mac(
    sim: &mut Simulator<UserCard>,
    h: &Holder,
    key: &str,
    header: [u8; 4],
    body: &[u8],
) -> Command {
    let challenge: [u8; 8] = ok(sim, "0084000008").try_into().unwrap();
    let session = Scheme::Sm4.session_key(&card_key(h, key), &challenge);
    let mut input = header.to_vec();
    input.push((body.len() + 4) as u8);
    input.extend_from_slice(body);
    let m = Scheme::Sm4.mac(&session, &challenge, &input);
    let mut data = body.to_vec();
    data.extend_from_slice(&m);
    Command::new(header[0], header[1], header[2], header[3])
        .with_data(data)
        .unwrap()
}

pub fn pin_bcd(pin: &str) -> String {
    hex::encode_upper(
        sscard_apdu::field::Format::Cn
            .encode(pin, pin.len().div_ceil(2))
            .unwrap(),
    )
}

pub fn verify_pin(sim: &mut Simulator<UserCard>, pin: &str) -> Response {
    let bcd = pin_bcd(pin);
    tx(sim, &format!("00200000{:02X}{bcd}", bcd.len() / 2))
}

#[allow(unused_imports)]
pub use sscard_system_tests::ci_strict as in_ci;

/// Runs `flow` with a tear at every index on both sides; after each, the
/// image reloaded from disk must satisfy `old_or_new`.
pub fn tear_everywhere(
    start: &CardImage,
    profile: std::sync::Arc<sscard_profile::Profile>,
    mut flow: impl FnMut(&mut Simulator<UserCard>) -> Result<(), sscard_sim::Error>,
    old_or_new: impl Fn(&CardImage) -> &'static str,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.json");
    // Count the commands of an untorn run.
    start.save(&path).unwrap();
    let mut full = Simulator::new(
        UserCard::new(profile.clone()),
        CardImage::load(&path).unwrap(),
    )
    .with_store(&path);
    full.power_on();
    full.arm_tear(Tear {
        at: u64::MAX,
        side: TearSide::AfterCommit,
    });
    flow(&mut full).unwrap();
    assert_eq!(
        old_or_new(&CardImage::load(&path).unwrap()),
        "new",
        "untorn run"
    );
    let n = 20;
    let mut seen = std::collections::BTreeSet::new();
    for at in 1..=n {
        for side in [
            sscard_sim::TearSide::BeforeCommit,
            sscard_sim::TearSide::AfterCommit,
        ] {
            start.save(&path).unwrap();
            let mut c = Simulator::new(
                UserCard::new(profile.clone()),
                CardImage::load(&path).unwrap(),
            )
            .with_store(&path);
            c.power_on();
            c.arm_tear(sscard_sim::Tear { at, side });
            let _ = flow(&mut c);
            let reloaded = CardImage::load(&path).unwrap();
            let state = old_or_new(&reloaded);
            assert!(
                state == "old" || state == "new",
                "tear at {at} {side:?}: {state}"
            );
            seen.insert(state);
        }
    }
    assert_eq!(
        seen.len(),
        2,
        "tears should produce both outcomes: {seen:?}"
    );
}
