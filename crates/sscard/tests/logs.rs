//! Everything the library logs (APDU traces at `trace` level included)
//! while reading a card holds none of the holder's SSN, name or birth date.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Mutex;

use sscard::ops::files::FileAddr;
use sscard::ops::{Profiles, Terminal};
use sscard::pin::{CallbackPad, Pin};
use sscard::security::software::SoftwareModule;
use sscard::transport::sim::SimTransport;
use sscard_profile::holder::Holder;
use sscard_profile::keys::MasterKeys;
use sscard_profile::Generation;
use sscard_sim::{Simulator, UserCard};

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        if let Ok(mut l) = LINES.lock() {
            l.push(format!("{} {}", record.level(), record.args()));
        }
    }
    fn flush(&self) {}
}

static LOGGER: Capture = Capture;

#[test]
fn logs_hold_no_personal_data() {
    log::set_logger(&LOGGER).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let masters = MasterKeys::load_file(root.join("fixtures/keys/test-masters.toml")).unwrap();
    let profiles = Profiles::load_dir(&root.join("card-profiles")).unwrap();
    let p = profiles.for_generation(Generation::V3).unwrap();
    let h = Holder::load_file(root.join("fixtures/holders/zhang-san.toml")).unwrap();
    let img = sscard_sim::perso::personalise(&p, &h, &masters).unwrap();
    let sm = SoftwareModule::new(masters, [0; 6], 0x017F);
    let mut t = Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p), img), "sim"),
        sm,
        CallbackPad(|_| Pin::new("123456")),
        profiles,
    );
    let info = t.read_basic_info().unwrap();
    t.verify_pin().unwrap();
    let _ = t
        .read_file_addr(&FileAddr::parse("SSSEEF06|08|09|0D|$").unwrap(), 2)
        .unwrap();
    log::info!("{info:?}");
    let lines = LINES.lock().unwrap().clone();
    assert!(lines.len() > 30, "only {} log lines", lines.len());
    assert!(lines.iter().any(|l| l.contains(">>> READ RECORD")));
    let r = h.record();
    let forbidden = [
        r.ssn.clone(),
        hex::encode_upper(r.ssn.as_bytes()),
        r.name.clone(),
        hex::encode_upper(sscard_apdu::field::gbk_encode(&r.name).unwrap()),
        r.birth_date.clone(),
        r.pin.clone().unwrap(),
    ];
    for line in &lines {
        let spaced = line.replace(' ', "");
        for f in &forbidden {
            assert!(
                !spaced.to_uppercase().contains(&f.to_uppercase()),
                "log line holds {f}: {line}"
            );
        }
    }
}
