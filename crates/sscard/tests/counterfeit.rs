//! A counterfeit card (challenges chosen in advance, one recorded genuine
//! answer played back) is not genuine: the source of internal
//! authentication is the terminal's random (spec 02 §2.1). With the source
//! fixed to the counterfeit's own challenge, as when it came from the card,
//! the same counterfeit passes: the test has teeth.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use sscard::ops::{Profiles, Terminal};
use sscard::pin::{CallbackPad, Pin, PinPrompt};
use sscard::security::software::SoftwareModule;
use sscard::transport::sim::SimTransport;
use sscard_profile::holder::Holder;
use sscard_profile::keys::MasterKeys;
use sscard_sim::{Simulator, UserCard};
use sscard_test_support::root;

const R1: [u8; 8] = [0x11; 8];
const R2: [u8; 8] = [0x22; 8];

type Pad = CallbackPad<fn(PinPrompt) -> sscard::Result<Pin>>;

fn terminal(
    fake: bool,
    fixed_source: bool,
) -> Terminal<SimTransport<UserCard>, SoftwareModule, Pad> {
    fn pin(_: PinPrompt) -> sscard::Result<Pin> {
        Pin::new("123456")
    }
    let masters = MasterKeys::load_file(root().join("fixtures/keys/test-masters.toml")).unwrap();
    let p = Arc::new(sscard_profile::load_file(root().join("card-profiles/ssc-3.0.toml")).unwrap());
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let genuine = sscard_sim::perso::personalise(&p, &h, &masters).unwrap();
    let image = if fake {
        sscard_sim::counterfeit::counterfeit_of(&genuine, &p, R1, R2).unwrap()
    } else {
        genuine
    };
    let mut sm = SoftwareModule::new(masters, [0; 6], 0x017F);
    if fixed_source {
        sm = sm.with_fixed_terminal_random(R2);
    }
    let card = SimTransport::new(Simulator::new(UserCard::new(p.clone()), image), "sim");
    Terminal::new(
        card,
        sm,
        CallbackPad(pin as fn(_) -> _),
        Profiles::new(vec![p]),
    )
}

#[test]
fn a_counterfeit_that_replays_an_answer_is_not_genuine() {
    let e = terminal(true, false).internal_auth().unwrap_err();
    assert_eq!(e.code(), -21, "{e}");
    let e = terminal(true, false).read_basic_info().unwrap_err();
    assert_eq!(e.code(), -21, "{e}");
    // Through a key server (the HSM steps): the step line carries the
    // library's own source, and the server's answer for it is not the
    // recorded one.
    let mut t = terminal(true, false);
    let step = t.genuine_step1().unwrap();
    let line = step.auth.to_line(3);
    let card = Holder::load_file(root().join("fixtures/holders/zhang-san.toml"))
        .unwrap()
        .card_id();
    let masters = MasterKeys::load_file(root().join("fixtures/keys/test-masters.toml")).unwrap();
    let p = sscard_profile::load_file(root().join("card-profiles/ssc-3.0.toml")).unwrap();
    let mut server = sscard::security::key_server::KeyServer::new(masters, &p).unwrap();
    let answer = server
        .answer(&format!("AUTH {} {line}", hex::encode_upper(card)))
        .unwrap();
    assert_eq!(t.genuine_step2(&step, &answer).unwrap_err().code(), -21);
    // The genuine card passes with a random source.
    terminal(false, false).internal_auth().unwrap();
    terminal(false, false).read_basic_info().unwrap();
    // The teeth: a source the card chose lets the counterfeit through.
    terminal(true, true).internal_auth().unwrap();
}
