//! Deeply nested constructed tags end in an error, never in a stack
//! overflow (`iso7816-tlv` alone overflows on about 20 KB in a debug build).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sscard_apdu::tlv::{Tlv, MAX_DEPTH};
use sscard_apdu::Error;

const MIB: usize = 1 << 20;

#[test]
fn one_mib_of_70_7f_is_an_error() {
    let input: Vec<u8> = [0x70, 0x7F].iter().copied().cycle().take(MIB).collect();
    assert!(Tlv::parse_all(&input).is_err());
}

#[test]
fn one_mib_of_consistent_nesting_hits_the_depth_cap() {
    // Each level announces exactly the rest of the input (83 LL LL LL), so
    // only the depth cap can stop the parser.
    let levels = MIB / 5;
    let mut input = Vec::with_capacity(MIB);
    for i in 0..levels {
        let rest = (levels - i - 1) * 5;
        input.push(0x70);
        input.push(0x83);
        input.extend_from_slice(&(rest as u32).to_be_bytes()[1..]);
    }
    match Tlv::parse_all(&input) {
        Err(Error::TlvTooDeep { max, offset, tag }) => {
            assert_eq!(max, MAX_DEPTH);
            assert_eq!(tag, 0x70);
            assert_eq!(offset, (MAX_DEPTH - 1) * 5);
        }
        other => panic!("expected TlvTooDeep, got {other:?}"),
    }
}
