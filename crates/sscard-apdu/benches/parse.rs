//! Parsing speed of a 300-byte record file and a SELECT FCI, next to the
//! `iso7816-tlv` crate parsing the same bytes (its `simple` module for the
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
        Record::new(0x2E, vec![b'g'; 18]),
    ];
    let recs: Vec<Record> = recs.into_iter().filter_map(Result::ok).collect();
    let mut b = encode_records(&recs);
    b.truncate(300);
    b
}

/// The FCI of SELECT AID A000000333010101 with a PDOL, as qPBOC cards answer.
fn fci() -> Vec<u8> {
    sscard_apdu::hexfmt::parse(
        "6F 4D 84 08 A0 00 00 03 33 01 01 01 A5 41 50 0A 50 42 4F 43 20 44 45 42 49 54 87 01 01 \
         9F 38 21 9F 66 04 9F 02 06 9F 03 06 9F 1A 02 95 05 5F 2A 02 9A 03 9C 01 9F 37 04 DF 60 01 \
         DF 69 01 5F 2D 02 7A 68 9F 11 01 01 BF 0C 05 9F 4D 02 0B 0A",
    )
    .unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let file = record_file();
    assert_eq!(file.len(), 300);
    let fci = fci();
    assert!(Tlv::parse_all(&fci).is_ok_and(|t| t.len() == 1));

    let mut g = c.benchmark_group("record_file_300");
    g.bench_function("sscard", |b| b.iter(|| parse_records(black_box(&file))));
    g.bench_function("iso7816_tlv_simple", |b| {
        b.iter(|| iso7816_tlv::simple::Tlv::parse_all(black_box(&file)))
    });
    g.finish();

    let mut g = c.benchmark_group("fci");
    g.bench_function("sscard", |b| b.iter(|| Tlv::parse_all(black_box(&fci))));
    g.bench_function("iso7816_tlv_ber", |b| {
        b.iter(|| iso7816_tlv::ber::Tlv::parse_all(black_box(&fci)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
