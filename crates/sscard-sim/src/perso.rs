//! Direct personalisation of a card image from a profile, a cardholder and
//! master keys: what `sscard sim new` does. (Personalising a card through
//! APDUs, with a journal, is the CLI's `perso run`.)

use sscard_apdu::field::Format;
use sscard_profile::holder::Holder;
use sscard_profile::keys::MasterKeys;
use sscard_profile::{Element, ElementFormat, Profile};

use crate::error::{Error, Result};
use crate::image::{CardImage, EcashState, Hex, KeyState, Lifecycle, PinState, PurseState};
use crate::user::auth::KEY_TRIES;

/// The value personalisation writes for `element` (the profile crate's
/// [`sscard_profile::element_data::element_value`]).
pub use sscard_profile::element_data::element_value;

/// The record bytes of `element` holding `text`.
///
/// # Errors
/// [`Error::Perso`] when the value does not fit its format or length.
pub fn element_record(element: &Element, text: &str) -> Result<Vec<u8>> {
    sscard_profile::element_data::element_record(element, text)
        .map_err(|e| Error::Perso(format!("element {}: {e}", element.name)))
}

/// A blank card as it leaves pre-personalisation: keys (diversified for
/// `card_id`), PINs at their defaults, purses and electronic cash at their
/// opening values, no data, life cycle `personalising`. `sscard perso run`
/// writes the data through APDUs and ends personalisation.
///
/// # Errors
/// [`Error::Perso`] for a missing master key.
pub fn blank(profile: &Profile, card_id: [u8; 16], masters: &MasterKeys) -> Result<CardImage> {
    let mut image = CardImage::for_profile(profile, card_id);
    load_keys_pins_purses(&mut image, profile, masters, None)?;
    Ok(image)
}

fn load_keys_pins_purses(
    image: &mut CardImage,
    profile: &Profile,
    masters: &MasterKeys,
    holder_pin: Option<&str>,
) -> Result<()> {
    let card_id = image.card_id();
    for ef in &profile.efs {
        if let Some(p) = &ef.purse {
            image.purses.insert(
                ef.path.clone(),
                PurseState {
                    balance: p.initial_balance,
                    counter: 0,
                    last: None,
                },
            );
        }
    }
    // An SSF33 card (no public implementation) carries no keys: its
    // cryptographic commands answer 6A81.
    let scheme = profile.card.algorithm.scheme();
    for (key, scheme) in profile
        .keys
        .iter()
        .filter(|k| k.id.is_some())
        .filter_map(|k| scheme.map(|s| (k, s)))
    {
        let scheme = key.scheme.unwrap_or(scheme);
        let master = masters
            .by_name(scheme, &key.name, key.version)
            .ok_or_else(|| {
                Error::Perso(format!(
                    "no {scheme} master key {} version {} in {}",
                    key.name, key.version, masters.file
                ))
            })?;
        let card_key = scheme.card_key(&master.value, &card_id);
        image.keys.insert(
            key.name.clone(),
            KeyState {
                value: Hex(card_key.expose().to_vec()),
                tries_left: KEY_TRIES,
            },
        );
    }
    for pin in &profile.pins {
        // The holder's PIN also opens the PKI user PIN of a new card.
        let holders = pin.name == profile.roles.holder_pin
            || profile
                .roles
                .pki
                .as_ref()
                .is_some_and(|r| r.user_pin == pin.name);
        let value = match holder_pin {
            Some(p) if holders => p.to_owned(),
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
    Ok(())
}

/// A personalised, issued card image.
///
/// # Errors
/// [`Error::Perso`] for a value that does not fit, or a missing master key.
pub fn personalise(profile: &Profile, holder: &Holder, masters: &MasterKeys) -> Result<CardImage> {
    let mut image = CardImage::for_profile(profile, holder.card_id());
    for ef in &profile.efs {
        for element in &ef.elements {
            let text = element_value(profile, holder, element);
            let mut rec = element_record(element, &text)?;
            if element.format == ElementFormat::Field(Format::An) {
                repad(&mut rec, profile.variant.text_padding);
            }
            let records = image.records.entry(ef.path.clone()).or_default();
            for n in 0..element.occurrences {
                records.insert(element.record + n, Hex(rec.clone()));
            }
        }
    }
    if profile.variant.records_reversed {
        // Files whose tags each take one record (EF05, EF06, …): the order
        // varies between vendors; repeated tags keep theirs.
        let single = |path: &str| {
            profile
                .ef(path)
                .is_some_and(|ef| ef.elements.iter().all(|e| e.occurrences == 1))
        };
        for (_, recs) in image.records.iter_mut().filter(|(p, _)| single(p)) {
            let numbers: Vec<u8> = recs.keys().copied().collect();
            let values: Vec<Hex> = recs.values().cloned().collect();
            *recs = numbers.into_iter().zip(values.into_iter().rev()).collect();
        }
    }
    load_keys_pins_purses(&mut image, profile, masters, holder.record().pin.as_deref())?;
    image.lifecycle = Lifecycle::Issued;
    Ok(image)
}

/// A `70` template of primitive `items` with every length in the
/// non-minimal long form `81 LL` (a data preparation variant).
fn long_form(tag: u32, items: &[sscard_apdu::tlv::Tlv]) -> Vec<u8> {
    // `81 LL` up to 255 bytes, `82 HH LL` above: never the minimal form.
    let length = |n: usize| -> Vec<u8> {
        match u8::try_from(n) {
            Ok(b) => vec![0x81, b],
            Err(_) => vec![0x82, (n >> 8) as u8, n as u8],
        }
    };
    let mut body = Vec::new();
    for t in items {
        let v = t.bytes().unwrap_or_default();
        body.extend(t.tag().to_bytes());
        body.extend(length(v.len()));
        body.extend_from_slice(v);
    }
    let mut out = sscard_apdu::tlv::Tag::new(tag)
        .map(|t| t.to_bytes())
        .unwrap_or_default();
    out.extend(length(body.len()));
    out.extend(body);
    out
}

/// Fills the `00` padding at the end of an `an` record with `pad` (`20`
/// or `FF` on some cards in the field; the value is the record's tail).
fn repad(rec: &mut [u8], pad: u8) {
    for b in rec.iter_mut().rev().take_while(|b| **b == 0) {
        *b = pad;
    }
}

/// What the card issuer brings to personalise the financial application.
pub struct PaymentIssuer {
    /// The issuer's SM2 key (signs the ICC certificate).
    pub issuer_key: sscard_crypto::KeyPair,
    /// The issuer public key certificate (tag `90`) from the CA.
    pub cert90: Vec<u8>,
}

impl PaymentIssuer {
    /// The test issuer of `fixtures/ca/` (`pboc-issuer.key.pem`, `pboc-issuer-90.hex`).
    ///
    /// # Errors
    /// [`Error::Perso`] when the files cannot be read.
    pub fn from_dir(dir: &std::path::Path) -> Result<Self> {
        let read = |n: &str| {
            std::fs::read_to_string(dir.join(n)).map_err(|e| {
                Error::Perso(format!(
                    "{}: {}",
                    dir.join(n).display(),
                    sscard_profile::error::io_reason(&e)
                ))
            })
        };
        let issuer_key = sscard_crypto::KeyPair::from_pkcs8_pem(&read("pboc-issuer.key.pem")?)?;
        let cert90 = hex::decode(read("pboc-issuer-90.hex")?.trim())
            .map_err(|e| Error::Perso(format!("pboc-issuer-90.hex: {e}")))?;
        Ok(Self { issuer_key, cert90 })
    }
}

/// Writes the financial application: an ICC key pair made here, its
/// certificate signed by the issuer over the static data, and the records
/// the profile lists (spec 04 §4.1, §4.3).
///
/// # Errors
/// [`Error::Perso`] when the holder has no PAN or a value does not fit.
pub fn personalise_payment(
    image: &mut CardImage,
    profile: &Profile,
    holder: &Holder,
    issuer: &PaymentIssuer,
) -> Result<()> {
    use sscard_apdu::tlv::Tlv;
    use sscard_crypto::pboc::{IccCert, YearMonth};
    let Some(pay) = &profile.payment else {
        return Ok(());
    };
    let r = holder.record();
    let pan = r
        .pan
        .clone()
        .ok_or_else(|| Error::Perso("the holder record has no PAN".into()))?;
    let err = |e: sscard_apdu::Error| Error::Perso(e.to_string());
    // 5A at the PAN's own length (04 §4.1: a 16-digit PAN is 8 bytes; an odd
    // count ends in F); the ICC certificate keeps its fixed cn 10 field.
    let pan_cn = Format::Cn
        .encode(&pan, pan.len().div_ceil(2))
        .map_err(err)?;
    let expiry = &r.card.expiry_date; // YYYYMMDD
    let effective = &r.card.issue_date;
    let yymmdd = |d: &str| Format::N.encode(&d[2..8], 3);
    // Track 2: PAN, separator D, YYMM, service code 220, discretionary data.
    let track2 = {
        let digits = format!("{pan}D{}2201000000000", &expiry[2..6]);
        let mut nibbles: Vec<u8> = digits
            .chars()
            .map(|c| {
                if c == 'D' {
                    0xD
                } else {
                    c.to_digit(10).unwrap_or(0) as u8
                }
            })
            .collect();
        if !nibbles.len().is_multiple_of(2) {
            nibbles.push(0xF);
        }
        nibbles
            .chunks(2)
            .map(|c| (c[0] << 4) | c[1])
            .collect::<Vec<u8>>()
    };
    let name = sscard_apdu::field::gb18030_encode(&r.name).map_err(err)?;
    let card_data = {
        let mut v = vec![0x01];
        v.extend(sscard_crypto::random::bytes::<4>()?);
        v.extend([0x00, 0x00]);
        v
    };
    let mut values: std::collections::BTreeMap<u32, Vec<u8>> = std::collections::BTreeMap::new();
    values.insert(0x57, track2);
    values.insert(0x5F20, name[..name.len().min(26)].to_vec());
    values.insert(0x9F61, r.ssn.as_bytes().to_vec());
    values.insert(0x5A, pan_cn.clone());
    values.insert(0x5F24, yymmdd(expiry).map_err(err)?);
    values.insert(0x5F25, yymmdd(effective).map_err(err)?);
    values.insert(0x5F34, vec![0x01]);
    values.insert(0x9F07, vec![0xFF, 0x00]);
    values.insert(0x9F0D, vec![0x00; 5]);
    values.insert(0x8F, vec![pay.ca_index]);
    values.insert(0x90, issuer.cert90.clone());
    values.insert(0x9F4A, vec![0x82]);
    values.insert(0x9F69, card_data);
    values.insert(0x9F4D, vec![pay.ecash.log_sfi, pay.ecash.log_records]);
    if let Some(c) = &pay.cdol1 {
        values.insert(0x8C, c.to_bytes());
    }
    let long = profile.variant.long_lengths;
    let record =
        |tags: &[u32], values: &std::collections::BTreeMap<u32, Vec<u8>>| -> Result<Vec<u8>> {
            let items = tags
                .iter()
                .filter_map(|t| values.get(t).map(|v| Tlv::primitive(*t, v.clone())))
                .collect::<core::result::Result<Vec<_>, _>>()
                .map_err(err)?;
            if long {
                return Ok(long_form(0x70, &items));
            }
            Ok(Tlv::constructed(0x70, items).map_err(err)?.to_bytes())
        };
    // Static data: the value of each signed record's 70 template, in AFL order, then the AIP.
    let mut static_data = Vec::new();
    for a in &pay.afl {
        for n in a.first..a.first + a.signed {
            if let Some(rec) = pay.records.iter().find(|x| x.sfi == a.sfi && x.number == n) {
                if rec.tags.contains(&0x9F46) {
                    return Err(Error::Perso(
                        "the ICC certificate cannot be in a signed record".into(),
                    ));
                }
                // The bytes as stored: the value of the 70 template, never re-encoded.
                let bytes = record(&rec.tags, &values)?;
                let view = sscard_apdu::tlv_view::iter(&bytes)
                    .next()
                    .ok_or_else(|| Error::Perso("an empty record".into()))?
                    .map_err(err)?;
                static_data.extend_from_slice(view.value());
            }
        }
    }
    static_data.extend_from_slice(&pay.aip);
    let icc = sscard_crypto::KeyPair::generate()?;
    let exp_date: sscard_apdu::field::Date = expiry.parse().map_err(err)?;
    let mut pan10 = [0xFFu8; 10];
    pan10.copy_from_slice(&Format::Cn.encode(&pan, 10).map_err(err)?);
    let cert = IccCert {
        pan: pan10,
        expiry: YearMonth {
            year: exp_date.year(),
            month: exp_date.month(),
        },
        serial: [0, 0, 1],
        key: icc.public().clone(),
    }
    .sign(&issuer.issuer_key, &static_data)?;
    values.insert(0x9F46, cert);
    for rec in &pay.records {
        let bytes = record(&rec.tags, &values)?;
        image
            .records
            .entry(format!("{}/SFI{}", pay.application, rec.sfi))
            .or_default()
            .insert(rec.number, Hex(bytes));
    }
    image.private_keys.insert(
        crate::user::payment::ICC_KEY.to_owned(),
        Hex(icc.to_secret_bytes().to_vec()),
    );
    Ok(())
}
