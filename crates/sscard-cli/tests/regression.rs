//! One test per defect of issue 11 ("the CLI is safe in a personalisation
//! engineer's hands"), each failing on the code before its fix (ripgrep's
//! `tests/regression.rs` habit). Named after the issue's points.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sscard_test_support::root;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs `sscard` in `cwd` with `stdin`; test keys, a private state folder.
fn run_in(cwd: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_sscard"))
        .args(args)
        .current_dir(cwd)
        .env(
            "SSCARD_KEYS",
            root().join("fixtures/keys/test-masters.toml"),
        )
        .env("SSCARD_STATE_DIR", cwd.join(".state"))
        .env(
            "SSCARD_CA_KEYS",
            root().join("fixtures/ca/pboc-ca-keys.toml"),
        )
        .env_remove("SSCARD_PROFILES")
        .env_remove("SSCARD_READER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        r => r.unwrap(),
    }
    child.wait_with_output().unwrap()
}

/// A folder holding `c.json`, a copy of the fixture 3.0 card.
fn with_card() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("fixtures/cards/zhang-san-3.0.json"),
        tmp.path().join("c.json"),
    )
    .unwrap();
    tmp
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

const HEADER: &str = "ssn,name,sex,ethnicity,birthplace,birth_date,pin,pan,card_id,card_number,issue_date,expiry_date,init_org";

/// A valid row: SSN `11010519491231002X`-style with check digit, card `number`.
fn row(i: u32, number: &str, card_id: &str, init_org: &str) -> String {
    let body = format!("1101051949123{:04}", 1000 + i);
    let ssn = format!(
        "{body}{}",
        sscard_profile::holder::ssn_check_char(&body).unwrap()
    );
    format!(
        "{ssn},张三,1,01,110105,19491231,123456,,{card_id},{number},20261101,20361101,{init_org}"
    )
}

fn prep(dir: &Path, csv: &str, extra: &[&str]) -> Output {
    std::fs::write(dir.join("h.csv"), csv).unwrap();
    let mut args = vec![
        "--json",
        "prep",
        "--profile",
        "ssc-3.0.toml",
        "--holders",
        "h.csv",
        "--out",
        "out",
    ];
    args.extend(extra);
    run_in(dir, &args, "")
}

fn reasons(v: &serde_json::Value) -> Vec<(u64, String)> {
    v["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Point 1: Two rows with one card number: both rejected, each naming the other
/// line; a second run into the same folder is refused unless --force.
#[test]
fn p01_prep_duplicates_and_existing_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let id = |n: u32| format!("110100D156000005{n:016X}");
    let csv = format!(
        "{HEADER}\n{}\n{}\n{}\n",
        row(1, "P00000001", &id(1), "110100000001"),
        row(2, "P00000002", &id(2), "110100000001"),
        row(3, "P00000001", &id(3), "110100000001"),
    );
    let o = prep(tmp.path(), &csv, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["prepared"], 1);
    let r = reasons(&v);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].0, 2);
    assert!(r[0].1.contains("P00000001 is also on line 4"), "{r:?}");
    assert_eq!(r[1].0, 4);
    assert!(r[1].1.contains("also on line 2"), "{r:?}");
    // The same folder again: refused, nothing written.
    let before = std::fs::read_dir(tmp.path().join("out")).unwrap().count();
    let again = format!(
        "{HEADER}\n{}\n",
        row(2, "P00000002", &id(2), "110100000001")
    );
    let o = prep(tmp.path(), &again, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("already holds prepared cards P00000002"),
        "{}",
        text(&o)
    );
    assert_eq!(
        std::fs::read_dir(tmp.path().join("out")).unwrap().count(),
        before
    );
    let o = prep(tmp.path(), &again, &["--force"]);
    assert!(o.status.success(), "{}", text(&o));
}

/// Point 2: A bureau's list without card identification codes: prep assigns them
/// from --area and a counter kept with the batch; an empty required column
/// is named.
#[test]
fn p02_prep_assigns_card_ids_and_names_empty_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = format!(
        "{HEADER}\n{}\n{}\n{}\n",
        row(1, "P00000001", "", ""),
        row(2, "P00000002", "", ""),
        row(3, "", "", "")
    );
    let flags = ["--area", "110100", "--init-org", "110100000001"];
    let o = prep(tmp.path(), &csv, &flags);
    let v = json(&o);
    assert_eq!(v["prepared"], 2, "{}", text(&o));
    assert_eq!(
        reasons(&v),
        vec![(4, "column card_number is empty".to_owned())]
    );
    assert_eq!(v["serials"]["first"], "0000000000000000");
    let card = sscard_profile::batch::find_card(&format!(
        "{}#P00000002",
        tmp.path().join("out").display()
    ))
    .unwrap()
    .unwrap();
    assert_eq!(card.holder.card.id, "110100D1560000050000000000000001");
    assert_eq!(card.holder.card.init_org, "110100000001");
    // The counter goes on in the next run; a start below it is refused.
    let next = format!("{HEADER}\n{}\n", row(4, "P00000004", "", ""));
    let v = json(&prep(tmp.path(), &next, &flags));
    assert_eq!(v["serials"]["first"], "0000000000000002", "{v}");
    let o = prep(
        tmp.path(),
        &next.replace("P00000004", "P00000005"),
        &[&flags[..], &["--serial-start", "1"]].concat(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("serials below 3 are used already"),
        "{}",
        text(&o)
    );
    // Without --area an empty card_id is named, not blamed on the province.
    let v = json(&prep(
        tmp.path(),
        &format!("{HEADER}\n{}\n", row(6, "P00000006", "", "1")),
        &[],
    ));
    assert!(
        reasons(&v)[0]
            .1
            .contains("column card_id is empty and no --area"),
        "{v}"
    );
}

/// Point 3: CSV through the csv crate: BOM, quoted commas, CRLF, GBK; header
/// errors before any row.
#[test]
fn p03_prep_csv_forms_and_header_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let id = "110100D15600000500000000000000A1";
    let body = row(1, "P00000001", id, "110100000001").replace("张三", "\"张,三\"");
    let csv = format!("\u{FEFF}{HEADER}\r\n{body}\r\n");
    let v = json(&prep(tmp.path(), &csv, &[]));
    assert_eq!(v["prepared"], 1, "{v}");
    let card = sscard_profile::batch::find_card(&format!(
        "{}#P00000001",
        tmp.path().join("out").display()
    ))
    .unwrap()
    .unwrap();
    assert_eq!(card.holder.name, "张,三");
    // The same list in GBK, detected.
    let gbk_dir = tempfile::tempdir().unwrap();
    let utf8 = format!("{HEADER}\n{}\n", row(1, "P00000001", id, "110100000001"));
    let (gbk, _, _) = encoding_rs::GBK.encode(&utf8);
    std::fs::write(gbk_dir.path().join("g.csv"), &gbk).unwrap();
    let o = run_in(
        gbk_dir.path(),
        &[
            "--json",
            "prep",
            "--profile",
            "ssc-3.0.toml",
            "--holders",
            "g.csv",
            "--out",
            "out",
        ],
        "",
    );
    let v = json(&o);
    assert_eq!(
        (v["prepared"].as_u64(), v["encoding"].as_str()),
        (Some(1), Some("GB 18030")),
        "{v}"
    );
    // A misspelt column, named with its likely meaning; nothing written.
    let bad = tempfile::tempdir().unwrap();
    let o = prep(
        bad.path(),
        &format!("{}\n{body}\n", HEADER.replace("name", "nmae")),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("line 1: unknown column 'nmae' (did you mean 'name'?)"),
        "{}",
        text(&o)
    );
    assert!(!bad.path().join("out").exists());
    let o = prep(
        bad.path(),
        &format!("{}\n", HEADER.replace("ssn,", "")),
        &[],
    );
    assert!(
        text(&o).contains("line 1: column ssn missing"),
        "{}",
        text(&o)
    );
}

/// Point 4: Files the CLI writes are 0600, symlinks are written through, and
/// `sim new` refuses an existing image unless --force.
#[cfg(unix)]
#[test]
fn p04_private_files_symlinks_and_no_overwrite() {
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().unwrap();
    let holder = root().join("fixtures/holders/zhang-san.toml");
    let new = |out: &str, force: bool| {
        let mut a = vec![
            "sim",
            "new",
            "--profile",
            "ssc-3.0.toml",
            "--holder",
            holder.to_str().unwrap(),
            "--keys",
            "k",
            "--out",
            out,
        ];
        if force {
            a.push("--force");
        }
        run_in(tmp.path(), &a, "")
    };
    std::fs::copy(
        root().join("fixtures/keys/test-masters.toml"),
        tmp.path().join("k"),
    )
    .unwrap();
    assert!(new("card.json", false).status.success());
    assert_eq!(
        std::fs::metadata(tmp.path().join("card.json"))
            .unwrap()
            .mode()
            & 0o777,
        0o600
    );
    let before = std::fs::read(tmp.path().join("card.json")).unwrap();
    let o = new("card.json", false);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("exists; give --force to replace it"),
        "{}",
        text(&o)
    );
    assert_eq!(std::fs::read(tmp.path().join("card.json")).unwrap(), before);
    std::os::unix::fs::symlink("card.json", tmp.path().join("link.json")).unwrap();
    assert!(new("link.json", true).status.success());
    assert!(std::fs::symlink_metadata(tmp.path().join("link.json"))
        .unwrap()
        .file_type()
        .is_symlink());
    // prep's batch and counters are private too.
    let v = json(&prep(
        tmp.path(),
        &format!(
            "{HEADER}\n{}\n",
            row(1, "P00000001", "110100D15600000500000000000000A1", "1")
        ),
        &[],
    ));
    for f in v["batches"].as_array().unwrap() {
        assert_eq!(
            std::fs::metadata(tmp.path().join(f.as_str().unwrap()))
                .unwrap()
                .mode()
                & 0o777,
            0o600
        );
    }
}

/// Point 6: A PIN typed at a terminal is not echoed: run under a pseudo-terminal
/// (Python's `pty`), type the PIN, and it does not appear in what the
/// terminal shows. Without a terminal and without --pin-stdin, a clear error.
#[test]
fn p06_pin_is_not_echoed() {
    let tmp = with_card();
    let o = run_in(
        tmp.path(),
        &["pin", "verify", "--sim", "c.json"],
        "123456\n",
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("give --pin-stdin"), "{}", text(&o));
    let py = r#"
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
seen = b""
def drain(t):
    global seen
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                d = os.read(fd, 1024)
            except OSError:
                return
            if not d:
                return
            seen += d
drain(2.0)
os.write(fd, b"731946\r")
drain(3.0)
os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
"#;
    let Ok(out) = Command::new("python3")
        .arg("-c")
        .arg(py)
        .arg(env!("CARGO_BIN_EXE_sscard"))
        .args(["pin", "verify", "--sim", "c.json"])
        .current_dir(tmp.path())
        .env("SSCARD_STATE_DIR", tmp.path())
        .output()
    else {
        assert!(
            std::env::var("CI").is_err(),
            "CI=true but python3 is missing"
        );
        return eprintln!("skipped: no python3");
    };
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("PIN:"), "no prompt: {shown}");
    assert!(!shown.contains("731946"), "the PIN was echoed: {shown}");
    assert!(
        shown.contains("wrong PIN"),
        "the typed PIN did not reach the card: {shown}"
    );
}

/// Point 7: A script is parsed whole before anything is sent; the expected status
/// word is an explicit field; scriptor's `reset` and colons work.
#[test]
fn p07_script_parsed_whole_first() {
    let tmp = with_card();
    let before = std::fs::read(tmp.path().join("c.json")).unwrap();
    // Line 2 writes a record; line 3 has a typo in its status word.
    std::fs::write(tmp.path().join("s.txt"), "00A404000F7378312E73682EC9E7BBE1B1A3D5CF => 9000\n00DC070400 => 9000\n00B2070400 => 90O0\n").unwrap();
    let o = run_in(tmp.path(), &["script", "--sim", "c.json", "s.txt"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("s.txt: line 3: expected status word '90O0'"),
        "{}",
        text(&o)
    );
    assert!(
        !text(&o).contains("line   1"),
        "a command was sent: {}",
        text(&o)
    );
    assert_eq!(std::fs::read(tmp.path().join("c.json")).unwrap(), before);
    std::fs::write(tmp.path().join("s.txt"), "# scriptor style\n00 A4 04 00 0F 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF\nreset\n00:A4:04:00:0F:73:78:31:2E:73:68:2E:C9:E7:BB:E1:B1:A3:D5:CF => 9000\nexit\n00 => 9000\n").unwrap();
    let o = run_in(
        tmp.path(),
        &["--json", "script", "--sim", "c.json", "s.txt"],
        "",
    );
    let v = json(&o);
    assert_eq!(v["steps"].as_array().unwrap().len(), 3, "{v}");
    assert!(v["steps"][1]["reset"].is_string());
}

/// Point 8: `debit` takes an amount; zero and negative are refused; terminal
/// transaction numbers differ between runs of one terminal.
#[test]
fn p08_amounts_and_unique_transaction_numbers() {
    let tmp = with_card();
    for bad in ["0.00", "-1.00", "0"] {
        let o = run_in(
            tmp.path(),
            &["debit", "--sim", "c.json", "--pin-stdin", "--", bad],
            "123456\n",
        );
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", text(&o));
    }
    let mut numbers = Vec::new();
    for _ in 0..2 {
        let o = run_in(
            tmp.path(),
            &["--json", "debit", "--sim", "c.json", "--pin-stdin", "1.00"],
            "123456\n",
        );
        numbers.push(json(&o)["terminal_txn_no"].as_str().unwrap().to_owned());
    }
    assert_ne!(numbers[0], numbers[1]);
    // `pay` dates the transaction from --at (or the clock), not a fixed day.
    let o = run_in(
        tmp.path(),
        &["pay", "--sim", "c.json", "1.00", "--at", "20270315120000"],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run_in(
        tmp.path(),
        &["--json", "log", "--sim", "c.json", "--pin-stdin"],
        "123456\n",
    );
    let log = json(&o)["ecash"].to_string();
    assert!(log.contains("270315"), "{log}");
    let o = run_in(
        tmp.path(),
        &["pay", "--sim", "c.json", "1.00", "--at", "20271332120000"],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
}

/// Point 9: Without --reader or --sim the CLI looks for the only reader with a
/// card and otherwise says what to type.
#[test]
fn p09_reader_is_found_or_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(tmp.path(), &["info"], "");
    let t = text(&o);
    assert!(
        !t.contains("give --reader NAME or --sim IMAGE"),
        "the old message: {t}"
    );
    // Another test may be serving a virtual card right now: then that is
    // the only reader with a card and `info` reads it.
    if !o.status.success() {
        assert_eq!(o.status.code(), Some(2), "{t}");
        assert!(t.contains("--sim IMAGE") || t.contains("--reader"), "{t}");
    }
}

/// Points 10 and 12: No Rust Debug text; a damaged image is said to be one.
#[test]
fn p10_p12_words_not_debug_text() {
    let tmp = with_card();
    let debug = [
        "Some(",
        "Sm4",
        "V3",
        "Transparent {",
        "(Issued)",
        "os error",
    ];
    for args in [
        vec!["info", "--sim", "c.json"],
        vec!["sim", "show", "c.json"],
        vec!["profile", "show", "ssc-3.0.toml"],
        vec![
            "demo",
            "--fixtures",
            root().join("fixtures").to_str().unwrap(),
        ],
        vec!["info", "--sim", "missing.json"],
        vec![
            "sim",
            "new",
            "--profile",
            "ssc-3.0.toml",
            "--holder",
            "missing.toml",
            "--keys",
            "k",
            "--ca",
            "nowhere",
            "--out",
            "x.json",
        ],
        vec![
            "profile",
            "lint",
            root()
                .join("fixtures/bad-profiles/24-wrong-type.toml")
                .to_str()
                .unwrap(),
        ],
        vec![
            "prep",
            "--profile",
            "ssc-3.0.toml",
            "--holders",
            "missing.csv",
            "--out",
            "o",
        ],
    ] {
        let t = text(&run_in(tmp.path(), &args, ""));
        for d in debug {
            assert!(!t.contains(d), "{args:?} printed {d}: {t}");
        }
    }
    let full = std::fs::read(tmp.path().join("c.json")).unwrap();
    std::fs::write(tmp.path().join("t.json"), &full[..300]).unwrap();
    let o = run_in(tmp.path(), &["info", "--sim", "t.json"], "");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o).trim(),
        "sscard: card image t.json: truncated at byte 300"
    );
}

/// Point 11: `--json` works for errors too: one JSON object with the code, and
/// every document carries `schema_version`.
#[test]
fn p11_json_errors_and_schema_version() {
    let tmp = with_card();
    let o = run_in(
        tmp.path(),
        &["--json", "pin", "verify", "--sim", "c.json", "--pin-stdin"],
        "000000\n",
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(
        (v["schema_version"].as_u64(), v["error"]["code"].as_i64()),
        (Some(1), Some(-51)),
        "{v}"
    );
    let o = run_in(tmp.path(), &["--json", "debit", "--no-such-flag"], "");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(json(&o)["error"]["exit"], 2);
    let o = run_in(
        tmp.path(),
        &[
            "--json",
            "demo",
            "--fixtures",
            root().join("fixtures").to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(json(&o)["schema_version"], 1, "{}", text(&o));
}

/// Point 14: The CLI works from any folder: built-in profiles, no card-profiles/.
#[test]
fn p14_works_from_any_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let h = root().join("fixtures/holders/li-na.toml");
    let o = run_in(
        tmp.path(),
        &[
            "sim",
            "new",
            "--profile",
            "ssc-2.0.toml",
            "--holder",
            h.to_str().unwrap(),
            "--keys",
            root()
                .join("fixtures/keys/test-masters.toml")
                .to_str()
                .unwrap(),
            "--out",
            "c.json",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run_in(tmp.path(), &["info", "--sim", "c.json"], "");
    assert!(
        o.status.success() && text(&o).contains("generation       2.0"),
        "{}",
        text(&o)
    );
}

/// Point 13: human `log` lists the e-cash records; `trace show` shows
/// non-TLV data as hex and refuses a trace with bad hex.
#[test]
fn p13_log_records_and_trace_hex() {
    let tmp = with_card();
    let o = run_in(
        tmp.path(),
        &["pay", "--sim", "c.json", "3.00", "--at", "20270315120000"],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run_in(
        tmp.path(),
        &["log", "--sim", "c.json", "--pin-stdin"],
        "123456\n",
    );
    let t = text(&o);
    assert!(
        t.contains("electronic cash log (1 records)\n  2027-03-15"),
        "{t}"
    );
    assert!(t.contains("amount 3.00"), "{t}");
    let trace = root().join("fixtures/traces/medical-debit.json");
    let o = run_in(tmp.path(), &["trace", "show", trace.to_str().unwrap()], "");
    assert!(o.status.success(), "{}", text(&o));
    // INITIALIZE FOR PURCHASE's answer (not TLV) is shown as hex bytes.
    let t = text(&o);
    let lines: Vec<&str> = t.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.starts_with(">>> INITIALIZE FOR PURCHASE"))
        .unwrap();
    let data: Vec<&str> = lines[i + 2].split_whitespace().collect();
    assert!(
        data.len() >= 8
            && data
                .iter()
                .all(|b| b.len() == 2 && u8::from_str_radix(b, 16).is_ok()),
        "{t}"
    );
    let bad = std::fs::read_to_string(&trace).unwrap().replacen(
        "\"response\": \"",
        "\"response\": \"ZZ",
        1,
    );
    std::fs::write(tmp.path().join("bad.json"), bad).unwrap();
    let o = run_in(tmp.path(), &["trace", "show", "bad.json"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("trace bad.json: exchange 1"),
        "{}",
        text(&o)
    );
}

/// Point 16: `sim serve` puts a PSAM (the built-in test masters, said so)
/// in the second slot by default; `--card-only` serves one slot.
#[test]
fn p16_sim_serve_has_a_psam_by_default() {
    use sscard::transport::pcsc::{reader_states, wait_card};
    use std::time::Duration;
    let vpcd = reader_states().is_ok_and(|r| r.iter().any(|(n, _)| n.starts_with("Virtual PCD")));
    if !vpcd {
        assert!(
            std::env::var("CI").is_err(),
            "CI=true but pcscd with vpcd is not running"
        );
        return eprintln!("skipped: no pcscd with vpcd");
    }
    let tmp = with_card();
    for (extra, psam) in [(None, true), (Some("--card-only"), false)] {
        for r in ["Virtual PCD 00 00", "Virtual PCD 00 01"] {
            wait_card(r, false, Duration::from_secs(10)).unwrap();
        }
        let mut args = vec!["sim", "serve", "c.json"];
        args.extend(extra);
        let mut child = Command::new(env!("CARGO_BIN_EXE_sscard"))
            .args(&args)
            .current_dir(tmp.path())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_card("Virtual PCD 00 00", true, Duration::from_secs(10)).unwrap();
        let second = wait_card(
            "Virtual PCD 00 01",
            true,
            Duration::from_secs(if psam { 10 } else { 2 }),
        );
        let o = run_in(
            tmp.path(),
            &["--json", "info", "--reader", "Virtual PCD 00 00"],
            "",
        );
        child.kill().unwrap();
        let out = child.wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(json(&o)["card_number"], "X00000019");
        assert_eq!(second.is_ok(), psam, "{said}");
        assert_eq!(
            said.contains("PSAM keys from the built-in test masters"),
            psam,
            "{said}"
        );
    }
    for r in ["Virtual PCD 00 00", "Virtual PCD 00 01"] {
        wait_card(r, false, Duration::from_secs(10)).unwrap();
    }
}

/// Point 17: completions and man pages come from clap and match `--help`:
/// every command `--help` lists has a page and is completed, and every
/// option of `prep --help` is in its page and in the completions.
#[test]
fn p17_completions_and_man_pages_match_help() {
    let tmp = tempfile::tempdir().unwrap();
    let help = text(&run_in(tmp.path(), &["--help"], ""));
    let commands: Vec<String> = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("Options:")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect();
    assert!(
        commands.len() > 15 && commands.contains(&"prep".to_owned()),
        "{commands:?}"
    );
    let o = run_in(tmp.path(), &["man", "--out", "man"], "");
    assert!(o.status.success(), "{}", text(&o));
    let bash = text(&run_in(tmp.path(), &["completions", "bash"], ""));
    for c in &commands {
        assert!(
            tmp.path().join(format!("man/sscard-{c}.1")).is_file(),
            "no page for {c}"
        );
        assert!(
            bash.contains(&format!("sscard__{c}")) || bash.contains(&format!("sscard,{c}")),
            "{c} not completed"
        );
    }
    let prep_help = text(&run_in(tmp.path(), &["prep", "--help"], ""));
    let page = std::fs::read_to_string(tmp.path().join("man/sscard-prep.1")).unwrap();
    for opt in prep_help
        .split_whitespace()
        .filter(|w| w.starts_with("--") && w.len() > 3)
    {
        let opt = opt.trim_end_matches(',').trim_end_matches('=');
        assert!(
            page.contains(&opt.replace('-', "\\-")),
            "{opt} not in the man page"
        );
        assert!(bash.contains(opt), "{opt} not completed");
    }
}

/// Point 5: `perso run` checks the card in hand and its inputs before the
/// first write; `perso verify` spends no PIN try on a mismatch it can see in
/// free-read data.
#[test]
fn p05_perso_checks_before_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let fx = |p: &str| root().join("fixtures").join(p).display().to_string();
    let o = run_in(
        tmp.path(),
        &[
            "sim",
            "new",
            "--blank",
            "--profile",
            "ssc-3.0.toml",
            "--holder",
            &fx("holders/zhang-san.toml"),
            "--keys",
            &fx("keys/test-masters.toml"),
            "--out",
            "blank.json",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let before = std::fs::read(tmp.path().join("blank.json")).unwrap();
    // Another holder's record on this blank card: refused, nothing written.
    let o = run_in(
        tmp.path(),
        &[
            "perso",
            "run",
            "--profile",
            "ssc-3.0.toml",
            "--holder",
            &fx("holders/ayguli.toml"),
            "--ca",
            &fx("ca"),
            "--sim",
            "blank.json",
            "--journal",
            "j1.json",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("is not the blank card of"),
        "{}",
        text(&o)
    );
    assert_eq!(
        std::fs::read(tmp.path().join("blank.json")).unwrap(),
        before
    );
    // The plan certifies a PKI key: without --ca nothing is written.
    let o = run_in(
        tmp.path(),
        &[
            "perso",
            "run",
            "--profile",
            "ssc-3.0.toml",
            "--holder",
            &fx("holders/zhang-san.toml"),
            "--sim",
            "blank.json",
            "--journal",
            "j2.json",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("give --ca"), "{}", text(&o));
    assert_eq!(
        std::fs::read(tmp.path().join("blank.json")).unwrap(),
        before
    );
    // A personalised card checked against another holder: the free-read
    // mismatch is reported and the PIN (wrong here) is never tried.
    std::fs::copy(
        root().join("fixtures/cards/zhang-san-3.0.json"),
        tmp.path().join("c.json"),
    )
    .unwrap();
    let tries = || {
        json(&run_in(
            tmp.path(),
            &["--json", "sim", "show", "c.json"],
            "",
        ))["pins"]
            .clone()
    };
    let tries_before = tries();
    let o = run_in(
        tmp.path(),
        &[
            "--json",
            "perso",
            "verify",
            "--profile",
            "ssc-3.0.toml",
            "--holder",
            &fx("holders/ayguli.toml"),
            "--sim",
            "c.json",
            "--pin-stdin",
        ],
        "000000\n",
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        json(&o)["mismatches"].to_string().contains("not read"),
        "{}",
        text(&o)
    );
    assert_eq!(tries(), tries_before);
}

/// Point 15: every shipped holder fixture makes a 3.0 card with `sim new
/// --ca`, the PKI application personalised through the `perso run` plan
/// (key pair generated on the card, certificate from the CA) and the
/// financial application with a test PAN where the record has none.
#[test]
fn p15_every_fixture_holder_makes_a_card() {
    let tmp = tempfile::tempdir().unwrap();
    let fx = |p: &str| root().join("fixtures").join(p).display().to_string();
    let mut holders: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/holders"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    holders.sort();
    assert!(holders.len() >= 3);
    for h in &holders {
        let h = h.display().to_string();
        let has_pan = std::fs::read_to_string(&h).unwrap().contains("pan =");
        let o = run_in(
            tmp.path(),
            &[
                "sim",
                "new",
                "--profile",
                "ssc-3.0.toml",
                "--holder",
                &h,
                "--keys",
                &fx("keys/test-masters.toml"),
                "--ca",
                &fx("ca"),
                "--balance",
                "1000",
                "--out",
                "c.json",
                "--force",
            ],
            "",
        );
        assert!(o.status.success(), "{h}: {}", text(&o));
        assert_eq!(
            text(&o).contains("test PAN 623599"),
            !has_pan,
            "{h}: {}",
            text(&o)
        );
        let pin = if has_pan { "123456" } else { "888888" };
        let pin = std::fs::read_to_string(&h)
            .unwrap()
            .lines()
            .find_map(|l| {
                l.strip_prefix("pin = \"")
                    .map(|p| p.trim_end_matches('"').to_owned())
            })
            .unwrap_or(pin.to_owned());
        let o = run_in(
            tmp.path(),
            &[
                "perso",
                "verify",
                "--profile",
                "ssc-3.0.toml",
                "--holder",
                &h,
                "--ca",
                &fx("ca"),
                "--sim",
                "c.json",
                "--pin-stdin",
            ],
            &format!("{pin}\n{pin}\n"),
        );
        assert!(o.status.success(), "{h}: {}", text(&o));
        let o = run_in(
            tmp.path(),
            &["--json", "pay", "--sim", "c.json", "1.00"],
            "",
        );
        assert_eq!(json(&o)["outcome"], "approved", "{h}: {}", text(&o));
    }
}

/// Point 14: an image made from a custom profile records it by name and
/// SM3 digest and carries it: it opens in a folder where the profile is
/// not, and a changed profile of the same name does not stand in for it.
#[test]
fn p14_image_carries_its_custom_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(root().join("card-profiles/ssc-3.0.toml")).unwrap();
    let custom = format!("# a bureau's own variant\n{base}");
    std::fs::write(tmp.path().join("bureau.toml"), &custom).unwrap();
    let h = root().join("fixtures/holders/zhang-san.toml");
    let k = root().join("fixtures/keys/test-masters.toml");
    let o = run_in(
        tmp.path(),
        &[
            "sim",
            "new",
            "--profile",
            "bureau.toml",
            "--holder",
            h.to_str().unwrap(),
            "--keys",
            k.to_str().unwrap(),
            "--out",
            "c.json",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let img: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("c.json")).unwrap()).unwrap();
    assert_eq!(img["profile"], "bureau.toml");
    assert_eq!(img["profile_digest"].as_str().unwrap().len(), 64);
    // Elsewhere, without bureau.toml: it opens.
    let other = tempfile::tempdir().unwrap();
    std::fs::copy(tmp.path().join("c.json"), other.path().join("c.json")).unwrap();
    let o = run_in(other.path(), &["info", "--sim", "c.json"], "");
    assert!(o.status.success(), "{}", text(&o));
    // A different bureau.toml there is another version: the image's own copy is used.
    std::fs::write(other.path().join("bureau.toml"), "not a profile").unwrap();
    let o = run_in(other.path(), &["info", "--sim", "c.json"], "");
    assert!(o.status.success(), "{}", text(&o));
}

/// Point 18: `-v` prints every APDU as GlobalPlatformPro does, PINs always
/// masked, personal data unless `--reveal`.
#[test]
fn p18_verbose_apdus_masked() {
    let tmp = with_card();
    let ssn = "11010519491231002X";
    let ssn_hex: String = ssn.bytes().map(|b| format!("{b:02X} ")).collect();
    let o = run_in(tmp.path(), &["-v", "read", "--sim", "c.json", "ssn"], "");
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        err.contains(">> 00 A4 04 00 0F 73 78 31")
            && err.contains("<< ")
            && err.contains(" ms, SELECT)"),
        "{err}"
    );
    assert!(!err.contains(ssn_hex.trim()), "{err}");
    let o = run_in(
        tmp.path(),
        &["-v", "read", "--sim", "c.json", "--reveal", "ssn"],
        "",
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(ssn_hex.trim()),
        "{}",
        text(&o)
    );
    let o = run_in(
        tmp.path(),
        &["-v", "pin", "verify", "--sim", "c.json", "--pin-stdin"],
        "123456\n",
    );
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains(">> 00 20 00 00 [3 secret bytes]"), "{err}");
    assert!(!err.contains("12 34 56"), "{err}");
}

/// Issue 13 point 2 through the CLI: a counterfeit that plays back a
/// recorded answer to challenges it chose is reported not genuine (-21).
#[test]
fn counterfeit_is_not_genuine() {
    let tmp = tempfile::tempdir().unwrap();
    let p = std::sync::Arc::new(
        sscard_profile::load_file(root().join("card-profiles/ssc-3.0.toml")).unwrap(),
    );
    let genuine =
        sscard_sim::image::CardImage::load(&root().join("fixtures/cards/zhang-san-3.0.json"))
            .unwrap();
    let fake = sscard_sim::counterfeit::counterfeit_of(&genuine, &p, [0x11; 8], [0x22; 8]).unwrap();
    fake.save(&tmp.path().join("fake.json")).unwrap();
    genuine.save(&tmp.path().join("real.json")).unwrap();
    let o = run_in(tmp.path(), &["genuine", "--sim", "real.json"], "");
    assert!(
        o.status.success() && text(&o).contains("internal authentication passed"),
        "{}",
        text(&o)
    );
    let o = run_in(tmp.path(), &["--json", "genuine", "--sim", "fake.json"], "");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(json(&o)["error"]["code"], -21);
}

/// Issue 15 point 1 (CLI part): `--trace FILE` on a card command records
/// its APDUs, masked, written on every path (here a wrong PIN), 0600.
#[cfg(unix)]
#[test]
fn trace_option_records_masked_apdus() {
    use std::os::unix::fs::MetadataExt;
    let tmp = with_card();
    let o = run_in(
        tmp.path(),
        &[
            "read", "--sim", "c.json", "--trace", "t.json", "ssn", "name",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let trace = std::fs::read_to_string(tmp.path().join("t.json")).unwrap();
    let ssn_hex: String = "11010519491231002X"
        .bytes()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert!(!trace.contains(&ssn_hex), "the SSN is in the trace");
    assert_eq!(
        std::fs::metadata(tmp.path().join("t.json")).unwrap().mode() & 0o777,
        0o600
    );
    let v = json(&run_in(
        tmp.path(),
        &["--json", "trace", "show", "t.json"],
        "",
    ));
    assert_eq!(v["operation"], "read");
    assert!(v["stats"]["apdus"].as_u64().unwrap() >= 5, "{v}");
    assert_eq!(
        v["exchanges"].as_array().unwrap().len() as u64,
        v["stats"]["apdus"].as_u64().unwrap()
    );
    // A failing command still leaves its trace; the PIN is not in it.
    let o = run_in(
        tmp.path(),
        &[
            "pin",
            "verify",
            "--sim",
            "c.json",
            "--pin-stdin",
            "--trace",
            "w.json",
        ],
        "987654\n",
    );
    assert_eq!(o.status.code(), Some(1));
    let w = std::fs::read_to_string(tmp.path().join("w.json")).unwrap();
    assert!(w.contains("\"VERIFY\"") && !w.contains("987654"), "{w}");
    // A purchase's trace keeps the PAN's first six and last four digits.
    let o = run_in(
        tmp.path(),
        &["pay", "--sim", "c.json", "1.00", "--trace", "p.json"],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let p = std::fs::read_to_string(tmp.path().join("p.json")).unwrap();
    assert!(
        !p.contains("6235990012345678901"),
        "the PAN is in the trace"
    );
    assert!(p.contains("623599AAAAAAAAA8901F"), "{p}");
    // --trace-reveal keeps personal data (a test card's replayable trace),
    // never the PIN; still 0600.
    let o = run_in(
        tmp.path(),
        &[
            "read",
            "--sim",
            "c.json",
            "--trace",
            "r.json",
            "--trace-reveal",
            "ssn",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let r = std::fs::read_to_string(tmp.path().join("r.json")).unwrap();
    assert!(
        r.contains(&ssn_hex) && r.contains("\"revealed\": true"),
        "{r}"
    );
    assert_eq!(
        std::fs::metadata(tmp.path().join("r.json")).unwrap().mode() & 0o777,
        0o600
    );
    let o = run_in(
        tmp.path(),
        &["read", "--sim", "c.json", "--trace-reveal", "ssn"],
        "",
    );
    assert_eq!(o.status.code(), Some(2), "--trace-reveal needs --trace");
}
