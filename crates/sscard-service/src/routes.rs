//! The HTTP and WebSocket routes:
//!
//! | route | what |
//! |---|---|
//! | `POST /api/call` | one JSON request, its JSON answer |
//! | `GET /ws?token=…` | a WebSocket: each text frame a request, each answer a text frame |
//! | `GET /api/functions` | the functions, their inputs, the typed operations |
//! | `GET /api/status` | requests run, refused and waiting |
//! | `GET /demo/` | the demo page (static, shipped in the binary) |
//!
//! Every route passes the [`Gate`] first; `/api/*` and `/ws` need the token.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::error::Refusal;
use crate::gate::Gate;
use crate::request::{refuse, Request as CardRequest, OPS};
use crate::worker::Card;

/// The largest request body or WebSocket message (bytes).
pub const MAX_REQUEST: usize = 64 * 1024;

/// What the handlers share.
pub struct Shared {
    /// The checks.
    pub gate: Gate,
    /// The card queue.
    pub card: Card,
}

type S = State<Arc<Shared>>;

fn answer(status: u16, v: &Value) -> Response {
    let mut r = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        v.to_string(),
    )
        .into_response();
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

fn refused(r: Refusal, message: &str) -> Response {
    answer(r.status(), &r.json(message))
}

/// The router over `shared`.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/call", post(call).options(preflight))
        .route("/api/functions", get(functions))
        .route("/api/status", get(status))
        .route("/ws", get(ws))
        .route("/demo", get(demo_redirect))
        .route("/demo/", get(demo_page))
        .route("/demo/demo.js", get(demo_script))
        .route("/demo/demo.css", get(demo_style))
        .fallback(|| async { refused(Refusal::UnknownFunction, "no such route") })
        .layer(axum::middleware::from_fn_with_state(shared.clone(), gate))
        .with_state(shared)
}

/// The gate in front of every route: Host, Origin, the token for
/// `/api/*` and `/ws` (not for a CORS preflight, which carries none),
/// the rate limit; CORS headers on the way out.
async fn gate(State(s): S, req: Request, next: Next) -> Response {
    let headers = req.headers();
    if let Err(r) = s.gate.host(headers) {
        log::warn!("refused: {} (Host)", r.name());
        return refused(
            r,
            "this service answers only to 127.0.0.1, localhost and [::1]",
        );
    }
    let origin = match s.gate.origin(headers) {
        Ok(o) => o,
        Err(r) => {
            log::warn!("refused: {} (Origin)", r.name());
            return refused(r, "this page's origin is not on the service's allow-list");
        }
    };
    let path = req.uri().path().to_owned();
    let guarded = path.starts_with("/api/") || path == "/ws";
    if guarded && req.method() != Method::OPTIONS {
        let query = req
            .uri()
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("token=")));
        if let Err(r) = s.gate.token(headers, query) {
            log::warn!("refused: {} ({path})", r.name());
            return refused(
                r,
                "a valid token is needed (X-Sscard-Token, or ?token= for /ws)",
            );
        }
        if let Err(r) = s.gate.take(origin.as_deref()) {
            return refused(r, "too many requests; slow down");
        }
    }
    let mut resp = next.run(req).await;
    s.gate.cors(origin.as_deref(), resp.headers_mut());
    resp
}

async fn preflight() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// One request, read whole (at most [`MAX_REQUEST`] bytes), parsed, run.
async fn handle(s: &Shared, body: &[u8]) -> Value {
    match CardRequest::parse(body) {
        Ok(req) => s.card.run(req).await,
        Err(v) => v,
    }
}

fn status_of(v: &Value) -> u16 {
    match v["error"].as_str() {
        Some(name) => [
            Refusal::Busy,
            Refusal::Timeout,
            Refusal::BadJson,
            Refusal::WrongType,
            Refusal::UnknownFunction,
        ]
        .iter()
        .find(|r| r.name() == name)
        .map_or(400, |r| r.status()),
        None => 200,
    }
}

async fn call(State(s): S, body: Body) -> Response {
    let Ok(bytes) = to_bytes(body, MAX_REQUEST).await else {
        return refused(Refusal::TooLarge, "a request is at most 64 KiB");
    };
    let v = handle(&s, &bytes).await;
    answer(status_of(&v), &v)
}

async fn functions() -> Response {
    let list: Vec<Value> = ssse32::named::FUNCTIONS
        .iter()
        .map(|f| json!({"function": f, "inputs": ssse32::named::inputs(f).unwrap_or(&[])}))
        .collect();
    answer(200, &json!({"functions": list, "ops": OPS}))
}

async fn status(State(s): S) -> Response {
    answer(200, &s.card.status())
}

async fn ws(State(s): S, up: WebSocketUpgrade) -> Response {
    up.max_message_size(MAX_REQUEST)
        .max_frame_size(MAX_REQUEST)
        .on_upgrade(move |socket| session(s, socket))
}

/// A WebSocket session: requests in turn, each answered; a frame that is
/// too large, or binary, is answered with a JSON error (a too-large one
/// then closes the socket, code 1009, as the protocol requires).
async fn session(s: Arc<Shared>, mut socket: WebSocket) {
    while let Some(msg) = socket.recv().await {
        let v = match msg {
            Ok(Message::Text(t)) => handle(&s, t.as_bytes()).await,
            Ok(Message::Binary(_)) => {
                refuse(None, Refusal::BadJson, "send requests as text frames")
            }
            Ok(Message::Close(_)) => break,
            Ok(_) => continue,
            Err(e) => {
                let text = e.to_string().to_ascii_lowercase();
                if text.contains("too long") || text.contains("space limit") {
                    let v = refuse(None, Refusal::TooLarge, "a message is at most 64 KiB");
                    let _ = socket.send(Message::Text(v.to_string().into())).await;
                    let _ = socket
                        .send(Message::Close(Some(axum::extract::ws::CloseFrame {
                            code: 1009,
                            reason: "message too big".into(),
                        })))
                        .await;
                }
                break;
            }
        };
        if socket
            .send(Message::Text(v.to_string().into()))
            .await
            .is_err()
        {
            break;
        }
    }
}

const DEMO_HTML: &str = include_str!("demo/index.html");
const DEMO_JS: &str = include_str!("demo/demo.js");
const DEMO_CSS: &str = include_str!("demo/demo.css");

fn asset(body: &'static str, kind: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert("content-type", HeaderValue::from_static(kind));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    r
}

async fn demo_redirect() -> Response {
    (
        StatusCode::PERMANENT_REDIRECT,
        [("location", HeaderValue::from_static("/demo/"))],
    )
        .into_response()
}

async fn demo_page() -> Response {
    asset(DEMO_HTML, "text/html; charset=utf-8")
}

async fn demo_script() -> Response {
    asset(DEMO_JS, "text/javascript; charset=utf-8")
}

async fn demo_style() -> Response {
    asset(DEMO_CSS, "text/css; charset=utf-8")
}
