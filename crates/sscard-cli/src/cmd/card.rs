//! Commands on a card: readers, info, read, apdu, script, pin, balance,
//! debit, pay, log.

use serde_json::{json, Value};
use sscard::ops::debit::PayInfo;
use sscard::ops::files::FileAddr;
use sscard::ops::payment::{load_ca_keys, PurchaseRequest};
use sscard_apdu::field::{Amount, Format};
use sscard_apdu::{Apdu, Command, Response, Sensitivity};
use sscard_profile::holder::mask;
use sscard_profile::ElementFormat;

use super::emit;
use crate::args::{
    ApduArgs, CardArgs, Cli, DebitArgs, GenuineArgs, PayArgs, PinArgs, ReadArgs, ScriptArgs,
};
use crate::context::{open, Term};
use crate::error::{CliError, CliResult};

fn fen(v: u32) -> String {
    Amount::from_fen(v).to_string()
}

/// `readers`.
pub fn readers(cli: &Cli) -> CliResult<()> {
    let names = sscard::transport::pcsc::list_readers().map_err(CliError::card)?;
    let mut rows = Vec::new();
    for n in &names {
        let atr = sscard::transport::pcsc::PcscTransport::connect(n)
            .ok()
            .map(|t| hex::encode_upper(sscard::transport::Transport::atr(&t)));
        rows.push(json!({"reader": n, "card": atr.is_some(), "atr": atr}));
    }
    let text = rows
        .iter()
        .map(|r| {
            format!(
                "{}  {}",
                r["reader"].as_str().unwrap_or(""),
                r["atr"].as_str().unwrap_or("(no card)")
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    emit(cli, json!({"readers": rows}), &text);
    Ok(())
}

/// `info`.
pub fn info(cli: &Cli, a: &CardArgs) -> CliResult<()> {
    let mut t = open(a, cli)?;
    let facts = t.identify().map_err(CliError::card)?;
    let number = t
        .read_element("card_number")
        .ok()
        .and_then(|v| Format::An.decode(&v).ok())
        .unwrap_or_default();
    let mut apps = Vec::new();
    for df in facts
        .profile
        .dfs
        .iter()
        .filter(|d| d.name.is_some() && !d.path.contains('/'))
    {
        let name = df.name.clone().unwrap_or_default();
        let select = sscard_apdu::commands::select_name(&name).map_err(CliError::input)?;
        let present = t.send_raw(&select).is_ok_and(|r| r.is_success());
        apps.push(json!({"application": df.path, "present": present}));
    }
    let atr = hex::encode_upper(sscard::transport::Transport::atr(t.session().transport()));
    let v = json!({
        "atr": atr,
        "generation": facts.generation.to_string(),
        "spec_version": facts.spec_version,
        "algorithm": facts.algorithm.to_string(),
        "card_id": hex::encode_upper(facts.card_id),
        "card_number": number,
        "applications": apps,
    });
    let text = format!(
        "ATR              {}\ngeneration       {} ({})\nalgorithm        {}\ncard id          {}\ncard number      {}\napplications     {}",
        atr,
        facts.generation,
        facts.spec_version,
        facts.algorithm,
        hex::encode_upper(facts.card_id),
        number,
        apps.iter()
            .map(|a| format!("{}{}", a["application"].as_str().unwrap_or(""), if a["present"].as_bool() == Some(true) { "" } else { " (absent)" }))
            .collect::<Vec<_>>()
            .join(", ")
    );
    emit(cli, v, &text);
    Ok(())
}

/// One element's value as text, masked when personal and not revealed.
fn element_text(t: &mut Term, name: &str, reveal: bool) -> CliResult<Value> {
    let facts = t.facts_or_identify().map_err(CliError::card)?;
    let (_, el) = facts
        .profile
        .element(name)
        .ok_or_else(|| CliError::usage(format!("no element {name} in {}", facts.profile.file)))?;
    let el = el.clone();
    let raw = t.read_element(name).map_err(CliError::card)?;
    let text = match el.format {
        ElementFormat::Field(f) => f.decode(&raw).map_err(CliError::input)?,
        ElementFormat::Btlv => hex::encode_upper(&raw),
    };
    let masked = el.personal && !reveal;
    Ok(
        json!({"name": name, "value": if masked { mask(&text) } else { text }, "personal": el.personal, "masked": masked}),
    )
}

/// `read`.
pub fn read(cli: &Cli, a: &ReadArgs) -> CliResult<()> {
    let mut t = open(&a.card, cli)?;
    let mut values = Vec::new();
    for w in &a.what {
        if w.contains('|') {
            let addr = FileAddr::parse(w).map_err(CliError::card)?;
            let facts = t.facts_or_identify().map_err(CliError::card)?;
            let personal = addr.files.iter().any(|f| {
                facts.profile.ef_by_address(&f.name).is_some_and(|ef| {
                    ef.personal
                        || f.items
                            .iter()
                            .any(|i| ef.element(i.tag).is_some_and(|e| e.personal))
                        || (f.items.is_empty() && ef.elements.iter().any(|e| e.personal))
                })
            });
            let out = t.read_file_addr(&addr, 1).map_err(CliError::card)?;
            let masked = personal && !a.reveal;
            let shown = if masked { mask_file_addr(&out) } else { out };
            values.push(json!({"name": w, "value": shown, "personal": personal, "masked": masked}));
        } else {
            values.push(element_text(&mut t, w, a.reveal)?);
        }
    }
    let text = values
        .iter()
        .map(|v| {
            format!(
                "{:<20} {}",
                v["name"].as_str().unwrap_or(""),
                v["value"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    emit(cli, json!({"values": values}), &text);
    Ok(())
}

/// Masks every value of a pFileAddr answer, keeping file names and separators.
fn mask_file_addr(out: &str) -> String {
    out.split('$')
        .map(|file| {
            let mut parts = file.split('|');
            let name = parts.next().unwrap_or("");
            let rest: Vec<String> = parts
                .map(|v| v.split('^').map(mask).collect::<Vec<_>>().join("^"))
                .collect();
            if rest.is_empty() {
                name.to_owned()
            } else {
                format!("{name}|{}", rest.join("|"))
            }
        })
        .collect::<Vec<_>>()
        .join("$")
}

/// A command typed in hex as an error message may show it: a command
/// whose data is a PIN or key (by its instruction byte) shows its header
/// only, even when it does not parse.
fn shown_input(hex_text: &str) -> String {
    let bytes = sscard_apdu::hexfmt::parse(hex_text).unwrap_or_default();
    match bytes.as_slice() {
        [cla, ins, rest @ ..]
            if !rest.is_empty()
                && Sensitivity::of_command(&Command::new(*cla, *ins, 0, 0))
                    == Sensitivity::SecretCommand =>
        {
            let header = &bytes[..bytes.len().min(4)];
            format!("{} …", sscard_apdu::hexfmt::to_spaced_hex(header))
        }
        _ => hex_text.to_owned(),
    }
}

/// Sends a command typed in hex; returns it as shown (a PIN or key
/// replaced by its length) with the answer.
fn send_hex(t: &mut Term, hex_text: &str) -> CliResult<(String, Response)> {
    let cmd: Command = hex_text.parse().map_err(|e: sscard_apdu::Error| {
        CliError::usage(format!("{}: {e}", shown_input(hex_text)))
    })?;
    let apdu = Apdu::raw(cmd);
    let r = t.send_raw(&apdu).map_err(CliError::card)?;
    Ok((apdu.redacted(), r))
}

/// `apdu`.
pub fn apdu(cli: &Cli, a: &ApduArgs) -> CliResult<()> {
    let mut t = open(&a.card, cli)?;
    let mut rows = Vec::new();
    for h in &a.apdus {
        let (shown, r) = send_hex(&mut t, h)?;
        rows.push(json!({"command": shown, "data": hex::encode_upper(r.data()), "sw": format!("{:04X}", r.sw().to_u16()), "meaning": r.sw().description()}));
    }
    let text = rows
        .iter()
        .map(|r| {
            format!(
                "> {}\n< {} {} ({})",
                r["command"].as_str().unwrap_or(""),
                r["data"].as_str().unwrap_or(""),
                r["sw"].as_str().unwrap_or(""),
                r["meaning"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    emit(cli, json!({"responses": rows}), &text);
    Ok(())
}

/// `script`: parsed whole first (`crate::script`); stops at the first
/// answer that is not the expected one (exit 1).
pub fn script(cli: &Cli, a: &ScriptArgs) -> CliResult<()> {
    let text = match sscard_profile::batch::find_card(&a.file.to_string_lossy())
        .filter(|_| !a.file.is_file())
    {
        Some(card) => card.map_err(CliError::input)?.script,
        None => std::fs::read_to_string(&a.file).map_err(|e| CliError::io(&a.file, &e))?,
    };
    let steps = crate::script::parse(&text)
        .map_err(|e| CliError::usage(format!("{}: {e}", a.file.display())))?;
    let mut t = open(&a.card, cli)?;
    let mut rows = Vec::new();
    for step in &steps {
        let (line, command, expect) = match step {
            crate::script::Step::Reset { line } => {
                let atr = t.reset().map_err(CliError::card)?;
                rows.push(json!({"line": line, "reset": hex::encode_upper(&atr)}));
                if !cli.json {
                    super::out(&format!(
                        "line {line:>3}: reset, ATR {}",
                        hex::encode_upper(&atr)
                    ));
                }
                continue;
            }
            crate::script::Step::Apdu {
                line,
                command,
                expect,
            } => (line, command, expect),
        };
        let command = Apdu::raw(command.clone());
        let shown = command.redacted();
        let r = t.send_raw(&command).map_err(CliError::card)?;
        let sw = format!("{:04X}", r.sw().to_u16());
        let ok = expect
            .as_ref()
            .is_none_or(|e| crate::script::matches(e, &sw));
        rows.push(json!({"line": line, "command": shown, "sw": sw, "expected": expect, "ok": ok}));
        if !ok {
            emit(cli, json!({"steps": rows, "ok": false}), "");
            return Err(CliError::shown(
                1,
                format!(
                    "{}: line {line}: {shown} answered {sw} ({}), expected {}",
                    a.file.display(),
                    r.sw().description(),
                    expect.clone().unwrap_or_default()
                ),
            ));
        }
        if !cli.json {
            super::out(&format!("line {line:>3}: {shown} -> {sw}"));
        }
    }
    emit(cli, json!({"steps": rows, "ok": true}), "");
    Ok(())
}

/// `pin`.
pub fn pin(cli: &Cli, a: &PinArgs) -> CliResult<()> {
    let mut t = open(&a.card, cli)?;
    let r = match a.action.as_str() {
        "verify" => t.verify_pin(),
        "change" => t.change_pin(),
        "reload" => t.reload_pin(),
        _ => t.unblock_pin(),
    };
    r.map_err(CliError::card)?;
    emit(
        cli,
        json!({"action": a.action, "ok": true}),
        &format!("PIN {}: ok", a.action),
    );
    Ok(())
}

/// `genuine`.
pub fn genuine(cli: &Cli, a: &GenuineArgs) -> CliResult<()> {
    let trust =
        a.ca.as_deref()
            .map(crate::context::load_trust)
            .transpose()?;
    let mut t = open(&a.card, cli)?;
    let (internal, sm2) = match &trust {
        Some(trust) => {
            let g = t.check_genuine(trust).map_err(CliError::card)?;
            (g.internal_auth, g.sm2_auth)
        }
        None => {
            t.internal_auth().map_err(CliError::card)?;
            (true, None)
        }
    };
    let words = |ok: bool| if ok { "passed" } else { "failed" };
    let scheme = t.facts().map(|f| f.scheme.to_string()).unwrap_or_default();
    emit(
        cli,
        json!({"genuine": internal && sm2 != Some(false), "internal_auth": internal, "algorithm": scheme, "sm2_auth": sm2}),
        &format!(
            "genuine: {scheme} internal authentication {}{}",
            words(internal),
            match sm2 {
                Some(ok) => format!(", SM2 card authentication {}", words(ok)),
                None if trust.is_some() => ", no PKI application".into(),
                None => String::new(),
            }
        ),
    );
    Ok(())
}

/// `balance`.
pub fn balance(cli: &Cli, a: &CardArgs) -> CliResult<()> {
    let mut t = open(a, cli)?;
    let b = t.balance().map_err(CliError::card)?;
    emit(
        cli,
        json!({"balance_fen": b, "balance": fen(b)}),
        &format!("medical account balance {}", fen(b)),
    );
    Ok(())
}

/// An amount the holder pays: positive, in yuan.
fn positive_amount(flag: &str, text: &str) -> CliResult<Amount> {
    let a: Amount = text
        .parse()
        .map_err(|e: sscard_apdu::Error| CliError::usage(format!("{flag} {text}: {e}")))?;
    if a.fen() == 0 {
        return Err(CliError::usage(format!(
            "{flag} {text}: the amount must be more than 0.00"
        )));
    }
    Ok(a)
}

/// `debit`.
pub fn debit(cli: &Cli, a: &DebitArgs) -> CliResult<()> {
    let total = positive_amount("amount", &a.amount)?;
    let account = match &a.account_pooled {
        Some(t) => t.parse::<Amount>().map_err(|e: sscard_apdu::Error| {
            CliError::usage(format!("--account-pooled {t}: {e}"))
        })?,
        None => total,
    };
    let when = crate::clock::date_time(a.at.as_deref())?;
    let pay = PayInfo::parse(&format!("{total}|{account}|{when}|")).map_err(|e| {
        CliError::usage(match e {
            sscard::Error::InvalidInput(m) if m.contains("exceeds") => {
                format!("--account-pooled {account} is more than the amount {total}")
            }
            other => other.to_string(),
        })
    })?;
    let mut t = open(&a.card, cli)?;
    super::journal::attach(&mut t, &a.card)?;
    let r = t.medical_debit(&pay).map_err(CliError::card)?;
    emit(
        cli,
        json!({"line": r.to_line(), "tac": r.tac, "terminal_txn_no": r.terminal_txn_no, "balance_fen": r.balance}),
        &format!("{}\nbalance {}", r.to_line(), fen(r.balance)),
    );
    Ok(())
}

/// `pay`.
pub fn pay(cli: &Cli, a: &PayArgs) -> CliResult<()> {
    let amount = positive_amount("amount", &a.amount)?;
    let when = crate::clock::date_time(a.at.as_deref())?;
    let ca = load_ca_keys(&a.ca_keys).map_err(CliError::card)?;
    let mut t = open(&a.card, cli)?;
    let (date, today) = crate::clock::purchase_date(&when);
    let mut req = PurchaseRequest::cny(amount.fen(), date, today);
    req.online_capable = a.online_capable;
    let p = t.purchase(&req, &ca).map_err(CliError::card)?;
    let mut text = String::new();
    for s in &p.steps {
        text.push_str(&format!("  {s}\n"));
    }
    text.push_str(&format!(
        "{}, ATC {}, available {}",
        p.outcome,
        p.atc,
        p.available.map(fen).unwrap_or_default()
    ));
    emit(
        cli,
        json!({"outcome": p.outcome.word(), "atc": p.atc, "cryptogram": hex::encode_upper(&p.cryptogram), "available_fen": p.available, "steps": p.steps}),
        &text,
    );
    Ok(())
}

/// One e-cash log record in words: date, time, amount, type, ATC, the rest
/// as `TAG=hex`.
fn ecash_line(r: &[(u32, Vec<u8>)]) -> String {
    let bcd = |v: &[u8]| hex::encode_upper(v);
    let mut date = String::new();
    let mut parts = Vec::new();
    for (tag, v) in r {
        match tag {
            0x9A if v.len() == 3 => {
                let d = bcd(v);
                date = format!("20{}-{}-{}{date}", &d[..2], &d[2..4], &d[4..]);
            }
            0x9F21 if v.len() == 3 => {
                let t = bcd(v);
                date.push_str(&format!(" {}:{}:{}", &t[..2], &t[2..4], &t[4..]));
            }
            0x9F02 => parts.push(format!(
                "amount {}",
                bcd(v).parse::<u32>().map(fen).unwrap_or_else(|_| bcd(v))
            )),
            0x9C => parts.push(format!("type {}", bcd(v))),
            0x9F36 => parts.push(format!("ATC {}", bcd(v))),
            _ => parts.push(format!("{tag:X}={}", bcd(v))),
        }
    }
    if !date.is_empty() {
        parts.insert(0, date);
    }
    parts.join("  ")
}

/// `log`.
pub fn log(cli: &Cli, a: &CardArgs) -> CliResult<()> {
    let mut t = open(a, cli)?;
    let records = t.debit_log().map_err(CliError::card)?;
    let ecash = t.ecash_log().unwrap_or_default();
    let ecash_rows: Vec<Value> = ecash
        .iter()
        .map(|r| {
            Value::Object(
                r.iter()
                    .map(|(t, v)| (format!("{t:X}"), Value::String(hex::encode_upper(v))))
                    .collect(),
            )
        })
        .collect();
    let mut text = format!("medical debit log ({} records)\n", records.len());
    for r in &records {
        let line: Vec<String> = r.iter().map(|(k, v)| format!("{k} {v}")).collect();
        text.push_str(&format!("  {}\n", line.join("  ")));
    }
    let debit_rows: Vec<Value> = records
        .iter()
        .map(|r| {
            Value::Object(
                r.iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            )
        })
        .collect();
    text.push_str(&format!("electronic cash log ({} records)", ecash.len()));
    for r in &ecash {
        text.push_str(&format!("\n  {}", ecash_line(r)));
    }
    emit(
        cli,
        json!({"debit": debit_rows, "ecash": ecash_rows}),
        &text,
    );
    Ok(())
}
