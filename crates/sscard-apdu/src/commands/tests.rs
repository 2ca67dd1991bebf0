//! Each builder against the spec's literal bytes (02, 03, 04), so that
//! sharing the vocabulary cannot hide a wrong layout.

use super::*;
use crate::hexfmt::parse;

fn bytes(a: &Apdu) -> String {
    hexfmt::to_spaced_hex(&a.command().to_bytes())
}

fn spec(hex: &str) -> String {
    hexfmt::to_spaced_hex(&parse(hex).unwrap_or_default())
}

#[test]
fn social_security_application_commands_have_the_spec_bytes() -> Result<()> {
    let ssse = parse("7378312E73682EC9E7BBE1B1A3D5CF")?;
    // 02 §2.1; the host asks for the FCI (Le 00).
    assert_eq!(
        bytes(&select_name(&ssse)?),
        spec("00A404000F7378312E73682EC9E7BBE1B1A3D5CF00")
    );
    assert_eq!(bytes(&select_fid(0xEF05)), spec("00A4000002EF05"));
    assert_eq!(
        bytes(&read_record(RecordAt::Number(3), 6)?),
        spec("00B2030406")
    );
    assert_eq!(
        bytes(&read_holder_record(RecordAt::Tag(0x08), 20)?),
        spec("00B2080014")
    );
    // The EP log, 02 §2.4: `00 B2 <n> C4 17`.
    assert_eq!(
        bytes(&read_record(
            RecordAt::Sfi {
                sfi: 0x18,
                number: 1
            },
            0x17
        )?),
        spec("00B201C417")
    );
    assert_eq!(
        bytes(&read_binary(BinaryAt::Offset(0x01E0), 0xE0)?),
        spec("00B001E0E0")
    );
    // The PSAM's terminal number, 02 §2.5: `00 B0 96 00 06`.
    assert_eq!(
        bytes(&read_binary(BinaryAt::Sfi(0x16), 6)?),
        spec("00B0960006")
    );
    assert_eq!(
        bytes(&update_holder_record(2, &[0x08, 0x02, 0x41, 0x42])?),
        spec("00DC02040408024142")
    );
    assert_eq!(
        bytes(&update_holder_binary(0x70, &[1, 2])?),
        spec("00D60070020102")
    );
    // 6 digits: `03 12 34 56`.
    assert_eq!(
        bytes(&verify(0x00, &[0x12, 0x34, 0x56])?),
        spec("0020000003123456")
    );
    assert_eq!(
        bytes(&change_pin(&[0x12, 0x34, 0x56], &[0x65, 0x43, 0x21])?),
        spec("805E010007123456FF654321")
    );
    assert_eq!(bytes(&get_challenge()), spec("0084000008"));
    let r1 = [1u8; 8];
    let r2 = [2u8; 8];
    assert_eq!(
        bytes(&internal_authenticate(0x08, &r1, &r2)),
        spec("00880008100101010101010101020202020202020208")
    );
    assert_eq!(
        bytes(&external_authenticate(0x0A, &r1, &r2)),
        spec("0082000A1001010101010101010202020202020202")
    );
    Ok(())
}

#[test]
fn pin_secure_messaging_headers_have_the_spec_bytes() -> Result<()> {
    // RELOAD PIN: a 5-byte header, one 16-byte block, a 4-byte MAC.
    assert_eq!(reload_pin_header(16), [0x84, 0x5E, 0x00, 0x00, 0x14]);
    assert_eq!(unblock_pin_header(), [0x84, 0x24, 0x00, 0x00, 0x04]);
    let mac = [9u8; 4];
    let unblock = pin_sm(unblock_pin_header(), &mac).transpose()?;
    assert_eq!(
        unblock.as_ref().map(bytes),
        Some(spec("842400000409090909"))
    );
    assert_eq!(unblock.map(|a| a.name()), Some("UNBLOCK PIN"));
    let reload = pin_sm(reload_pin_header(16), &[0u8; 20]).transpose()?;
    assert_eq!(reload.map(|a| a.name()), Some("RELOAD PIN"));
    assert!(pin_sm([0x00, 0xA4, 0, 0, 2], &[0x3F, 0x00]).is_none());
    assert_eq!(verify_header(0x81), [0x00, 0x20, 0x00, 0x81]);
    assert_eq!(change_pin_header(), ([0x80, 0x5E, 0x01, 0x00], 0xFF));
    Ok(())
}

#[test]
fn purse_commands_have_the_pboc_bytes() {
    let terminal = [0x12, 0x34, 0x56, 0x78, 0x90, 0x12];
    assert_eq!(
        bytes(&initialize_for_purchase(0x01, 1234, &terminal)),
        spec("805001020B01000004D21234567890120F")
    );
    assert_eq!(
        bytes(&debit_for_purchase(
            &[0, 0, 0, 7],
            &[0x20, 0x26, 0x12, 0x01],
            &[0x10, 0x20, 0x30],
            &[0xA1, 0xA2, 0xA3, 0xA4]
        )),
        spec("805401000F0000000720261201102030A1A2A3A408")
    );
    assert_eq!(bytes(&get_balance()), spec("805C000204"));
    assert_eq!(
        bytes(&get_transaction_prove(0x06, 0x0002)),
        spec("805A0006020002 08")
    );
}

#[test]
fn pki_and_payment_commands_have_the_spec_bytes() -> Result<()> {
    assert_eq!(
        bytes(&generate_key_pair()),
        spec("8040000008C0020012C2020013")
    );
    assert_eq!(
        bytes(&export_public_key()),
        spec("80C9820008C0020012C2020013")
    );
    assert_eq!(bytes(&export_public_key_value()), spec("80C9828000"));
    let e = [0x5Au8; 32];
    assert_eq!(
        bytes(&sign_hash(&e)),
        format!("80 2A 9E 9A 20 {} 00", ["5A"; 32].join(" "))
    );
    assert_eq!(
        bytes(&get_processing_options(&[0x83, 0x00])?),
        spec("80A80000028300 00")
    );
    assert_eq!(bytes(&get_data(0x9F79)), spec("80CA9F7900"));
    assert_eq!(bytes(&read_payment_record(1, 2)), spec("00B2020C00"));
    assert_eq!(
        bytes(&put_data(0x9F79, &[0, 0, 0, 1, 0, 0, 1, 2, 3, 4])?),
        spec("04DA9F790A00000001000001020304")
    );
    assert_eq!(
        bytes(&generate_ac(0x80, &[1, 2, 3])?),
        spec("80AE800003010203 00")
    );
    assert_eq!(bytes(&end_personalisation()), spec("80E60000"));
    Ok(())
}

#[test]
fn psam_commands_have_the_spec_bytes() -> Result<()> {
    assert_eq!(
        bytes(&init_crypto(0x0170, &[0x11; 16])?),
        format!("80 1A 01 70 10 {}", ["11"; 16].join(" "))
    );
    assert_eq!(
        bytes(&crypto(CryptoMode::Encrypt, &[0x22; 16])?),
        format!("80 FA 00 00 10 {} 10", ["22"; 16].join(" "))
    );
    assert_eq!(
        bytes(&crypto(CryptoMode::Mac, &[0x33; 16])?),
        format!("80 FA 05 01 10 {} 04", ["33"; 16].join(" "))
    );
    assert_eq!(
        bytes(&mac1(&[0x44; 0x24])?).get(..14),
        Some("80 70 00 00 24")
    );
    assert_eq!(
        bytes(&verify_mac2(&[1, 2, 3, 4])),
        spec("807200000401020304")
    );
    Ok(())
}

#[test]
fn pin_and_holder_data_are_marked_and_never_displayed() -> Result<()> {
    let pin = [0x12, 0x34, 0x56];
    for a in [
        verify(0, &pin)?,
        change_pin(&pin, &pin)?,
        update_holder_record(1, &pin)?,
        update_holder_binary(0, &pin)?,
    ] {
        assert_eq!(a.sensitivity(), Sensitivity::SecretCommand, "{}", a.name());
        let shown = format!("{a} {a:?}");
        assert!(!shown.contains("12 34 56"), "{shown}");
        assert!(shown.contains("secret bytes"), "{shown}");
    }
    assert_eq!(
        read_holder_record(RecordAt::Number(1), 10)?.sensitivity(),
        Sensitivity::PersonalResponse
    );
    assert_eq!(
        read_holder_binary(BinaryAt::Offset(0), 4)?.sensitivity(),
        Sensitivity::PersonalBinary
    );
    assert_eq!(
        read_payment_record(1, 1).sensitivity(),
        Sensitivity::PersonalTlv
    );
    assert_eq!(
        get_processing_options(&[0x83, 0])?.sensitivity(),
        Sensitivity::PersonalTlv
    );
    assert_eq!(
        read_record(RecordAt::Number(1), 10)?.sensitivity(),
        Sensitivity::Plain
    );
    // GET RESPONSE keeps what it continues.
    let gpo = get_processing_options(&[0x83, 0])?;
    assert_eq!(
        get_response(&gpo, 0x20)?.sensitivity(),
        Sensitivity::PersonalTlv
    );
    assert_eq!(bytes(&get_response(&gpo, 0x20)?), spec("00C0000020"));
    Ok(())
}

#[test]
fn a_raw_verify_is_as_secret_as_a_built_one() -> Result<()> {
    let raw = Apdu::raw("00 20 00 00 03 12 34 56".parse()?);
    assert_eq!(raw.name(), "VERIFY");
    assert_eq!(raw.sensitivity(), Sensitivity::SecretCommand);
    assert_eq!(raw.to_string(), "VERIFY 00 20 00 00 [3 secret bytes]");
    let resent = raw.with_le(16)?;
    assert_eq!(resent.sensitivity(), Sensitivity::SecretCommand);
    assert_eq!(resent.command().le(), Some(16));
    Ok(())
}

#[test]
fn long_data_is_refused_not_cut() {
    assert!(verify(0, &vec![0; 70_000]).is_err());
    assert!(select_name(&vec![0; 70_000]).is_err());
    assert!(read_record(RecordAt::Number(1), 0).is_err());
}
