//! `iReadCardBas` through the service (one WebSocket client, one request
//! at a time, and one HTTP request per call) next to the same call of the
//! C ABI, in one run, on a simulated card with the software module.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(unsafe_code)]

use std::io::{Read, Write};
use std::os::raw::c_char;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const BAS: &str = r#"{"function":"iReadCardBas","iType":1}"#;

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("fixtures/cards/zhang-san-3.0.json"),
        tmp.path().join("card.json"),
    )
    .unwrap();
    let config = tmp.path().join("serve.toml");
    std::fs::write(
        &config,
        format!(
            "reader = \"sim:card.json\"\nkeys = \"{}\"\n\n[service]\nport = 0\nrequests_per_minute = 100000000\n",
            root().join("fixtures/keys/test-masters.toml").display()
        ),
    )
    .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let running = rt.block_on(sscard_service::start(&config)).unwrap();
    let port = running.port();
    let token = std::fs::read_to_string(tmp.path().join("token"))
        .unwrap()
        .trim()
        .to_owned();
    let (mut ws, _) = rt
        .block_on(tokio_tungstenite::connect_async(format!(
            "ws://127.0.0.1:{port}/ws?token={token}"
        )))
        .unwrap();

    let mut g = c.benchmark_group("iReadCardBas");
    g.bench_function("c_abi", |b| {
        let mut out = [0 as c_char; 1024];
        b.iter(|| {
            // SAFETY: a 1024-byte output buffer, as iReadCardBas documents.
            let rc = unsafe { ssse32::iReadCardBas(1, out.as_mut_ptr()) };
            assert_eq!(rc, 0);
        })
    });
    g.bench_function("service_websocket", |b| {
        b.iter(|| {
            rt.block_on(async {
                ws.send(Message::text(BAS)).await.unwrap();
                let m = ws.next().await.unwrap().unwrap();
                assert!(m.to_text().unwrap().starts_with("{\"code\":0"));
            })
        })
    });
    g.bench_function("service_http", |b| {
        b.iter(|| {
            let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            write!(
                s,
                "POST /api/call HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Sscard-Token: {token}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{BAS}",
                BAS.len()
            )
            .unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            assert!(out.contains("\"code\":0"), "{out}");
        })
    });
    g.finish();
    rt.block_on(running.stop());
}

criterion_group!(benches, bench);
criterion_main!(benches);
