//! Parsing speed of a 300-byte record file and a SELECT FCI: the owned
//! parse (`sscard`), the zero-copy views (`sscard_views`: the records
//! collected as borrowed views, the FCI tree walked whole), and the
//! `iso7816-tlv` crate on the same bytes (its `simple` module for the
//! one-byte-tag records, its `ber` module for the FCI).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use sscard_apdu::record::{encode_records, parse_records, Record};
use sscard_apdu::tlv::Tlv;

/// DF01/EF06 (residence) records padded to 300 bytes.
fn record_file() -> Vec<u8> {
    let recs = [
        Record::new(0x23, vec![b'a'; 80]),
        Record::new(0x24, vec![0x11, 0x01, 0x02]),
        Record::new(0x28, vec![b'b'; 15]),
        Record::new(0x2C, vec![b'c'; 50]),
        Record::new(0x2D, vec![b'd'; 15]),
        Record::new(0x21, vec![b'e'; 80]),
        Record::new(0x20, vec![b'f'; 2]),
        Record::new(0x37, *b"CHN"),
        Record::new(0x38, *b"01"),
        Record::new(0x39, vec![0x20, 0x24, 0x01, 0x01]),
        Record::new(0x2E, vec![b'g'; 24]),
    ];
    let recs: Vec<Record> = recs.into_iter().filter_map(Result::ok).collect();
    let mut b = encode_records(&recs);
    b.truncate(300);
    b
}

/// The FCI of SELECT AID A000000333010101 with a PDOL, as qPBOC cards answer.
fn fci() -> Vec<u8> {
    let h = |s: &str| sscard_apdu::hexfmt::parse(s).unwrap();
    let p = |t: u32, v: &str| Tlv::primitive(t, h(v)).unwrap();
    let a5 = Tlv::constructed(
        0xA5,
        vec![
            Tlv::primitive(0x50, *b"PBOC DEBIT").unwrap(),
            p(0x87, "01"),
            p(
                0x9F38,
                "9F66049F02069F03069F1A0295055F2A029A039C019F3704DF6001DF6901",
            ),
            Tlv::primitive(0x5F2D, *b"zh").unwrap(),
            p(0x9F11, "01"),
            Tlv::constructed(0xBF0C, vec![p(0x9F4D, "0B0A")]).unwrap(),
        ],
    )
    .unwrap();
    Tlv::constructed(0x6F, vec![p(0x84, "A000000333010101"), a5])
        .unwrap()
        .to_bytes()
}

fn bench(c: &mut Criterion) {
    let file = record_file();
    assert_eq!(file.len(), 300);
    let fci = fci();
    assert!(Tlv::parse_all(&fci).is_ok_and(|t| t.len() == 1));

    let mut g = c.benchmark_group("record_file_300");
    g.bench_function("sscard", |b| b.iter(|| parse_records(black_box(&file))));
    g.bench_function("sscard_views", |b| {
        b.iter(|| {
            sscard_apdu::record::record_views(black_box(&file))
                .try_fold(0usize, |n, r| r.map(|v| n + v.value.len()))
        })
    });
    g.bench_function("sscard_views_collected", |b| {
        b.iter(|| {
            sscard_apdu::record::record_views(black_box(&file)).collect::<Result<Vec<_>, _>>()
        })
    });
    g.bench_function("iso7816_tlv_simple", |b| {
        b.iter(|| iso7816_tlv::simple::Tlv::parse_all(black_box(&file)))
    });
    g.finish();

    let mut g = c.benchmark_group("fci");
    g.bench_function("sscard", |b| b.iter(|| Tlv::parse_all(black_box(&fci))));
    g.bench_function("sscard_views", |b| {
        b.iter(|| sscard_apdu::tlv_view::validate(black_box(&fci)))
    });
    g.bench_function("iso7816_tlv_ber", |b| {
        b.iter(|| iso7816_tlv::ber::Tlv::parse_all(black_box(&fci)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
