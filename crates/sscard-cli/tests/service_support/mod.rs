//! Shared by the `sscard serve` tests: a service on a simulated card (or a
//! given reader) in a temporary folder, found by the line it prints, and
//! small HTTP and WebSocket clients.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A running `sscard serve`.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub token: String,
    pub dir: tempfile::TempDir,
    pub log: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serves a copy of the fixture 3.0 card through the software module,
/// PINs typed by the test source, with `service` as the `[service]`
/// table's extra lines and `reader` (default the simulated card).
pub fn start(service: &str, reader: Option<&str>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("fixtures/cards/zhang-san-3.0.json"),
        dir.path().join("card.json"),
    )
    .unwrap();
    let keys = root().join("fixtures/keys/test-masters.toml");
    std::fs::write(
        dir.path().join("serve.toml"),
        format!(
            "reader = \"{}\"\nkeys = \"{}\"\npin_source = \"test\"\ntest_pins = \"123456\"\njournal = \"journal.sqlite\"\ntrace_dir = \"traces\"\n\n[service]\nport = 0\n{service}\n",
            reader.unwrap_or("sim:card.json"),
            keys.display()
        ),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("traces")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sscard"))
        .current_dir(dir.path())
        .args(["-v", "serve", "--config", "serve.toml"])
        // Two malloc arenas: the resident size then follows what is live,
        // not how many threads once allocated (the memory test reads it).
        .env("MALLOC_ARENA_MAX", "2")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let l = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on 127.0.0.1:").nth(1) {
                let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let _ = tx.send(port.parse::<u16>().unwrap_or(0));
            }
            let mut g = l.lock().unwrap();
            g.push_str(&line);
            g.push('\n');
        }
    });
    let port = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("sscard serve did not start: {}", log.lock().unwrap()));
    let token = std::fs::read_to_string(dir.path().join("token"))
        .unwrap()
        .trim()
        .to_owned();
    Server {
        child,
        port,
        token,
        dir,
        log,
    }
}

/// An HTTP answer: status and body.
pub struct Answer {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
}

/// One HTTP/1.1 request to the server, `extra` header lines included.
pub fn http(port: u16, method: &str, path: &str, extra: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !extra.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: 127.0.0.1:{port}\r\n"));
    }
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(body);
    // Read the head, then the body by its Content-Length (a server that
    // keeps the connection open, as Chromium's DevTools does, is not waited for).
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    let mut need: Option<usize> = None;
    loop {
        if let Some(n) = need {
            if out.len() >= n {
                break;
            }
        }
        let k = s.read(&mut buf).unwrap_or(0);
        if k == 0 {
            break;
        }
        out.extend_from_slice(&buf[..k]);
        if need.is_none() {
            if let Some(end) = out.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&out[..end]).to_ascii_lowercase();
                need = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .map(|n| end + 4 + n);
            }
        }
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = headers
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        headers: headers.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

/// A request to `/api/call` with the token.
pub fn call(server: &Server, body: &str) -> Answer {
    http(
        server.port,
        "POST",
        "/api/call",
        &[
            ("X-Sscard-Token", &server.token),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )
}

/// The service's counts.
pub fn status(server: &Server) -> serde_json::Value {
    http(
        server.port,
        "GET",
        "/api/status",
        &[("X-Sscard-Token", &server.token)],
        b"",
    )
    .json()
}

/// The resident memory of `pid`, KiB.
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// The command names of every trace in `dir`, one list per trace.
pub fn trace_names(dir: &Path) -> Vec<Vec<String>> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| {
            let t: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap();
            t["exchanges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["name"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .collect()
}
