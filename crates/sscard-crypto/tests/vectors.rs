//! Known-answer tests: every vector of spec 06 (GB/T 32905 SM3, GB/T 32907
//! SM4, GB/T 32918 SM2).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sscard_crypto::{cipher, digest, PublicKey, Signature, SymKey, DEFAULT_ID};

#[test]
fn sm3_abc() {
    assert_eq!(
        hex::encode(digest::sm3(b"abc")),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
}

#[test]
fn sm3_abcd_times_16() {
    assert_eq!(
        hex::encode(digest::sm3(&b"abcd".repeat(16))),
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    );
}

fn key() -> SymKey {
    SymKey::from_hex("0123456789abcdeffedcba9876543210").unwrap()
}

fn block() -> [u8; 16] {
    hex::decode("0123456789abcdeffedcba9876543210")
        .unwrap()
        .try_into()
        .unwrap()
}

#[test]
fn sm4_one_block() {
    assert_eq!(
        hex::encode(cipher::encrypt_block(&key(), &block())),
        "681edf34d206965e86b3e94f536e4246"
    );
    assert_eq!(
        cipher::ecb_decrypt(
            &key(),
            &hex::decode("681edf34d206965e86b3e94f536e4246").unwrap()
        )
        .unwrap(),
        block()
    );
}

#[test]
fn sm4_one_million_encryptions() {
    let k = cipher::BlockCipher::new(&key());
    let mut b = block();
    for _ in 0..1_000_000 {
        b = k.encrypt(&b);
    }
    assert_eq!(hex::encode(b), "595298c7c6fd271f0402f804c33d3f66");
}

fn vector_key() -> PublicKey {
    PublicKey::from_xy(
        &hex::decode(
            "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020\
             CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13",
        )
        .unwrap(),
    )
    .unwrap()
}

fn vector_signature() -> Signature {
    Signature::from_raw(
        &hex::decode(
            "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3\
             B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA",
        )
        .unwrap(),
    )
    .unwrap()
}

#[test]
fn sm2_za() {
    assert_eq!(
        hex::encode_upper(vector_key().za(DEFAULT_ID.as_bytes()).unwrap()),
        "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
    );
}

#[test]
fn sm2_signature_verifies_under_the_given_key() {
    let pk = vector_key();
    let sig = vector_signature();
    pk.verify(b"message digest", &sig).unwrap();
    // And not for another message, ID or a flipped bit.
    assert!(pk.verify(b"message digesT", &sig).is_err());
    assert!(pk
        .verify_with_id(b"1234567812345679", b"message digest", &sig)
        .is_err());
    let mut raw = sig.to_raw();
    raw[63] ^= 1;
    assert!(pk
        .verify(b"message digest", &Signature::from_raw(&raw).unwrap())
        .is_err());
}
