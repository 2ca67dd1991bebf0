//! Every `sscard` command in the `sh` blocks of `docs/cli.md` and
//! `docs/perso-guide.md` runs as written, in order, in a fresh folder that
//! holds what a clone holds (`card-profiles/`, `fixtures/`): exit 0, or the
//! status a trailing `# exit N` comment names. A guide whose example stopped
//! working fails here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sscard_test_support::root;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The commands of the `sh` blocks of `doc`, continuation lines joined,
/// with the exit status each expects.
fn commands(doc: &str) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for line in doc.lines() {
        if line.starts_with("```") {
            in_sh = !in_sh && line.trim() == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let line = line.trim();
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        let full = std::mem::take(&mut pending);
        let (cmd, comment) = match full.split_once(" #") {
            Some((c, m)) => (c.trim().to_owned(), m.trim().to_owned()),
            None => (full.trim().to_owned(), String::new()),
        };
        if cmd.starts_with("sscard ") || cmd.contains(" sscard ") {
            let exit = comment
                .strip_prefix("exit ")
                .and_then(|n| {
                    n.chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                        .parse()
                        .ok()
                })
                .unwrap_or(0);
            out.push((cmd, exit));
        }
    }
    out
}

fn run_doc(name: &str) -> usize {
    let doc = std::fs::read_to_string(root().join("docs").join(name)).unwrap();
    let cmds = commands(&doc);
    let tmp = tempfile::tempdir().unwrap();
    for d in ["card-profiles", "fixtures"] {
        std::os::unix::fs::symlink(root().join(d), tmp.path().join(d)).unwrap();
    }
    for (cmd, exit) in &cmds {
        let o = shell(tmp.path(), cmd);
        assert_eq!(
            o.status.code(),
            Some(*exit),
            "docs/{name}: `{cmd}`:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    cmds.len()
}

/// Runs a documented command line through `sh`, `sscard` being this build.
fn shell(dir: &Path, cmd: &str) -> std::process::Output {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_sscard"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(dir)
        .env("PATH", path)
        .env("SSCARD_STATE_DIR", dir.join(".state"))
        .env_remove("SSCARD_KEYS")
        .env_remove("SSCARD_PROFILES")
        .env_remove("SSCARD_READER")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn perso_guide_examples_run() {
    assert!(run_doc("perso-guide.md") >= 8);
}

#[test]
fn cli_examples_run() {
    assert!(run_doc("cli.md") >= 5);
}
