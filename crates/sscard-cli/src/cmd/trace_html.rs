//! `trace html`: one self-contained HTML file (no network, no external
//! script or font; a Content-Security-Policy of `default-src 'none'` makes
//! the browser refuse any request): a timeline of the APDUs with the
//! modeled contactless time at 106 kbit/s, each command named, status words
//! explained, TLV trees that fold open, the bytes of a selected field
//! highlighted, and optionally a side-by-side diff with a second trace. The
//! trace's masks stay as they are: nothing is unmasked here.

use sscard::transport::trace::Trace;
use sscard_apdu::tlv_view;
use sscard_apdu::StatusWord;

/// HTML-escapes `s`.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Milliseconds of `bytes` on the air at 106 kbit/s (10 bits a byte).
fn air_ms(bytes: usize) -> f64 {
    bytes as f64 * 10.0 / 106.0
}

/// The bytes as spans `data-i` = offset, for highlighting.
fn byte_spans(bytes: &[u8], side: &str, row: usize) -> String {
    bytes
        .iter()
        .enumerate()
        .map(|(i, b)| format!("<span class=\"b\" id=\"{side}{row}-{i}\">{b:02X}</span>"))
        .collect()
}

/// A TLV tree of `data` as nested `<details>`; each node names the byte
/// range it covers, for the highlight.
fn tlv_tree(data: &[u8], base: usize, side: &str, row: usize, depth: usize) -> String {
    let mut out = String::new();
    for item in tlv_view::iter(data) {
        let Ok(v) = item else {
            break;
        };
        let start = base + v.offset();
        let end = base + v.value_offset() + v.value().len();
        let label = format!(
            "<summary class=\"t\" data-side=\"{side}\" data-row=\"{row}\" data-from=\"{start}\" data-to=\"{end}\">{:X} ({} bytes)</summary>",
            v.tag().number(),
            v.value().len()
        );
        if v.is_constructed() && depth < 16 {
            out.push_str(&format!(
                "<details open>{label}{}</details>",
                tlv_tree(v.value(), base + v.value_offset(), side, row, depth + 1)
            ));
        } else {
            out.push_str(&format!(
                "<details>{label}<code>{}</code></details>",
                hex::encode_upper(v.value())
            ));
        }
    }
    out
}

/// The rows of one trace.
fn rows(t: &Trace, side: &str) -> String {
    let mut out = String::new();
    let mut at = 0.0;
    for (i, e) in t.exchanges.iter().enumerate() {
        let c = hex::decode(&e.command).unwrap_or_default();
        let r = hex::decode(&e.response).unwrap_or_default();
        let (data, sw) = r.split_at(r.len().saturating_sub(2));
        let status = match sw {
            [a, b] => esc(&StatusWord::from_u16(u16::from_be_bytes([*a, *b])).to_string()),
            _ => "no status".into(),
        };
        let ms = air_ms(c.len() + r.len());
        out.push_str(&format!(
            "<tr class=\"apdu\" data-name=\"{name}\"><td>{n}</td><td>{at:.2}</td><td>{ms:.2}</td><td class=\"name\">{name}</td><td><code>{cmd}</code></td><td><code>{resp}</code><div>{tree}</div></td><td>{status}</td></tr>\n",
            n = i + 1,
            name = esc(&e.name),
            cmd = byte_spans(&c, &format!("{side}c"), i),
            resp = byte_spans(data, &format!("{side}r"), i),
            tree = tlv_tree(data, 0, &format!("{side}r"), i, 0),
        ));
        at += ms;
    }
    out
}

fn table(t: &Trace, side: &str) -> String {
    format!(
        "<section><h2>{} — {} APDUs, {} bytes sent, {} received, {:.1} ms at 106 kbit/s</h2>\
         <table><tr><th>#</th><th>at (ms)</th><th>air (ms)</th><th>command</th><th>C-APDU</th><th>R-APDU data</th><th>status</th></tr>\n{}</table></section>",
        esc(&t.operation),
        t.exchanges.len(),
        t.stats.sent,
        t.stats.received,
        air_ms(t.stats.sent + t.stats.received),
        rows(t, side)
    )
}

const STYLE: &str = "body{font:14px sans-serif;margin:1em}table{border-collapse:collapse;width:100%}\
td,th{border:1px solid #ccc;padding:3px;vertical-align:top}code{font-family:monospace;word-break:break-all}\
.b.hl{background:#fd0}.t{cursor:pointer;font-family:monospace}.diff td{background:#fee}\
.sides{display:flex;gap:1em}.sides section{flex:1;overflow:auto}";

const SCRIPT: &str = "document.addEventListener('click',function(e){var s=e.target.closest('summary.t');if(!s)return;\
document.querySelectorAll('.b.hl').forEach(function(b){b.classList.remove('hl')});\
for(var i=+s.dataset.from;i<+s.dataset.to;i++){var b=document.getElementById(s.dataset.side+s.dataset.row+'-'+i);if(b)b.classList.add('hl')}});";

/// The page for `t`, side by side with `other` when given (rows whose
/// command or response differ are marked).
pub fn page(t: &Trace, other: Option<&Trace>) -> String {
    let body = match other {
        None => table(t, "a"),
        Some(o) => {
            let differ: Vec<usize> = (0..t.exchanges.len().max(o.exchanges.len()))
                .filter(|&i| {
                    t.exchanges.get(i).map(|e| (&e.command, &e.response))
                        != o.exchanges.get(i).map(|e| (&e.command, &e.response))
                })
                .map(|i| i + 1)
                .collect();
            format!(
                "<p id=\"differences\">{} exchanges differ: {:?}</p><div class=\"sides\">{}{}</div>",
                differ.len(),
                differ,
                table(t, "a"),
                table(o, "b")
            )
        }
    };
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\
         <title>sscard trace: {}</title><style>{STYLE}</style></head><body>\
         <h1>sscard trace: {}</h1><p>ATR <code>{}</code>. Personal data and secrets are masked as recorded.</p>{body}\
         <script>{SCRIPT}</script></body></html>\n",
        esc(&t.operation),
        esc(&t.operation),
        esc(&t.atr)
    )
}
