//! The simulator behind the real PC/SC stack: pcscd with the vpcd driver,
//! the user card in `Virtual PCD 00 00` and the PSAM in `Virtual PCD 00 01`,
//! used through the `pcsc` crate and through `opensc-tool`.
//!
//! Skips when pcscd is not running, except with `CI=true`, where it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::ffi::CString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use sscard_sim::vpcd;
use sscard_sim::{Psam, Simulator, UserCard};

fn connect(ctx: &pcsc::Context, reader: &str) -> pcsc::Card {
    let name = CString::new(reader).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match ctx.connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY) {
            Ok(c) => return c,
            Err(e) if Instant::now() > deadline => panic!("{reader}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Waits until `reader` has no card (the host library's `wait_card`, which
/// this crate cannot use).
fn wait_empty(ctx: &pcsc::Context, reader: &str) {
    let name = CString::new(reader).unwrap();
    let mut state = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let _ = ctx.get_status_change(Duration::from_millis(100), &mut state);
        if !state[0].event_state().contains(pcsc::State::PRESENT) {
            return;
        }
        state[0].sync_current_state();
    }
    panic!("{reader}: a virtual card is still there");
}

fn transmit(card: &pcsc::Card, apdu: &str) -> Vec<u8> {
    let mut buf = [0u8; pcsc::MAX_BUFFER_SIZE];
    card.transmit(&hex::decode(apdu).unwrap(), &mut buf)
        .unwrap()
        .to_vec()
}

#[test]
fn card_and_psam_through_pcscd() {
    let ctx = match pcsc::Context::establish(pcsc::Scope::User) {
        Ok(c) => c,
        Err(e) if in_ci() => panic!("CI=true but pcscd is not reachable: {e}"),
        Err(e) => return eprintln!("skipped: pcscd is not reachable: {e}"),
    };
    // pcscd must have seen the virtual cards of earlier tests go (it notices
    // a vpcd link close only at its next poll).
    for r in ["Virtual PCD 00 00", "Virtual PCD 00 01"] {
        wait_empty(&ctx, r);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let (p, _h, img) = image("ssc-3.0.toml", "zhang-san.toml");
    let s1 = stop.clone();
    let t1 = std::thread::spawn(move || {
        let mut card = Simulator::new(UserCard::new(p), img);
        vpcd::serve(&mut card, "127.0.0.1", vpcd::PORT_SLOT_0, &s1)
    });
    let s2 = stop.clone();
    let t2 = std::thread::spawn(move || {
        let mut psam: Simulator<Psam> = psam_sim();
        vpcd::serve(&mut psam, "127.0.0.1", vpcd::PORT_SLOT_1, &s2)
    });

    let card = connect(&ctx, "Virtual PCD 00 00");
    let fci = transmit(&card, SELECT_SSSE);
    assert_eq!(fci[fci.len() - 2..], [0x90, 0x00]);
    assert_eq!(transmit(&card, "00A4020002EF05"), [0x90, 0x00]);
    assert_eq!(
        hex::encode_upper(transmit(&card, "00B2010412")),
        "0110639900D15600000500BF7C7A48FB49669000"
    );
    let rec = transmit(&card, "00B207040B");
    assert_eq!(&rec[..11], b"\x07\x09X00000019");
    let (_, atr) = {
        let mut names = [0u8; 128];
        let mut atr = [0u8; 64];
        let st = card.status2(&mut names, &mut atr).unwrap();
        ((), st.atr().to_vec())
    };
    assert_eq!(hex::encode_upper(atr), "3B6D000000814E43238697159900BF7C7A");
    let psam = connect(&ctx, "Virtual PCD 00 01");
    assert_eq!(
        hex::encode_upper(transmit(&psam, "00B0960006")),
        "4101008134759000"
    );
    drop(card);
    drop(psam);

    // The same card through OpenSC's tool.
    match std::process::Command::new("opensc-tool")
        .args(["-r", "Virtual PCD 00 00", "-s", SELECT_SSSE])
        .output()
    {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(text.contains("SW1=0x90, SW2=0x00"), "{text}");
        }
        Err(e) if in_ci() => panic!("CI=true but opensc-tool cannot run: {e}"),
        Err(e) => eprintln!("opensc-tool part skipped: {e}"),
    }

    stop.store(true, Ordering::Relaxed);
    t1.join().unwrap().unwrap();
    t2.join().unwrap().unwrap();
}
