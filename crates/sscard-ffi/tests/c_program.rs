//! The acceptance test of the C ABI: `tests/c/ssse32_test.c`, compiled with
//! `cc` against `include/ssse32.h` and linked with `libssse32.so`, calls
//! every exported function against the simulated card (`Virtual PCD 00 00`)
//! and PSAM (`Virtual PCD 00 01`) through pcscd + vpcd, and checks every
//! output field; then the same program runs under valgrind. The readers
//! and the PIN source come from `ssse32.toml` next to the library.
//!
//! This test serves the cards, swaps the card when the program asks, and
//! answers the program's key-server requests with a stand-in:
//! `sscard::security::key_server::KeyServer` over the test master keys,
//! fed only with what the `_HSM_` step lines say. Skips without pcscd, cc or valgrind, except
//! with `CI=true`, where it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sscard::security::key_server::KeyServer;
use sscard_sim::image::CardImage;
use sscard_sim::{vpcd, Psam, Simulator, UserCard};
use sscard_system_tests::ci_strict;
use sscard_test_support::{masters, root};

const CARD_READER: &str = "Virtual PCD 00 00";
const PSAM_READER: &str = "Virtual PCD 00 01";

/// A tool on the PATH, or a skip (a failure in CI).
fn have(tool: &str) -> bool {
    let ok = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok && ci_strict() {
        panic!("CI=true but {tool} is not installed");
    }
    ok
}

fn user_image(holder: &str, payment: bool) -> (Arc<sscard_profile::Profile>, CardImage) {
    let p = Arc::new(sscard_profile::load_file(root().join("card-profiles/ssc-3.0.toml")).unwrap());
    let h = sscard_profile::holder::Holder::load_file(root().join("fixtures/holders").join(holder))
        .unwrap();
    let mut img = sscard_sim::perso::personalise(&p, &h, &masters()).unwrap();
    if payment {
        let issuer =
            sscard_sim::perso::PaymentIssuer::from_dir(&root().join("fixtures/ca")).unwrap();
        sscard_sim::perso::personalise_payment(&mut img, &p, &h, &issuer).unwrap();
    }
    img.purses.get_mut("SSSE/DF04/EF06").unwrap().balance = 10_000;
    (p, img)
}

/// PSAM images for the error paths: without UK1DF01, without RKSSSE, and
/// one whose SM4 keys are not where the configured PSAM model says.
fn psam_variants(dir: &Path) -> Vec<(String, String)> {
    let pp = sscard_profile::load_file(root().join("card-profiles/psam.toml")).unwrap();
    let base = sscard_sim::psam::psam_image(&pp, &masters()).unwrap();
    let mut out = Vec::new();
    for (var, address) in [
        ("SSCARD_TEST_PSAM_NO_UK1DF01", "0052"),
        ("SSCARD_TEST_PSAM_NO_RKSSSE", "004C"),
    ] {
        let mut img = base.clone();
        assert!(img.psam.as_mut().unwrap().masters.remove(address).is_some());
        let path = dir.join(format!("{var}.json"));
        img.save(&path).unwrap();
        out.push((var.to_owned(), format!("sim:{}", path.display())));
    }
    let profiles = dir.join("profiles-no-sm4");
    std::fs::create_dir_all(&profiles).unwrap();
    for f in ["ssc-3.0.toml", "ssc-2.0.toml"] {
        std::fs::copy(root().join("card-profiles").join(f), profiles.join(f)).unwrap();
    }
    let psam = std::fs::read_to_string(root().join("card-profiles/psam.toml")).unwrap();
    let moved = psam
        .replace("key_df = \"DF03\"", "key_df = \"DF02\"")
        .replace("fid = \"DF03\"", "fid = \"DF02\"");
    assert_ne!(moved, psam);
    // The library is configured with the standard PSAM model (SM4 keys in
    // DF03); the PSAM in the reader keeps them in DF02 (its image carries
    // that model): the library finds no SM4 key environment where its
    // configuration says, -2202.
    std::fs::write(profiles.join("psam.toml"), &psam).unwrap();
    let moved = sscard_profile::load_str("psam.toml", &moved).unwrap();
    let path = dir.join("SSCARD_TEST_PSAM_NO_SM4.json");
    sscard_sim::psam::psam_image(&moved, &masters())
        .unwrap()
        .save(&path)
        .unwrap();
    out.push((
        "SSCARD_TEST_PSAM_NO_SM4".into(),
        format!("sim:{}", path.display()),
    ));
    out.push((
        "SSCARD_TEST_PSAM_NO_SM4_PROFILES".into(),
        profiles.display().to_string(),
    ));
    out
}

/// Waits until pcscd sees a card in `reader` (or none).
fn wait_card(reader: &str, present: bool) {
    sscard::transport::pcsc::wait_card(reader, present, Duration::from_secs(15)).unwrap();
}

/// The card slot: two cards, the one in the reader chosen by `which`;
/// a swap drops the link, holds it down until pcscd saw the reader empty,
/// then connects the other card.
struct Slot {
    which: AtomicUsize,
    drop_link: AtomicBool,
    hold: AtomicBool,
    stop: AtomicBool,
}

fn serve_cards(slot: Arc<Slot>, mut cards: Vec<Simulator<UserCard>>) {
    while !slot.stop.load(Ordering::Relaxed) {
        if slot.hold.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        match std::net::TcpStream::connect(("127.0.0.1", vpcd::PORT_SLOT_0)) {
            Ok(stream) => {
                let i = slot.which.load(Ordering::Relaxed);
                let _ = vpcd::serve_connection(&mut cards[i], stream, &slot.drop_link);
                vpcd::VirtualCard::power_off(&mut cards[i]);
                slot.drop_link.store(false, Ordering::Relaxed);
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn swap_to(slot: &Slot, reader: &str, card: usize) {
    slot.hold.store(true, Ordering::Relaxed);
    slot.which.store(card, Ordering::Relaxed);
    slot.drop_link.store(true, Ordering::Relaxed);
    wait_card(reader, false);
    slot.hold.store(false, Ordering::Relaxed);
    wait_card(reader, true);
}

/// Runs the program (under `wrapper`, e.g. valgrind) against fresh cards;
/// returns the number of checks it made.
fn run(program: &Path, wrapper: &[&str], psam_env: &[(String, String)]) -> usize {
    // pcscd must have seen the virtual cards of earlier tests go.
    wait_card(CARD_READER, false);
    wait_card(PSAM_READER, false);
    let (p, img_a) = user_image("zhang-san.toml", true);
    let (_, img_b) = user_image("li-na.toml", false);
    let cards = vec![
        Simulator::new(UserCard::new(p.clone()), img_a),
        Simulator::new(UserCard::new(p), img_b),
    ];
    let slot = Arc::new(Slot {
        which: AtomicUsize::new(0),
        drop_link: AtomicBool::new(false),
        hold: AtomicBool::new(false),
        stop: AtomicBool::new(false),
    });
    let s = slot.clone();
    let card_thread = std::thread::spawn(move || serve_cards(s, cards));
    let pp = Arc::new(sscard_profile::load_file(root().join("card-profiles/psam.toml")).unwrap());
    let psam_img = sscard_sim::psam::psam_image(&pp, &masters()).unwrap();
    let psam_stop = Arc::new(AtomicBool::new(false));
    let ps = psam_stop.clone();
    let psam_thread = std::thread::spawn(move || {
        vpcd::serve(
            &mut Simulator::new(Psam::new(pp), psam_img),
            "127.0.0.1",
            vpcd::PORT_SLOT_1,
            &ps,
        )
    });
    let reader = CARD_READER;
    wait_card(reader, true);
    wait_card(PSAM_READER, true);

    let (cmd, args) = match wrapper.split_first() {
        Some((w, rest)) => (
            w.to_string(),
            rest.iter()
                .map(|s| s.to_string())
                .chain([program.display().to_string()])
                .collect::<Vec<_>>(),
        ),
        None => (program.display().to_string(), Vec::new()),
    };
    let mut child = Command::new(cmd)
        .args(args)
        .env_remove("SSSE32_READER")
        .env_remove("SSSE32_PSAM_READER")
        .env_remove("SSSE32_PIN_SOURCE")
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("SSSE32_CONFIG")
        .env_remove("SSSE32_PROFILES")
        .env_remove("SSSE32_KEYS")
        .envs(psam_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let pid = child.id();
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    // A hung program must not hang the suite.
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(600);
        while !d.load(Ordering::Relaxed) {
            if Instant::now() > deadline {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let mut stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let profile = sscard_profile::load_file(root().join("card-profiles/ssc-3.0.toml")).unwrap();
    let mut hsm = KeyServer::new(masters(), &profile).unwrap();
    let mut summary = None;
    for line in stdout.split(b'\n') {
        let line = String::from_utf8_lossy(&line.unwrap()).into_owned();
        let answer = if let Some(req) = line.strip_prefix("HSM ") {
            hsm.answer(req)
                .unwrap_or_else(|e| panic!("key server: {req}: {e}"))
        } else if line == "SWAP" {
            swap_to(&slot, reader, 1);
            "OK".into()
        } else if line == "UNSWAP" {
            swap_to(&slot, reader, 0);
            "OK".into()
        } else if let Some(s) = line.strip_prefix("DONE ") {
            summary = Some(s.to_owned());
            continue;
        } else {
            panic!("unexpected line from the C program: {line}");
        };
        writeln!(stdin, "{answer}").unwrap();
        stdin.flush().unwrap();
    }
    let status = child.wait().unwrap();
    done.store(true, Ordering::Relaxed);
    slot.stop.store(true, Ordering::Relaxed);
    slot.drop_link.store(true, Ordering::Relaxed);
    psam_stop.store(true, Ordering::Relaxed);
    card_thread.join().unwrap();
    psam_thread.join().unwrap().unwrap();
    assert!(
        status.success(),
        "the C program failed ({status}): see its FAIL lines above"
    );
    let summary = summary.expect("the C program printed no summary");
    let (checks, failures) = summary.split_once(' ').unwrap();
    assert_eq!(failures, "0");
    checks.parse().unwrap()
}

#[test]
fn c_program_through_pcscd_and_under_valgrind() {
    match sscard::transport::pcsc::list_readers() {
        Ok(r) if r.iter().any(|n| n.starts_with("Virtual PCD")) => {}
        Ok(r) if ci_strict() => panic!("CI=true but no vpcd reader: {r:?}"),
        Err(e) if ci_strict() => panic!("CI=true but pcscd is not reachable: {e}"),
        other => return eprintln!("skipped: no pcscd with vpcd ({other:?})"),
    }
    if !have("cc") {
        return eprintln!("skipped: no C compiler");
    }
    // cargo test builds libssse32.so into the deps folder, next to this test.
    let exe = std::env::current_exe().unwrap();
    let lib_dir = exe.parent().unwrap().to_path_buf();
    assert!(
        lib_dir.join("libssse32.so").is_file(),
        "no libssse32.so in {}",
        lib_dir.display()
    );
    let tmp = tempfile::tempdir().unwrap();
    // The library the program loads is this build's, copied beside it; cargo's
    // LD_LIBRARY_PATH (which may name an older target/debug/libssse32.so) is not passed on.
    std::fs::copy(
        lib_dir.join("libssse32.so"),
        tmp.path().join("libssse32.so"),
    )
    .unwrap();
    let lib_dir = tmp.path().to_path_buf();
    // Configured as a POS installation would be: a file next to the library.
    std::fs::write(
        lib_dir.join("ssse32.toml"),
        format!(
            "reader = \"{CARD_READER}\"\npsam_reader = \"{PSAM_READER}\"\npin_source = \"test\"\njournal = \"journal.sqlite\"\n"
        ),
    )
    .unwrap();
    let program = tmp.path().join("ssse32_test");
    let out = Command::new("cc")
        .args([
            "-std=c11",
            "-D_POSIX_C_SOURCE=200809L",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-g",
            "-o",
        ])
        .arg(&program)
        .arg(root().join("tests/c/ssse32_test.c"))
        .arg("-I")
        .arg(root().join("crates/sscard-ffi/include"))
        .arg("-L")
        .arg(&lib_dir)
        .arg("-lssse32")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cc failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let psam_env = psam_variants(tmp.path());
    let checks = run(&program, &[], &psam_env);
    assert!(checks >= 140, "only {checks} checks");
    if have("valgrind") {
        let again = run(
            &program,
            &[
                "valgrind",
                "--quiet",
                "--error-exitcode=1",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
            ],
            &psam_env,
        );
        assert_eq!(again, checks);
    } else {
        eprintln!("valgrind skipped: not installed");
    }
}
