//! What every request passes before it is read: the Host header (against
//! DNS rebinding: a page of `evil.example` that resolves to 127.0.0.1
//! still sends `Host: evil.example`), the Origin against the allow-list,
//! the installation's token, and a rate limit per origin. CORS headers go
//! only to allowed origins.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue};
use subtle::ConstantTimeEq;

use crate::error::Refusal;

/// The checks, with the port the service listens on.
pub struct Gate {
    hosts: Vec<String>,
    origins: Vec<String>,
    token: zeroize::Zeroizing<String>,
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Gate {
    /// The gate of a service on `port` that lets `origins` call with `token`.
    pub fn new(
        port: u16,
        origins: &[String],
        token: zeroize::Zeroizing<String>,
        per_minute: u32,
    ) -> Self {
        let hosts: Vec<String> = ["127.0.0.1", "localhost", "[::1]"]
            .iter()
            .map(|h| format!("{h}:{port}"))
            .collect();
        // The service's own pages (the demo) run on its own origins.
        let own = hosts.iter().map(|h| format!("http://{h}"));
        Self {
            origins: origins.iter().cloned().chain(own).collect(),
            hosts,
            token,
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The Host header names this service.
    ///
    /// # Errors
    /// [`Refusal::BadHost`] otherwise (or without one).
    pub fn host(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_ascii_lowercase);
        match host {
            Some(h) if self.hosts.contains(&h) => Ok(()),
            _ => Err(Refusal::BadHost),
        }
    }

    /// The page's origin when it is allowed; `None` for a program that
    /// sends none (a local POS program, curl).
    ///
    /// # Errors
    /// [`Refusal::Origin`] for an origin not on the list (`null` included).
    pub fn origin(&self, headers: &HeaderMap) -> Result<Option<String>, Refusal> {
        match headers.get(axum::http::header::ORIGIN) {
            None => Ok(None),
            Some(v) => match v.to_str() {
                Ok(o) if self.origins.iter().any(|a| a.eq_ignore_ascii_case(o)) => {
                    Ok(Some(o.to_owned()))
                }
                _ => Err(Refusal::Origin),
            },
        }
    }

    /// The token, from `X-Sscard-Token`, `Authorization: Bearer`, or (for a
    /// WebSocket, whose browser API sends no headers) the `token` query
    /// parameter; compared in constant time.
    ///
    /// # Errors
    /// [`Refusal::Token`] when it is missing or wrong.
    pub fn token(&self, headers: &HeaderMap, query: Option<&str>) -> Result<(), Refusal> {
        let given = headers
            .get("x-sscard-token")
            .and_then(|v| v.to_str().ok())
            .or_else(|| {
                headers
                    .get(axum::http::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
            })
            .or(query)
            .unwrap_or("");
        if bool::from(given.as_bytes().ct_eq(self.token.as_bytes())) {
            Ok(())
        } else {
            Err(Refusal::Token)
        }
    }

    /// Takes one request from `origin`'s bucket (capacity: a minute's
    /// requests, refilled continuously).
    ///
    /// # Errors
    /// [`Refusal::RateLimited`] when the bucket is empty.
    pub fn take(&self, origin: Option<&str>) -> Result<(), Refusal> {
        let cap = f64::from(self.per_minute);
        let now = Instant::now();
        let mut b = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (tokens, at) = b
            .entry(origin.unwrap_or("").to_owned())
            .or_insert((cap, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * cap / 60.0).min(cap);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Refusal::RateLimited)
        }
    }

    /// CORS headers for an allowed origin (none for others, and none
    /// needed without an origin).
    pub fn cors(&self, origin: Option<&str>, headers: &mut HeaderMap) {
        let Some(o) = origin.and_then(|o| HeaderValue::from_str(o).ok()) else {
            return;
        };
        headers.insert("access-control-allow-origin", o);
        headers.insert("vary", HeaderValue::from_static("Origin"));
        headers.insert(
            "access-control-allow-headers",
            HeaderValue::from_static("content-type, x-sscard-token, authorization"),
        );
        headers.insert(
            "access-control-allow-methods",
            HeaderValue::from_static("POST, OPTIONS"),
        );
        // Chrome's Private Network Access: a public page may reach localhost
        // only when the service says so, and it says so only to allowed origins.
        headers.insert(
            "access-control-allow-private-network",
            HeaderValue::from_static("true"),
        );
        headers.insert("access-control-max-age", HeaderValue::from_static("600"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            if let Ok(v) = HeaderValue::from_str(v) {
                m.insert(*k, v);
            }
        }
        m
    }

    #[test]
    fn host_origin_token_and_rate() {
        let g = Gate::new(
            8080,
            &["https://his.example.org".into()],
            zeroize::Zeroizing::new("t".repeat(64)),
            2,
        );
        assert!(g.host(&h(&[("host", "127.0.0.1:8080")])).is_ok());
        assert!(g.host(&h(&[("host", "LOCALHOST:8080")])).is_ok());
        assert_eq!(
            g.host(&h(&[("host", "evil.example:8080")])),
            Err(Refusal::BadHost)
        );
        assert_eq!(g.host(&h(&[])), Err(Refusal::BadHost));
        assert_eq!(
            g.origin(&h(&[("origin", "https://his.example.org")])),
            Ok(Some("https://his.example.org".into()))
        );
        assert!(g.origin(&h(&[("origin", "http://127.0.0.1:8080")])).is_ok());
        assert_eq!(
            g.origin(&h(&[("origin", "https://evil.example")])),
            Err(Refusal::Origin)
        );
        assert_eq!(g.origin(&h(&[("origin", "null")])), Err(Refusal::Origin));
        assert_eq!(g.origin(&h(&[])), Ok(None));
        let t = "t".repeat(64);
        assert!(g.token(&h(&[("x-sscard-token", &t)]), None).is_ok());
        assert!(g.token(&h(&[]), Some(&t)).is_ok());
        assert_eq!(g.token(&h(&[]), Some("t")), Err(Refusal::Token));
        assert_eq!(g.token(&h(&[]), None), Err(Refusal::Token));
        assert!(g.take(Some("a")).is_ok());
        assert!(g.take(Some("a")).is_ok());
        assert_eq!(g.take(Some("a")), Err(Refusal::RateLimited));
        assert!(g.take(Some("b")).is_ok(), "buckets are per origin");
    }
}
