//! A live `pcsc-spy` capture turned into a trace (issue 15 point 3): a
//! program that is not ours (`opensc-tool`) talks to the simulated card
//! through pcscd + vpcd with `libpcscspy` in front of `libpcsclite`, and
//! `sscard trace import-spy` reads what the spy wrote: every APDU, the PIN
//! zeroed. Needs pcscd with vpcd, `opensc-tool` and `libpcscspy` (Debian
//! `opensc`, `libpcsclite-dev`); skips without, except with `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sscard_test_support::root;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A file of the multiarch library folder.
fn lib(name: &str) -> Option<PathBuf> {
    [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib",
    ]
    .iter()
    .map(|d| Path::new(d).join(name))
    .find(|p| p.exists())
}

#[test]
fn opensc_tool_traffic_through_the_spy_becomes_a_trace() {
    let spy = lib("libpcscspy.so.0");
    let real = lib("libpcsclite.so.1");
    let tool = Command::new("opensc-tool")
        .arg("--version")
        .output()
        .is_ok();
    let vpcd = sscard::transport::pcsc::list_readers()
        .is_ok_and(|r| r.iter().any(|n| n.starts_with("Virtual PCD")));
    let (Some(spy), Some(real), true, true) = (spy, real, tool, vpcd) else {
        assert!(
            !sscard_system_tests::ci_strict(),
            "CI=true but no libpcscspy, opensc-tool or pcscd with vpcd"
        );
        return eprintln!("skipped: no libpcscspy, opensc-tool or pcscd with vpcd");
    };
    // The card of the test before has left (pcscd notices at its next poll).
    let _ = sscard::transport::pcsc::wait_card("Virtual PCD 00 00", false, Duration::from_secs(20));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::copy(
        root().join("fixtures/cards/zhang-san-3.0.json"),
        dir.join("c.json"),
    )
    .unwrap();
    let sscard = env!("CARGO_BIN_EXE_sscard");
    let sim = sscard_system_tests::KillOnDrop(
        Command::new(sscard)
            .current_dir(dir)
            .args(["sim", "serve", "--card-only", "c.json"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // opensc-tool opens libpcsclite.so.1 with dlopen: a folder where that
    // name is the spy, which finds the real library as libpcsclite_nospy.so.1
    // (as pcsc-lite's install_spy.sh arranges, without touching /usr).
    let libs = dir.join("lib");
    std::fs::create_dir(&libs).unwrap();
    std::os::unix::fs::symlink(&spy, libs.join("libpcsclite.so.1")).unwrap();
    std::os::unix::fs::symlink(
        std::fs::canonicalize(&real).unwrap(),
        libs.join("libpcsclite_nospy.so.1"),
    )
    .unwrap();
    let start = Instant::now();
    let log = dir.join("pcsc-spy");
    loop {
        // The spy writes to $HOME/pcsc-spy when it exists (a FIFO for the
        // pcsc-spy viewer; a plain file keeps the lines).
        std::fs::write(&log, "").unwrap();
        let o = Command::new("opensc-tool")
            .env("HOME", dir)
            .env("LD_LIBRARY_PATH", &libs)
            .args(["-r", "Virtual PCD 00 00"])
            .args(["-s", "00A40000023F00", "-s", "0020000003123456"])
            .output()
            .unwrap();
        if o.status.success() && String::from_utf8_lossy(&o.stdout).contains("SW1=0x90") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "opensc-tool: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    sim.stop();
    let o = Command::new(sscard)
        .current_dir(dir)
        .args(["--json", "trace", "import-spy", "pcsc-spy", "-o", "t.json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("t.json")).unwrap()).unwrap();
    let ex = t["exchanges"].as_array().unwrap();
    // opensc-tool probes the card first; our two APDUs come last.
    let transmits = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| {
            l.contains("@<|") && l.contains("|SCardTransmit|") && l.ends_with("|0x00000000")
        })
        .count();
    assert_eq!(ex.len(), transmits, "every successful SCardTransmit");
    let [.., select, verify] = ex.as_slice() else {
        panic!("{t}")
    };
    assert_eq!(select["command"], "00A40000023F00");
    assert!(select["response"].as_str().unwrap().ends_with("9000"));
    assert_eq!(verify["name"], "VERIFY");
    assert_eq!(verify["command"], "0020000003000000", "the PIN zeroed");
    assert!(!std::fs::read_to_string(dir.join("t.json"))
        .unwrap()
        .contains("123456"));
}
