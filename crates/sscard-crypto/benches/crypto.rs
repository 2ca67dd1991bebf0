//! SM2 sign and verify, SM3 and SM4-CBC over 1 MiB, diversification + MAC;
//! then the same operations through OpenSSL (`openssl speed`) in the same
//! run, so the two can be compared as ratios.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::process::Command;

use criterion::{criterion_group, Criterion, Throughput};
use sscard_crypto::{cipher, debit, digest, KeyPair, Scheme, SymKey};

const MIB: usize = 1 << 20;

fn ours(c: &mut Criterion) {
    let kp = KeyPair::generate().unwrap();
    let msg = [0x5Au8; 32];
    let sig = kp.sign(&msg).unwrap();
    let mut g = c.benchmark_group("sm2");
    g.bench_function("sign", |b| b.iter(|| kp.sign(black_box(&msg)).unwrap()));
    g.bench_function("verify", |b| {
        b.iter(|| {
            kp.public()
                .verify(black_box(&msg), black_box(&sig))
                .unwrap()
        })
    });
    g.finish();

    let data = vec![0xA5u8; MIB];
    let key = SymKey::new([7; 16]);
    let mut g = c.benchmark_group("bulk_1MiB");
    g.throughput(Throughput::Bytes(MIB as u64));
    g.sample_size(20);
    g.bench_function("sm3", |b| b.iter(|| digest::sm3(black_box(&data))));
    g.bench_function("sm4_cbc", |b| {
        b.iter(|| cipher::cbc_encrypt(&key, &[0; 16], black_box(&data)).unwrap())
    });
    g.finish();

    let master = SymKey::new([0x11; 16]);
    let card_id = [
        0x63, 0x99, 0, 0xD1, 0x56, 0, 0, 5, 0, 0xBF, 0x7C, 0x7A, 0x48, 0xFB, 0x49, 0x66,
    ];
    let mut g = c.benchmark_group("keys");
    g.bench_function("sm4_block", |b| {
        b.iter(|| cipher::encrypt_block(&key, black_box(&[1; 16])))
    });
    for (name, scheme) in [
        ("diversify_and_mac", Scheme::Sm4),
        ("diversify_and_mac_3des", Scheme::TripleDes),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let card = scheme.card_key(black_box(&master), &card_id);
                let session = debit::session_key(scheme, &card, &[1, 2, 3, 4], 1, &[0, 0, 0, 1]);
                scheme.mac(&session, &[], black_box(&[0x42; 22]))
            })
        });
    }
    g.finish();
}

/// Runs `openssl speed -mr …` and returns its `+F…` result line.
fn openssl_speed(args: &[&str]) -> Option<String> {
    let out = Command::new("openssl")
        .args(["speed", "-seconds", "2", "-mr"])
        .args(args)
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.starts_with("+F"))
        .map(str::to_owned)
}

fn openssl() {
    println!("\n== OpenSSL in the same run (openssl speed -mr) ==");
    match openssl_speed(&["sm2"]) {
        Some(l) => {
            // +F7:0:256:CurveSM2:<sign/s>:<verify/s>
            let f: Vec<&str> = l.split(':').collect();
            let per = |s: &str| s.parse::<f64>().map(|r| 1e6 / r).unwrap_or(f64::NAN);
            println!(
                "openssl sm2 sign:   {:>10.2} µs/op\nopenssl sm2 verify: {:>10.2} µs/op",
                per(f.get(4).copied().unwrap_or("")),
                per(f.get(5).copied().unwrap_or(""))
            );
        }
        None => println!("openssl sm2: not available"),
    }
    for (alg, bytes, what) in [
        ("sm3", "1048576", "sm3 over 1 MiB"),
        ("sm4-cbc", "1048576", "sm4-cbc over 1 MiB"),
        ("sm4-ecb", "16", "sm4 one block (EVP)"),
    ] {
        match openssl_speed(&["-bytes", bytes, "-evp", alg]) {
            Some(l) => {
                // +F:<n>:<alg>:<bytes per second>
                let bps: f64 = l
                    .rsplit(':')
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(f64::NAN);
                let n: f64 = bytes.parse().unwrap_or(f64::NAN);
                println!(
                    "openssl {what}: {:>10.3} µs/op ({:.1} MiB/s)",
                    n / bps * 1e6,
                    bps / MIB as f64
                );
            }
            None => println!("openssl {alg}: not available"),
        }
    }
}

criterion_group!(benches, ours);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    openssl();
}
