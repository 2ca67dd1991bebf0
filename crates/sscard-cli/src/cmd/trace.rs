//! `trace show|diff|pcapng`: recorded sessions, decoded or exported.

use serde_json::json;
use sscard::transport::trace::Trace;
use sscard_apdu::tlv::Tlv;
use sscard_apdu::{Command, Response};

use super::emit;
use crate::args::{Cli, TraceCommand};
use crate::error::{CliError, CliResult};

fn load(path: &std::path::Path) -> CliResult<Trace> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::io(path, &e))?;
    Trace::from_json(&text).map_err(|e| match e {
        sscard::Error::Trace(why) => CliError::usage(format!("trace {}: {why}", path.display())),
        other => CliError::input(other),
    })
}

/// Runs a trace command.
pub fn run(cli: &Cli, c: &TraceCommand) -> CliResult<()> {
    match c {
        TraceCommand::Html { file, diff, out } => {
            let t = load(file)?;
            let other = diff.as_deref().map(load).transpose()?;
            let html = super::trace_html::page(&t, other.as_ref());
            sscard_profile::atomic::write_atomically(out, html.as_bytes())
                .map_err(CliError::input)?;
            emit(
                cli,
                json!({"out": out.display().to_string(), "apdus": t.exchanges.len()}),
                &format!(
                    "{}: {} APDUs, open it in a browser",
                    out.display(),
                    t.exchanges.len()
                ),
            );
            Ok(())
        }
        TraceCommand::ImportSpy { log, out, reveal } => {
            let text = std::fs::read_to_string(log).map_err(|e| CliError::io(log, &e))?;
            let t = sscard::transport::pcsc_spy::import(&text, "pcsc-spy", *reveal)
                .map_err(|e| CliError::usage(format!("{}: {e}", log.display())))?;
            let json = t.to_json().map_err(CliError::input)?;
            sscard_profile::atomic::write_atomically(out, json.as_bytes())
                .map_err(CliError::input)?;
            emit(
                cli,
                json!({"out": out.display().to_string(), "apdus": t.exchanges.len()}),
                &format!(
                    "{}: {} APDUs from {}",
                    out.display(),
                    t.exchanges.len(),
                    log.display()
                ),
            );
            Ok(())
        }
        TraceCommand::Pcapng { file, out } => {
            let t = load(file)?;
            let start = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_micros() as u64);
            let bytes = sscard::transport::pcapng::to_pcapng(&t, start).map_err(CliError::input)?;
            sscard_profile::atomic::write_atomically(out, &bytes).map_err(CliError::input)?;
            emit(
                cli,
                json!({"out": out.display().to_string(), "packets": t.exchanges.len()}),
                &format!(
                    "{}: {} packets (GSMTAP SIM, UDP {}), open with wireshark or tshark",
                    out.display(),
                    t.exchanges.len(),
                    sscard::transport::pcapng::GSMTAP_PORT
                ),
            );
            Ok(())
        }
        TraceCommand::Show { file } => {
            let t = load(file)?;
            let mut text = format!(
                "{}: {} APDUs, {} bytes sent, {} received\n",
                t.operation, t.stats.apdus, t.stats.sent, t.stats.received
            );
            let mut rows = Vec::new();
            for e in &t.exchanges {
                let cmd = e.command.parse::<Command>().ok();
                let rsp = e.response.parse::<Response>().ok();
                let sw = rsp.as_ref().map(|r| r.sw().to_string()).unwrap_or_default();
                text.push_str(&format!(
                    ">>> {:<22} {}\n<<< {}\n",
                    e.name,
                    cmd.map(|c| c.to_string())
                        .unwrap_or_else(|| e.command.clone()),
                    sw
                ));
                if let Some(r) = rsp.as_ref().filter(|r| !r.data().is_empty()) {
                    match Tlv::parse_all(r.data()) {
                        Ok(tlvs) if tlvs.iter().any(|t| !t.children().is_empty()) => {
                            for t in &tlvs {
                                for line in t.to_string().lines() {
                                    text.push_str(&format!("      {line}\n"));
                                }
                            }
                        }
                        _ => text.push_str(&format!(
                            "      {}\n",
                            sscard_apdu::hexfmt::to_spaced_hex(r.data())
                        )),
                    }
                }
                rows.push(json!({"name": e.name, "command": e.command, "response": e.response, "status": sw}));
            }
            emit(
                cli,
                json!({"operation": t.operation, "stats": t.stats, "exchanges": rows}),
                text.trim_end(),
            );
            Ok(())
        }
        TraceCommand::Diff { a, b } => {
            let (ta, tb) = (load(a)?, load(b)?);
            let mut diffs = Vec::new();
            for i in 0..ta.exchanges.len().max(tb.exchanges.len()) {
                let (x, y) = (ta.exchanges.get(i), tb.exchanges.get(i));
                let same = match (x, y) {
                    (Some(x), Some(y)) => {
                        x.name == y.name && x.command == y.command && x.response == y.response
                    }
                    _ => false,
                };
                if !same {
                    diffs.push(json!({
                        "index": i,
                        "a": x.map(|e| format!("{} {} -> {}", e.name, e.command, e.response)),
                        "b": y.map(|e| format!("{} {} -> {}", e.name, e.command, e.response)),
                    }));
                }
            }
            let text = if diffs.is_empty() {
                "traces are identical".to_owned()
            } else {
                diffs
                    .iter()
                    .map(|d| {
                        format!(
                            "#{}\n  - {}\n  + {}",
                            d["index"],
                            d["a"].as_str().unwrap_or("(none)"),
                            d["b"].as_str().unwrap_or("(none)")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            emit(
                cli,
                json!({"identical": diffs.is_empty(), "differences": diffs}),
                &text,
            );
            if diffs.is_empty() {
                Ok(())
            } else {
                Err(CliError::shown(
                    1,
                    format!("{} exchanges differ", diffs.len()),
                ))
            }
        }
    }
}
