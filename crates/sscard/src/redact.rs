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
        Sensitivity::PersonalResponse if !r.data().is_empty() => {
            format!(
                "[{} personal bytes] {:04X}",
                r.data().len(),
                r.sw().to_u16()
            )
        }
        _ => r.to_string(),
    }
}

/// Personal response data masked in place: a one-byte-tag record keeps its
/// tag and length, every other byte becomes `2A` (`*`).
pub fn mask_data(data: &[u8]) -> Vec<u8> {
    let keep = if data.len() >= 2 && usize::from(data[1]) + 2 == data.len() {
        2
    } else {
        0
    };
    data.iter()
        .enumerate()
        .map(|(i, b)| if i < keep { *b } else { 0x2A })
        .collect()
}
