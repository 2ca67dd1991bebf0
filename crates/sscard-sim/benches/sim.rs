//! APDUs per second in-process (READ RECORD, VERIFY PIN, SIGN HASH), and
//! the round trip of a READ RECORD through pcscd + vpcd with the `pcsc`
//! crate (skipped when pcscd is not running).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::ffi::CString;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sscard_profile::holder::Holder;
use sscard_profile::keys::MasterKeys;
use sscard_sim::{perso, vpcd, Simulator, UserCard};

fn card() -> Simulator<UserCard> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let profile =
        Arc::new(sscard_profile::load_file(root.join("card-profiles/ssc-3.0.toml")).unwrap());
    let holder = Holder::load_file(root.join("fixtures/holders/zhang-san.toml")).unwrap();
    let masters = MasterKeys::load_file(root.join("fixtures/keys/test-masters.toml")).unwrap();
    let image = perso::personalise(&profile, &holder, &masters).unwrap();
    let mut sim = Simulator::new(UserCard::new(profile), image);
    sim.power_on();
    sim
}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn in_process(c: &mut Criterion) {
    let mut sim = card();
    sim.transmit(&h("00A404000F7378312E73682EC9E7BBE1B1A3D5CF"))
        .unwrap();
    sim.transmit(&h("00A4020002EF05")).unwrap();
    let read = h("00B2070400");
    let verify = h("0020000003123456");
    let mut g = c.benchmark_group("in_process");
    g.throughput(Throughput::Elements(1));
    g.bench_function("read_record", |b| {
        b.iter(|| sim.transmit(black_box(&read)).unwrap())
    });
    g.bench_function("verify_pin", |b| {
        b.iter(|| sim.transmit(black_box(&verify)).unwrap())
    });
    // SIGN HASH: generate the key, verify the PKI user PIN once.
    sim.transmit(&h("00A404000C504B492EC9E7BBE1B1A3D5CF"))
        .unwrap();
    sim.transmit(&h("00A404000C53532E434552542E41444631"))
        .unwrap();
    sim.transmit(&h("002000820412345678")).unwrap();
    sim.transmit(&h("8040000008C0020012C2020013")).unwrap();
    sim.transmit(&h("0020008103123456")).unwrap();
    let sign = h(&format!("802A9E9A20{}00", "5A".repeat(32)));
    let r = sim.transmit(&sign).unwrap();
    assert_eq!(r.len(), 66);
    g.bench_function("sign_hash", |b| {
        b.iter(|| sim.transmit(black_box(&sign)).unwrap())
    });
    g.finish();
}

fn through_pcscd(c: &mut Criterion) {
    let Ok(ctx) = pcsc::Context::establish(pcsc::Scope::User) else {
        eprintln!("pcscd not running: round-trip bench skipped");
        return;
    };
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let bridge = std::thread::spawn(move || {
        let mut sim = card();
        vpcd::serve(&mut sim, "127.0.0.1", vpcd::PORT_SLOT_0, &s)
    });
    let reader = CString::new("Virtual PCD 00 00").unwrap();
    let mut conn = None;
    for _ in 0..200 {
        if let Ok(c) = ctx.connect(&reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY) {
            conn = Some(c);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let Some(card) = conn else {
        eprintln!("vpcd reader not available: round-trip bench skipped");
        stop.store(true, Ordering::Relaxed);
        return;
    };
    let mut buf = [0u8; pcsc::MAX_BUFFER_SIZE];
    card.transmit(&h("00A404000F7378312E73682EC9E7BBE1B1A3D5CF"), &mut buf)
        .unwrap();
    card.transmit(&h("00A4020002EF05"), &mut buf).unwrap();
    let read = h("00B207040B");
    let mut g = c.benchmark_group("pcscd_vpcd");
    g.throughput(Throughput::Elements(1));
    g.bench_function("read_record_round_trip", |b| {
        b.iter(|| {
            let r = card.transmit(black_box(&read), &mut buf).unwrap();
            assert_eq!(r.len(), 13);
        })
    });
    g.finish();
    drop(card);
    stop.store(true, Ordering::Relaxed);
    let _ = bridge.join();
}

criterion_group!(benches, in_process, through_pcscd);
criterion_main!(benches);
