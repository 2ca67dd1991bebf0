//! Every parser over at least 100,000 random and 100,000 mutated inputs on
//! stable Rust: errors are fine, panics are not. (The fuzz targets under
//! `fuzz/` do the same coverage-guided, on nightly.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sscard_apdu::dol::Dol;
use sscard_apdu::field::{self, Date, Format};
use sscard_apdu::record::{self, BtlvRecord, Record};
use sscard_apdu::{Command, Response, Tlv};

const ROUNDS: usize = 100_000;

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Valid encodings to mutate: what the parsers see from real cards.
fn seeds() -> Vec<Vec<u8>> {
    let hex = [
        "00A404000F7378312E73682EC9E7BBE1B1A3D5CF",
        "00A404000E325041592E5359532E444446303100",
        "6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C038601039000",
        "6F24840E325041592E5359532E4444463031A512BF0C0F610D4F08A00000033301010187010190 00",
        "770A8202180094040801010090 00",
        "0110639900D15600000500BF7C7A48FB49660304312E3030",
        "400A5703616263580320100990 00",
        "9F66049F02069F03069F1A0295055F2A029A039C019F3704DF6001DF6901",
        "80A8000023832100000000000000000100000000000001560000000000015625010100000000010101",
        "20103F0E032F0102",
    ];
    hex.iter()
        .filter_map(|h| sscard_apdu::hexfmt::parse(h).ok())
        .collect()
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(v.len());
        match rng.below(5) {
            0 if !v.is_empty() => v[at] ^= 1 << rng.below(8),
            1 if !v.is_empty() => v[at] = rng.next() as u8,
            2 => v.insert(at.min(v.len()), rng.next() as u8),
            3 if !v.is_empty() => {
                v.remove(at);
            }
            _ => v.truncate(at),
        }
    }
    v
}

fn run_all(input: &[u8]) {
    let _ = Command::from_bytes(input);
    let _ = Response::from_bytes(input);
    let _ = Tlv::parse_all(input);
    let _ = record::parse_records(input);
    let _ = Record::parse(input);
    let _ = BtlvRecord::parse(input);
    let _ = Dol::parse(input);
    let _ = Format::Cn.decode(input);
    let _ = Format::N.decode(input);
    let _ = Format::An.decode(input);
    let _ = field::n_decode_u64(input);
    let _ = Date::from_bcd(input);
    if let Ok(text) = std::str::from_utf8(input) {
        let _ = text.parse::<Command>();
        let _ = text.parse::<Date>();
        let _ = text.parse::<field::Amount>();
        let _ = Format::An.encode(text, 30);
        let _ = Format::Cn.encode(text, 8);
    }
}

#[test]
fn random_inputs() {
    let mut rng = Rng(0x5EED_CA4D);
    for _ in 0..ROUNDS {
        let input = rng.bytes(96);
        run_all(&input);
    }
}

#[test]
fn mutated_inputs() {
    let mut rng = Rng(0xC0FF_EE00);
    let seeds = seeds();
    assert_eq!(seeds.len(), 10, "a seed failed to parse as hex");
    for i in 0..ROUNDS {
        let input = mutate(&mut rng, &seeds[i % seeds.len()]);
        run_all(&input);
    }
}
