//! Direct personalisation of a card image from a profile, a cardholder and
//! master keys: what `sscard sim new` does. (Personalising a card through
//! APDUs, with a journal, is the CLI's `perso run`.)

use sscard_apdu::field::Format;
use sscard_apdu::record::{BtlvRecord, Record};
use sscard_crypto::diversify;
use sscard_profile::holder::Holder;
use sscard_profile::keys::MasterKeys;
use sscard_profile::{Element, ElementFormat, Profile};

use crate::error::{Error, Result};
use crate::image::{CardImage, EcashState, Hex, KeyState, Lifecycle, PinState, PurseState};
use crate::user::auth::KEY_TRIES;

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
/// [`Error::Perso`] when the value does not fit its format or length.
pub fn element_record(element: &Element, text: &str) -> Result<Vec<u8>> {
    let err = |e: sscard_apdu::Error| Error::Perso(format!("element {}: {e}", element.name));
    match element.format {
        ElementFormat::Field(f) => {
            let value = if text.is_empty() && f == Format::B {
                vec![0; element.length]
            } else {
                f.encode(text, element.length).map_err(err)?
            };
            Ok(Record::new(element.tag, value).map_err(err)?.to_bytes())
        }
        ElementFormat::Btlv => {
            let items = element
                .items
                .iter()
                .map(|i| {
                    let v = if i.format == Format::B {
                        vec![0; i.length]
                    } else {
                        i.format.encode("", i.length).map_err(err)?
                    };
                    Record::new(i.tag, v).map_err(err)
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(BtlvRecord::new(element.tag, items).map_err(err)?.to_bytes())
        }
    }
}

/// A personalised, issued card image.
///
/// # Errors
/// [`Error::Perso`] for a value that does not fit, or a missing master key.
pub fn personalise(profile: &Profile, holder: &Holder, masters: &MasterKeys) -> Result<CardImage> {
    let card_id = holder.card_id();
    let mut image = CardImage::new(&profile.file, card_id);
    for ef in &profile.efs {
        for element in &ef.elements {
            let text = element_value(profile, holder, element);
            let rec = element_record(element, &text)?;
            let records = image.records.entry(ef.path.clone()).or_default();
            for n in 0..element.occurrences {
                records.insert(element.record + n, Hex(rec.clone()));
            }
        }
        if let Some(p) = &ef.purse {
            image.purses.insert(
                ef.path.clone(),
                PurseState {
                    balance: p.initial_balance,
                    counter: 0,
                },
            );
        }
    }
    for key in profile.keys.iter().filter(|k| k.id.is_some()) {
        let master = masters.by_name(&key.name, 1).ok_or_else(|| {
            Error::Perso(format!(
                "no master key {} version 1 in {}",
                key.name, masters.file
            ))
        })?;
        let card_key = diversify::card_key(&master.value, &card_id);
        image.keys.insert(
            key.name.clone(),
            KeyState {
                value: Hex(card_key.expose().to_vec()),
                tries_left: KEY_TRIES,
            },
        );
    }
    for pin in &profile.pins {
        let value = match (pin.name.as_str(), &holder.record().pin) {
            ("holder" | "pki_user", Some(p)) => p.clone(),
            _ => pin.default.clone().unwrap_or_else(|| "888888".into()),
        };
        image.pins.insert(
            pin.name.clone(),
            PinState {
                value,
                tries_left: pin.tries,
            },
        );
    }
    if let Some(pay) = &profile.payment {
        image.ecash = Some(EcashState {
            balance: pay.ecash.balance,
            atc: 0,
            log: Vec::new(),
        });
    }
    image.lifecycle = Lifecycle::Issued;
    Ok(image)
}
