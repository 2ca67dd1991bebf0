//! `sscard serve` when the card goes (issue 16 point 4): the card is the
//! simulator behind pcscd + vpcd; stopping the simulator while requests
//! run gives clean interface errors (never a hang or a crash), and the
//! service serves again once the card is back. Needs pcscd with vpcd;
//! skips without, except with `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod vpcd_support;

mod service_support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use service_support::{call, start};

const BAS: &str = r#"{"function":"iReadCardBas","iType":1}"#;

fn serve_card(dir: &std::path::Path) -> sscard_system_tests::KillOnDrop {
    sscard_system_tests::KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_sscard"))
            .current_dir(dir)
            .args(["sim", "serve", "--card-only", "card.json"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// Calls until one succeeds (or 20 s pass).
fn until_served(s: &service_support::Server) -> serde_json::Value {
    let start = Instant::now();
    loop {
        let v = call(s, BAS).json();
        if v["code"] == 0 {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "not served: {v}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_card_taken_away_gives_clean_errors_and_the_service_recovers() {
    if !vpcd_support::ready() {
        return;
    }
    let s = start("requests_per_minute = 100000", Some("Virtual PCD 00 00"));
    let card = serve_card(s.dir.path());
    until_served(&s);
    // Requests run on one thread while the card is taken away on another.
    let port = s.port;
    let token = s.token.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let st = stop.clone();
    let caller = std::thread::spawn(move || {
        let mut codes = Vec::new();
        while !st.load(std::sync::atomic::Ordering::Relaxed) {
            let a = service_support::http(
                port,
                "POST",
                "/api/call",
                &[("X-Sscard-Token", &token)],
                BAS.as_bytes(),
            );
            assert_eq!(a.status, 200, "{}", a.body);
            let v = a.json();
            codes.push((
                v["code"].as_i64().unwrap(),
                v["out"].as_str().unwrap_or("").to_owned(),
            ));
        }
        codes
    });
    std::thread::sleep(Duration::from_millis(500));
    card.stop();
    std::thread::sleep(Duration::from_millis(1500));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let codes = caller.join().unwrap();
    let errors: Vec<&(i64, String)> = codes.iter().filter(|(c, _)| *c != 0).collect();
    assert!(
        !errors.is_empty(),
        "the card never went: {} calls",
        codes.len()
    );
    for (code, out) in &errors {
        // No card (-2), no answer (-4), the reader (-11, -12): each with its meaning.
        assert!([-2, -3, -4, -11, -12].contains(code), "{code}: {out}");
        assert!(!out.is_empty() && !out.contains("panicked"), "{out}");
    }
    // The card comes back: served again, the same card.
    let card = serve_card(s.dir.path());
    let v = until_served(&s);
    assert!(v["out"].as_str().unwrap().contains("11010519491231002X"));
    card.stop();
    assert!(!s.log.lock().unwrap().contains("panicked"));
}
