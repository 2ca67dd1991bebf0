//! The kill sweep through the C ABI (issue 14 point 3): a C program's
//! `iDoDebit` is killed (the library aborts, as with `kill -9`) at every
//! point of the purchase; the next call on that card — `iReadDebitRecord`,
//! which a POS asks before it retries — settles the journal: the card's
//! balance is the start minus the completed records, each with the card's
//! TAC, nothing pending, and a retry only when nothing was debited.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{profile_text, root, save_card, save_psam};
use sscard::journal::{Journal, State};
use sscard_sim::image::CardImage;

const INFO: &str = "639900D15600000500BF7C7A48FB4966|X00000019|";

fn run(program: &Path, dir: &Path, args: &[&str], crash_at: Option<&str>) -> (bool, String) {
    let mut c = Command::new(program);
    c.args(args)
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("SSSE32_CONFIG")
        .env(
            "SSSE32_READER",
            format!("sim:{}", dir.join("card.json").display()),
        )
        .env(
            "SSSE32_PSAM_READER",
            format!("sim:{}", dir.join("psam.json").display()),
        )
        .env("SSSE32_PIN_SOURCE", "test")
        .env("SSSE32_TEST_PINS", "123456,123456")
        .env("SSSE32_JOURNAL", dir.join("journal.sqlite"))
        .env_remove("SSCARD_TEST_CRASH_AT");
    if let Some(p) = crash_at {
        c.env("SSCARD_TEST_CRASH_AT", p);
    }
    let o = c.output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

#[test]
fn a_c_program_killed_at_every_point_of_a_debit() {
    if Command::new("cc").arg("--version").output().is_err() {
        assert!(
            !sscard_system_tests::ci_strict(),
            "CI=true but no C compiler"
        );
        return eprintln!("skipped: no C compiler");
    }
    let exe = std::env::current_exe().unwrap();
    let lib_dir = exe.parent().unwrap().to_path_buf();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        lib_dir.join("libssse32.so"),
        tmp.path().join("libssse32.so"),
    )
    .unwrap();
    let program = tmp.path().join("kill_debit");
    let out = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&program)
        .arg(root().join("tests/c/kill_debit.c"))
        .arg("-I")
        .arg(root().join("crates/sscard-ffi/include"))
        .arg("-L")
        .arg(tmp.path())
        .arg("-lssse32")
        .arg(format!("-Wl,-rpath,{}", tmp.path().display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cc: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let points = [
        "before-initialize",
        "after-initialize",
        "journal-write",
        "after-journal",
        "after-debit",
        "after-complete",
    ];
    for point in points {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        save_card(
            &profile_text("ssc-3.0.toml"),
            "ssc-3.0.toml",
            &dir.join("card.json"),
        );
        let mut img = CardImage::load(&dir.join("card.json")).unwrap();
        img.purses.get_mut("SSSE/DF04/EF06").unwrap().balance = 10_000;
        img.save(&dir.join("card.json")).unwrap();
        save_psam(&dir.join("psam.json"), false);
        let (ok, out) = run(&program, dir, &["debit", INFO], Some(point));
        assert!(!ok && out.is_empty(), "{point}: not killed: {out}");
        // What a POS does before retrying: ask the card's records (the
        // library settles the journal first).
        let (ok, records) = run(&program, dir, &["records", INFO], None);
        assert!(ok, "{point}: {records}");
        let j = Journal::open(&dir.join("journal.sqlite")).unwrap();
        let entries = j.list().unwrap();
        assert!(
            entries.iter().all(|e| e.state != State::Pending),
            "{point}: {entries:?}"
        );
        let done: Vec<_> = entries
            .iter()
            .filter(|e| e.state == State::Completed)
            .collect();
        assert!(done.iter().all(|e| e.tac.is_some()), "{point}: {entries:?}");
        let paid: u32 = done.iter().map(|e| e.amount_fen).sum();
        let balance =
            CardImage::load(&dir.join("card.json")).unwrap().purses["SSSE/DF04/EF06"].balance;
        assert_eq!(balance, 10_000 - paid, "{point}");
        if done.is_empty() {
            assert!(!records.contains("^12.34^"), "{point}: {records}");
            let (ok, out) = run(&program, dir, &["debit", INFO], None);
            assert!(ok, "{point}: {out}");
        } else {
            // The record shows the journal's transaction number and split.
            assert!(records.contains("^12.34^10.00^|"), "{point}: {records}");
        }
        let balance =
            CardImage::load(&dir.join("card.json")).unwrap().purses["SSSE/DF04/EF06"].balance;
        assert_eq!(balance, 10_000 - 1_234, "{point}: one debit in all");
    }
}
