//! The kill sweep (issue 14 point 3): the `sscard debit` process is killed
//! (aborted: no destructor runs, nothing is flushed, as with `kill -9`) at
//! every point of a debit — before INITIALIZE, after it, inside the
//! journal's write, after the journal record, after the card debited and
//! before its answer is recorded, after the record is completed — then
//! `sscard journal recover` runs. The card's balance is the start minus the
//! completed journal records, every completed record holds the card's TAC,
//! nothing stays pending, and the POS's retry debits once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use sscard_test_support::root;

fn sscard(dir: &Path, args: &[&str], crash_at: Option<&str>) -> Output {
    use std::io::Write;
    let mut c = Command::new(env!("CARGO_BIN_EXE_sscard"));
    c.args(args)
        .current_dir(dir)
        .env(
            "SSCARD_KEYS",
            root().join("fixtures/keys/test-masters.toml"),
        )
        .env("SSCARD_STATE_DIR", dir.join("state"))
        .env("SSCARD_JOURNAL", dir.join("journal.sqlite"))
        .env_remove("SSCARD_PROFILES")
        .env_remove("SSCARD_TEST_CRASH_AT")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if let Some(p) = crash_at {
        c.env("SSCARD_TEST_CRASH_AT", p);
    }
    let mut child = c.spawn().unwrap();
    let _ = child.stdin.take().unwrap().write_all(b"123456\n123456\n");
    child.wait_with_output().unwrap()
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let o = sscard(dir, args, None);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Balance (fen) and the journal's (completed amount sum, completed count, pending count).
fn state(dir: &Path) -> (u64, u64, usize, usize) {
    let b = json(
        dir,
        &["--json", "balance", "--sim", "card.json", "--pin-stdin"],
    );
    let balance = b["balance_fen"].as_u64().unwrap();
    let j = json(dir, &["--json", "journal", "list"]);
    let records = j["records"].as_array().unwrap();
    let completed: Vec<&Value> = records
        .iter()
        .filter(|r| r["state"] == "completed")
        .collect();
    for r in &completed {
        assert_eq!(
            r["tac"].as_str().map(str::len),
            Some(8),
            "TAC recorded: {r}"
        );
    }
    let paid = completed
        .iter()
        .map(|r| (r["amount"].as_str().unwrap().parse::<f64>().unwrap() * 100.0).round() as u64)
        .sum();
    let pending = records.iter().filter(|r| r["state"] == "pending").count();
    (balance, paid, completed.len(), pending)
}

#[test]
fn killed_at_every_point_of_a_debit_loses_nothing_and_debits_once() {
    let points = [
        "before-initialize",
        "after-initialize",
        "journal-write",
        "after-journal",
        "after-debit",
        "after-complete",
    ];
    let mut debited_before_recovery = 0;
    for point in points {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        let holder = root().join("fixtures/holders/zhang-san.toml");
        let keys = root().join("fixtures/keys/test-masters.toml");
        let o = sscard(
            dir,
            &[
                "sim",
                "new",
                "--profile",
                "ssc-3.0.toml",
                "--holder",
                holder.to_str().unwrap(),
                "--keys",
                keys.to_str().unwrap(),
                "--balance",
                "10000",
                "--out",
                "card.json",
            ],
            None,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let debit = [
            "debit",
            "12.34",
            "--account-pooled",
            "10.00",
            "--sim",
            "card.json",
            "--pin-stdin",
            "--at",
            "20261123101530",
        ];
        let o = sscard(dir, &debit, Some(point));
        assert!(!o.status.success(), "{point}: the process was not killed");
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(o.status.signal(), Some(6), "{point}: killed by SIGABRT");
        }
        let (balance, _, _, _) = state(dir);
        if balance < 10_000 {
            debited_before_recovery += 1;
        }
        let o = sscard(
            dir,
            &["journal", "recover", "--sim", "card.json", "--pin-stdin"],
            None,
        );
        assert!(
            o.status.success(),
            "{point}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let (balance, paid, completed, pending) = state(dir);
        assert_eq!(pending, 0, "{point}: nothing pending after recovery");
        assert_eq!(
            balance,
            10_000 - paid,
            "{point}: balance = start - completed"
        );
        if completed == 0 {
            let o = sscard(dir, &debit, None);
            assert!(
                o.status.success(),
                "{point}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let (balance, paid, completed, pending) = state(dir);
        assert_eq!(
            (balance, paid, completed, pending),
            (10_000 - 1_234, 1_234, 1, 0),
            "{point}: one debit in all"
        );
    }
    // The card debited before the kill at after-debit and after-complete.
    assert_eq!(debited_before_recovery, 2, "{} cases", points.len());
}
