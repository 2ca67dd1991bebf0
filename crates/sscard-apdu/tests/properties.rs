//! Property tests: every encoder round-trips through its parser, and no
//! parser panics on arbitrary bytes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use sscard_apdu::dol::{Dol, DolEntry};
use sscard_apdu::field::{self, Amount, Date, Format};
use sscard_apdu::record::{self, BtlvRecord, Record};
use sscard_apdu::tlv::{self, Tag, Tlv};
use sscard_apdu::{Command, Response, StatusWord};

fn command() -> impl Strategy<Value = Command> {
    (
        any::<[u8; 4]>(),
        prop_oneof![
            3 => proptest::collection::vec(any::<u8>(), 0..=255),
            1 => proptest::collection::vec(any::<u8>(), 256..=700),
        ],
        prop_oneof![
            Just(None),
            (1usize..=256).prop_map(Some),
            (1usize..=65_536).prop_map(Some)
        ],
    )
        .prop_map(|([cla, ins, p1, p2], data, le)| {
            let mut c = Command::new(cla, ins, p1, p2);
            if !data.is_empty() {
                c = c.with_data(data).unwrap();
            }
            if let Some(le) = le {
                c = c.with_le(le).unwrap();
            }
            c
        })
}

fn tag(constructed: bool) -> impl Strategy<Value = Tag> {
    (any::<u8>(), any::<u8>(), any::<bool>())
        .prop_map(move |(a, b, two)| {
            let first = if constructed { a | 0x20 } else { a & !0x20 };
            if two {
                (u32::from(first | 0x1F) << 8) | u32::from(b & 0x7F)
            } else {
                u32::from(first)
            }
        })
        .prop_filter_map("valid tag", |n| Tag::new(n).ok())
}

fn tlv_tree() -> impl Strategy<Value = Tlv> {
    let leaf = (tag(false), proptest::collection::vec(any::<u8>(), 0..300))
        .prop_map(|(t, v)| Tlv::primitive(t.number(), v).unwrap());
    leaf.prop_recursive(6, 64, 6, |inner| {
        (tag(true), proptest::collection::vec(inner, 0..6))
            .prop_map(|(t, c)| Tlv::constructed(t.number(), c).unwrap())
    })
}

fn rec() -> impl Strategy<Value = Record> {
    (1u8..=0xFE, proptest::collection::vec(any::<u8>(), 0..=255))
        .prop_map(|(t, v)| Record::new(t, v).unwrap())
}

fn gbk_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            (0x20u32..0x7F).prop_map(|c| char::from_u32(c).unwrap()),
            // Common CJK ideographs: all in GBK.
            (0x4E00u32..0x9FA5).prop_map(|c| char::from_u32(c).unwrap()),
        ],
        0..15,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #[test]
    fn command_round_trip(c in command()) {
        let bytes = c.to_bytes();
        prop_assert_eq!(bytes.len(), c.encoded_len());
        prop_assert_eq!(&Command::from_bytes(&bytes).unwrap(), &c);
        prop_assert_eq!(&c.to_string().parse::<Command>().unwrap(), &c);
    }

    #[test]
    fn response_round_trip(data in proptest::collection::vec(any::<u8>(), 0..600), sw in any::<u16>()) {
        let r = Response::new(data, sw);
        prop_assert_eq!(&Response::from_bytes(&r.to_bytes()).unwrap(), &r);
        prop_assert_eq!(StatusWord::from(sw).to_u16(), sw);
    }

    #[test]
    fn ber_tlv_round_trip(list in proptest::collection::vec(tlv_tree(), 0..4)) {
        let bytes = tlv::encode_all(&list);
        prop_assert_eq!(&Tlv::parse_all(&bytes).unwrap(), &list);
        // iso7816-tlv reads our encoding the same way.
        for t in &list {
            let theirs = iso7816_tlv::ber::Tlv::from_bytes(&t.to_bytes()).unwrap();
            prop_assert_eq!(&Tlv::try_from(&theirs).unwrap(), t);
        }
    }

    #[test]
    fn ber_tlv_padding_is_transparent(list in proptest::collection::vec(tlv_tree(), 1..4), pad in proptest::collection::vec(prop_oneof![Just(0u8), Just(0xFF)], 0..4)) {
        let mut bytes = Vec::new();
        for t in &list {
            bytes.extend(&pad);
            bytes.extend(t.to_bytes());
        }
        bytes.extend(&pad);
        prop_assert_eq!(&Tlv::parse_all(&bytes).unwrap(), &list);
    }

    #[test]
    fn record_round_trip(list in proptest::collection::vec(rec(), 0..8)) {
        let bytes = record::encode_records(&list);
        prop_assert_eq!(&record::parse_records(&bytes).unwrap(), &list);
        for r in &list {
            prop_assert_eq!(&Record::parse(&r.to_bytes()).unwrap(), r);
        }
    }

    #[test]
    fn btlv_round_trip(tag in 1u8..=0xFE, items in proptest::collection::vec((1u8..=0xFE, proptest::collection::vec(any::<u8>(), 0..20)), 0..8)) {
        let items: Vec<Record> = items.into_iter().map(|(t, v)| Record::new(t, v).unwrap()).collect();
        let b = BtlvRecord::new(tag, items).unwrap();
        prop_assert_eq!(&BtlvRecord::parse(&b.to_bytes()).unwrap(), &b);
    }

    #[test]
    fn dol_round_trip(entries in proptest::collection::vec((tag(false), 1usize..=255), 0..12), values in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..10), 12)) {
        let dol = Dol::new(entries.iter().map(|(tag, len)| DolEntry { tag: *tag, len: *len }).collect());
        let parsed = Dol::parse(&dol.to_bytes()).unwrap();
        prop_assert_eq!(&parsed, &dol);
        let map: BTreeMap<u32, Vec<u8>> = entries.iter().zip(values).map(|((t, _), v)| (t.number(), v)).collect();
        let data = dol.build(&map);
        prop_assert_eq!(data.len(), dol.data_len());
        let items = dol.split(&data).unwrap();
        prop_assert_eq!(items.len(), entries.len());
    }

    #[test]
    fn cn_round_trip(digits in "[0-9]{0,20}", extra in 0usize..4) {
        let len = digits.len().div_ceil(2) + extra;
        let b = Format::Cn.encode(&digits, len).unwrap();
        prop_assert_eq!(b.len(), len);
        prop_assert_eq!(Format::Cn.decode(&b).unwrap(), digits);
    }

    #[test]
    fn n_round_trip(value in any::<u64>(), extra in 0usize..4) {
        let len = 10 + extra;
        let b = field::n_encode_u64(value, len).unwrap();
        prop_assert_eq!(field::n_decode_u64(&b).unwrap(), value);
        let text = Format::N.decode(&b).unwrap();
        prop_assert_eq!(text.len(), len * 2);
        let expected = value.to_string();
        prop_assert_eq!(text.trim_start_matches('0'), expected.trim_start_matches('0'));
    }

    #[test]
    fn an_round_trip(text in gbk_text(), rare in proptest::bool::ANY) {
        // Characters beyond GBK go in as GB 18030; trailing spaces read as
        // padding (cards pad with 00, 20 or FF).
        let text = if rare { format!("{text}𠮷") } else { text };
        let b = Format::An.encode(&text, 44).unwrap();
        prop_assert_eq!(Format::An.decode(&b).unwrap(), text.trim_end_matches(' '));
    }

    #[test]
    fn b_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..32)) {
        let text = Format::B.decode(&bytes).unwrap();
        prop_assert_eq!(Format::B.encode(&text, bytes.len()).unwrap(), bytes);
    }

    #[test]
    fn date_round_trip(y in 0u16..=9999, m in 1u8..=12, d in 1u8..=31) {
        if let Ok(date) = Date::new(y, m, d) {
            prop_assert_eq!(Date::from_bcd(&date.to_bcd()).unwrap(), date);
            prop_assert_eq!(date.to_string().parse::<Date>().unwrap(), date);
        }
    }

    #[test]
    fn amount_round_trip(fen in any::<u32>()) {
        let a = Amount::from_fen(fen);
        prop_assert_eq!(a.to_string().parse::<Amount>().unwrap(), a);
        prop_assert_eq!(Amount::from_bytes(a.to_bytes()), a);
    }

    #[test]
    fn parsers_never_panic_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Command::from_bytes(&bytes);
        let _ = Response::from_bytes(&bytes);
        let _ = Tlv::parse_all(&bytes);
        let _ = Tlv::parse_one(&bytes);
        let _ = record::parse_records(&bytes);
        let _ = Record::parse(&bytes);
        let _ = BtlvRecord::parse(&bytes);
        let _ = Dol::parse(&bytes);
        let _ = Format::Cn.decode(&bytes);
        let _ = Format::N.decode(&bytes);
        let _ = Format::An.decode(&bytes);
        let _ = Date::from_bcd(&bytes);
        let _ = field::n_decode_u64(&bytes);
    }

    #[test]
    fn text_parsers_never_panic(text in "\\PC{0,40}") {
        let _ = text.parse::<Command>();
        let _ = text.parse::<Response>();
        let _ = text.parse::<Date>();
        let _ = text.parse::<Amount>();
        for f in [Format::Cn, Format::N, Format::An, Format::B] {
            let _ = f.encode(&text, 16);
        }
    }
}

/// TLV trees as encoded bytes, sometimes cut or with one byte changed.
fn tlv_bytes() -> impl Strategy<Value = Vec<u8>> {
    let leaf = (
        prop_oneof![Just(0x5Au32), Just(0x9F36), Just(0x84)],
        proptest::collection::vec(any::<u8>(), 0..20),
    )
        .prop_map(|(t, v)| Tlv::primitive(t, v).unwrap());
    let tree = leaf.prop_recursive(4, 24, 4, |inner| {
        (
            prop_oneof![Just(0x70u32), Just(0xA5), Just(0xBF0C)],
            proptest::collection::vec(inner, 0..4),
        )
            .prop_map(|(t, c)| Tlv::constructed(t, c).unwrap())
    });
    (
        proptest::collection::vec(tree, 0..4),
        any::<u16>(),
        any::<u8>(),
    )
        .prop_map(|(list, cut, flip)| {
            let mut b = tlv::encode_all(&list);
            if cut % 3 == 0 && !b.is_empty() {
                b.truncate(usize::from(cut) % b.len());
            } else if cut % 3 == 1 && !b.is_empty() {
                let i = usize::from(cut) % b.len();
                b[i] ^= flip;
            }
            b
        })
}

proptest! {
    /// The borrowed walk and the owned tree agree on every input: both
    /// accept it or both refuse it with the same error, and they see the
    /// same objects.
    #[test]
    fn tlv_views_agree_with_the_owned_tree(b in prop_oneof![tlv_bytes(), proptest::collection::vec(any::<u8>(), 0..64)]) {
        let owned = Tlv::parse_all(&b);
        let walked = sscard_apdu::tlv_view::validate(&b);
        match (&owned, &walked) {
            (Ok(list), Ok(n)) => {
                fn count(l: &[Tlv]) -> usize { l.iter().map(|t| 1 + count(t.children())).sum() }
                prop_assert_eq!(count(list), *n);
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            _ => prop_assert!(false, "owned {:?} vs view {:?}", owned.is_ok(), walked.is_ok()),
        }
    }

    /// Record views and owned records agree.
    #[test]
    fn record_views_agree_with_owned_records(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let owned = record::parse_records(&b);
        let views: Result<Vec<_>, _> = record::record_views(&b).collect();
        match (owned, views) {
            (Ok(o), Ok(v)) => prop_assert_eq!(o, v.iter().map(record::RecordView::to_record).collect::<Vec<_>>()),
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (o, v) => prop_assert!(false, "owned {:?} vs views {:?}", o.is_ok(), v.is_ok()),
        }
    }
}
