//! Read basic information, a medical debit and a qPBOC purchase against the
//! in-process simulator; then a report of APDUs, bytes and the modeled
//! contactless time (106 kbit/s) per operation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use criterion::{criterion_group, Criterion};
use sscard::ops::debit::PayInfo;
use sscard::ops::payment::{load_ca_keys, PurchaseRequest};
use sscard::ops::{Profiles, Terminal};
use sscard::pin::{CallbackPad, Pin, PinPrompt};
use sscard::security::software::SoftwareModule;
use sscard::transport::sim::SimTransport;
use sscard_profile::holder::Holder;
use sscard_profile::keys::MasterKeys;
use sscard_profile::Generation;
use sscard_sim::{Simulator, UserCard};

type Pad = CallbackPad<fn(PinPrompt) -> sscard::Result<Pin>>;
type T = Terminal<SimTransport<UserCard>, SoftwareModule, Pad>;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn typed(_: PinPrompt) -> sscard::Result<Pin> {
    Pin::new("123456")
}

fn terminal() -> T {
    let masters = MasterKeys::load_file(root().join("fixtures/keys/test-masters.toml")).unwrap();
    let profiles = Profiles::load_dir(&root().join("card-profiles")).unwrap();
    let p = profiles.for_generation(Generation::V3).unwrap();
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let mut img = sscard_sim::perso::personalise(&p, &h, &masters).unwrap();
    let issuer = sscard_sim::perso::PaymentIssuer::from_dir(&root().join("fixtures/ca")).unwrap();
    sscard_sim::perso::personalise_payment(&mut img, &p, &h, &issuer).unwrap();
    img.purses.get_mut("SSSE/DF04/EF06").unwrap().balance = u32::MAX;
    img.ecash.as_mut().unwrap().balance = 100_000;
    let sm = SoftwareModule::new(masters, [0x41, 0x01, 0x00, 0x81, 0x34, 0x75], 0x017F);
    Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p), img), "sim"),
        sm,
        CallbackPad(typed as fn(PinPrompt) -> sscard::Result<Pin>),
        profiles,
    )
}

fn request() -> PurchaseRequest {
    PurchaseRequest::cny(
        1,
        [0x26, 0x11, 0x23],
        sscard_crypto::pboc::YearMonth {
            year: 2026,
            month: 11,
        },
    )
}

fn bench(c: &mut Criterion) {
    log::set_max_level(log::LevelFilter::Off);
    let pay = PayInfo::parse("0.01|0.00|20261123101530|").unwrap();
    let ca = load_ca_keys(&root().join("fixtures/ca/pboc-ca-keys.toml")).unwrap();
    let mut t = terminal();
    let mut g = c.benchmark_group("ops");
    g.bench_function("read_basic_info", |b| {
        b.iter(|| t.read_basic_info().unwrap())
    });
    g.bench_function("medical_debit", |b| {
        b.iter(|| t.medical_debit(&pay).unwrap())
    });
    g.bench_function("qpboc_purchase", |b| {
        b.iter(|| {
            let mut x = terminal();
            x.purchase(&request(), &ca).unwrap()
        })
    });
    g.bench_function("terminal_setup_only", |b| b.iter(terminal));
    // The journal: one purchase written pending (fsync'd, synchronous=FULL)
    // and completed, next to the debit it guards; and the journaled debit.
    let dir = tempfile::tempdir().unwrap();
    let journal = sscard::journal::Journal::open(&dir.path().join("bench.sqlite")).unwrap();
    let purchase = sscard::journal::NewPurchase {
        card_id: [0x63; 16],
        offline_counter: 1,
        amount_fen: 1,
        account_pooled_fen: 0,
        terminal_no: "410100813475".into(),
        terminal_txn_no: [0, 0, 0, 1],
        date_time: "20261123101530".into(),
    };
    g.bench_function("journal_write_pending_and_complete", |b| {
        b.iter(|| {
            let id = journal
                .begin(&purchase, std::time::SystemTime::now())
                .unwrap();
            journal.complete(id, Some([1, 2, 3, 4]), None).unwrap();
        })
    });
    let mut tj = terminal();
    tj.set_journal(sscard::journal::Journal::open(&dir.path().join("debits.sqlite")).unwrap());
    g.bench_function("medical_debit_journaled", |b| {
        b.iter(|| tj.medical_debit(&pay).unwrap())
    });
    g.finish();
}

fn report() {
    let ca = load_ca_keys(&root().join("fixtures/ca/pboc-ca-keys.toml")).unwrap();
    println!("\n== APDUs and bytes per operation (3.0 card, in-process simulator) ==");
    println!(
        "{:<18} {:>6} {:>8} {:>10} {:>16}",
        "operation", "APDUs", "sent", "received", "106 kbit/s (ms)"
    );
    let mut t = terminal();
    let line = |name: &str, t: &mut T| {
        let s = t.take_stats();
        println!(
            "{name:<18} {:>6} {:>8} {:>10} {:>16.2}",
            s.apdus,
            s.sent,
            s.received,
            s.contactless_ms()
        );
    };
    t.read_basic_info().unwrap();
    line("read_basic_info", &mut t);
    t.medical_debit(&PayInfo::parse("0.01|0.00|20261123101530|").unwrap())
        .unwrap();
    line("medical_debit", &mut t);
    t.purchase(&request(), &ca).unwrap();
    line("qpboc_purchase", &mut t);
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    report();
}
