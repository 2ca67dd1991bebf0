//! Traces in a browser (issue 15 point 4): `sscard trace html` writes one
//! self-contained page; headless Chromium (Debian `chromium`) renders it
//! and dumps its DOM, which holds every APDU with its command name, no
//! personal data unmasked, and a Content-Security-Policy that forbids any
//! request (the page has no URL to fetch). `SSCARD_BLESS=1` refreshes the
//! README's screenshot from this test. Without chromium the test skips,
//! except with `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sscard_test_support::root;
use std::path::Path;
use std::process::Command;

fn chromium(args: &[&str], page: &Path) -> std::process::Output {
    Command::new("timeout")
        .arg("120")
        .arg("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap()
}

fn html(args: &[&str], out: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_sscard"))
        .args(["trace", "html"])
        .args(args)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn chromium_shows_every_apdu_named_and_masked() {
    if Command::new("chromium").arg("--version").output().is_err() {
        assert!(!sscard_system_tests::ci_strict(), "CI=true but no chromium");
        return eprintln!("skipped: no chromium");
    }
    let tmp = tempfile::tempdir().unwrap();
    let traces = root().join("fixtures/traces");
    let basic = traces.join("read-basic-info.json");
    let page = tmp.path().join("t.html");
    html(&[basic.to_str().unwrap()], &page);
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(text.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    for outward in ["src=", "href=", "url(", "http:", "https:", "@import"] {
        assert!(
            !text.contains(outward),
            "the page refers outward: {outward}"
        );
    }
    let o = chromium(&["--dump-dom"], &page);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dom = String::from_utf8_lossy(&o.stdout);
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&basic).unwrap()).unwrap();
    let exchanges = t["exchanges"].as_array().unwrap();
    assert_eq!(dom.matches("<tr class=\"apdu\"").count(), exchanges.len());
    for e in exchanges {
        let name = e["name"].as_str().unwrap();
        assert!(dom.contains(&format!("data-name=\"{name}\"")), "{name}");
    }
    assert!(dom.contains("INTERNAL AUTHENTICATE") && dom.contains("(success)"));
    // zhang-san's SSN and name, in the clear or as the card's bytes: nowhere.
    let ssn = "11010519491231002X";
    for clear in [
        ssn.to_owned(),
        hex::encode_upper(ssn),
        "张三".into(),
        "D5C5C8FD".into(),
    ] {
        assert!(!dom.contains(&clear), "unmasked: {clear}");
    }
    // zhang-san's PAN 6235990012345678901: its middle digits nowhere, the
    // masked nibbles (A) where they were.
    let purchase = traces.join("qpboc-purchase.json");
    let ppage = tmp.path().join("p.html");
    html(&[purchase.to_str().unwrap()], &ppage);
    let o = chromium(&["--dump-dom"], &ppage);
    let pdom = String::from_utf8_lossy(&o.stdout).replace(' ', "");
    for clear in ["6235990012345678901", "001234567"] {
        assert!(!pdom.contains(clear), "unmasked PAN: {clear}");
    }
    assert!(pdom.contains("623599AAAAAAAAA8901"), "no masked PAN");
    // A side-by-side diff of two traces.
    let other = traces.join("medical-debit.json");
    let diff = tmp.path().join("d.html");
    html(
        &[basic.to_str().unwrap(), "--diff", other.to_str().unwrap()],
        &diff,
    );
    let o = chromium(&["--dump-dom"], &diff);
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(dom.contains("id=\"differences\""), "no diff summary");
    assert_eq!(dom.matches("<section>").count(), 2);
    // The screenshot.
    let shot = tmp.path().join("trace.png");
    let o = chromium(
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1400,900",
        ],
        &page,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    if std::env::var_os("SSCARD_BLESS").is_some() {
        std::fs::copy(&shot, root().join("docs/trace-html.png")).unwrap();
    }
}
