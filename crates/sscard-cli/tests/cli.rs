//! CLI cases from files (`tests/cmd/*.toml`, expected output beside them;
//! `TRYCMD=overwrite` refreshes), run against the simulator; and the
//! commands that change a card, run on copies of the fixture images.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sscard_test_support::root;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[test]
fn cases_from_files() {
    trycmd::TestCases::new()
        .env(
            "SSCARD_CA_KEYS",
            root()
                .join("fixtures/ca/pboc-ca-keys.toml")
                .display()
                .to_string(),
        )
        .env(
            "SSCARD_PROFILES",
            root().join("card-profiles").display().to_string(),
        )
        .env(
            "SSCARD_KEYS",
            root()
                .join("fixtures/keys/test-masters.toml")
                .display()
                .to_string(),
        )
        .case("tests/cmd/*.toml");
}

fn sscard(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_sscard"))
        .args(args)
        .current_dir(root())
        .env(
            "SSCARD_KEYS",
            root().join("fixtures/keys/test-masters.toml"),
        )
        .env("SSCARD_STATE_DIR", state_dir())
        .env_remove("SSCARD_PROFILES")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails before it reads its input (a usage error) closes
    // the pipe first: that broken pipe is the child's answer, not a failure.
    match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        r => r.unwrap(),
    }
    child.wait_with_output().unwrap()
}

/// The terminal state folder of the tests (transaction numbers).
fn state_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("sscard-cli-tests-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn copy_image(dir: &Path, name: &str) -> String {
    let p = dir.join(name);
    std::fs::copy(root().join("fixtures/cards").join(name), &p).unwrap();
    p.display().to_string()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn debit_pay_pin_and_log_change_the_card() {
    let tmp = tempfile_dir();
    let dir = tmp.path().to_path_buf();
    let img = copy_image(&dir, "zhang-san-3.0.json");
    let o = sscard(
        &[
            "debit",
            "--sim",
            &img,
            "--pin-stdin",
            "25.80",
            "--account-pooled",
            "20.00",
            "--at",
            "20261123101530",
        ],
        "123456\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("balance 74.20"));
    let o = sscard(
        &["--json", "balance", "--sim", &img, "--pin-stdin"],
        "123456\n",
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["balance_fen"], 7420);
    let o = sscard(&["--json", "pay", "--sim", &img, "12.00"], "");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["outcome"], "approved");
    assert_eq!(v["steps"].as_array().unwrap().len(), 5);
    let o = sscard(&["--json", "log", "--sim", &img, "--pin-stdin"], "123456\n");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["debit"].as_array().unwrap().len(), 1);
    assert_eq!(v["ecash"].as_array().unwrap().len(), 1);
    // Wrong PIN: exit 1 with the tries left and the reader-interface code.
    let o = sscard(&["pin", "verify", "--sim", &img, "--pin-stdin"], "000000\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("wrong PIN, 2 tries left (code -51)"),
        "{}",
        text(&o)
    );
    let o = sscard(&["pin", "verify", "--sim", &img, "--pin-stdin"], "123456\n");
    assert!(o.status.success());
    // A split larger than the amount is a usage error: exit 2, nothing changed.
    let o = sscard(
        &[
            "debit",
            "--sim",
            &img,
            "--pin-stdin",
            "1.00",
            "--account-pooled",
            "2.00",
        ],
        "123456\n",
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    // A script with expected status words stops at the first mismatch.
    let script = dir.join("s.txt");
    std::fs::write(&script, "# select SSSE\n00A404000F7378312E73682EC9E7BBE1B1A3D5CF => 9000\n00A4020002EF05 => 9000\n00B2070400 => 9000\n00B2990400 => 9000\n").unwrap();
    let o = sscard(&["script", "--sim", &img, script.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("line 5: 00 B2 99 04 00 answered 6A83"),
        "{}",
        text(&o)
    );
}

fn tempfile_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// A PIN typed in a raw VERIFY (`apdu`, `script`) is sent, but no output,
/// verbose line or trace shows it: the vocabulary marks VERIFY secret.
#[test]
fn a_typed_pin_is_never_shown() {
    let tmp = tempfile_dir();
    let dir = tmp.path().to_path_buf();
    let select = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF";
    let verify = "0020000003987654";
    let script = dir.join("verify.apdu");
    std::fs::write(&script, format!("{select} => 9000\n{verify}\n")).unwrap();
    let trace = dir.join("t.json");
    let trace_arg = trace.display().to_string();
    let script_arg = script.display().to_string();
    let runs: Vec<Vec<&str>> = vec![
        vec!["apdu", select, verify],
        vec!["--json", "apdu", select, verify],
        vec!["-v", "apdu", select, verify],
        vec!["apdu", "--trace", &trace_arg, select, verify],
        vec!["script", &script_arg],
        vec!["--json", "script", &script_arg],
    ];
    for mut args in runs {
        // A fresh card each time: a wrong PIN costs one of its tries.
        let img = copy_image(&dir, "zhang-san-3.0.json");
        let at = args
            .iter()
            .position(|a| *a == "apdu" || *a == "script")
            .unwrap()
            + 1;
        args.splice(at..at, ["--sim", img.as_str()]);
        let o = sscard(&args, "");
        let out = text(&o);
        // The card did get the PIN: a wrong one costs a try.
        assert!(out.contains("63C"), "{args:?}: {out}");
        assert!(out.contains("[3 secret bytes]"), "{args:?}: {out}");
        for shown in ["98 76 54", "987654", verify] {
            assert!(!out.contains(shown), "{args:?} shows the PIN: {out}");
        }
    }
    // A VERIFY that does not parse is refused without echoing its PIN.
    let img = copy_image(&dir, "zhang-san-3.0.json");
    let o = sscard(&["apdu", "--sim", &img, "00200000039876"], "");
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("00 20 00 00 …"), "{out}");
    assert!(!out.contains("9876"), "{out}");
    let t = std::fs::read_to_string(&trace).unwrap();
    assert!(t.contains("\"VERIFY\""), "{t}");
    assert!(t.contains("0020000003000000"), "{t}");
    assert!(!t.contains("987654"), "{t}");
}

/// No output of any command, in any mode but `--reveal`, holds a fixture
/// holder's SSN, name or birth date.
#[test]
fn no_personal_data_without_reveal() {
    let tmp = tempfile_dir();
    let dir = tmp.path().to_path_buf();
    let img = copy_image(&dir, "zhang-san-3.0.json");
    let runs: Vec<(Vec<&str>, &str)> = vec![
        (vec!["demo"], ""),
        (vec!["--json", "demo"], ""),
        (vec!["info", "--sim", &img], ""),
        (vec!["--json", "info", "--sim", &img], ""),
        (
            vec![
                "read",
                "--sim",
                &img,
                "--pin-stdin",
                "ssn",
                "name",
                "birth_date",
                "SSSEEF06|08|09|0D|$",
                "DF01EF05|21|$",
            ],
            "123456\n",
        ),
        (
            vec![
                "--json",
                "read",
                "--sim",
                &img,
                "--pin-stdin",
                "ssn",
                "name",
                "birth_date",
            ],
            "123456\n",
        ),
        (vec!["sim", "show", &img], ""),
        (vec!["--json", "sim", "show", &img], ""),
        (
            vec!["trace", "show", "fixtures/traces/read-basic-info.json"],
            "",
        ),
        (
            vec![
                "--json",
                "trace",
                "show",
                "fixtures/traces/qpboc-purchase.json",
            ],
            "",
        ),
    ];
    let h = sscard_profile_holder();
    let forbidden = [h.0.clone(), h.1.clone(), h.2.clone()];
    for (args, stdin) in &runs {
        let o = sscard(args, stdin);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        let t = text(&o);
        for f in &forbidden {
            assert!(!t.contains(f.as_str()), "{args:?} printed {f}:\n{t}");
        }
    }
    // With --reveal they are there: the check above can fail.
    let o = sscard(&["read", "--sim", &img, "--reveal", "ssn", "name"], "");
    assert!(
        text(&o).contains(&h.0) && text(&o).contains(&h.1),
        "{}",
        text(&o)
    );
}

/// SSN, name, birth date of the fixture holder.
fn sscard_profile_holder() -> (String, String, String) {
    let t = std::fs::read_to_string(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let get = |k: &str| {
        t.lines()
            .find_map(|l| l.strip_prefix(&format!("{k} = \"")))
            .map(|v| v.trim_end_matches('"').to_owned())
            .unwrap()
    };
    (get("ssn"), get("name"), get("birth_date"))
}

#[test]
fn perso_run_verify_and_resume() {
    let tmp = tempfile_dir();
    let img = tmp.path().join("blank.json");
    let img_s = img.display().to_string();
    let base = [
        "--profile",
        "card-profiles/ssc-3.0.toml",
        "--holder",
        "fixtures/holders/zhang-san.toml",
        "--ca",
        "fixtures/ca",
    ];
    let o = sscard(
        &[
            "sim",
            "new",
            "--blank",
            "--profile",
            "card-profiles/ssc-3.0.toml",
            "--holder",
            "fixtures/holders/zhang-san.toml",
            "--keys",
            "fixtures/keys/test-masters.toml",
            "--out",
            &img_s,
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    // Before personalisation the card does not verify: exit 1.
    let mut verify: Vec<&str> = vec!["perso", "verify"];
    verify.extend(base);
    verify.extend(["--sim", &img_s, "--pin-stdin"]);
    let o = sscard(&verify, "123456\n");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let mut run: Vec<&str> = vec!["--json", "perso", "run"];
    run.extend(base);
    run.extend(["--sim", &img_s]);
    let o = sscard(&run, "");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["ran"].as_u64(), v["steps"].as_u64()),
        (Some(40), Some(40)),
        "{}",
        text(&o)
    );
    let o = sscard(&verify, "123456\n");
    assert!(o.status.success(), "{}", text(&o));
    // A second run without --resume is refused; with it nothing is left to do.
    assert_eq!(sscard(&run, "").status.code(), Some(2));
    run.push("--resume");
    let v: serde_json::Value = serde_json::from_slice(&sscard(&run, "").stdout).unwrap();
    assert_eq!(v["ran"].as_u64(), Some(0));
}

/// 10,000 holders with 1% bad rows: the bad rows are reported with their
/// line numbers, the rest produce outputs `perso run` accepts.
#[test]
fn prep_ten_thousand_holders() {
    use sscard_profile::holder::ssn_check_char;
    let tmp = tempfile_dir();
    let mut csv = String::from("ssn,name,sex,ethnicity,birthplace,birth_date,pin,pan,card_id,card_number,issue_date,expiry_date,init_org\n");
    let mut bad_lines = Vec::new();
    for i in 0..10_000u32 {
        let birth = format!("{:04}{:02}{:02}", 1950 + i % 50, 1 + i % 12, 1 + i % 28);
        let body = format!("110105{birth}{:03}", i % 1000);
        let mut ssn = format!("{body}{}", ssn_check_char(&body).unwrap());
        let mut name = "王小明".to_owned();
        let mut date = birth.clone();
        let mut card_id = format!("110100D156000005{i:016X}");
        if i % 100 == 50 {
            bad_lines.push(i + 2);
            match (i / 100) % 4 {
                0 => ssn = format!("{body}{}", if ssn.ends_with('0') { '1' } else { '0' }),
                1 => name = "王".repeat(26),
                2 => date = format!("{}1332", &birth[..4]),
                _ => card_id = format!("990100D156000005{i:016X}"),
            }
        }
        csv.push_str(&format!("{ssn},{name},1,01,110105,{date},123456,,{card_id},N{i:08},20261101,20361101,110100000001\n"));
    }
    let csv_path = tmp.path().join("holders.csv");
    std::fs::write(&csv_path, csv).unwrap();
    let out = tmp.path().join("out");
    let o = sscard(
        &[
            "--json",
            "prep",
            "--profile",
            "card-profiles/ssc-3.0.toml",
            "--holders",
            csv_path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["prepared"], 9_900);
    let lines: Vec<u64> = v["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        lines,
        bad_lines.iter().map(|l| u64::from(*l)).collect::<Vec<_>>()
    );
    // Ten batch files of at most 1,000 cards, and the folder's counters.
    let batches = sscard_profile::batch::batch_files(&out).unwrap();
    assert_eq!(batches.len(), 10);
    assert!(out.join("prep-state.toml").is_file());
    // Two of the outputs personalise blank cards that then verify.
    for n in ["N00000000", "N00009999"] {
        let holder = PathBuf::from(format!("{}#{n}", out.display()));
        let img = tmp.path().join(format!("{n}.json"));
        let (h, i) = (holder.to_str().unwrap(), img.to_str().unwrap());
        let o = sscard(
            &[
                "sim",
                "new",
                "--blank",
                "--profile",
                "card-profiles/ssc-3.0.toml",
                "--holder",
                h,
                "--keys",
                "fixtures/keys/test-masters.toml",
                "--out",
                i,
            ],
            "",
        );
        assert!(o.status.success(), "{}", text(&o));
        let o = sscard(
            &[
                "perso",
                "run",
                "--profile",
                "card-profiles/ssc-3.0.toml",
                "--holder",
                h,
                "--ca",
                "fixtures/ca",
                "--sim",
                i,
            ],
            "",
        );
        assert!(o.status.success(), "{}", text(&o));
        let o = sscard(
            &[
                "perso",
                "verify",
                "--profile",
                "card-profiles/ssc-3.0.toml",
                "--holder",
                h,
                "--ca",
                "fixtures/ca",
                "--sim",
                i,
                "--pin-stdin",
            ],
            "123456\n",
        );
        assert!(o.status.success(), "{}", text(&o));
        // The prepared script runs on a blank card too.
        let blank = tmp.path().join(format!("{n}-script.json"));
        let b = blank.to_str().unwrap();
        assert!(sscard(
            &[
                "sim",
                "new",
                "--blank",
                "--profile",
                "card-profiles/ssc-3.0.toml",
                "--holder",
                h,
                "--keys",
                "fixtures/keys/test-masters.toml",
                "--out",
                b
            ],
            ""
        )
        .status
        .success());
        let o = sscard(&["script", "--sim", b, holder.to_str().unwrap()], "");
        assert!(o.status.success(), "{}", text(&o));
    }
}

/// `demo --via-pcscd`: the same main job through pcscd + vpcd.
#[test]
fn demo_via_pcscd() {
    if sscard::transport::pcsc::list_readers()
        .map_or(true, |r| !r.iter().any(|n| n.starts_with("Virtual PCD")))
    {
        assert!(
            !sscard_system_tests::ci_strict(),
            "CI=true but pcscd with vpcd is not running"
        );
        return eprintln!("skipped: no pcscd with vpcd");
    }
    let o = sscard(&["demo", "--via-pcscd"], "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("demo finished: every step succeeded"));
    // `readers`, human and JSON: the vpcd readers are listed (no card now).
    let o = sscard(&["readers"], "");
    assert!(
        o.status.success() && text(&o).contains("Virtual PCD 00 00"),
        "{}",
        text(&o)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&sscard(&["--json", "readers"], "").stdout).unwrap();
    assert!(v["readers"].as_array().unwrap().iter().any(|r| r["reader"]
        .as_str()
        .is_some_and(|n| n.starts_with("Virtual PCD"))));
}
