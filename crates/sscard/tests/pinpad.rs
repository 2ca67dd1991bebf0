//! PIN entry that works on real readers (issue 13 point 3): VERIFY at the
//! PIN's own length, PC/SC part 10 `VERIFY_PIN_DIRECT` and
//! `MODIFY_PIN_DIRECT` against an emulated PIN pad reader that builds the
//! APDU from the structure's bytes, change / reload / unblock with the PIN
//! pad, the initial-PIN rules -35 and -36, and the strict card refusing the
//! lenient PIN blocks of old.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use sscard::ops::Terminal;
use sscard::pin::{CallbackPad, Pin, PinPolicy, PinPrompt};
use sscard::security::software::SoftwareModule;
use sscard::transport::part10::PinLimits;
use sscard::transport::pinpad::{Keys, PinPadReader};
use sscard::transport::sim::SimTransport;
use sscard::transport::Transport;
use sscard::Error;
use sscard_apdu::StatusWord;
use sscard_profile::holder::Holder;
use sscard_profile::Profile;
use sscard_sim::{Simulator, UserCard};
use sscard_test_support::{masters, profiles, root, software};

fn card(file: &str) -> (Arc<Profile>, SimTransport<UserCard>) {
    let p = Arc::new(sscard_profile::load_file(root().join("card-profiles").join(file)).unwrap());
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let img = sscard_sim::perso::personalise(&p, &h, &masters()).unwrap();
    let sim = SimTransport::new(Simulator::new(UserCard::new(p.clone()), img), "sim");
    (p, sim)
}

type NoPad = CallbackPad<fn(PinPrompt) -> sscard::Result<Pin>>;

/// The host's own pad must never be asked when the reader has a PIN pad.
fn no_pad() -> NoPad {
    fn never(p: PinPrompt) -> sscard::Result<Pin> {
        panic!("the host asked for the {p} although the reader has a PIN pad")
    }
    CallbackPad(never as fn(_) -> _)
}

fn keys(k: &[&str]) -> Vec<Keys> {
    k.iter()
        .map(|d| match *d {
            "cancel" => Keys::Cancel,
            "timeout" => Keys::Timeout,
            d => Keys::digits(d),
        })
        .collect()
}

fn reader_terminal(
    file: &str,
    typed: &[&str],
) -> Terminal<PinPadReader<SimTransport<UserCard>>, SoftwareModule, NoPad> {
    let (_, sim) = card(file);
    Terminal::new(
        PinPadReader::new(sim, keys(typed)),
        software(),
        no_pad(),
        profiles(),
    )
}

/// The APDUs the emulated reader built, in hex.
fn built(
    t: &mut Terminal<PinPadReader<SimTransport<UserCard>>, SoftwareModule, NoPad>,
) -> Vec<String> {
    t.transport_mut()
        .built
        .drain(..)
        .map(|a| hex::encode_upper(&a[..]))
        .collect()
}

#[test]
fn verify_on_the_pin_pad_sends_the_pin_at_its_own_length() {
    for (file, pin) in [("ssc-3.0.toml", "123456"), ("ssc-2.0.toml", "123456")] {
        let mut t = reader_terminal(file, &["000000", pin]);
        let e = t.verify_pin().unwrap_err();
        assert!(matches!(e, Error::WrongPin { tries: 2 }), "{file}: {e}");
        t.verify_pin().unwrap();
        // 6 digits: Lc 03, no padding (spec 02 §2.1).
        assert_eq!(built(&mut t), ["0020000003000000", "0020000003123456"]);
    }
}

#[test]
fn an_odd_pin_is_padded_with_one_f_nibble() {
    // A 5-digit PIN set by a change on the pad, then verified on the pad.
    let mut t = reader_terminal("ssc-3.0.toml", &["123456", "24680", "24680", "24680"]);
    t.change_pin().unwrap();
    t.verify_pin().unwrap();
    assert_eq!(
        built(&mut t),
        ["805E010007123456FF24680F", "002000000324680F"]
    );
}

#[test]
fn reader_errors_map_to_the_interface_codes() {
    for (typed, code) in [
        (&["cancel"][..], -31),
        (&["timeout"][..], -32),
        (&["12"][..], -33),
        (&["12345678901234567"][..], -33),
    ] {
        let mut t = reader_terminal("ssc-3.0.toml", typed);
        assert_eq!(t.verify_pin().unwrap_err().code(), code, "{typed:?}");
        assert!(built(&mut t).is_empty(), "nothing reaches the card");
    }
    // Configured digit limits (a reader accepting exactly 6 digits).
    let mut t = reader_terminal("ssc-3.0.toml", &["1234567"]);
    t.set_pin_policy(PinPolicy {
        limits: Some(PinLimits { min: 6, max: 6 }),
        initial: None,
    });
    assert_eq!(t.verify_pin().unwrap_err().code(), -33);
    // Two different new PINs on MODIFY: -34, the card untouched.
    let mut t = reader_terminal("ssc-3.0.toml", &["123456", "111111", "222222"]);
    assert_eq!(t.change_pin().unwrap_err().code(), -34);
    assert!(built(&mut t).is_empty());
}

#[test]
fn change_reload_and_unblock_with_the_pin_pad() {
    let initial = Pin::new("888888").unwrap();
    let mut t = reader_terminal(
        "ssc-2.0.toml",
        &[
            "123456", "654321", "654321", // change
            "888888", "135790", "135790", // reload: initial, then the holder's new PIN
            "000000", "000000", "000000", // three wrong ones
            "135790", // blocked: the card refuses even the right one
            "135790", // after unblock
        ],
    );
    t.set_pin_policy(PinPolicy {
        limits: None,
        initial: Some(initial),
    });
    t.change_pin().unwrap();
    t.reload_pin().unwrap();
    for _ in 0..3 {
        assert!(t.verify_pin().is_err());
    }
    assert!(matches!(t.verify_pin().unwrap_err(), Error::PinBlocked));
    t.unblock_pin().unwrap();
    t.verify_pin().unwrap();
    let b = built(&mut t);
    assert_eq!(b[0], "805E010007123456FF654321");
    assert_eq!(b[1], "805E010007888888FF135790");
    assert_eq!(b.last().unwrap(), "0020000003135790");
}

#[test]
fn reload_on_a_pin_pad_without_an_initial_pin_says_what_to_configure() {
    let mut t = reader_terminal("ssc-3.0.toml", &[]);
    let e = t.reload_pin().unwrap_err();
    assert_eq!(e.code(), -13);
    assert!(e.to_string().contains("initial PIN"), "{e}");
}

/// -35: verified with the initial PIN (the host saw it); -36: a new PIN
/// that is the initial one, refused before anything is sent.
#[test]
fn the_initial_pin_rules() {
    let (_, sim) = card("ssc-3.0.toml");
    let typed = std::cell::RefCell::new(vec![
        "123456", // verify: the initial PIN
        "123456", "123456", "123456", // change to the initial PIN
        "123456", "888888", "888888", // change to another
        "888888", // verify
    ]);
    let pad = CallbackPad(move |_| Pin::new(typed.borrow_mut().remove(0)));
    let mut t = Terminal::new(sim, software(), pad, profiles());
    t.set_pin_policy(PinPolicy {
        limits: None,
        initial: Some(Pin::new("123456").unwrap()),
    });
    // zhang-san's card holds 123456: the card says yes, the host -35.
    let e = t.verify_pin().unwrap_err();
    assert_eq!(e.code(), -35, "{e}");
    let before = t.session().stats().apdus;
    assert_eq!(t.change_pin().unwrap_err().code(), -36);
    assert_eq!(t.session().stats().apdus, before, "nothing sent");
    t.change_pin().unwrap();
    t.verify_pin().unwrap();
}

/// The strict card: an `FF`-filled 8-byte block for a 6-digit PIN — what
/// the reader structure of old asked for — is a wrong PIN and costs a try.
#[test]
fn a_padded_pin_block_is_a_wrong_pin() {
    let (_, mut sim) = card("ssc-3.0.toml");
    let send = |sim: &mut SimTransport<UserCard>, apdu: &str| {
        let r = sim.transmit(&hex::decode(apdu).unwrap()).unwrap();
        sscard_apdu::Response::from_bytes(&r).unwrap().sw()
    };
    assert_eq!(
        send(&mut sim, "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"),
        StatusWord::Success
    );
    assert_eq!(
        send(&mut sim, "0020000008123456FFFFFFFFFF"),
        StatusWord::VerifyFailed { tries: 2 }
    );
    assert_eq!(
        send(&mut sim, "00200000041234560F"),
        StatusWord::VerifyFailed { tries: 1 }
    );
    assert_eq!(send(&mut sim, "0020000003123456"), StatusWord::Success);
}
