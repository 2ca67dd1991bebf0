//! `sscard serve` (issue 16): the interface over HTTP and WebSocket on a
//! simulated card; bad input answered with a JSON error that changes
//! nothing; the gate (Host, Origin, token, rate); 200 concurrent WebSocket
//! clients served in turn, the process's memory flat between two rounds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod service_support;

use futures_util::{SinkExt, StreamExt};
use service_support::{call, http, rss_kib, start, status, trace_names, Server};
use tokio_tungstenite::tungstenite::Message;

/// The load tests run one at a time (each measures its own server).
static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

const BAS: &str = r#"{"id":1,"function":"iReadCardBas","iType":1}"#;

#[test]
fn the_interface_and_the_typed_operations_answer_as_the_library_does() {
    let s = start("", None);
    let a = call(&s, BAS);
    assert_eq!(a.status, 200, "{}", a.body);
    let v = a.json();
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(v["id"], 1);
    let f: Vec<&str> = v["out"].as_str().unwrap().split('|').collect();
    assert_eq!(f.len(), 12, "11 fields, each followed by |");
    assert_eq!(f[1], "11010519491231002X");
    // The same card, typed.
    let t = call(&s, r#"{"op":"read_basic_info","iType":1}"#).json();
    assert_eq!(t["result"]["ssn"], f[1]);
    assert_eq!(t["result"]["card_id"], f[3]);
    // PIN then a debit, as a POS page runs them.
    assert_eq!(
        call(&s, r#"{"function":"iVerifyPIN","iType":1}"#).json()["code"],
        0
    );
    let debit = call(
        &s,
        &format!(
            r#"{{"function":"iDoDebit","iType":1,"pCardInfo":"{}|{}|","pPayInfo":"1.00|0.00|20261201101530|"}}"#,
            f[3], f[2]
        ),
    )
    .json();
    assert_eq!(debit["code"], 0, "{debit}");
    // A card error keeps the interface's code and its meaning.
    let wrong = call(
        &s,
        r#"{"function":"iDoDebit","iType":1,"pCardInfo":"00000000000000000000000000000000|X1|","pPayInfo":"1.00|0.00|20261201101530|"}"#,
    )
    .json();
    assert_eq!(wrong["code"], -22, "{wrong}");
    assert!(wrong["out"]
        .as_str()
        .unwrap()
        .starts_with("传入参数与卡内信息不一致"));
    // The functions are listed.
    let l = http(
        s.port,
        "GET",
        "/api/functions",
        &[("X-Sscard-Token", &s.token)],
        b"",
    )
    .json();
    assert_eq!(l["functions"].as_array().unwrap().len(), 24);
    // No personal data in the log.
    let log = s.log.lock().unwrap().clone();
    assert!(log.contains("iReadCardBas: code 0"), "{log}");
    assert!(
        !log.contains("11010519491231002X") && !log.contains("张三"),
        "{log}"
    );
}

#[test]
fn bad_input_gets_a_json_error_and_changes_nothing() {
    let s = start("allowed_origins = [\"https://his.example.org\"]", None);
    let card = s.dir.path().join("card.json");
    let before = std::fs::read(&card).unwrap();
    let huge = format!(
        r#"{{"function":"iReadCard","iType":1,"iAuthType":1,"pCardInfo":"x","pFileAddr":"{}"}}"#,
        "A".repeat(70_000)
    );
    let t = s.token.clone();
    // Extra headers, body, HTTP status, error name.
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, u16, &'a str);
    let cases: Vec<Case> = vec![
        (vec![], "{not json", 400, "bad_json"),
        (vec![], "[1,2]", 400, "bad_json"),
        (
            vec![],
            r#"{"function":"iReadCardBas","iType":"one"}"#,
            400,
            "wrong_type",
        ),
        (vec![], r#"{"function":"iReadCardBas"}"#, 400, "wrong_type"),
        (
            vec![],
            r#"{"function":"iReadCardBas","iType":1,"pin":"123456"}"#,
            400,
            "wrong_type",
        ),
        (
            vec![],
            r#"{"function":"iFormatCard","iType":1}"#,
            404,
            "unknown_function",
        ),
        (
            vec![],
            r#"{"op":"erase","iType":1}"#,
            404,
            "unknown_function",
        ),
        (vec![], &huge, 413, "too_large"),
        (vec![("X-Sscard-Token", "wrong")], BAS, 401, "bad_token"),
        (vec![("Host", "evil.example")], BAS, 421, "bad_host"),
        (
            vec![("Origin", "https://evil.example")],
            BAS,
            403,
            "origin_not_allowed",
        ),
        (vec![("Origin", "null")], BAS, 403, "origin_not_allowed"),
    ];
    for (extra, body, code, error) in &cases {
        let mut h: Vec<(&str, &str)> = vec![("Content-Type", "application/json")];
        if !extra.iter().any(|(k, _)| *k == "X-Sscard-Token") {
            h.push(("X-Sscard-Token", &t));
        }
        h.extend(extra.iter().copied());
        let a = http(s.port, "POST", "/api/call", &h, body.as_bytes());
        assert_eq!(a.status, *code, "{error}: {}", a.body);
        assert_eq!(a.json()["error"], *error, "{}", a.body);
        assert!(a.json()["code"].as_i64().unwrap() < 0);
        assert!(
            !a.headers.contains("access-control-allow-origin"),
            "no CORS for a refusal: {}",
            a.headers
        );
    }
    // Input the function takes but cannot use: the interface's own code.
    let a = call(
        &s,
        r#"{"function":"iReadCard","iType":1,"iAuthType":1,"pCardInfo":"bad","pFileAddr":"DF01EF05|07|$"}"#,
    );
    assert_eq!(a.json()["code"], -23, "{}", a.body);
    assert_eq!(
        std::fs::read(&card).unwrap(),
        before,
        "the card is unchanged"
    );
    assert_eq!(
        status(&s)["ran"],
        1,
        "only the last request reached the card"
    );
    // An allowed origin gets its CORS headers, a preflight too.
    let a = http(
        s.port,
        "POST",
        "/api/call",
        &[
            ("X-Sscard-Token", &t),
            ("Origin", "https://his.example.org"),
        ],
        BAS.as_bytes(),
    );
    assert!(a
        .headers
        .contains("access-control-allow-origin: https://his.example.org"));
    let p = http(
        s.port,
        "OPTIONS",
        "/api/call",
        &[
            ("Origin", "https://his.example.org"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    );
    assert_eq!(p.status, 204);
    assert!(p
        .headers
        .contains("access-control-allow-private-network: true"));

    // The same over the WebSocket.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let url = format!("ws://127.0.0.1:{}/ws?token={}", s.port, s.token);
        let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        for (msg, error) in [
            (Message::text("{oops"), "bad_json"),
            (
                Message::text(r#"{"id":9,"function":"iReadCardBas","iType":[]}"#),
                "wrong_type",
            ),
            (Message::binary(vec![1u8, 2, 3]), "bad_json"),
        ] {
            ws.send(msg).await.unwrap();
            let m = ws.next().await.unwrap().unwrap();
            let v: serde_json::Value = serde_json::from_str(m.to_text().unwrap()).unwrap();
            assert_eq!(v["error"], error, "{v}");
        }
        // A frame over 64 KiB: a JSON error, then the socket closes (1009).
        ws.send(Message::text("x".repeat(70_000))).await.unwrap();
        let mut saw_error = false;
        while let Some(Ok(m)) = ws.next().await {
            if let Message::Text(t) = &m {
                saw_error |= t.contains("too_large");
            }
        }
        assert!(saw_error, "no too_large answer");
        // A WebSocket without the token, or from a page not allowed, is refused.
        assert!(
            tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{}/ws", s.port))
                .await
                .is_err()
        );
    });
    assert_eq!(std::fs::read(&card).unwrap(), before);
    assert_eq!(status(&s)["ran"], 2);
}

#[test]
fn the_rate_limit_answers_429() {
    let s = start("requests_per_minute = 3", None);
    for _ in 0..3 {
        assert_eq!(call(&s, BAS).status, 200);
    }
    let a = call(&s, BAS);
    assert_eq!(a.status, 429);
    assert_eq!(a.json()["error"], "rate_limited");
}

/// One round: `clients` WebSocket clients, each sending `iReadCardBas` in
/// turn until `for_ms` is over. Every answer is a success or a clear
/// refusal; the counts of each.
async fn round(s: &Server, clients: usize, for_ms: u64) -> (usize, usize) {
    let url = format!("ws://127.0.0.1:{}/ws?token={}", s.port, s.token);
    let end = tokio::time::Instant::now() + std::time::Duration::from_millis(for_ms);
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
                let (mut ok, mut refused) = (0, 0);
                while tokio::time::Instant::now() < end {
                    ws.send(Message::text(BAS)).await.unwrap();
                    let m = ws.next().await.unwrap().unwrap();
                    let v: serde_json::Value = serde_json::from_str(m.to_text().unwrap()).unwrap();
                    match (&v["code"], v["error"].as_str()) {
                        (c, None) if c == 0 => ok += 1,
                        (_, Some("busy" | "timeout")) => {
                            refused += 1;
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        }
                        _ => panic!("unexpected answer {v}"),
                    }
                }
                let _ = ws.close(None).await;
                (ok, refused)
            })
        })
        .collect();
    let mut total = (0, 0);
    for t in tasks {
        let (a, b) = t.await.unwrap();
        total.0 += a;
        total.1 += b;
    }
    total
}

#[test]
fn two_hundred_websocket_clients_are_served_in_turn_with_memory_flat() {
    let _one_load_at_a_time = HEAVY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let s = start(
        "requests_per_minute = 1000000\nqueue = 64\ntimeout_seconds = 20.0",
        None,
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let pid = s.child.id();
    // Four rounds of the same load.
    let mut answered = 0;
    let mut rss = Vec::new();
    for n in 1..=4 {
        let (ok, refused) = rt.block_on(round(&s, 200, 2_000));
        // The sessions of the closed sockets end first.
        std::thread::sleep(std::time::Duration::from_secs(1));
        rss.push(rss_kib(pid));
        eprintln!(
            "round {n}: {ok} answered, {refused} refused; RSS {} KiB",
            rss[n - 1]
        );
        assert!(ok > 0, "round {n} answered nothing");
        answered += ok;
    }
    // Flat: a leak per request or per client (thousands of requests a
    // round) grows the process every round; the allocator's one-off steps
    // to a new high-water mark do not repeat. So: not every round more than
    // 2 MiB above the one before, and never 64 MiB above the first.
    let grows_each_round = rss.windows(2).all(|w| w[1] > w[0] + 2 * 1024);
    assert!(!grows_each_round, "memory grew every round: {rss:?} KiB");
    assert!(
        rss[3] < rss[0] + 64 * 1024,
        "memory grew by more than 64 MiB: {rss:?} KiB"
    );
    // Still serving, and it ran every request it answered.
    assert_eq!(call(&s, BAS).json()["code"], 0);
    let st = status(&s);
    assert_eq!(st["ran"].as_u64().unwrap() as usize, answered + 1, "{st}");
    // Serialised: every call's trace is the whole command sequence of one
    // iReadCardBas, never the APDUs of two requests mixed.
    let traces = trace_names(&s.dir.path().join("traces"));
    assert_eq!(traces.len(), answered + 1);
    assert!(traces.iter().all(|t| t == &traces[0]), "interleaved APDUs");
    assert!(!s.log.lock().unwrap().contains("panicked"));
}

/// Point 5: the systemd user unit in `docs/` runs a command this binary
/// takes, and `systemd-analyze verify` accepts it (when systemd is there).
#[test]
fn the_systemd_unit_runs_what_the_binary_takes() {
    let unit =
        std::fs::read_to_string(service_support::root().join("docs/sscard-serve.service")).unwrap();
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap();
    let args: Vec<&str> = exec.split_whitespace().skip(1).collect();
    assert_eq!(args, ["serve", "--config", "%h/.config/sscard/serve.toml"]);
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".config/sscard");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("serve.toml"),
        "reader = \"sim:card.json\"\n[service]\nport = 0\n",
    )
    .unwrap();
    let config = args[2].replace("%h", home.path().to_str().unwrap());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sscard"))
        .args(["serve", "--config", &config])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stderr.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.contains("listening on 127.0.0.1:"), "{line}");
    assert!(
        dir.join("token").is_file(),
        "the token was made beside the file"
    );
    if let Ok(o) = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
    {
        if o.status.success() {
            let u = home.path().join("sscard-serve.service");
            std::fs::write(
                &u,
                unit.replace("%h/.cargo/bin/sscard", env!("CARGO_BIN_EXE_sscard")),
            )
            .unwrap();
            let v = std::process::Command::new("systemd-analyze")
                // The system manager's view (a user manager needs a session).
                .arg("verify")
                .arg(&u)
                .output()
                .unwrap();
            assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
        }
    }
}

/// Each request has a timeout, waiting included: 600 requests at once
/// against a 0.5 s timeout cannot all be served (each takes milliseconds on
/// the one card thread); the late ones get `timeout`, and a request that
/// waited past its timeout is not run.
#[test]
fn requests_that_wait_too_long_time_out_and_are_not_run() {
    let _one_load_at_a_time = HEAVY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let s = start(
        "requests_per_minute = 1000000\nqueue = 1000\ntimeout_seconds = 0.5",
        None,
    );
    // One call first: the first of a process loads the profiles and the
    // journal, which on a loaded machine alone can take the whole timeout.
    assert_eq!(call(&s, BAS).json()["code"], 0);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = format!("ws://127.0.0.1:{}/ws?token={}", s.port, s.token);
    let answers: Vec<serde_json::Value> = rt.block_on(async {
        let mut sockets = Vec::new();
        for _ in 0..600 {
            sockets.push(tokio_tungstenite::connect_async(&url).await.unwrap().0);
        }
        for ws in &mut sockets {
            ws.send(Message::text(BAS)).await.unwrap();
        }
        let mut out = Vec::new();
        for ws in &mut sockets {
            let m = ws.next().await.unwrap().unwrap();
            out.push(serde_json::from_str(m.to_text().unwrap()).unwrap());
        }
        out
    });
    let ok = answers.iter().filter(|v| v["code"] == 0).count();
    let late = answers.iter().filter(|v| v["error"] == "timeout").count();
    assert_eq!(ok + late, 600, "only successes and timeouts");
    assert!(late > 0, "{ok} served, {late} timed out");
    assert!(answers
        .iter()
        .filter(|v| v["error"] == "timeout")
        .all(|v| v["code"] == -4));
    // Wait for the card thread to drain the queue, then count.
    std::thread::sleep(std::time::Duration::from_secs(4));
    let st = status(&s);
    // Run: the warm-up, the ones answered, and at most the one or two on
    // the card when their time ran out; never the ones that waited past it.
    let ran = st["ran"].as_u64().unwrap() as usize;
    assert!(
        ran <= ok + 3,
        "timed-out requests were run: {ran} ran, {ok} answered"
    );
}
