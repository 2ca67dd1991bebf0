//! Card variants seen in the field (spec README "Strictness"): the host
//! reads the same information from each.
//!
//! - EF05 and EF06 with their records in another order: the host reads by
//!   tag (`00 B2 <tag> 00`, 01 §1.2), so the order does not matter; reading
//!   by record number would take the wrong field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use sscard::ops::{Profiles, Terminal};
use sscard::pin::{CallbackPad, Pin, PinPrompt};
use sscard::security::software::SoftwareModule;
use sscard::transport::sim::SimTransport;
use sscard_profile::holder::Holder;
use sscard_sim::image::CardImage;
use sscard_sim::{Simulator, UserCard};
use sscard_test_support::{masters, root};

type Pad = CallbackPad<fn(PinPrompt) -> sscard::Result<Pin>>;

/// A card of profile `p` for `h` with its financial application and 100.00
/// of electronic cash.
fn payment_card(p: &Arc<sscard_profile::Profile>, h: &Holder) -> CardImage {
    let mut image = sscard_sim::perso::personalise(p, h, &masters()).unwrap();
    let issuer = sscard_sim::perso::PaymentIssuer::from_dir(&root().join("fixtures/ca")).unwrap();
    sscard_sim::perso::personalise_payment(&mut image, p, h, &issuer).unwrap();
    image.ecash.as_mut().unwrap().balance = 10_000;
    image
}

/// A terminal over the simulated `image`, the software module, PIN 123456.
fn terminal(
    p: &Arc<sscard_profile::Profile>,
    image: CardImage,
) -> Terminal<SimTransport<UserCard>, SoftwareModule, Pad> {
    fn pin(_: PinPrompt) -> sscard::Result<Pin> {
        Pin::new("123456")
    }
    let card = SimTransport::new(Simulator::new(UserCard::new(p.clone()), image), "sim");
    let sm = SoftwareModule::new(masters(), [0x41, 0x01, 0x00, 0x81, 0x34, 0x75], 0x017F);
    Terminal::new(
        card,
        sm,
        CallbackPad(pin as fn(_) -> _),
        Profiles::new(vec![p.clone()]),
    )
}

fn ca_keys() -> Vec<sscard::ops::payment::CaKey> {
    sscard::ops::payment::load_ca_keys(&root().join("fixtures/ca/pboc-ca-keys.toml")).unwrap()
}

fn basic_info(image: CardImage, p: &Arc<sscard_profile::Profile>) -> String {
    terminal(p, image).read_basic_info().unwrap().to_line()
}

/// Reverses the record numbers of `ef` in `image`.
fn permute(image: &mut CardImage, ef: &str) {
    let recs = image.records.get_mut(ef).unwrap();
    let numbers: Vec<u8> = recs.keys().copied().collect();
    let values: Vec<_> = recs.values().cloned().collect();
    recs.clear();
    for (n, v) in numbers.iter().zip(values.into_iter().rev()) {
        recs.insert(*n, v);
    }
}

#[test]
fn records_in_another_order_read_the_same() {
    let p = Arc::new(sscard_profile::load_file(root().join("card-profiles/ssc-3.0.toml")).unwrap());
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let image = sscard_sim::perso::personalise(&p, &h, &masters()).unwrap();
    let expected = basic_info(image.clone(), &p);
    assert!(expected.contains("11010519491231002X"), "{expected}");
    let mut other = image.clone();
    permute(&mut other, "SSSE/EF06");
    permute(&mut other, "SSSE/EF05");
    assert_ne!(other.records, image.records);
    assert_eq!(basic_info(other, &p), expected);
}

/// A 16-digit PAN: `5A` is 8 bytes (04 §4.1), not an `F`-padded 10, and the
/// purchase is approved (the certificate's PAN is compared by digits).
#[test]
fn a_sixteen_digit_pan_is_eight_bytes() {
    use sscard::ops::payment::{Outcome, PurchaseRequest};
    let p = Arc::new(sscard_profile::load_file(root().join("card-profiles/ssc-3.0.toml")).unwrap());
    let mut r = Holder::load_file(root().join("fixtures/holders/zhang-san.toml"))
        .unwrap()
        .record()
        .clone();
    r.pan = Some("6235990012345678".into());
    let h = Holder::check(r).unwrap();
    let image = payment_card(&p, &h);
    // The 5A object in the card's records: tag, length 08, 8 bytes.
    let all: Vec<u8> = image
        .records
        .values()
        .flat_map(|r| r.values())
        .flat_map(|h| h.0.clone())
        .collect();
    let pan = [0x5A, 0x08, 0x62, 0x35, 0x99, 0x00, 0x12, 0x34, 0x56, 0x78];
    assert!(all.windows(pan.len()).any(|w| w == pan), "no 8-byte 5A");
    let mut t = terminal(&p, image);
    assert_eq!(t.read_pan().unwrap(), "6235990012345678");
    let ca = ca_keys();
    let req = PurchaseRequest::cny(
        100,
        [0x26, 0x12, 0x01],
        sscard_crypto::pboc::YearMonth {
            year: 2026,
            month: 12,
        },
    );
    assert_eq!(t.purchase(&req, &ca).unwrap().outcome, Outcome::Approved);
}

/// A card whose GPO answer has no `9F27` (many qPBOC cards): the outcome
/// comes from `9F10`, approved offline within the limits, online above them.
#[test]
fn no_9f27_in_the_gpo_answer() {
    use sscard::ops::payment::{Outcome, PurchaseRequest};
    let text = std::fs::read_to_string(root().join("card-profiles/ssc-3.0.toml")).unwrap();
    let variant = text.replacen("\nmac_key = ", "\ngpo_sends_cid = false\nmac_key = ", 1);
    assert_ne!(variant, text);
    let p = Arc::new(sscard_profile::load_str("ssc-3.0.toml", &variant).unwrap());
    assert!(!p.payment.as_ref().unwrap().gpo_sends_cid);
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let image = payment_card(&p, &h);
    let mut t = terminal(&p, image);
    t.record("purchase");
    let ca = ca_keys();
    let today = sscard_crypto::pboc::YearMonth {
        year: 2026,
        month: 12,
    };
    let ok = t
        .purchase(&PurchaseRequest::cny(100, [0x26, 0x12, 0x01], today), &ca)
        .unwrap();
    assert_eq!(ok.outcome, Outcome::Approved);
    let trace = t.take_trace().unwrap();
    let gpo = trace
        .exchanges
        .iter()
        .find(|e| e.name == "GET PROCESSING OPTIONS")
        .unwrap();
    assert!(
        !gpo.response.contains("9F2701"),
        "the variant sent 9F27: {}",
        gpo.response
    );
    // Above the balance: the card asks to go online, and says so in 9F10 only.
    let online = t
        .purchase(
            &PurchaseRequest::cny(1_000_000, [0x26, 0x12, 0x01], today).online(),
            &ca,
        )
        .unwrap();
    assert_eq!(online.outcome, Outcome::Online);
}

/// A card without card authentication related data `9F69` (fDDA version
/// 00): its dynamic signature covers `9F37` only, and the terminal checks
/// exactly that.
#[test]
fn fdda_version_00_signs_the_unpredictable_number_only() {
    use sscard::ops::payment::{Outcome, PurchaseRequest};
    let text = std::fs::read_to_string(root().join("card-profiles/ssc-3.0.toml")).unwrap();
    let variant = text.replace(
        r#"tags = ["9F46", "9F69", "9F4D"]"#,
        r#"tags = ["9F46", "9F4D"]"#,
    );
    assert_ne!(variant, text);
    let p = Arc::new(sscard_profile::load_str("ssc-3.0.toml", &variant).unwrap());
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let image = payment_card(&p, &h);
    let mut t = terminal(&p, image);
    let ca = ca_keys();
    let today = sscard_crypto::pboc::YearMonth {
        year: 2026,
        month: 12,
    };
    let ok = t
        .purchase(&PurchaseRequest::cny(100, [0x26, 0x12, 0x01], today), &ca)
        .unwrap();
    assert_eq!(ok.outcome, Outcome::Approved, "{:?}", ok.steps);
    let un = [1, 2, 3, 4];
    assert_eq!(
        sscard_crypto::pboc::terminal_dynamic_data(&un, &[0; 6], &[1, 0x56], &[]),
        un
    );
    assert_eq!(
        sscard_crypto::pboc::terminal_dynamic_data(&un, &[0; 6], &[1, 0x56], &[9]).len(),
        4 + 6 + 2 + 1
    );
}

fn approve(
    p: &Arc<sscard_profile::Profile>,
    image: CardImage,
) -> sscard::Result<sscard::ops::payment::Purchase> {
    use sscard::ops::payment::PurchaseRequest;
    let mut t = terminal(p, image);
    let today = sscard_crypto::pboc::YearMonth {
        year: 2026,
        month: 12,
    };
    t.purchase(
        &PurchaseRequest::cny(100, [0x26, 0x12, 0x01], today),
        &ca_keys(),
    )
}

/// A card whose data preparation wrote every BER length in the long form
/// (`81 LL`): the static data is the record bytes as read, so the ICC
/// certificate verifies and the purchase is approved (issue 14 point 5);
/// a terminal that re-encoded the records would decline it.
#[test]
fn non_minimal_lengths_in_signed_records_are_approved() {
    use sscard::ops::payment::Outcome;
    let text = std::fs::read_to_string(root().join("card-profiles/ssc-3.0.toml")).unwrap();
    let variant = format!("{text}\n[variant]\nrecord_lengths = \"long\"\n");
    let p = Arc::new(sscard_profile::load_str("ssc-3.0.toml", &variant).unwrap());
    assert!(p.variant.long_lengths);
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let image = payment_card(&p, &h);
    let first = image
        .records
        .iter()
        .find(|(k, _)| k.ends_with("/SFI1"))
        .and_then(|(_, r)| r.get(&1))
        .unwrap()
        .0
        .clone();
    assert_eq!(&first[..2], &[0x70, 0x81], "the long form on the card");
    let ok = approve(&p, image).unwrap();
    assert_eq!(ok.outcome, Outcome::Approved, "{:?}", ok.steps);
}

/// A signed record of SFI 1–10 that is not a `70` template fails offline
/// data authentication (EMV Book 3 §10.3): not approved.
#[test]
fn a_signed_record_that_is_not_a_70_template_fails() {
    let p = Arc::new(sscard_profile::load_file(root().join("card-profiles/ssc-3.0.toml")).unwrap());
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let mut image = payment_card(&p, &h);
    let rec = image
        .records
        .iter_mut()
        .find(|(k, _)| k.ends_with("/SFI1"))
        .and_then(|(_, r)| r.get_mut(&1))
        .unwrap();
    assert_eq!(rec.0[0], 0x70);
    rec.0[0] = 0x77;
    let e = approve(&p, image).unwrap_err();
    assert_eq!(e.code(), -21, "{e}");
    assert!(e.to_string().contains("not a 70 template"), "{e}");
}

/// `iReadICCardNum` on a card that refuses READ RECORD before GET
/// PROCESSING OPTIONS (`6985`): the host runs GPO, then reads the PAN; a
/// card with no `5A` in its records gives it from track 2 (`57`).
#[test]
fn the_pan_of_a_card_that_reads_records_only_after_gpo() {
    let text = std::fs::read_to_string(root().join("card-profiles/ssc-3.0.toml")).unwrap();
    let after_gpo = text.replacen("\nmac_key = ", "\nrecords_after_gpo = true\nmac_key = ", 1);
    assert_ne!(after_gpo, text);
    let no_5a = after_gpo.replace(
        r#"tags = ["57", "5A", "5F24", "5F25", "5F34"]"#,
        r#"tags = ["57", "5F24", "5F25", "5F34"]"#,
    );
    assert_ne!(no_5a, after_gpo);
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let pan = h.record().pan.clone().unwrap();
    for (what, variant) in [("5A after GPO", after_gpo), ("track 2 only", no_5a)] {
        let p = Arc::new(sscard_profile::load_str("ssc-3.0.toml", &variant).unwrap());
        assert!(p.payment.as_ref().unwrap().records_after_gpo);
        let image = payment_card(&p, &h);
        let mut t = terminal(&p, image);
        t.record("pan");
        assert_eq!(t.read_pan().unwrap(), pan, "{what}");
        let trace = t.take_trace().unwrap();
        let names: Vec<&str> = trace.exchanges.iter().map(|e| e.name.as_str()).collect();
        assert!(
            names.contains(&"GET PROCESSING OPTIONS"),
            "{what}: {names:?}"
        );
    }
    // The standard card: no GPO, no transaction.
    let p = Arc::new(sscard_profile::load_str("ssc-3.0.toml", &text).unwrap());
    let mut t = terminal(&p, payment_card(&p, &h));
    t.record("pan");
    assert_eq!(t.read_pan().unwrap(), pan);
    let trace = t.take_trace().unwrap();
    assert!(trace
        .exchanges
        .iter()
        .all(|e| e.name != "GET PROCESSING OPTIONS"));
}
