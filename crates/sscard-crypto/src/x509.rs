//! X.509 v3 certificates signed with SM2-with-SM3 (spec 03 §3.3), on the
//! RustCrypto `x509-cert` builder: issue from a CA key, parse, verify a
//! chain one link at a time.
//!
//! Signatures use the distinguishing ID `1234567812345678`; OpenSSL must be
//! told the same (`-vfyopt distid:1234567812345678`).

use core::fmt;
use std::str::FromStr;
use std::time::SystemTime;

use der::asn1::BitString;
use der::{Decode, DecodePem, Encode, EncodePem};
use spki::SubjectPublicKeyInfoRef;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::error::{Error, Result};
use crate::sign::{KeyPair, PublicKey, Signature, DEFAULT_ID};

/// OID of SM2-with-SM3 signatures.
pub const SM2_WITH_SM3: &str = "1.2.156.10197.1.501";

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertKind {
    /// A CA (root or issuer): `cA`, keyCertSign and cRLSign.
    Ca,
    /// The card's signing certificate (EF 0018): digitalSignature.
    Signing,
    /// The card's encryption certificate (EF 0019): keyEncipherment.
    Encryption,
}

/// What to put in a new certificate.
#[derive(Debug, Clone)]
pub struct CertSpec {
    /// Kind, which decides the extensions.
    pub kind: CertKind,
    /// Subject as an RFC 4514 string, e.g. `CN=Test Root,O=sscard,C=CN`.
    pub subject: String,
    /// Serial number.
    pub serial: u64,
    /// Start of validity.
    pub not_before: SystemTime,
    /// End of validity.
    pub not_after: SystemTime,
}

/// A parsed certificate with its DER.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    inner: x509_cert::Certificate,
    der: Vec<u8>,
}

fn x509_err(context: &'static str) -> impl Fn(x509_cert::builder::Error) -> Error {
    move |e| Error::X509 {
        context,
        reason: e.to_string(),
    }
}

fn der_err(context: &'static str) -> impl Fn(der::Error) -> Error {
    move |e| Error::X509 {
        context,
        reason: e.to_string(),
    }
}

struct Profile {
    issuer: Name,
    subject: Name,
    kind: CertKind,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut ext: Vec<Extension> = Vec::new();
        let ca = self.kind == CertKind::Ca;
        ext.push(
            BasicConstraints {
                ca,
                path_len_constraint: None,
            }
            .to_extension(tbs.subject(), &ext)?,
        );
        let usage = match self.kind {
            CertKind::Ca => KeyUsages::KeyCertSign | KeyUsages::CRLSign,
            CertKind::Signing => KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            CertKind::Encryption => KeyUsages::KeyEncipherment.into(),
        };
        ext.push(KeyUsage(usage).to_extension(tbs.subject(), &ext)?);
        ext.push(SubjectKeyIdentifier::try_from(spk)?.to_extension(tbs.subject(), &ext)?);
        ext.push(AuthorityKeyIdentifier::try_from(issuer_spk)?.to_extension(tbs.subject(), &ext)?);
        Ok(ext)
    }
}

/// What the builder needs of a signer: the issuer's public key and the
/// algorithm. The private key never enters the builder; [`issue`] signs the
/// to-be-signed bytes itself with [`KeyPair::sign`].
struct TbsSigner(::sm2::dsa::VerifyingKey);

impl signature::Keypair for TbsSigner {
    type VerifyingKey = ::sm2::dsa::VerifyingKey;
    fn verifying_key(&self) -> Self::VerifyingKey {
        self.0.clone()
    }
}

impl spki::SignatureAlgorithmIdentifier for TbsSigner {
    type Params = der::AnyRef<'static>;
    const SIGNATURE_ALGORITHM_IDENTIFIER: spki::AlgorithmIdentifier<Self::Params> =
        <::sm2::dsa::VerifyingKey as spki::SignatureAlgorithmIdentifier>::SIGNATURE_ALGORITHM_IDENTIFIER;
}

/// Escapes a value for an RFC 4514 string.
pub fn escape_rdn_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=')
            || (i == 0 && matches!(c, '#' | ' '))
            || (i + 1 == value.chars().count() && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The subject of a cardholder certificate (spec 03 §3.3): CN = name,
/// serialNumber = social security number, O = issuing area code.
pub fn holder_subject(name: &str, ssn: &str, area_code: &str) -> String {
    format!(
        "CN={},serialNumber={},O={}",
        escape_rdn_value(name),
        escape_rdn_value(ssn),
        escape_rdn_value(area_code)
    )
}

/// Issues a certificate for `subject_key`, signed by `issuer_key`.
/// `issuer` is the issuer's certificate, or `None` for a self-signed root
/// (then `issuer_key` must be the subject's own key).
///
/// # Errors
/// [`Error::X509`] for a bad subject string or an encoding failure.
pub fn issue(
    spec: &CertSpec,
    subject_key: &PublicKey,
    issuer: Option<&Certificate>,
    issuer_key: &KeyPair,
) -> Result<Certificate> {
    let subject = Name::from_str(&spec.subject).map_err(der_err("subject name"))?;
    let issuer_name = match issuer {
        Some(c) => c.inner.tbs_certificate().subject().clone(),
        None => subject.clone(),
    };
    let spki = spki::SubjectPublicKeyInfoOwned::from_key(subject_key.inner()).map_err(|e| {
        Error::X509 {
            context: "subject public key",
            reason: e.to_string(),
        }
    })?;
    let validity = Validity::new(
        Time::try_from(spec.not_before).map_err(der_err("not before"))?,
        Time::try_from(spec.not_after).map_err(der_err("not after"))?,
    );
    let profile = Profile {
        issuer: issuer_name,
        subject,
        kind: spec.kind,
    };
    let serial = SerialNumber::from(spec.serial);
    let mut builder =
        CertificateBuilder::new(profile, serial, validity, spki).map_err(x509_err("builder"))?;
    let signer = TbsSigner(
        ::sm2::dsa::VerifyingKey::new(DEFAULT_ID, *issuer_key.public().inner())
            .map_err(|_| Error::PublicKey("issuer key rejected by the verifier"))?,
    );
    let tbs = builder
        .finalize(&signer)
        .map_err(x509_err("to-be-signed"))?;
    let sig = issuer_key.sign(&tbs)?;
    let bits = BitString::from_bytes(&sig.to_der()?).map_err(der_err("signature"))?;
    let inner = builder
        .assemble(bits, &signer)
        .map_err(x509_err("assemble"))?;
    let der = inner.to_der().map_err(der_err("encode"))?;
    Ok(Certificate { inner, der })
}

impl Certificate {
    /// Parses DER.
    ///
    /// # Errors
    /// [`Error::X509`] when it does not parse.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let inner = x509_cert::Certificate::from_der(der).map_err(der_err("parse DER"))?;
        Ok(Self {
            inner,
            der: der.to_vec(),
        })
    }

    /// Parses PEM.
    ///
    /// # Errors
    /// [`Error::X509`] when it does not parse.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let inner = x509_cert::Certificate::from_pem(pem).map_err(der_err("parse PEM"))?;
        let der = inner.to_der().map_err(der_err("encode"))?;
        Ok(Self { inner, der })
    }

    /// The DER bytes.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// PEM text.
    ///
    /// # Errors
    /// [`Error::X509`] if encoding fails.
    pub fn to_pem(&self) -> Result<String> {
        self.inner
            .to_pem(der::pem::LineEnding::LF)
            .map_err(der_err("encode PEM"))
    }

    /// The subject as an RFC 4514 string.
    pub fn subject(&self) -> String {
        self.inner.tbs_certificate().subject().to_string()
    }

    /// The issuer as an RFC 4514 string.
    pub fn issuer(&self) -> String {
        self.inner.tbs_certificate().issuer().to_string()
    }

    /// The serial number in hex.
    pub fn serial_hex(&self) -> String {
        hex::encode_upper(self.inner.tbs_certificate().serial_number().as_bytes())
    }

    /// Start of validity.
    pub fn not_before(&self) -> SystemTime {
        self.inner
            .tbs_certificate()
            .validity()
            .not_before
            .to_system_time()
    }

    /// End of validity.
    pub fn not_after(&self) -> SystemTime {
        self.inner
            .tbs_certificate()
            .validity()
            .not_after
            .to_system_time()
    }

    /// The subject's SM2 public key.
    ///
    /// # Errors
    /// [`Error::PublicKey`] when the key is not an SM2 point.
    pub fn public_key(&self) -> Result<PublicKey> {
        let spki = self.inner.tbs_certificate().subject_public_key_info();
        PublicKey::from_sec1(spki.subject_public_key.raw_bytes())
    }

    /// `true` when `basicConstraints` says `cA`.
    pub fn is_ca(&self) -> bool {
        self.inner
            .tbs_certificate()
            .get_extension::<BasicConstraints>()
            .ok()
            .flatten()
            .is_some_and(|(_, bc)| bc.ca)
    }

    /// The signed part (TBSCertificate) in DER.
    ///
    /// # Errors
    /// [`Error::X509`] if encoding fails.
    pub fn tbs_der(&self) -> Result<Vec<u8>> {
        self.inner
            .tbs_certificate()
            .to_der()
            .map_err(der_err("encode TBS"))
    }

    /// Checks that `issuer` issued this certificate: names, `cA`, and the
    /// SM2 signature under the issuer's key with the default ID.
    ///
    /// # Errors
    /// One variant per failing check.
    pub fn verify_issued_by(&self, issuer: &Certificate) -> Result<()> {
        let oid = self.inner.signature_algorithm().oid.to_string();
        if oid != SM2_WITH_SM3 {
            return Err(Error::CertAlgorithm {
                subject: self.subject(),
                oid,
            });
        }
        if self.inner.tbs_certificate().issuer() != issuer.inner.tbs_certificate().subject() {
            return Err(Error::CertIssuerMismatch {
                subject: self.subject(),
                issuer: self.issuer(),
                next: issuer.subject(),
            });
        }
        if !issuer.is_ca() {
            return Err(Error::CertNotCa {
                subject: issuer.subject(),
            });
        }
        let bad = || Error::CertSignature {
            subject: self.subject(),
        };
        let sig = self.inner.signature().as_bytes().ok_or_else(bad)?;
        let sig = Signature::from_der(sig).map_err(|_| bad())?;
        issuer
            .public_key()?
            .verify(&self.tbs_der()?, &sig)
            .map_err(|_| bad())
    }

    /// Checks that `at` lies within the validity period.
    ///
    /// # Errors
    /// [`Error::CertExpired`].
    pub fn check_validity(&self, at: SystemTime) -> Result<()> {
        if at < self.not_before() || at > self.not_after() {
            let v = self.inner.tbs_certificate().validity();
            return Err(Error::CertExpired {
                subject: self.subject(),
                at: Time::try_from(at)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                not_before: v.not_before.to_string(),
                not_after: v.not_after.to_string(),
            });
        }
        Ok(())
    }
}

/// Verifies `chain` (leaf first, the root optional at the end) up to the
/// trusted `root`, at time `at`, one link at a time.
///
/// # Errors
/// The first failing check, as its own variant.
pub fn verify_chain(chain: &[Certificate], root: &Certificate, at: SystemTime) -> Result<()> {
    let chain: Vec<&Certificate> = chain.iter().filter(|c| *c != root).collect();
    if chain.is_empty() {
        return Err(Error::CertChainEmpty);
    }
    root.check_validity(at)?;
    root.verify_issued_by(root)?;
    for (i, cert) in chain.iter().enumerate() {
        cert.check_validity(at)?;
        let issuer = chain.get(i + 1).copied().unwrap_or(root);
        match cert.verify_issued_by(issuer) {
            Err(Error::CertIssuerMismatch { .. }) if i + 1 == chain.len() => {
                return Err(Error::CertUntrustedRoot {
                    subject: cert.subject(),
                })
            }
            other => other?,
        }
    }
    Ok(())
}

impl fmt::Debug for Certificate {
    /// Subject and issuer, with a serialNumber attribute (the holder's social
    /// security number) masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Certificate {{ subject: {}, issuer: {}, serial: {} }}",
            mask_serial_number(&self.subject()),
            mask_serial_number(&self.issuer()),
            self.serial_hex()
        )
    }
}

/// Masks the value of `serialNumber=` (and of `CN=` when a serialNumber is
/// present, as it is then a person's name) in an RFC 4514 string.
pub fn mask_serial_number(name: &str) -> String {
    let is_serial = |k: &str| k.eq_ignore_ascii_case("serialNumber") || k == "2.5.4.5";
    let personal = name
        .split(',')
        .any(|p| p.split_once('=').is_some_and(|(k, _)| is_serial(k)));
    name.split(',')
        .map(|part| match part.split_once('=') {
            Some((k, v)) if is_serial(k) || (personal && k.eq_ignore_ascii_case("CN")) => {
                format!("{k}={}", mask_middle(v))
            }
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn mask_middle(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 | 2 => "*".repeat(chars.len()),
        n => {
            let keep = if n > 8 { 3 } else { 1 };
            let mut s: String = chars[..keep].iter().collect();
            s.push_str(&"*".repeat(n - 2 * keep));
            s.extend(&chars[n - keep..]);
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn spec(kind: CertKind, subject: &str) -> CertSpec {
        CertSpec {
            kind,
            subject: subject.into(),
            serial: 7,
            not_before: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            not_after: UNIX_EPOCH + Duration::from_secs(2_000_000_000),
        }
    }

    #[test]
    fn three_level_chain() -> Result<()> {
        let root_key = KeyPair::generate()?;
        let root = issue(
            &spec(CertKind::Ca, "CN=Root,O=sscard test,C=CN"),
            root_key.public(),
            None,
            &root_key,
        )?;
        let ca_key = KeyPair::generate()?;
        let ca = issue(
            &spec(CertKind::Ca, "CN=Issuer,O=sscard test,C=CN"),
            ca_key.public(),
            Some(&root),
            &root_key,
        )?;
        let card_key = KeyPair::generate()?;
        let leaf = issue(
            &spec(
                CertKind::Signing,
                &holder_subject("张三", "11010519491231002X", "639900"),
            ),
            card_key.public(),
            Some(&ca),
            &ca_key,
        )?;
        let at = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        verify_chain(&[leaf.clone(), ca.clone()], &root, at)?;
        assert_eq!(leaf.public_key()?, *card_key.public());
        assert!(leaf.subject().contains("张三"));
        assert!(!format!("{leaf:?}").contains("11010519491231002X"));
        assert!(!format!("{leaf:?}").contains("张三"));
        // Wrong order: the leaf's issuer is not the root.
        assert!(matches!(
            verify_chain(std::slice::from_ref(&leaf), &root, at),
            Err(Error::CertUntrustedRoot { .. })
        ));
        // Expired.
        assert!(matches!(
            verify_chain(
                &[leaf.clone(), ca.clone()],
                &root,
                UNIX_EPOCH + Duration::from_secs(2_100_000_000)
            ),
            Err(Error::CertExpired { .. })
        ));
        // A leaf cannot issue.
        let other = issue(
            &spec(CertKind::Signing, "CN=x"),
            card_key.public(),
            Some(&leaf),
            &card_key,
        )?;
        assert!(matches!(
            other.verify_issued_by(&leaf),
            Err(Error::CertNotCa { .. })
        ));
        // PEM round trip.
        assert_eq!(Certificate::from_pem(&leaf.to_pem()?)?, leaf);
        Ok(())
    }
}
