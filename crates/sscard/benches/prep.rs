//! Batch data preparation speed: one CSV row checked, planned and turned
//! into its holder file and script (`sscard prep`'s work per card), and the
//! same with the two files written. Reported as cards per second.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sscard::ops::perso::prepare;
use sscard_profile::holder::{from_csv_row, ssn_check_char, CSV_COLUMNS};

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
        "{ssn},张三,1,01,110105,{},123456,,110100D156000005{:016X},N{:08},20261101,20361101,110100000001",
        &body[6..14],
        i,
        i
    )
}

fn bench(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let profile = sscard_profile::load_file(root.join("card-profiles/ssc-3.0.toml")).unwrap();
    let header: Vec<&str> = CSV_COLUMNS.to_vec();
    let rows: Vec<String> = (0..1000).map(row).collect();
    let dir = tempfile::tempdir().unwrap();
    let mut g = c.benchmark_group("prep");
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("row_to_outputs", |b| {
        b.iter(|| {
            i = (i + 1) % rows.len();
            let h = from_csv_row(&header, black_box(&rows[i])).unwrap();
            prepare(&profile, &h).unwrap()
        })
    });
    g.bench_function("row_to_files", |b| {
        b.iter(|| {
            i = (i + 1) % rows.len();
            let h = from_csv_row(&header, black_box(&rows[i])).unwrap();
            let p = prepare(&profile, &h).unwrap();
            let base = dir.path().join(&p.card_number);
            let write = sscard_profile::atomic::write_replacing;
            write(
                &base.with_extension("holder.toml"),
                p.holder_toml.as_bytes(),
            )
            .unwrap();
            write(&base.with_extension("script"), p.script.as_bytes()).unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
