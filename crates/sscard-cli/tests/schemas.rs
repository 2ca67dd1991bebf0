//! The JSON schemas of `docs/cli.md` against real output: for every
//! command the document lists, its `--json` document has exactly the
//! top-level fields documented, plus `schema_version: 1`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sscard_test_support::root;
use std::collections::BTreeSet;
use std::process::{Command, Stdio};

/// `command` → its documented top-level fields, from the "JSON schemas" list.
fn documented() -> Vec<(String, BTreeSet<String>)> {
    let doc = std::fs::read_to_string(root().join("docs/cli.md")).unwrap();
    let part = doc.split("## JSON schemas").nth(1).unwrap();
    let part = part.split("\n## ").next().unwrap();
    let mut out = Vec::new();
    for line in part.lines().filter(|l| l.starts_with("- `")) {
        let mut rest = line.trim_start_matches("- ");
        while let Some(start) = rest.find('`') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('`') else { break };
            let name = &after[..end];
            let tail = &after[end + 1..];
            let Some(obj) = tail.strip_prefix(": `{") else {
                rest = tail;
                continue;
            };
            let close = obj.find("}`").unwrap();
            let body = &obj[..close];
            let (mut depth, mut key, mut keys, mut at_key) =
                (0, String::new(), BTreeSet::new(), true);
            for c in body.chars() {
                match c {
                    '{' | '[' => depth += 1,
                    '}' | ']' => depth -= 1,
                    ',' if depth == 0 => {
                        keys.insert(std::mem::take(&mut key).trim().to_owned());
                        at_key = true;
                        continue;
                    }
                    ':' | ' ' | '|' if depth == 0 && !key.trim().is_empty() => at_key = false,
                    _ => {}
                }
                if depth == 0 && at_key && (c.is_alphanumeric() || c == '_') {
                    key.push(c);
                }
            }
            if !key.trim().is_empty() {
                keys.insert(key.trim().to_owned());
            }
            out.push((name.to_owned(), keys));
            rest = &obj[close + 2..];
        }
    }
    out
}

#[test]
fn documented_schemas_match_output() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let fx = |p: &str| root().join("fixtures").join(p).display().to_string();
    std::fs::copy(fx("cards/zhang-san-3.0.json"), d.join("c.json")).unwrap();
    std::fs::write(
        d.join("spy.log"),
        "1@>|1|1|SCardTransmit\n1@0x1\n1@0x2\n1@0x8\n1@0x5\n1@00 A4 04 00 00 \n1@0x2\n1@0x8\n1@0x2\n1@90 00 \n1@<|1|2|SCardTransmit|0x00000000\n",
    )
    .unwrap();
    std::fs::write(
        d.join("s.txt"),
        "reset\n00A404000F7378312E73682EC9E7BBE1B1A3D5CF => 9000\n",
    )
    .unwrap();
    let run = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_sscard"))
            .arg("--json")
            .args(args)
            .current_dir(d)
            .env("SSCARD_KEYS", fx("keys/test-masters.toml"))
            .env("SSCARD_CA_KEYS", fx("ca/pboc-ca-keys.toml"))
            .env("SSCARD_STATE_DIR", d.join(".state"))
            .env_remove("SSCARD_PROFILES")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        let o = child.wait_with_output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&o.stderr)));
        v
    };
    let zhang = fx("holders/zhang-san.toml");
    let (fixtures, csv, keys, ca) = (
        fx(""),
        fx("holders/holders.csv"),
        fx("keys/test-masters.toml"),
        fx("ca"),
    );
    let trace = fx("traces/read-basic-info.json");
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        ("demo", vec!["demo", "--fixtures", &fixtures], ""),
        ("info", vec!["info", "--sim", "c.json"], ""),
        ("read", vec!["read", "--sim", "c.json", "card_number"], ""),
        (
            "apdu",
            vec![
                "apdu",
                "--sim",
                "c.json",
                "00A404000F7378312E73682EC9E7BBE1B1A3D5CF",
            ],
            "",
        ),
        ("script", vec!["script", "--sim", "c.json", "s.txt"], ""),
        (
            "pin",
            vec!["pin", "verify", "--sim", "c.json", "--pin-stdin"],
            "123456\n",
        ),
        ("genuine", vec!["genuine", "--sim", "c.json"], ""),
        (
            "prep",
            vec![
                "prep",
                "--profile",
                "ssc-3.0.toml",
                "--holders",
                &csv,
                "--out",
                "prep",
                "--area",
                "110100",
                "--init-org",
                "1",
            ],
            "",
        ),
        (
            "perso plan",
            vec![
                "perso",
                "plan",
                "--profile",
                "ssc-3.0.toml",
                "--holder",
                &zhang,
            ],
            "",
        ),
        (
            "sim new",
            vec![
                "sim",
                "new",
                "--blank",
                "--profile",
                "ssc-3.0.toml",
                "--holder",
                &zhang,
                "--keys",
                &keys,
                "--out",
                "b.json",
            ],
            "",
        ),
        (
            "perso run",
            vec![
                "perso",
                "run",
                "--profile",
                "ssc-3.0.toml",
                "--holder",
                &zhang,
                "--ca",
                &ca,
                "--sim",
                "b.json",
            ],
            "",
        ),
        (
            "perso verify",
            vec![
                "perso",
                "verify",
                "--profile",
                "ssc-3.0.toml",
                "--holder",
                &zhang,
                "--ca",
                &ca,
                "--sim",
                "b.json",
                "--pin-stdin",
            ],
            "123456\n",
        ),
        (
            "balance",
            vec!["balance", "--sim", "c.json", "--pin-stdin"],
            "123456\n",
        ),
        (
            "debit",
            vec!["debit", "--sim", "c.json", "--pin-stdin", "1.00"],
            "123456\n",
        ),
        ("pay", vec!["pay", "--sim", "c.json", "1.00"], ""),
        (
            "log",
            vec!["log", "--sim", "c.json", "--pin-stdin"],
            "123456\n",
        ),
        ("journal list", vec!["journal", "list"], ""),
        (
            "journal export",
            vec!["journal", "export", "--format", "json"],
            "",
        ),
        (
            "journal recover",
            vec!["journal", "recover", "--sim", "c.json", "--pin-stdin"],
            "123456\n",
        ),
        ("sim show", vec!["sim", "show", "c.json"], ""),
        ("trace show", vec!["trace", "show", &trace], ""),
        ("trace diff", vec!["trace", "diff", &trace, &trace], ""),
        (
            "trace pcapng",
            vec!["trace", "pcapng", &trace, "-o", "t.pcapng"],
            "",
        ),
        (
            "trace html",
            vec!["trace", "html", &trace, "-o", "t.html"],
            "",
        ),
        (
            "trace import-spy",
            vec!["trace", "import-spy", "spy.log", "-o", "spy.json"],
            "",
        ),
        ("profile lint", vec!["profile", "lint", "ssc-3.0.toml"], ""),
        ("profile show", vec!["profile", "show", "ssc-3.0.toml"], ""),
        ("man", vec!["man", "--out", "man"], ""),
    ];
    let docs = documented();
    let mut checked = 0;
    for (name, args, stdin) in &cases {
        let want = docs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, k)| k.clone())
            .unwrap_or_else(|| panic!("docs/cli.md documents no JSON for {name}"));
        let v = run(args, stdin);
        assert_eq!(v["schema_version"], 1, "{name}: {v}");
        let got: BTreeSet<String> = v
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "schema_version")
            .cloned()
            .collect();
        assert_eq!(
            got, want,
            "{name}: the output's fields differ from docs/cli.md"
        );
        checked += 1;
    }
    // Every documented command but `readers` (it needs pcscd) was run.
    let undocumented: Vec<_> = docs
        .iter()
        .filter(|(n, _)| n != "readers" && !cases.iter().any(|(c, _, _)| c == n))
        .collect();
    assert!(
        undocumented.is_empty(),
        "documented but not checked: {undocumented:?}"
    );
    assert_eq!(checked, cases.len());
}
