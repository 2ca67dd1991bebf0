//! Unit tests of `tlv`, with the spec's bytes.
use super::*;
use crate::hexfmt::parse;

#[test]
fn padding_is_skipped_at_every_level() -> Result<()> {
    let b = parse("00 FF 70 07 00 5A 02 11 22 FF 00 00 FF")?;
    let t = Tlv::parse_all(&b)?;
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].children().len(), 1);
    assert_eq!(t[0].children()[0].bytes(), Some(&[0x11, 0x22][..]));
    Ok(())
}

#[test]
fn indefinite_length_is_an_error() -> Result<()> {
    let b = parse("70 80 5A 01 11 00 00")?;
    assert_eq!(
        Tlv::parse_all(&b),
        Err(Error::TlvIndefiniteLength {
            offset: 1,
            tag: 0x70
        })
    );
    Ok(())
}

#[test]
fn truncation_names_offset() -> Result<()> {
    let b = parse("6F 05 84 04 01 02")?;
    assert_eq!(
        Tlv::parse_all(&b),
        Err(Error::TlvTruncated {
            offset: 2,
            what: "value",
            needed: 5,
            available: 4
        })
    );
    let b = parse("6F 04 84 04 01 02")?;
    assert!(matches!(
        Tlv::parse_all(&b),
        Err(Error::TlvTruncated {
            offset: 4,
            what: "value",
            needed: 4,
            available: 2
        })
    ));
    Ok(())
}

#[test]
fn find_by_path_reaches_constructed_tags() -> Result<()> {
    let b = parse("6F 12 84 02 AA BB A5 0C BF 0C 09 61 07 4F 05 A0 00 00 03 33")?;
    let t = Tlv::parse_all(&b)?;
    let entry = find_path(&t, &[0x6F, 0xA5, 0xBF0C, 0x61]);
    assert_eq!(entry.map(|e| e.children().len()), Some(1));
    assert_eq!(
        find_tag(&t, 0x4F).and_then(Tlv::bytes),
        Some(&[0xA0, 0, 0, 3, 0x33][..])
    );
    assert_eq!(find_all(&t, 0x61).len(), 1);
    assert!(find_path(&t, &[0x6F, 0x61]).is_none());
    Ok(())
}

#[test]
fn nine_f_zero_c_holds_a_tlv() -> Result<()> {
    let b = parse("6F 0C 84 02 73 78 A5 06 9F 0C 03 86 01 03")?;
    let t = Tlv::parse_all(&b)?;
    let inner = find_path(&t, &[0x6F, 0xA5, 0x9F0C])
        .map(Tlv::parse_value)
        .transpose()?
        .unwrap_or_default();
    assert_eq!(
        find_tag(&inner, 0x86).and_then(Tlv::bytes),
        Some(&[3u8][..])
    );
    Ok(())
}

#[test]
fn long_lengths_round_trip() -> Result<()> {
    for n in [0usize, 1, 127, 128, 255, 256, 65_535, 65_536] {
        let t = Tlv::primitive(0x9F4B, vec![7u8; n])?;
        let b = t.to_bytes();
        assert_eq!(Tlv::parse_all(&b)?, vec![t]);
    }
    Ok(())
}

#[test]
fn bad_tags() {
    assert!(Tag::new(0).is_err());
    assert!(Tag::new(0x1F).is_err());
    assert!(Tag::new(0x9F80).is_err());
    assert!(Tag::new(0x1234_5678).is_err());
    assert!(Tlv::primitive(0x70, []).is_err());
    assert!(Tlv::constructed(0x5A, vec![]).is_err());
    // Four tag bytes.
    assert!(matches!(
        Tlv::parse_all(&[0x9F, 0x81, 0x81, 0x01, 0x00]),
        Err(Error::TlvTag { offset: 0, .. })
    ));
}

#[test]
fn depth_is_capped_before_recursing() -> Result<()> {
    // Properly nested lengths so that only the depth can stop it.
    let mut t = Tlv::primitive(0x5A, [1])?;
    for _ in 0..MAX_DEPTH {
        t = Tlv::constructed(0x70, vec![t])?;
    }
    assert!(matches!(
        Tlv::parse_all(&t.to_bytes()),
        Err(Error::TlvTooDeep { max: MAX_DEPTH, .. })
    ));
    let mut ok = Tlv::primitive(0x5A, [1])?;
    for _ in 0..MAX_DEPTH - 1 {
        ok = Tlv::constructed(0x70, vec![ok])?;
    }
    assert_eq!(Tlv::parse_all(&ok.to_bytes())?, vec![ok]);
    Ok(())
}

#[test]
fn agrees_with_iso7816_tlv() -> Result<()> {
    let b = parse("70 0E 61 0C 4F 05 A0 00 00 03 33 50 03 50 42 43")?;
    let ours = Tlv::parse_all(&b)?;
    let theirs = ber::Tlv::from_bytes(&b).map_err(|e| Error::TlvTag {
        offset: 0,
        source: TlvCrateError(e),
    })?;
    assert_eq!(ber::Tlv::try_from(&ours[0])?, theirs);
    assert_eq!(Tlv::try_from(&theirs)?, ours[0]);
    assert_eq!(theirs.to_vec(), ours[0].to_bytes());
    Ok(())
}
