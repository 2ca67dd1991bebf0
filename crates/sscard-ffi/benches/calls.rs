//! What one call through the C ABI costs on top of the operation: an
//! `iReadCardBas` against a simulated card and PSAM (`sim:` images), next
//! to its parts measured alone: reading the configuration, loading the
//! built-in card profiles, and loading a card image.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::undocumented_unsafe_blocks)]

use std::os::raw::c_char;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let masters =
        sscard_profile::keys::MasterKeys::load_file(root().join("fixtures/keys/test-masters.toml"))
            .unwrap();
    let card = tmp.path().join("card.json");
    std::fs::copy(root().join("fixtures/cards/zhang-san-3.0.json"), &card).unwrap();
    let psam_profile = sscard_profile::load_file(root().join("card-profiles/psam.toml")).unwrap();
    let psam = tmp.path().join("psam.json");
    sscard_sim::psam::psam_image(&psam_profile, &masters)
        .unwrap()
        .save(&psam)
        .unwrap();
    std::env::remove_var("SSSE32_CONFIG");
    std::env::set_var("SSSE32_READER", format!("sim:{}", card.display()));
    std::env::set_var("SSSE32_PSAM_READER", format!("sim:{}", psam.display()));

    let mut g = c.benchmark_group("ffi");
    g.bench_function("iReadCardBas", |b| {
        let mut out = [0 as c_char; 1024];
        b.iter(|| {
            let rc = unsafe { ssse32::iReadCardBas(1, out.as_mut_ptr()) };
            assert_eq!(rc, 0);
        })
    });
    g.bench_function("config_load", |b| {
        b.iter(|| ssse32::config::Config::load().unwrap())
    });
    let sources: Vec<(String, String)> = ["ssc-3.0.toml", "ssc-2.0.toml", "psam.toml"]
        .iter()
        .map(|f| {
            (
                (*f).to_owned(),
                std::fs::read_to_string(root().join("card-profiles").join(f)).unwrap(),
            )
        })
        .collect();
    g.bench_function("load_three_profiles", |b| {
        b.iter(|| {
            for (f, s) in &sources {
                sscard_profile::load_str(f, s).unwrap();
            }
        })
    });
    g.bench_function("load_card_image", |b| {
        b.iter(|| sscard_sim::image::CardImage::load(&card).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
