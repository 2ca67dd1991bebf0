//! What personalisation writes for a data element: its value from the
//! holder, the card or the profile, and its record bytes. The simulator's
//! direct personalisation, the host's `perso run` and its check all use
//! these, so a card personalised either way holds the same bytes.

use sscard_apdu::field::Format;
use sscard_apdu::record::{BtlvRecord, Record};

use crate::holder::Holder;
use crate::{Element, ElementFormat, Profile};

/// The value personalisation writes for `element`: from the holder, the
/// card, or the profile; empty when the holder record has none.
pub fn element_value(profile: &Profile, holder: &Holder, element: &Element) -> String {
    match element.source.as_deref() {
        Some("profile.card_type") => profile.card.card_type.clone().unwrap_or_default(),
        Some("profile.spec_version") => profile.card.spec_version.clone().unwrap_or_default(),
        Some(s) => holder.value(s).unwrap_or_default(),
        None => String::new(),
    }
}

/// The record bytes (`tag len value`, value padded by format) of `element`
/// holding `text`; for a B-TLV element, `text` is ignored and the items are
/// written empty.
///
/// # Errors
/// The codec's error when the value does not fit its format or length.
pub fn element_record(element: &Element, text: &str) -> Result<Vec<u8>, sscard_apdu::Error> {
    match element.format {
        ElementFormat::Field(f) => {
            let value = if text.is_empty() && f == Format::B {
                vec![0; element.length]
            } else {
                f.encode(text, element.length)?
            };
            Ok(Record::new(element.tag, value)?.to_bytes())
        }
        ElementFormat::Btlv => {
            let items = element
                .items
                .iter()
                .map(|i| {
                    let v = if i.format == Format::B {
                        vec![0; i.length]
                    } else {
                        i.format.encode("", i.length)?
                    };
                    Record::new(i.tag, v)
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(BtlvRecord::new(element.tag, items)?.to_bytes())
        }
    }
}
