//! Batch data preparation speed, in cards per second, for 10,000 CSV rows
//! with their outputs on disk:
//!
//! - `per_card_files`: the earlier way, each card's holder file and script
//!   written as two files of their own (temporary file and rename, no
//!   fsync), one row after the other;
//! - `batched`: `sscard::prep::run`, streamed, checked in parallel, one
//!   atomic fsync'd batch file per 1,000 cards.
//!
//! The ratio of the two, from the same run, is what the issue asks for.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sscard::ops::perso::prepare;
use sscard::prep::PrepOptions;
use sscard_profile::holder::{ssn_check_char, Holder};
use sscard_profile::holder_csv::{Encoding, HolderCsv};

const ROWS: u32 = 10_000;

fn row(i: u32) -> String {
    let body = format!(
        "110105{:04}{:02}{:02}{:03}",
        1950 + i % 50,
        1 + i % 12,
        1 + i % 28,
        i % 1000
    );
    let ssn = format!("{body}{}", ssn_check_char(&body).unwrap());
    format!(
        "{ssn},张三,1,01,110105,{},123456,,,N{:08},20261101,20361101,",
        &body[6..14],
        i
    )
}

fn csv_text() -> String {
    let mut s = String::from("ssn,name,sex,ethnicity,birthplace,birth_date,pin,pan,card_id,card_number,issue_date,expiry_date,init_org\n");
    for i in 0..ROWS {
        s.push_str(&row(i));
        s.push('\n');
    }
    s
}

/// The earlier `write_replacing`: temporary file and rename, no fsync.
fn write(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn bench(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let profile = sscard_profile::load_file(root.join("card-profiles/ssc-3.0.toml")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("holders.csv");
    std::fs::File::create(&csv)
        .unwrap()
        .write_all(csv_text().as_bytes())
        .unwrap();
    let open = || {
        HolderCsv::new(
            std::io::BufReader::new(std::fs::File::open(&csv).unwrap()),
            Encoding::Utf8,
            &[],
        )
    };
    let opts = PrepOptions {
        area: Some("110100".into()),
        init_org: Some("110100000001".into()),
        force: true,
        ..PrepOptions::default()
    };
    let mut g = c.benchmark_group("prep_10000_rows");
    g.sample_size(10);
    g.throughput(Throughput::Elements(u64::from(ROWS)));
    let mut run = 0;
    g.bench_function("per_card_files", |b| {
        b.iter(|| {
            run += 1;
            let out = tmp.path().join(format!("old{run}"));
            std::fs::create_dir_all(&out).unwrap();
            let mut csv = open().unwrap();
            let mut serial = 0u64;
            while let Some((_, r)) = csv.next_row() {
                let mut r = r.unwrap();
                r.card.id = format!("110100D156000005{serial:016X}");
                r.card.init_org = "110100000001".into();
                serial += 1;
                let h = Holder::check(r).unwrap();
                let p = prepare(&profile, &h).unwrap();
                let toml = toml::to_string(h.record()).unwrap();
                let base = out.join(&p.card_number);
                write(&base.with_extension("holder.toml"), toml.as_bytes()).unwrap();
                write(&base.with_extension("script"), p.script.as_bytes()).unwrap();
            }
        })
    });
    g.bench_function("batched", |b| {
        b.iter(|| {
            run += 1;
            let out = tmp.path().join(format!("new{run}"));
            let r = sscard::prep::run(&profile, &open, "holders.csv", &out, &opts, &mut |_| {})
                .unwrap();
            assert_eq!(r.prepared, ROWS as usize);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
