//! A walk through the codec with the bytes of a real exchange: the commands
//! a reader sends to read a card's basic information, and the answers it
//! decodes. Until the simulator lands this is the README's main job.
//!
//! `cargo run -p sscard-apdu --example walkthrough`

use sscard_apdu::field::{self, Format};
use sscard_apdu::record::Record;
use sscard_apdu::tlv::{find_path, Tlv};
use sscard_apdu::{Command, Response};

fn main() -> Result<(), sscard_apdu::Error> {
    let mut ssse = b"sx1.sh.".to_vec();
    ssse.extend(field::gbk_encode("社会保障")?);
    let select = Command::new(0x00, 0xA4, 0x04, 0x00).with_data(ssse)?;
    println!(">>> {select}   SELECT SSSE");

    let fci: Response =
        "6F 19 84 0F 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF A5 06 9F 0C 03 86 01 03 90 00"
            .parse()?;
    println!("<<< {fci}");
    let objects = Tlv::parse_all(fci.data())?;
    for t in &objects {
        print!("{t}");
    }
    let algorithm = find_path(&objects, &[0x6F, 0xA5, 0x9F0C])
        .map(Tlv::parse_value)
        .transpose()?
        .and_then(|inner| {
            find_path(&inner, &[0x86])
                .and_then(Tlv::bytes)
                .map(<[u8]>::to_vec)
        });
    let name = match algorithm.as_deref() {
        Some([0x01]) => "DES",
        Some([0x02]) => "SSF33 (unsupported)",
        Some([0x03]) => "SM4",
        _ => "not announced",
    };
    println!("    algorithm: {name}   ({})", fci.sw());

    // EF05 records of the card in spec 05's example.
    let reads: [(u8, &str, Format); 4] = [
        (
            0x01,
            "01 10 63 99 00 D1 56 00 00 05 00 BF 7C 7A 48 FB 49 66 90 00",
            Format::B,
        ),
        (0x03, "03 04 31 2E 30 30 90 00", Format::An),
        (0x05, "05 04 20 10 10 01 90 00", Format::Cn),
        (0x07, "07 09 58 30 30 30 30 30 30 31 39 90 00", Format::An),
    ];
    let labels = [
        "card identification code",
        "spec version",
        "issue date",
        "card number",
    ];
    for ((rec, answer, format), label) in reads.iter().zip(labels) {
        let cmd = Command::new(0x00, 0xB2, *rec, 0x04).with_le(256)?;
        let resp: Response = answer.parse()?;
        let record = Record::parse(resp.data())?;
        println!(">>> {cmd}   READ RECORD {rec}");
        println!("<<< {resp}");
        println!("    {label}: {}", format.decode(&record.value)?);
    }
    let code = Format::Cn.decode(&[0x63, 0x99, 0x00])?;
    println!("    issuing area code: {code}");
    Ok(())
}
