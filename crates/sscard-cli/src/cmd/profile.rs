//! `profile lint|show`.

use serde_json::json;
use sscard_profile::{AccessRule, ElementFormat};

use super::emit;
use crate::args::{Cli, ProfileCommand};
use crate::error::{CliError, CliResult};

fn rule(r: &AccessRule) -> String {
    match r {
        AccessRule::Free => "free".into(),
        AccessRule::Never => "never".into(),
        AccessRule::Pin(p) => format!("pin:{p}"),
        AccessRule::Key(k) => format!("key:{k}"),
        AccessRule::PinAndKey(p, k) => format!("pin:{p}+key:{k}"),
        AccessRule::PinOrKey(p, k) => format!("pin:{p}|key:{k}"),
    }
}

/// Runs a profile command.
pub fn run(cli: &Cli, c: &ProfileCommand) -> CliResult<()> {
    match c {
        ProfileCommand::Lint { files } => {
            let mut results = Vec::new();
            let mut failed = None;
            for f in files {
                match sscard_profile::load_file(f) {
                    Ok(p) => results.push(
                        json!({"file": f, "ok": true, "efs": p.efs.len(), "keys": p.keys.len()}),
                    ),
                    Err(e) => {
                        results.push(json!({"file": f, "ok": false, "error": e.to_string(), "line": e.line()}));
                        failed.get_or_insert(e.to_string());
                    }
                }
            }
            let text = results
                .iter()
                .map(|r| match r["ok"].as_bool() {
                    Some(true) => format!(
                        "{}: ok ({} EFs, {} keys)",
                        r["file"].as_str().unwrap_or(""),
                        r["efs"],
                        r["keys"]
                    ),
                    _ => r["error"].as_str().unwrap_or("").to_owned(),
                })
                .collect::<Vec<_>>()
                .join("\n");
            emit(cli, json!({"profiles": results}), &text);
            match failed {
                Some(_) => Err(CliError::shown(1, "a profile has errors".into())),
                None => Ok(()),
            }
        }
        ProfileCommand::Show { file } => {
            let p = super::load_profile(cli, file)?;
            let mut text = format!(
                "{} (generation {}, spec {})\n",
                p.card.name,
                p.card.generation(),
                p.card.spec_version.as_deref().unwrap_or("-")
            );
            let mut efs = Vec::new();
            for ef in &p.efs {
                text.push_str(&format!(
                    "  {:<10} {:<18} {} read {} update {}\n",
                    ef.address_name(),
                    ef.path,
                    ef.kind,
                    rule(&ef.read),
                    rule(&ef.update)
                ));
                let mut elements = Vec::new();
                for e in &ef.elements {
                    let fmt = match e.format {
                        ElementFormat::Field(f) => f.name().to_owned(),
                        ElementFormat::Btlv => "btlv".into(),
                    };
                    text.push_str(&format!(
                        "      {:02X} rec {:<2} {:<20} {:>3} {:<4}{}\n",
                        e.tag,
                        e.record,
                        e.name,
                        e.length,
                        fmt,
                        if e.personal { " personal" } else { "" }
                    ));
                    elements.push(json!({"tag": format!("{:02X}", e.tag), "record": e.record, "name": e.name, "length": e.length, "format": fmt, "personal": e.personal}));
                }
                efs.push(json!({"name": ef.address_name(), "path": ef.path, "read": rule(&ef.read), "update": rule(&ef.update), "elements": elements}));
            }
            emit(
                cli,
                json!({"name": p.card.name, "spec_version": p.card.spec_version, "efs": efs, "keys": p.keys.iter().map(|k| json!({"name": k.name, "id": k.id.map(|i| format!("{i:02X}")), "address": format!("{:04X}", k.address)})).collect::<Vec<_>>()}),
                text.trim_end(),
            );
            Ok(())
        }
    }
}
