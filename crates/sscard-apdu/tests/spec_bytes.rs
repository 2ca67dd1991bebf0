//! Real bytes from the specification (spec 01, 02, 04).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sscard_apdu::field::{self, Amount, Date, Format};
use sscard_apdu::hexfmt::parse;
use sscard_apdu::tlv::{find_path, Tlv};
use sscard_apdu::{Command, Response, StatusWord};

#[test]
fn select_ssse_encodes_as_the_spec_says() -> sscard_apdu::Result<()> {
    // Spec 01 §1.1: ASCII "sx1.sh." followed by GBK 社会保障.
    let mut name = b"sx1.sh.".to_vec();
    name.extend(field::gbk_encode("社会保障")?);
    let select = Command::new(0x00, 0xA4, 0x04, 0x00).with_data(name)?;
    assert_eq!(
        hex::encode_upper(select.to_bytes()),
        "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"
    );
    // And back from the text form.
    let parsed: Command = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF".parse()?;
    assert_eq!(parsed, select);
    Ok(())
}

#[test]
fn select_ppse_is_case_4() -> sscard_apdu::Result<()> {
    // Spec 04 §4.1: 00 A4 04 00 0E "2PAY.SYS.DDF01" 00.
    let select = Command::new(0x00, 0xA4, 0x04, 0x00)
        .with_data(*b"2PAY.SYS.DDF01")?
        .with_le(256)?;
    assert_eq!(
        select.to_string(),
        "00 A4 04 00 0E 32 50 41 59 2E 53 59 53 2E 44 44 46 30 31 00"
    );
    assert_eq!(select.case(), sscard_apdu::Case::Four);
    Ok(())
}

#[test]
fn pki_names_are_the_spec_bytes() -> sscard_apdu::Result<()> {
    let mut ddf = b"PKI.".to_vec();
    ddf.extend(field::gbk_encode("社会保障")?);
    assert_eq!(hex::encode_upper(ddf), "504B492EC9E7BBE1B1A3D5CF");
    Ok(())
}

#[test]
fn gbk_name_round_trip() -> sscard_apdu::Result<()> {
    let b = Format::An.encode("张三", 30)?;
    assert_eq!(b.len(), 30);
    assert_eq!(&b[..4], &parse("D5C5C8FD")?[..]);
    assert_eq!(Format::An.decode(&b)?, "张三");
    Ok(())
}

#[test]
fn dates_and_amounts_in_cn_and_n() -> sscard_apdu::Result<()> {
    // EF05 tag 05, issue date 2010-10-01, cn 4.
    let d: Date = "20101001".parse()?;
    assert_eq!(
        Format::Cn.encode(&d.to_string(), 4)?,
        [0x20, 0x10, 0x10, 0x01]
    );
    assert_eq!(d.to_bcd(), [0x20, 0x10, 0x10, 0x01]);
    // GPO amount 9F02 (n 6) of 25.80 yuan.
    let a: Amount = "25.80".parse()?;
    assert_eq!(
        Format::N.encode(&a.fen().to_string(), 6)?,
        [0x00, 0x00, 0x00, 0x00, 0x25, 0x80]
    );
    // Medical debit amounts are 4-byte unsigned fen (spec 02 §2.4).
    assert_eq!(a.to_bytes(), [0, 0, 0x0A, 0x14]);
    // EF05 tag 01 area code as cn: 639900.
    assert_eq!(Format::Cn.decode(&parse("639900")?)?, "639900");
    Ok(())
}

#[test]
fn fci_with_algorithm_template() -> sscard_apdu::Result<()> {
    // Spec 01 §1.5: 9F0C is primitive, its value is 86 01 03 (SM4).
    let resp: Response =
        "6F 19 84 0F 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF A5 06 9F 0C 03 86 01 03 90 00"
            .parse()?;
    assert_eq!(resp.sw(), StatusWord::Success);
    let fci = Tlv::parse_all(resp.data())?;
    let template = find_path(&fci, &[0x6F, 0xA5, 0x9F0C]).map(Tlv::parse_value);
    let alg = match template {
        Some(Ok(inner)) => find_path(&inner, &[0x86])
            .and_then(Tlv::bytes)
            .map(<[u8]>::to_vec),
        _ => None,
    };
    assert_eq!(alg, Some(vec![0x03]));
    Ok(())
}

#[test]
fn ppse_answer_lists_the_application() -> sscard_apdu::Result<()> {
    let fci = parse(
        "6F 24 84 0E 32 50 41 59 2E 53 59 53 2E 44 44 46 30 31 A5 12 BF 0C 0F \
         61 0D 4F 08 A0 00 00 03 33 01 01 01 87 01 01",
    )?;
    let t = Tlv::parse_all(&fci)?;
    let aid = find_path(&t, &[0x6F, 0xA5, 0xBF0C, 0x61, 0x4F]).and_then(Tlv::bytes);
    assert_eq!(aid, Some(&parse("A000000333010101")?[..]));
    Ok(())
}

/// `an` text against an independent encoder: glibc's `iconv -t GB18030`
/// gives the same bytes for GBK names and for names beyond GBK.
#[test]
fn an_text_matches_iconv_gb18030() {
    use std::io::Write;
    let names = ["张三", "吉𠮷", "阿卜杜热合曼·买买提江", "李·𠀀𪚥"];
    for name in names {
        let Ok(mut child) = std::process::Command::new("iconv")
            .args(["-f", "UTF-8", "-t", "GB18030"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
        else {
            assert!(std::env::var("CI").is_err(), "CI=true but iconv is missing");
            return eprintln!("skipped: no iconv");
        };
        child
            .stdin
            .take()
            .map(|mut i| i.write_all(name.as_bytes()))
            .transpose()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        assert_eq!(field::gb18030_encode(name).unwrap(), out.stdout, "{name}");
        assert_eq!(field::an_decode(&out.stdout).unwrap(), name);
    }
}
