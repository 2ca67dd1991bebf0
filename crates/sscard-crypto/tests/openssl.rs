//! Cross-checks against an independent implementation: the OpenSSL 3 CLI.
//!
//! Without `openssl` on the PATH these tests skip with a message, except
//! with `CI=true`, where they fail: CI never passes without the cross-check.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sscard_crypto::x509::{self, CertKind, CertSpec, Certificate};
use sscard_crypto::{
    cipher, debit, des, digest, diversify, mac, KeyPair, Scheme, Signature, SymKey, DEFAULT_ID,
};

use sscard_system_tests::ci_strict as in_ci;

/// Runs `openssl args…` with `stdin`; `None` (skip) if openssl is missing outside CI.
fn openssl(args: &[&str], stdin: &[u8]) -> Option<std::process::Output> {
    use std::io::Write;
    let child = Command::new("openssl")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if in_ci() => panic!("CI=true but openssl cannot run: {e}"),
        Err(e) => {
            eprintln!("skipped: openssl cannot run: {e}");
            return None;
        }
    };
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    Some(child.wait_with_output().unwrap())
}

fn ok(out: &std::process::Output) -> &[u8] {
    assert!(
        out.status.success(),
        "openssl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    &out.stdout
}

fn openssl_enc(cipher: &str, key: &SymKey, iv: Option<&[u8; 16]>, data: &[u8]) -> Option<Vec<u8>> {
    openssl_enc_raw(cipher, key.expose(), iv.map(|v| &v[..]), data)
}

/// `openssl enc CIPHER -nopad -K key [-iv iv]`; single DES lives in OpenSSL 3's legacy provider.
fn openssl_enc_raw(cipher: &str, key: &[u8], iv: Option<&[u8]>, data: &[u8]) -> Option<Vec<u8>> {
    let k = hex::encode(key);
    let mut args = vec!["enc", cipher, "-nopad", "-K", &k];
    if cipher == "-des-cbc" || cipher == "-des-ecb" {
        args.extend(["-provider", "legacy", "-provider", "default"]);
    }
    let iv_hex = iv.map(hex::encode);
    if let Some(iv) = &iv_hex {
        args.extend(["-iv", iv]);
    }
    openssl(&args, data).map(|o| ok(&o).to_vec())
}

/// Deterministic test bytes.
fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[test]
fn sm3_matches_openssl() {
    for data in [b"abc".to_vec(), bytes(1000, 3), Vec::new()] {
        let Some(out) = openssl(&["dgst", "-sm3", "-binary"], &data) else {
            return;
        };
        assert_eq!(ok(&out), digest::sm3(&data));
    }
}

#[test]
fn sm4_cbc_and_ecb_match_openssl() {
    let key = SymKey::from_hex("0123456789abcdeffedcba9876543210").unwrap();
    let iv = [0x5A; 16];
    let data = bytes(160, 9);
    let Some(theirs) = openssl_enc("-sm4-cbc", &key, Some(&iv), &data) else {
        return;
    };
    assert_eq!(cipher::cbc_encrypt(&key, &iv, &data).unwrap(), theirs);
    let Some(theirs) = openssl_enc("-sm4-ecb", &key, None, &data) else {
        return;
    };
    assert_eq!(cipher::ecb_encrypt(&key, &data).unwrap(), theirs);
}

/// Diversification is SM4-ECB of `F ‖ not F`; compute it with OpenSSL.
fn openssl_step(parent: &SymKey, factor: &[u8; 8]) -> Option<SymKey> {
    let mut block = factor.to_vec();
    block.extend(factor.iter().map(|b| !b));
    openssl_enc("-sm4-ecb", parent, None, &block).map(|v| SymKey::from_slice(&v).unwrap())
}

#[test]
fn diversification_matches_openssl() {
    let master = SymKey::from_hex("11223344556677888877665544332211").unwrap();
    let card_id =
        diversify::card_id(&hex::decode("639900D15600000500BF7C7A48FB4966").unwrap()).unwrap();
    let Some(level2) = openssl_step(&master, &diversify::area_factor(&card_id)) else {
        return;
    };
    let Some(card) = openssl_step(&level2, &diversify::card_factor(&card_id)) else {
        return;
    };
    assert_eq!(Scheme::Sm4.card_key(&master, &card_id), card);
    let r1 = [0xA1; 8];
    let Some(session) = openssl_step(&card, &r1) else {
        return;
    };
    assert_eq!(Scheme::Sm4.session_key(&card, &r1), session);
    // Authentication data: SM4-ECB(session, R2 ‖ 80 00…), first 8 bytes.
    let r2 = [0xB2; 8];
    let Some(block) = openssl_enc("-sm4-ecb", &session, None, &mac::pad80(&r2)) else {
        return;
    };
    assert_eq!(Scheme::Sm4.auth_data(&card, &r1, &r2), block[..8]);
}

/// The CBC-MAC is the last block of SM4-CBC over the 80-padded input.
fn openssl_mac(key: &SymKey, iv: &[u8; 16], data: &[u8]) -> Option<[u8; 4]> {
    let ct = openssl_enc("-sm4-cbc", key, Some(iv), &mac::pad80(data))?;
    let last = &ct[ct.len() - 16..];
    Some([last[0], last[1], last[2], last[3]])
}

#[test]
fn macs_match_openssl() {
    let key = SymKey::new([0x42; 16]);
    for (iv, len) in [
        ([0u8; 16], 0usize),
        ([9, 9, 9, 9, 9, 9, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0], 15),
        ([3; 16], 16),
        ([0; 16], 37),
    ] {
        let data = bytes(len, 1);
        let Some(theirs) = openssl_mac(&key, &iv, &data) else {
            return;
        };
        assert_eq!(Scheme::Sm4.mac(&key, &iv, &data), theirs, "len {len}");
    }
    // Medical debit MAC1, MAC2 and TAC over their spec 02 §2.4 inputs.
    let dpk = SymKey::new([0x17; 16]);
    let d = debit::DebitData {
        amount: 12_345,
        tx_type: debit::EP_PURCHASE,
        terminal_no: [0x41, 0x01, 0x00, 0x81, 0x34, 0x75],
        terminal_txn_no: [0, 0, 0x12, 0x34],
        date: [0x20, 0x26, 0x11, 0x23],
        time: [0x10, 0x20, 0x30],
    };
    let session = debit::session_key(Scheme::Sm4, &dpk, &[1, 2, 3, 4], 7, &d.terminal_txn_no);
    let Some(expected_session) = openssl_step(&dpk, &[1, 2, 3, 4, 0, 7, 0x12, 0x34]) else {
        return;
    };
    assert_eq!(session, expected_session);
    let mut m1 = Vec::new();
    // MAC1 over the public fields: amount, type 06, terminal, date, time.
    m1.extend(d.amount.to_be_bytes());
    m1.push(0x06);
    m1.extend(d.terminal_no);
    m1.extend(d.date);
    m1.extend(d.time);
    assert_eq!(
        Some(debit::mac1(Scheme::Sm4, &session, &d)),
        openssl_mac(&session, &[0; 16], &m1)
    );
    assert_eq!(
        Some(debit::mac2(Scheme::Sm4, &session, d.amount)),
        openssl_mac(&session, &[0; 16], &d.amount.to_be_bytes())
    );
    let mut t = m1[..11].to_vec();
    t.extend(d.terminal_txn_no);
    t.extend(d.date);
    t.extend(d.time);
    assert_eq!(
        Some(debit::tac(Scheme::Sm4, &dpk, &d)),
        openssl_mac(&dpk, &[0; 16], &t)
    );
    // The same purchase on a 3DES card: SESPK = 3DES(DPK, block), single DES;
    // MAC1/MAC2 single-DES CBC-MACs; TAC under left XOR right of DTK.
    let session = debit::session_key(
        Scheme::TripleDes,
        &dpk,
        &[1, 2, 3, 4],
        7,
        &d.terminal_txn_no,
    );
    let Some(sespk) = openssl_enc_raw(
        "-des-ede-ecb",
        dpk.expose(),
        None,
        &[1, 2, 3, 4, 0, 7, 0x12, 0x34],
    ) else {
        return;
    };
    assert_eq!(&session.expose()[..8], sespk.as_slice());
    assert_eq!(
        Some(debit::mac1(Scheme::TripleDes, &session, &d)),
        openssl_des_mac(&sespk, &[0; 8], &m1)
    );
    assert_eq!(
        Some(debit::mac2(Scheme::TripleDes, &session, d.amount)),
        openssl_des_mac(&sespk, &[0; 8], &d.amount.to_be_bytes())
    );
    let tac_key: Vec<u8> = (0..8)
        .map(|i| dpk.expose()[i] ^ dpk.expose()[8 + i])
        .collect();
    assert_eq!(
        Some(debit::tac(Scheme::TripleDes, &dpk, &d)),
        openssl_des_mac(&tac_key, &[0; 8], &t)
    );
}

/// ISO/IEC 9797-1 algorithm 3 with OpenSSL: single-DES CBC under K1 over all
/// blocks but the last, then `des-ede-cbc` (K1 K2 K1) of the last block
/// chained from there. An 8-byte key is algorithm 1 (single-DES CBC-MAC).
fn openssl_des_mac(key: &[u8], iv: &[u8; 8], data: &[u8]) -> Option<[u8; 4]> {
    let padded = des::pad80(data);
    let (head, last) = padded.split_at(padded.len() - 8);
    let k1 = &key[..8];
    let chained = if head.is_empty() {
        iv.to_vec()
    } else {
        let ct = openssl_enc_raw("-des-cbc", k1, Some(iv), head)?;
        ct[ct.len() - 8..].to_vec()
    };
    let out = if key.len() == 16 {
        openssl_enc_raw("-des-ede-cbc", key, Some(&chained), last)?
    } else {
        openssl_enc_raw("-des-cbc", k1, Some(&chained), last)?
    };
    Some([out[0], out[1], out[2], out[3]])
}

#[test]
fn triple_des_ecb_and_cbc_match_openssl() {
    let key = SymKey::from_hex("0123456789ABCDEFFEDCBA9876543210").unwrap();
    let data = bytes(64, 5);
    let Some(theirs) = openssl_enc_raw("-des-ede-ecb", key.expose(), None, &data) else {
        return;
    };
    assert_eq!(des::ecb_encrypt(&key, &data).unwrap(), theirs);
    assert_eq!(des::ecb_decrypt(&key, &theirs).unwrap(), data);
    let iv = [0x5A; 8];
    let Some(theirs) = openssl_enc_raw("-des-ede-cbc", key.expose(), Some(&iv), &data) else {
        return;
    };
    assert_eq!(des::cbc_encrypt(&key, &iv, &data).unwrap(), theirs);
}

/// The PBOC 3DES diversification step is `3DES(parent, F) ‖ 3DES(parent, not F)`;
/// the session key `3DES(card key, R1)`; auth data `DES(session, R2)`.
#[test]
fn triple_des_diversification_and_auth_data_match_openssl() {
    let master = SymKey::from_hex("11223344556677888877665544332211").unwrap();
    let card_id =
        diversify::card_id(&hex::decode("610100D15600000500BF7C7A48FB4966").unwrap()).unwrap();
    let step = |parent: &[u8], f: &[u8; 8]| -> Option<Vec<u8>> {
        let mut block = f.to_vec();
        block.extend(f.iter().map(|b| !b));
        openssl_enc_raw("-des-ede-ecb", parent, None, &block)
    };
    let Some(level2) = step(master.expose(), &diversify::area_factor(&card_id)) else {
        return;
    };
    let Some(card) = step(&level2, &diversify::card_factor(&card_id)) else {
        return;
    };
    let ours = Scheme::TripleDes.card_key(&master, &card_id);
    assert_eq!(ours.expose().as_slice(), card.as_slice());
    let (r1, r2) = ([0xA1; 8], [0xB2; 8]);
    let Some(session) = openssl_enc_raw("-des-ede-ecb", &card, None, &r1) else {
        return;
    };
    let Some(auth) = openssl_enc_raw("-des-ecb", &session, None, &r2) else {
        return;
    };
    assert_eq!(
        Scheme::TripleDes.auth_data(&ours, &r1, &r2).as_slice(),
        auth.as_slice()
    );
}

#[test]
fn retail_macs_match_openssl() {
    let key = SymKey::from_hex("0123456789ABCDEFFEDCBA9876543210").unwrap();
    for (iv, len) in [([0u8; 8], 0usize), ([9; 8], 7), ([3; 8], 8), ([0; 8], 37)] {
        let data = bytes(len, 2);
        let Some(theirs) = openssl_des_mac(key.expose(), &iv, &data) else {
            return;
        };
        assert_eq!(Scheme::TripleDes.mac(&key, &iv, &data), theirs, "len {len}");
    }
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn our_sm2_signatures_verify_in_openssl_and_theirs_in_ours() {
    let dir = tempfile::tempdir().unwrap();
    let kp = KeyPair::generate().unwrap();
    let msg = b"sscard SM2 cross-check";
    let sig = kp.sign(msg).unwrap();
    let pub_pem = write(
        dir.path(),
        "pub.pem",
        kp.public().to_spki_pem().unwrap().as_bytes(),
    );
    let key_pem = write(dir.path(), "key.pem", kp.to_pkcs8_pem().unwrap().as_bytes());
    let sig_der = write(dir.path(), "sig.der", &sig.to_der().unwrap());
    let msg_file = write(dir.path(), "msg", msg);
    let distid = format!("distid:{DEFAULT_ID}");
    let Some(out) = openssl(
        &[
            "pkeyutl", "-verify", "-pubin", "-inkey", &pub_pem, "-rawin", "-digest", "sm3",
            "-pkeyopt", &distid, "-in", &msg_file, "-sigfile", &sig_der,
        ],
        &[],
    ) else {
        return;
    };
    assert!(String::from_utf8_lossy(ok(&out)).contains("Signature Verified Successfully"));

    // A flipped bit must fail in OpenSSL too (so the check above can fail).
    let mut bad = sig.to_raw();
    bad[40] ^= 1;
    let bad_der = write(
        dir.path(),
        "bad.der",
        &Signature::from_raw(&bad).unwrap().to_der().unwrap(),
    );
    let out = openssl(
        &[
            "pkeyutl", "-verify", "-pubin", "-inkey", &pub_pem, "-rawin", "-digest", "sm3",
            "-pkeyopt", &distid, "-in", &msg_file, "-sigfile", &bad_der,
        ],
        &[],
    )
    .unwrap();
    assert!(!out.status.success());

    // OpenSSL signs with our key; we verify.
    let out = openssl(
        &[
            "pkeyutl", "-sign", "-inkey", &key_pem, "-rawin", "-digest", "sm3", "-pkeyopt",
            &distid, "-in", &msg_file,
        ],
        &[],
    )
    .unwrap();
    let theirs = Signature::from_der(ok(&out)).unwrap();
    kp.public().verify(msg, &theirs).unwrap();
    assert!(kp.public().verify(b"other", &theirs).is_err());
}

#[test]
fn openssl_generated_key_loads_and_signs() {
    let Some(out) = openssl(&["genpkey", "-algorithm", "SM2"], &[]) else {
        return;
    };
    let pem = String::from_utf8(ok(&out).to_vec()).unwrap();
    let kp = KeyPair::from_pkcs8_pem(&pem).unwrap();
    let sig = kp.sign(b"x").unwrap();
    kp.public().verify(b"x", &sig).unwrap();
}

fn spec(kind: CertKind, subject: &str, serial: u64) -> CertSpec {
    let now = SystemTime::now();
    CertSpec {
        kind,
        subject: subject.into(),
        serial,
        not_before: now - Duration::from_secs(3600),
        not_after: now + Duration::from_secs(3600 * 24 * 365),
    }
}

#[test]
fn openssl_accepts_our_certificate_chain() {
    let dir = tempfile::tempdir().unwrap();
    let root_key = KeyPair::generate().unwrap();
    let root = x509::issue(
        &spec(CertKind::Ca, "CN=sscard test root,O=sscard,C=CN", 1),
        root_key.public(),
        None,
        &root_key,
    )
    .unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let ca = x509::issue(
        &spec(CertKind::Ca, "CN=sscard test issuer,O=sscard,C=CN", 2),
        ca_key.public(),
        Some(&root),
        &root_key,
    )
    .unwrap();
    let card = KeyPair::generate().unwrap();
    let leaf = x509::issue(
        &spec(
            CertKind::Signing,
            &x509::holder_subject("张三", "11010519491231002X", "639900"),
            3,
        ),
        card.public(),
        Some(&ca),
        &ca_key,
    )
    .unwrap();
    x509::verify_chain(&[leaf.clone(), ca.clone()], &root, SystemTime::now()).unwrap();

    let root_pem = write(dir.path(), "root.pem", root.to_pem().unwrap().as_bytes());
    let ca_pem = write(dir.path(), "ca.pem", ca.to_pem().unwrap().as_bytes());
    let leaf_pem = write(dir.path(), "leaf.pem", leaf.to_pem().unwrap().as_bytes());
    let vfy = format!("distid:{DEFAULT_ID}");
    // OpenSSL applies the ID to the target only: verify one link at a time.
    for (issuer, target) in [(&root_pem, &ca_pem), (&ca_pem, &leaf_pem)] {
        let Some(out) = openssl(
            &[
                "verify",
                "-vfyopt",
                &vfy,
                "-partial_chain",
                "-CAfile",
                issuer,
                target,
            ],
            &[],
        ) else {
            return;
        };
        assert!(
            String::from_utf8_lossy(ok(&out)).contains(": OK"),
            "{target}"
        );
    }
    // Without the right ID the link must fail: the check above can fail.
    let out = openssl(
        &[
            "verify",
            "-vfyopt",
            "distid:0000",
            "-partial_chain",
            "-CAfile",
            &ca_pem,
            &leaf_pem,
        ],
        &[],
    )
    .unwrap();
    assert!(!out.status.success());
    // The root's self-signature, over its TBS part.
    let tbs = write(dir.path(), "root.tbs", &root.tbs_der().unwrap());
    let root_pub = write(
        dir.path(),
        "root.pub",
        root_key.public().to_spki_pem().unwrap().as_bytes(),
    );
    let root_sig = {
        let c: Certificate = root.clone();
        let der = c.to_der().to_vec();
        // The signature BIT STRING is the certificate's last element.
        let parsed = sscard_apdu::tlv::Tlv::parse_all(&der).unwrap();
        let bits = parsed[0].children()[2].bytes().unwrap()[1..].to_vec();
        write(dir.path(), "root.sig", &bits)
    };
    let out = openssl(
        &[
            "pkeyutl", "-verify", "-pubin", "-inkey", &root_pub, "-rawin", "-digest", "sm3",
            "-pkeyopt", &vfy, "-in", &tbs, "-sigfile", &root_sig,
        ],
        &[],
    )
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // And OpenSSL prints it.
    let out = openssl(&["x509", "-in", &leaf_pem, "-noout", "-text"], &[]).unwrap();
    let text = String::from_utf8_lossy(ok(&out)).into_owned();
    assert!(text.contains("SM2-with-SM3"), "{text}");
    assert!(text.contains("Digital Signature"), "{text}");
    let _ = UNIX_EPOCH;
}
