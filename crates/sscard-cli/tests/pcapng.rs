//! Traces open in Wireshark (issue 15 point 3): `sscard trace pcapng`
//! exports each golden trace as GSMTAP SIM over UDP 4729, and `tshark`
//! (Debian's Wireshark CLI) shows every APDU, with the instruction each
//! command carries. Without tshark the test skips, except with `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sscard_test_support::root;
use std::path::PathBuf;
use std::process::Command;

#[test]
fn tshark_shows_every_apdu_of_every_golden_trace() {
    if Command::new("tshark").arg("--version").output().is_err() {
        assert!(!sscard_system_tests::ci_strict(), "CI=true but no tshark");
        return eprintln!("skipped: no tshark");
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut traces: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/traces"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    traces.sort();
    assert!(traces.len() >= 3);
    for trace in traces {
        let t: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
        let exchanges = t["exchanges"].as_array().unwrap();
        let out = tmp.path().join("t.pcapng");
        let o = Command::new(env!("CARGO_BIN_EXE_sscard"))
            .args(["trace", "pcapng"])
            .arg(&trace)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let o = Command::new("tshark")
            .arg("-r")
            .arg(&out)
            .args(["-Y", "gsm_sim", "-T", "fields", "-e", "gsm_sim.apdu.ins"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let shown: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| l.trim().trim_start_matches("0x").to_uppercase())
            .collect();
        let expected: Vec<String> = exchanges
            .iter()
            .map(|e| e["command"].as_str().unwrap()[2..4].to_uppercase())
            .collect();
        assert_eq!(
            shown
                .iter()
                .map(|s| format!("{:0>2}", s))
                .collect::<Vec<_>>(),
            expected,
            "{}: every APDU shown as GSM SIM, with its instruction",
            trace.display()
        );
    }
}
