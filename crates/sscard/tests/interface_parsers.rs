//! The reader interface's text inputs (spec 05): `pFileAddr`, `pPayInfo`,
//! `pCardInfo` and the key-server answers (`pKey`). Arbitrary text never
//! panics and gives -20 or -23 when refused; what is accepted is what the
//! grammar says.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use sscard::interface::lines::parse_step2_key;
use sscard::ops::card_info::CardInfo;
use sscard::ops::debit::PayInfo;
use sscard::ops::files::FileAddr;
use sscard::ops::hsm::HsmAuth;

/// Text made of the interface's own characters, where the parsers'
/// decisions are, and some others.
fn interface_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('|'),
            Just('$'),
            Just(':'),
            Just('.'),
            Just('^'),
            Just('-'),
            proptest::char::range('0', '9'),
            proptest::char::range('A', 'F'),
            Just('D'),
            Just('E'),
            Just('X'),
            Just('张'),
            Just('\u{0}'),
            any::<char>(),
        ],
        0..80,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn refusals_are_typed(text in interface_text()) {
        if let Err(e) = FileAddr::parse(&text) {
            prop_assert_eq!(e.code(), -23);
        }
        if let Err(e) = PayInfo::parse(&text) {
            prop_assert_eq!(e.code(), -23);
        }
        if let Err(e) = CardInfo::parse(&text) {
            prop_assert!(e.code() == -23 || e.code() == -20);
        }
        if let Err(e) = parse_step2_key(&text) {
            prop_assert_eq!(e.code(), -23);
        }
        let auth = HsmAuth { key_address: 0x004C, process_factor: [1; 8], source: [2; 8] };
        if let Err(e) = auth.parse_answer(&text) {
            prop_assert_eq!(e.code(), -23);
        }
    }

    /// A well-formed `pFileAddr` parses to what it says.
    #[test]
    fn file_addresses_round_trip(
        files in proptest::collection::vec(
            ("[0-9A-F]{4}", "EF[0-9A-F]{2}", proptest::collection::vec((0u8..=255, proptest::option::of(1u8..=20)), 0..5)),
            1..4,
        )
    ) {
        let text: String = files
            .iter()
            .map(|(df, ef, items)| {
                let items: String = items
                    .iter()
                    .map(|(t, r)| match r {
                        Some(r) => format!("{t:02X}:{r}|"),
                        None => format!("{t:02X}|"),
                    })
                    .collect();
                format!("{df}{ef}|{items}$")
            })
            .collect();
        let parsed = FileAddr::parse(&text).unwrap();
        prop_assert_eq!(parsed.files.len(), files.len());
        for (f, (df, ef, items)) in parsed.files.iter().zip(&files) {
            prop_assert_eq!(&f.name, &format!("{df}{ef}"));
            prop_assert_eq!(f.items.len(), items.len());
            for (it, (t, r)) in f.items.iter().zip(items) {
                prop_assert_eq!(it.tag, *t);
                prop_assert_eq!(it.record, *r);
            }
        }
    }

    /// Amounts with two decimals and a valid date-time are accepted, and
    /// the account part may not exceed the total.
    #[test]
    fn pay_info(total in 0u32..4_000_000_000, part in 0u32..4_000_000_000, h in 0u8..24, m in 0u8..60) {
        let text = format!(
            "{}.{:02}|{}.{:02}|20261123{h:02}{m:02}00|",
            total / 100, total % 100, part / 100, part % 100
        );
        match PayInfo::parse(&text) {
            Ok(p) => {
                prop_assert!(part <= total);
                prop_assert_eq!(p.total.fen(), total);
                prop_assert_eq!(p.account_pooled.fen(), part);
            }
            Err(e) => {
                prop_assert!(part > total, "{text}: {e}");
                prop_assert_eq!(e.code(), -23);
            }
        }
    }
}

/// A date-time of 14 bytes that are not 14 digits (a multi-byte character
/// across a field boundary) is refused, not sliced.
#[test]
fn date_time_of_other_characters() {
    for when in [
        "张张张张X1",
        "2026112310153張",
        "２０２６1123101",
        "20261123 10153",
    ] {
        let text = format!("1.00|1.00|{when}|");
        assert_eq!(
            PayInfo::parse(&text).map_err(|e| e.code()).err(),
            Some(-23),
            "{when}"
        );
    }
}

/// Addresses in the grammar but about any file, tag and record, read and
/// written on a personalised card: typed errors, never a panic.
#[test]
fn any_address_on_a_card() {
    use std::cell::RefCell;
    use std::path::PathBuf;

    use sscard::ops::{Profiles, Terminal};
    use sscard::pin::{CallbackPad, Pin, PinPrompt};
    use sscard::security::software::SoftwareModule;
    use sscard::transport::sim::SimTransport;
    use sscard_profile::Generation;
    use sscard_sim::{Simulator, UserCard};

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let masters =
        sscard_profile::keys::MasterKeys::load_file(root.join("fixtures/keys/test-masters.toml"))
            .unwrap();
    let profiles = Profiles::load_dir(&root.join("card-profiles")).unwrap();
    let p = profiles.for_generation(Generation::V3).unwrap();
    let h = sscard_profile::holder::Holder::load_file(root.join("fixtures/holders/zhang-san.toml"))
        .unwrap();
    let img = sscard_sim::perso::personalise(&p, &h, &masters).unwrap();
    let sm = SoftwareModule::new(masters, [0; 6], 0x017F);
    let pad = CallbackPad(|_: PinPrompt| Pin::new("123456"));
    // The card's own files and tags, and some that are not there.
    let mut files: Vec<(String, Vec<u8>)> = p
        .efs
        .iter()
        .map(|e| (e.address_name(), e.elements.iter().map(|x| x.tag).collect()))
        .collect();
    files.push(("DF09EF01".into(), vec![0x01]));
    let t = RefCell::new(Terminal::new(
        SimTransport::new(Simulator::new(UserCard::new(p), img), "sim"),
        sm,
        pad,
        profiles,
    ));
    let strategy = (
        proptest::collection::vec(
            (
                0..files.len(),
                proptest::collection::vec(
                    (
                        any::<prop::sample::Index>(),
                        prop_oneof![
                            Just(None),
                            (1u8..=4).prop_map(Some),
                            (200u8..=255).prop_map(Some),
                            Just(Some(255))
                        ],
                    ),
                    0..3,
                ),
            ),
            1..3,
        ),
        any::<bool>(),
        prop_oneof![Just("CHN".to_owned()), "[A-Z0-9^]{0,6}"],
    );
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(1000));
    runner
        .run(&strategy, |(chosen, auth_key, value)| {
            let mut addr = String::new();
            let mut data = String::new();
            for (file, items) in &chosen {
                let (name, tags) = &files[*file];
                addr.push_str(&format!("{name}|"));
                data.push_str(&format!("{name}|"));
                for (index, rec) in items {
                    let tag = if tags.is_empty() {
                        0x01
                    } else {
                        tags[index.index(tags.len())]
                    };
                    match rec {
                        Some(r) => addr.push_str(&format!("{tag:02X}:{r}|")),
                        None => addr.push_str(&format!("{tag:02X}|")),
                    }
                    data.push_str(&format!("{value}|"));
                }
                addr.push('$');
                data.push('$');
            }
            let parsed = FileAddr::parse(&addr).unwrap();
            let mut t = t.borrow_mut();
            if let Err(e) = t.read_file_addr(&parsed, if auth_key { 2 } else { 1 }) {
                prop_assert!(e.code() < 0, "{addr}: {e}");
            }
            if let Err(e) = t.write_file_addr(&parsed, &data) {
                prop_assert!(e.code() < 0, "{addr} {data}: {e}");
            }
            Ok(())
        })
        .unwrap();
}
