//! Redaction for logs and traces: PINs and secrets in commands, personal
//! data in answers, never printed.

use sscard_apdu::Response;

pub use sscard_apdu::Sensitivity;

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
/// name, extended name, ID number and type, track 1, and the track 1 and
/// track 2 discretionary data.
pub const PERSONAL_TAGS: [u32; 7] = [0x5F20, 0x9F0B, 0x9F61, 0x9F62, 0x56, 0x9F1F, 0x9F20];

/// The PAN (`5A`, BCD with `F` padding).
pub const PAN_TAG: u32 = 0x5A;

/// Track 2 equivalent data (`57`) and the qPBOC track 2 data (`9F6B`):
/// the PAN, the `D` separator, then expiry, service code and
/// discretionary data.
pub const TRACK2_TAGS: [u32; 2] = [0x57, 0x9F6B];

/// The ICC public key certificate (`9F46`).
pub const ICC_CERT_TAG: u32 = 0x9F46;

/// The format byte of a PBOC 3.0 SM2 ICC certificate, which is not
/// recovered but signed: it carries the PAN in clear in its bytes 2 to 11,
/// masked like `5A` (an RSA certificate shows nothing without the issuer
/// key and is kept).
pub const SM2_ICC_CERT: u8 = 0x14;

/// The nibble a masked digit of a recorded PAN or track 2 becomes: `A` is
/// not a digit, the separator (`D`) or the padding (`F`), so a masked PAN
/// keeps its length and cannot be taken for a real one.
pub const MASKED_DIGIT: u8 = 0xA;

/// A BCD PAN masked in place: its first six and last four digits kept,
/// the others [`MASKED_DIGIT`]; the `F` padding kept.
pub fn mask_pan_bcd(bytes: &[u8]) -> Vec<u8> {
    let nibbles = to_nibbles(bytes);
    let digits = nibbles.iter().take_while(|n| **n != 0xF).count();
    from_nibbles(nibbles.iter().enumerate().map(|(i, &n)| {
        if i < digits {
            pan_nibble(i, digits, n)
        } else {
            n
        }
    }))
}

/// Track 2 masked in place: the PAN before the `D` as [`mask_pan_bcd`],
/// every nibble after it [`MASKED_DIGIT`] (expiry, service code and the
/// discretionary data, where the card verification values are), the `F`
/// padding kept.
pub fn mask_track2(bytes: &[u8]) -> Vec<u8> {
    let nibbles = to_nibbles(bytes);
    let Some(sep) = nibbles.iter().position(|n| *n == 0xD) else {
        return vec![0x2A; bytes.len()];
    };
    let end = nibbles.iter().rposition(|n| *n != 0xF).map_or(0, |e| e + 1);
    from_nibbles(nibbles.iter().enumerate().map(|(i, &n)| match i {
        _ if i < sep => pan_nibble(i, sep, n),
        _ if i == sep || i >= end => n,
        _ => MASKED_DIGIT,
    }))
}

/// The digit at `i` of a PAN of `len` digits, masked unless it is one of
/// the first six or last four (all masked when the PAN has ten or fewer).
fn pan_nibble(i: usize, len: usize, n: u8) -> u8 {
    if len > 10 && (i < 6 || i + 4 >= len) {
        n
    } else {
        MASKED_DIGIT
    }
}

fn to_nibbles(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().flat_map(|b| [b >> 4, b & 0x0F]).collect()
}

fn from_nibbles(nibbles: impl Iterator<Item = u8>) -> Vec<u8> {
    let n: Vec<u8> = nibbles.collect();
    n.chunks(2)
        .map(|p| (p[0] << 4) | p.get(1).copied().unwrap_or(0xF))
        .collect()
}

/// Personal response data masked in place, keeping its structure so that a
/// replay still parses: a one-byte-tag record keeps its tag and length; a
/// BER-TLV answer keeps every tag and length and masks the values of
/// [`PERSONAL_TAGS`] (`2A`, `*`), the PAN's and track 2's middle digits
/// ([`mask_pan_bcd`], [`mask_track2`]); binary data is masked whole.
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
        Value::Primitive(v) if n == PAN_TAG => {
            sscard_apdu::Tlv::primitive(n, mask_pan_bcd(v)).unwrap_or_else(|_| t.clone())
        }
        Value::Primitive(v) if n == ICC_CERT_TAG && v.first() == Some(&SM2_ICC_CERT) => {
            let mut m = v.clone();
            if let Some(pan) = m.get_mut(1..11) {
                let masked = mask_pan_bcd(pan);
                pan.copy_from_slice(&masked);
            }
            sscard_apdu::Tlv::primitive(n, m).unwrap_or_else(|_| t.clone())
        }
        Value::Primitive(v) if TRACK2_TAGS.contains(&n) => {
            sscard_apdu::Tlv::primitive(n, mask_track2(v)).unwrap_or_else(|_| t.clone())
        }
        Value::Primitive(_) => t.clone(),
        Value::Constructed(c) => sscard_apdu::Tlv::constructed(n, c.iter().map(mask_tlv).collect())
            .unwrap_or_else(|_| t.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pan_keeps_its_first_six_and_last_four_digits() {
        // 6235 9912 3456 7890 123 with its F padding.
        let pan = [0x62, 0x35, 0x99, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x3F];
        assert_eq!(
            hex::encode_upper(mask_pan_bcd(&pan)),
            "623599AAAAAAAAA0123F"
        );
        // Sixteen digits, no padding.
        let pan = [0x62, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
        assert_eq!(hex::encode_upper(mask_pan_bcd(&pan)), "622233AAAAAA7788");
        // Ten digits or fewer: all masked.
        assert_eq!(
            hex::encode_upper(mask_pan_bcd(&[0x12, 0x34, 0x5F])),
            "AAAAAF"
        );
    }

    #[test]
    fn track2_keeps_the_pan_ends_the_separator_and_the_padding() {
        let t2 = hex::decode("6222334455667788D30122011234567890123F").unwrap_or_default();
        assert_eq!(
            hex::encode_upper(mask_track2(&t2)),
            "622233AAAAAA7788DAAAAAAAAAAAAAAAAAAAAF"
        );
        // No separator: not track 2, masked whole.
        assert_eq!(mask_track2(&[0x12, 0x34]), vec![0x2A, 0x2A]);
    }

    #[test]
    fn a_record_keeps_its_structure_with_the_pan_masked() {
        let rec = hex::decode("70155A0862223344556677885F24032912319F0702FF00").unwrap_or_default();
        let masked = mask_data(&rec, Sensitivity::PersonalTlv);
        assert_eq!(
            hex::encode_upper(masked),
            "70155A08622233AAAAAA77885F24032912319F0702FF00"
        );
    }
}
