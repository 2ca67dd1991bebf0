//! Redaction for logs and traces: PINs and secrets in commands, personal
//! data in answers, never printed.

use sscard_apdu::{hexfmt, Command, Response};

use crate::transport::trace::Sensitivity;

/// A command as hex, with secret data replaced by `**` per byte.
pub fn command(cmd: &Command, s: Sensitivity) -> String {
    match s {
        Sensitivity::SecretCommand if !cmd.data().is_empty() => {
            let header = hexfmt::to_spaced_hex(&[cmd.cla, cmd.ins, cmd.p1, cmd.p2]);
            format!("{header} [{} secret bytes]", cmd.data().len())
        }
        _ => cmd.to_string(),
    }
}

/// A response as hex, with personal data replaced.
pub fn response(r: &Response, s: Sensitivity) -> String {
    match s {
        Sensitivity::PersonalResponse | Sensitivity::PersonalTlv | Sensitivity::PersonalBinary
            if !r.data().is_empty() =>
        {
            format!(
                "[{} personal bytes] {:04X}",
                r.data().len(),
                r.sw().to_u16()
            )
        }
        _ => r.to_string(),
    }
}

/// A PAN as payment receipts show it: the first six and last four digits
/// kept (`623599*********1234`).
pub fn mask_pan(pan: &str) -> String {
    let n = pan.chars().count();
    if n <= 10 {
        return "*".repeat(n);
    }
    pan.chars()
        .enumerate()
        .map(|(i, c)| if i < 6 || i >= n - 4 { c } else { '*' })
        .collect()
}

/// Tags of the financial application that name the holder: cardholder
/// name, extended name, ID number and type, track 1.
pub const PERSONAL_TAGS: [u32; 5] = [0x5F20, 0x9F0B, 0x9F61, 0x9F62, 0x56];

/// Personal response data masked in place, keeping its structure so that a
/// replay still parses: a one-byte-tag record keeps its tag and length; a
/// BER-TLV answer keeps every tag and length and masks the values of
/// [`PERSONAL_TAGS`]; binary data is masked whole. Masked bytes are `2A`
/// (`*`). PAN and track 2 stay: offline data authentication signs them
/// (see `docs/spec-decisions.md`).
pub fn mask_data(data: &[u8], s: Sensitivity) -> Vec<u8> {
    let star = |n: usize| vec![0x2A; n];
    match s {
        Sensitivity::Plain | Sensitivity::SecretCommand => data.to_vec(),
        Sensitivity::PersonalResponse if data.len() >= 2 => {
            [&data[..2], &star(data.len() - 2)[..]].concat()
        }
        Sensitivity::PersonalTlv => match sscard_apdu::Tlv::parse_all(data) {
            Ok(list) if sscard_apdu::tlv::encode_all(&list) == data => {
                let masked: Vec<sscard_apdu::Tlv> = list.iter().map(mask_tlv).collect();
                sscard_apdu::tlv::encode_all(&masked)
            }
            _ => star(data.len()),
        },
        _ => star(data.len()),
    }
}

fn mask_tlv(t: &sscard_apdu::Tlv) -> sscard_apdu::Tlv {
    use sscard_apdu::tlv::Value;
    let n = t.tag().number();
    match t.value() {
        Value::Primitive(v) if PERSONAL_TAGS.contains(&n) => {
            sscard_apdu::Tlv::primitive(n, vec![0x2A; v.len()]).unwrap_or_else(|_| t.clone())
        }
        Value::Primitive(_) => t.clone(),
        Value::Constructed(c) => sscard_apdu::Tlv::constructed(n, c.iter().map(mask_tlv).collect())
            .unwrap_or_else(|_| t.clone()),
    }
}
