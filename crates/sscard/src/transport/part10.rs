//! PC/SC part 10 secure PIN entry: the feature list and the
//! `PIN_VERIFY_STRUCTURE` / `PIN_MODIFY_STRUCTURE` a PIN pad reader is sent
//! (PC/SC v2 part 10 §2.5.2, §2.5.3; the CCID `PC_to_RDR_Secure` layout).
//!
//! The card compares the whole VERIFY data field with its reference (02
//! §2.1), so the reader must build the PIN block at the PIN's own length:
//! packed BCD, left justified, an odd digit count filled with `F`, and Lc
//! recomputed. That is `bmPINBlockString = 00` (no length field, a PIN block
//! of the entered PIN's size), as OpenSC sends for variable-length PINs; a
//! fixed 8-byte `FF`-filled block would be a wrong PIN on a strict card.

use super::Transport;
use crate::error::{Error, Result};

/// `CM_IOCTL_GET_FEATURE_REQUEST` (function number for `SCARD_CTL_CODE`).
pub const GET_FEATURE_REQUEST: u32 = 3400;
/// Feature tag of `FEATURE_VERIFY_PIN_DIRECT`.
pub const FEATURE_VERIFY_PIN_DIRECT: u8 = 0x06;
/// Feature tag of `FEATURE_MODIFY_PIN_DIRECT`.
pub const FEATURE_MODIFY_PIN_DIRECT: u8 = 0x07;

/// `bmFormatString`: offsets in bytes, PIN frame at offset 0, left
/// justified, BCD coded.
pub const FORMAT_BCD_LEFT: u8 = 0x81;
/// `bmPINBlockString`: no PIN length field; the block is the PIN's size.
pub const BLOCK_OWN_LENGTH: u8 = 0x00;
/// `wLangId` of the prompts: Chinese (PRC), 0x0804.
pub const LANG_ZH_CN: u16 = 0x0804;
/// Seconds the holder has to type.
const TIMEOUT_S: u8 = 30;

/// Parses the answer to `CM_IOCTL_GET_FEATURE_REQUEST`: tag, length 4,
/// control code (big-endian) per feature.
pub fn parse_features(answer: &[u8]) -> Vec<(u8, u32)> {
    answer
        .chunks(6)
        .filter_map(|c| match c {
            [tag, 4, a, b, x, y] => Some((*tag, u32::from_be_bytes([*a, *b, *x, *y]))),
            _ => None,
        })
        .collect()
}

/// The digits a PIN pad accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinLimits {
    /// Fewest digits.
    pub min: u8,
    /// Most digits.
    pub max: u8,
}

/// `PIN_VERIFY_STRUCTURE` for the command `header` (`00 20 00 <ref>`): the
/// reader appends Lc and the PIN block at the PIN's own length.
pub fn verify_structure(header: [u8; 4], limits: PinLimits) -> Vec<u8> {
    let mut s = vec![
        TIMEOUT_S,        // bTimerOut
        TIMEOUT_S,        // bTimerOut2
        FORMAT_BCD_LEFT,  // bmFormatString
        BLOCK_OWN_LENGTH, // bmPINBlockString
        0x00,             // bmPINLengthFormat
        limits.max,       // wPINMaxExtraDigit, little endian: max digits, then min
        limits.min,
        0x02, // bEntryValidationCondition: the OK key
        0x01, // bNumberMessage
    ];
    s.extend_from_slice(&LANG_ZH_CN.to_le_bytes());
    s.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // bMsgIndex, bTeoPrologue
    let apdu = [&header[..], &[0x00]].concat(); // Lc placeholder, recomputed
    s.extend_from_slice(&(apdu.len() as u32).to_le_bytes());
    s.extend_from_slice(&apdu);
    s
}

/// `PIN_MODIFY_STRUCTURE` for the command `header` whose body is `old PIN
/// block ‖ separator ‖ new PIN block` (CHANGE PIN `80 5E 01 00`, separator
/// `FF`): the old block goes at offset 0, the new one after the separator,
/// the new PIN is asked twice.
pub fn modify_structure(header: [u8; 4], separator: &[u8], limits: PinLimits) -> Vec<u8> {
    let mut s = vec![
        TIMEOUT_S,
        TIMEOUT_S,
        FORMAT_BCD_LEFT,
        BLOCK_OWN_LENGTH,
        0x00,                  // bmPINLengthFormat
        0x00,                  // bInsertionOffsetOld
        separator.len() as u8, // bInsertionOffsetNew (template offset)
        limits.max,
        limits.min,
        0x01, // bConfirmPIN: the new PIN twice
        0x02, // bEntryValidationCondition
        0x03, // bNumberMessage: old, new, confirm
    ];
    s.extend_from_slice(&LANG_ZH_CN.to_le_bytes());
    s.extend_from_slice(&[0x00, 0x01, 0x02]); // bMsgIndex1..3
    s.extend_from_slice(&[0x00, 0x00, 0x00]); // bTeoPrologue
    let apdu = [&header[..], &[0x00], separator].concat();
    s.extend_from_slice(&(apdu.len() as u32).to_le_bytes());
    s.extend_from_slice(&apdu);
    s
}

/// Secure PIN entry through `t`'s PIN pad: `None` when the reader announces
/// no `feature`, else the card's response APDU.
///
/// # Errors
/// Reader errors.
pub fn run(
    t: &mut (impl Transport + ?Sized),
    feature: u8,
    structure: &[u8],
) -> Option<Result<Vec<u8>>> {
    let code = t.features().into_iter().find(|(tag, _)| *tag == feature)?.1;
    Some(t.control(code, structure))
}

/// Whether `t`'s reader has a PIN pad that can do `feature`.
pub fn has(t: &mut (impl Transport + ?Sized), feature: u8) -> bool {
    t.features().iter().any(|(tag, _)| *tag == feature)
}

/// A `control` request a transport without a PIN pad cannot serve.
pub fn unsupported(code: u32) -> Error {
    Error::NotSupported(format!("reader control code {code:08X}: no PIN pad"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_list() {
        // A reader announcing VERIFY_PIN_DIRECT (06) and MODIFY_PIN_DIRECT (07).
        let answer = [
            0x06, 0x04, 0x42, 0x33, 0x00, 0x06, 0x07, 0x04, 0x42, 0x33, 0x00, 0x07,
        ];
        assert_eq!(
            parse_features(&answer),
            vec![(0x06, 0x4233_0006), (0x07, 0x4233_0007)]
        );
        assert!(parse_features(&[0x06, 0x02, 0x00]).is_empty());
    }

    /// The bytes of PC/SC part 10 §2.5.2 field by field.
    #[test]
    fn verify_structure_bytes() {
        let s = verify_structure([0x00, 0x20, 0x00, 0x00], PinLimits { min: 4, max: 16 });
        assert_eq!(
            hex::encode_upper(&s),
            // timeouts, BCD left, own length, no length field, max 16 min 4,
            // OK key, one message, zh-CN, index and prologue, 5 bytes, 00 20 00 00 Lc
            "1E1E8100001004020104080000000005000000".to_owned() + "0020000000"
        );
    }

    /// PC/SC part 10 §2.5.3 field by field.
    #[test]
    fn modify_structure_bytes() {
        let s = modify_structure(
            [0x80, 0x5E, 0x01, 0x00],
            &[0xFF],
            PinLimits { min: 6, max: 6 },
        );
        assert_eq!(
            hex::encode_upper(&s),
            // …, old at 0, new at 1, max 6 min 6, confirm, OK key, three
            // messages, zh-CN, indexes 0 1 2, prologue, 6 bytes, header Lc FF
            "1E1E810000000106060102030408000102000000".to_owned() + "06000000805E010000FF"
        );
    }
}
