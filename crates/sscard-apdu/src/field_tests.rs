//! Unit tests of `field`, with the spec's bytes.
use super::*;

#[test]
fn gbk_name() -> Result<()> {
    let b = an_encode("张三", 30)?;
    assert_eq!(&b[..4], &[0xD5, 0xC5, 0xC8, 0xFD]);
    assert!(b[4..].iter().all(|x| *x == 0));
    assert_eq!(an_decode(&b)?, "张三");
    Ok(())
}

#[test]
fn rare_characters_are_gb18030_and_padding_is_any_of_three() -> Result<()> {
    // 吉 in GBK, 𠮷 as GB 18030's four bytes (checked against
    // `iconv -t GB18030`: BC AA 95 34 B2 35).
    let b = an_encode("吉𠮷", 30)?;
    assert_eq!(&b[..6], &[0xBC, 0xAA, 0x95, 0x34, 0xB2, 0x35]);
    assert_eq!(an_decode(&b)?, "吉𠮷");
    assert_eq!(
        gbk_encode("吉𠮷"),
        Err(Error::NotGbk {
            ch: '𠮷',
            code: 0x20BB7,
            position: 1
        })
    );
    for pad in [0x00, 0x20, 0xFF] {
        assert_eq!(an_decode(&[0xD5, 0xC5, 0xC8, 0xFD, pad, pad])?, "张三");
    }
    Ok(())
}

#[test]
fn bad_text_is_refused() {
    assert!(an_encode("a\0b", 5).is_err());
    assert!(an_encode("张三", 3).is_err());
    assert_eq!(an_decode(&[0xFF, 0x30]), Err(Error::BadGbk));
}

#[test]
fn bcd_formats() -> Result<()> {
    // Issue date 2010-10-01 as cn 4 and an amount of 100.00 yuan as n 6.
    assert_eq!(cn_encode("20101001", 4)?, [0x20, 0x10, 0x10, 0x01]);
    assert_eq!(n_encode_u64(10_000, 6)?, [0, 0, 0, 0x01, 0x00, 0x00]);
    assert_eq!(cn_encode("639900", 4)?, [0x63, 0x99, 0x00, 0xFF]);
    assert_eq!(cn_decode(&[0x63, 0x99, 0x00, 0xFF])?, "639900");
    assert_eq!(n_decode_u64(&[0, 0, 0, 0x01, 0x00, 0x00])?, 10_000);
    assert!(matches!(
        cn_decode(&[0x1F, 0x23]),
        Err(Error::Bcd { offset: 1, .. })
    ));
    assert!(matches!(
        n_decode(&[0x1A]),
        Err(Error::Bcd { offset: 0, .. })
    ));
    assert!(matches!(
        cn_encode("12a", 2),
        Err(Error::FieldChar { position: 2, .. })
    ));
    assert!(n_encode("12345", 2).is_err());
    assert!(cn_encode("١٢", 2).is_err());
    Ok(())
}

#[test]
fn dates() -> Result<()> {
    assert!("20240229".parse::<Date>().is_ok());
    assert!("20230229".parse::<Date>().is_err());
    assert!("20231301".parse::<Date>().is_err());
    assert!("2023011".parse::<Date>().is_err());
    let d = Date::from_bcd(&[0x19, 0x81, 0x01, 0x01])?;
    assert_eq!(d.to_string(), "19810101");
    assert!(Date::from_bcd(&[0x19, 0x81, 0x01, 0x32]).is_err());
    Ok(())
}

#[test]
fn amounts() -> Result<()> {
    assert_eq!("0.01".parse::<Amount>()?.fen(), 1);
    assert_eq!("12.3".parse::<Amount>()?.fen(), 1230);
    assert_eq!("42949672.95".parse::<Amount>()?.fen(), u32::MAX);
    assert!("42949672.96".parse::<Amount>().is_err());
    assert!("1.234".parse::<Amount>().is_err());
    assert!("-1".parse::<Amount>().is_err());
    assert!("1.".parse::<Amount>().is_err());
    assert!("".parse::<Amount>().is_err());
    assert_eq!(Amount::from_fen(1234).to_string(), "12.34");
    Ok(())
}
