//! Writes the test certification authorities of `fixtures/ca/` (TEST ONLY):
//!
//! - `root.key.pem`, `root.pem`: the test root CA (X.509, SM2-with-SM3);
//! - `issuer.key.pem`, `issuer.pem`: the test issuing CA under it, which
//!   issues the cards' PKI certificates at personalisation;
//! - `pboc-ca.key.pem`: the payment scheme's test CA key (index 80 under
//!   RID A000000333), and `pboc-ca-keys.toml`, the terminal's CA key list;
//! - `pboc-issuer.key.pem`, `pboc-issuer-90.hex`: the test card issuer's key
//!   and its tag 90 certificate, for PANs starting 623599.
//!
//! `cargo run -p sscard-crypto --example make_test_ca -- fixtures/ca`

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sscard_crypto::pboc::{IssuerCert, YearMonth};
use sscard_crypto::x509::{self, CertKind, CertSpec};
use sscard_crypto::KeyPair;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fixtures/ca".into());
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir)?;
    let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
    // 2026-01-01 to 2046-01-01: long enough for tests, fixed for reproducibility.
    let (from, to) = (at(1_767_225_600), at(2_398_377_600));
    let spec = |kind, subject: &str, serial| CertSpec {
        kind,
        subject: subject.into(),
        serial,
        not_before: from,
        not_after: to,
    };
    let root_key = KeyPair::generate()?;
    let root = x509::issue(
        &spec(
            CertKind::Ca,
            "CN=sscard TEST Root CA,O=sscard test only,C=CN",
            1,
        ),
        root_key.public(),
        None,
        &root_key,
    )?;
    let issuer_key = KeyPair::generate()?;
    let issuer = x509::issue(
        &spec(
            CertKind::Ca,
            "CN=sscard TEST Issuing CA,O=sscard test only,C=CN",
            2,
        ),
        issuer_key.public(),
        Some(&root),
        &root_key,
    )?;
    x509::verify_chain(std::slice::from_ref(&issuer), &root, SystemTime::now())?;
    std::fs::write(
        dir.join("root.key.pem"),
        root_key.to_pkcs8_pem()?.as_bytes(),
    )?;
    std::fs::write(dir.join("root.pem"), root.to_pem()?)?;
    std::fs::write(
        dir.join("issuer.key.pem"),
        issuer_key.to_pkcs8_pem()?.as_bytes(),
    )?;
    std::fs::write(dir.join("issuer.pem"), issuer.to_pem()?)?;

    let pboc_ca = KeyPair::generate()?;
    let pboc_issuer = KeyPair::generate()?;
    let cert90 = IssuerCert {
        issuer_id: [0x62, 0x35, 0x99, 0xFF],
        expiry: YearMonth {
            year: 2045,
            month: 12,
        },
        serial: [0x00, 0x00, 0x01],
        key: pboc_issuer.public().clone(),
    }
    .sign(&pboc_ca)?;
    std::fs::write(
        dir.join("pboc-ca.key.pem"),
        pboc_ca.to_pkcs8_pem()?.as_bytes(),
    )?;
    std::fs::write(
        dir.join("pboc-issuer.key.pem"),
        pboc_issuer.to_pkcs8_pem()?.as_bytes(),
    )?;
    std::fs::write(
        dir.join("pboc-issuer-90.hex"),
        format!("{}\n", hex::encode_upper(&cert90)),
    )?;
    std::fs::write(
        dir.join("pboc-ca-keys.toml"),
        format!(
            "# The terminal's CA public key list (TEST ONLY): SM2 keys x‖y by RID and index (8F).\n\n\
             [[ca]]\nrid = \"A000000333\"\nindex = \"80\"\nexpiry = \"2046-01\"\nkey = \"{}\"\n",
            hex::encode_upper(pboc_ca.public().to_xy())
        ),
    )?;
    println!("wrote test CAs to {}", dir.display());
    Ok(())
}
