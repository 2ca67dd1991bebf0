//! The shipped profiles load; every broken profile in
//! `fixtures/bad-profiles/` fails with the message its last line expects.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use sscard_crypto::Scheme;
use sscard_profile::keys::MasterKeys;
use sscard_profile::{load_file, AccessRule, CardKind, EfKind, Generation};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn shipped_profiles_load() {
    let p3 = load_file(root().join("card-profiles/ssc-3.0.toml")).unwrap();
    assert_eq!(p3.card.generation(), Generation::V3);
    assert_eq!(p3.card.atr()[..4], [0x3B, 0x6D, 0x00, 0x00]);
    assert!(p3.has_application("PKI/ADF1"));
    let pki = p3.roles.pki.as_ref().unwrap();
    assert_eq!(pki.application(), "PKI/ADF1");
    assert_eq!(pki.signing_public_key, "PKI/ADF1/0012");
    assert_eq!(
        (pki.user_pin.as_str(), pki.admin_pin.as_str()),
        ("pki_user", "pki_admin")
    );
    assert!(p3.payment.as_ref().unwrap().pdol.contains(0xDF69));
    // Every row of the public key table (spec 01 §1.4).
    for (name, id, address) in [
        ("IRK", 0x08, 0x0170),
        ("STKSSSE", 0x09, 0x0173),
        ("RKSSSE", 0x0A, 0x004C),
        ("UKSSSE", 0x12, 0x0094),
        ("PUK", 0x10, 0x0090),
        ("BK", 0x11, 0x0091),
        ("RK1DF01", 0x2E, 0x004F),
        ("RK1DF04", 0x2D, 0x0182),
        ("DPK", 0x01, 0x017F),
        ("DLK", 0x4B, 0x00B2),
        ("DTK", 0x4C, 0x00B5),
    ] {
        let k = p3.key(name).unwrap();
        assert_eq!((k.id, k.address), (Some(id), address), "{name}");
    }
    // Generation-specific behaviour is data: EF06's read rule.
    let ef06 = p3.ef_by_address("SSSEEF06").unwrap();
    assert_eq!(ef06.read, AccessRule::Key("RKSSSE".into()));
    let p2 = load_file(root().join("card-profiles/ssc-2.0.toml")).unwrap();
    assert_eq!(p2.card.generation(), Generation::V2);
    assert_eq!(p2.ef_by_address("SSSEEF06").unwrap().read, AccessRule::Free);
    assert!(!p2.has_application("PKI"));
    // Elements by name, pFileAddr names, B-TLV, the debit log.
    let (ef, ssn) = p3.element("ssn").unwrap();
    assert_eq!(
        (
            ef.address_name().as_str(),
            ssn.tag,
            ssn.record,
            ssn.personal
        ),
        ("SSSEEF06", 0x08, 1, true)
    );
    let (_, edu) = p3.element("education").unwrap();
    assert_eq!((edu.occurrences, edu.items.len()), (2, 3));
    let log = p3.ef_by_address("DF04EF07").unwrap();
    assert_eq!(
        log.kind,
        EfKind::Cyclic {
            records: 10,
            record_length: 23
        }
    );
    assert_eq!(log.fields.iter().map(|f| f.length).sum::<usize>(), 23);
    assert_eq!(log.sfi, Some(0x18), "the EP detail records, SFI 18");
    assert_eq!(
        p3.ef_by_address("DF01EF05").unwrap().read,
        AccessRule::Pin("holder".into())
    );

    let psam = load_file(root().join("card-profiles/psam.toml")).unwrap();
    assert_eq!(psam.card.kind, CardKind::Psam);
    assert_eq!(
        psam.psam.as_ref().unwrap().terminal_number,
        [0x41, 0x01, 0x00, 0x81, 0x34, 0x75]
    );
    assert_eq!(
        psam.key_by_address(0x0171)
            .map(|(k, v)| (k.name.as_str(), v)),
        Some(("IRK", 2))
    );
    assert_eq!(
        psam.key_by_address(0x0091)
            .map(|(k, v)| (k.name.as_str(), v)),
        Some(("BK", 1))
    );
}

#[test]
fn every_bad_profile_fails_with_its_expected_message() {
    let dir = root().join("fixtures/bad-profiles");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "only {} bad profiles", files.len());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let expected = text
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} has no `# expect:` line", f.display()));
        match load_file(&f) {
            Ok(_) => panic!("{} loaded, expected: {expected}", f.display()),
            Err(e) => assert_eq!(e.to_string(), expected, "{}", f.display()),
        }
    }
}

#[test]
fn test_master_keys_cover_the_key_table() {
    let keys = MasterKeys::load_file(root().join("fixtures/keys/test-masters.toml")).unwrap();
    assert!(keys.test_only);
    let p3 = load_file(root().join("card-profiles/ssc-3.0.toml")).unwrap();
    for k in &p3.keys {
        let m = keys
            .by_name(Scheme::Sm4, &k.name, 1)
            .unwrap_or_else(|| panic!("no master for {}", k.name));
        assert_eq!(m.address, k.address, "{}", k.name);
        assert_eq!(
            keys.by_address(Scheme::Sm4, k.address).unwrap().name,
            k.name
        );
    }
    assert_eq!(keys.by_name(Scheme::Sm4, "IRK", 2).unwrap().address, 0x0171);
    // Values never print.
    let text = format!("{keys:?}");
    let irk = hex::encode_upper(keys.by_name(Scheme::Sm4, "IRK", 1).unwrap().value.expose());
    assert!(!text.contains(&irk));
}

#[test]
fn bad_master_key_files() {
    let e = MasterKeys::load_str(
        "k.toml",
        "[[key]]\nname = \"IRK\"\naddress = \"0170\"\nversion = 1\nvalue = \"00\"\n",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "k.toml:5: key IRK: value is not 32 hex digits"
    );
    let two = "[[key]]\nname = \"A\"\naddress = \"0170\"\nversion = 1\nvalue = \"00112233445566778899AABBCCDDEEFF\"\n";
    let e = MasterKeys::load_str("k.toml", &format!("{two}{}", two.replace("\"A\"", "\"B\"")))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "k.toml:8: key B: address 0170 already holds A version 1"
    );
}
