//! `sscard relay` (issue 15 point 2): the simulator stands in for the real
//! card in Virtual PCD 00 00; the relay serves it in Virtual PCD 00 01
//! through vpcd while recording; a host checking the relayed card finds it
//! genuine, and with a rule that flips a bit of the internal authentication
//! answer, a counterfeit. Needs pcscd with vpcd; skips without, except with
//! `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod vpcd_support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use sscard_system_tests::KillOnDrop;
use sscard_test_support::root;
use std::time::{Duration, Instant};

fn sscard(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sscard"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn spawn(dir: &Path, args: &[&str]) -> KillOnDrop {
    KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_sscard"))
            .current_dir(dir)
            .args(args)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

/// Waits until the reader `r` answers a SELECT of the MF.
fn wait_card(dir: &Path, r: &str) {
    let start = Instant::now();
    while !sscard(dir, &["apdu", "--reader", r, "00A40000023F00"])
        .status
        .success()
    {
        assert!(start.elapsed() < Duration::from_secs(45), "no card in {r}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// `genuine` on the relayed card: the exit code and the JSON.
fn genuine(dir: &Path) -> (Option<i32>, serde_json::Value) {
    let keys = root().join("fixtures/keys/test-masters.toml");
    let o = sscard(
        dir,
        &[
            "--json",
            "genuine",
            "--reader",
            "Virtual PCD 00 01",
            "--keys",
            keys.to_str().unwrap(),
        ],
    );
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| {
        panic!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code(), v)
}

fn stop(c: KillOnDrop) -> String {
    c.stop()
}

#[test]
fn a_relayed_card_is_recorded_and_a_rewrite_makes_a_counterfeit() {
    if !vpcd_support::ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::copy(
        root().join("fixtures/cards/zhang-san-3.0.json"),
        dir.join("c.json"),
    )
    .unwrap();
    let sim = spawn(dir, &["sim", "serve", "--card-only", "c.json"]);
    wait_card(dir, "Virtual PCD 00 00");

    // 1. A plain relay, recorded.
    let relay = spawn(
        dir,
        &[
            "relay",
            "--reader",
            "Virtual PCD 00 00",
            "--slot",
            "1",
            "--trace",
            "relayed.json",
        ],
    );
    wait_card(dir, "Virtual PCD 00 01");
    let (code, v) = genuine(dir);
    let err = stop(relay);
    assert_eq!(code, Some(0), "{v} {err}");
    assert_eq!(v["genuine"], true, "{v}");
    assert!(
        err.contains("relaying the card in Virtual PCD 00 00"),
        "{err}"
    );
    let trace = std::fs::read_to_string(dir.join("relayed.json")).unwrap();
    let t: serde_json::Value = serde_json::from_str(&trace).unwrap();
    let names: Vec<&str> = t["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"INTERNAL AUTHENTICATE"), "{names:?}");
    assert_eq!(t["stats"]["apdus"].as_u64().unwrap() as usize, names.len());
    // Masked as every trace: the holder's SSN is not in it.
    let ssn_hex: String = "11010519491231002X"
        .bytes()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert!(!trace.contains(&ssn_hex));
    // It opens as a trace.
    let o = sscard(dir, &["trace", "show", "relayed.json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // 2. A rule flips the first byte of every internal authentication
    // answer: the same card is now a counterfeit.
    std::fs::write(
        dir.join("fake.toml"),
        "[[rewrite]]\ncommand = \"00 88\"\nflip = 0\n",
    )
    .unwrap();
    let relay = spawn(
        dir,
        &[
            "relay",
            "--reader",
            "Virtual PCD 00 00",
            "--slot",
            "1",
            "--rewrite",
            "fake.toml",
            "--trace",
            "fake.json",
        ],
    );
    wait_card(dir, "Virtual PCD 00 01");
    let (code, v) = genuine(dir);
    let err = stop(relay);
    assert_eq!(code, Some(1), "{v} {err}");
    assert_eq!(v["error"]["code"], -21, "{v}");
    let fake = std::fs::read_to_string(dir.join("fake.json")).unwrap();
    assert!(fake.contains("INTERNAL AUTHENTICATE (rewritten)"), "{fake}");
    stop(sim);
    // Leave both slots empty for the tests after this one.
    for r in ["Virtual PCD 00 01", "Virtual PCD 00 00"] {
        let _ = sscard::transport::pcsc::wait_card(r, false, Duration::from_secs(20));
    }

    // Bad rules are refused before any reader is touched.
    std::fs::write(dir.join("bad.toml"), "[[rewrite]]\ncommand = \"00 88\"\n").unwrap();
    let o = sscard(
        dir,
        &[
            "relay",
            "--reader",
            "Virtual PCD 00 00",
            "--rewrite",
            "bad.toml",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("exactly one of response, sw, flip"));
}
