//! SM2 signatures with a distinguishing ID (GB/T 32918, spec 04 §4.2).
//!
//! - `Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA)`; the default ID is
//!   `1234567812345678`.
//! - `e = SM3(Z_A ‖ M)`; signing and verifying work on a message or on `e`.
//! - Signatures are raw `r ‖ s` (64 bytes) on cards and DER in X.509.
//! - Public keys are 64 bytes `x ‖ y` on cards.
//!
//! Signing follows the standard's steps A1–A7 with a fresh random `k` from
//! the operating system, on the `sm2` crate's curve arithmetic; verifying is
//! the `sm2` crate's own `PrehashVerifier`.

use core::fmt;

use ::sm2::elliptic_curve::group::Group;
use ::sm2::elliptic_curve::ops::Reduce;
use ::sm2::elliptic_curve::point::AffineCoordinates;
use ::sm2::elliptic_curve::sec1::ToSec1Point;
use ::sm2::elliptic_curve::PrimeField;
use ::sm2::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ::sm2::{FieldBytes, NonZeroScalar, ProjectivePoint, Scalar, SecretKey, U256};
use signature::hazmat::PrehashVerifier;
use zeroize::Zeroizing;

use crate::digest::sm3_parts;
use crate::error::{Error, Result};
use crate::random;

/// The default distinguishing ID, `1234567812345678`.
pub const DEFAULT_ID: &str = "1234567812345678";

// The recommended curve's parameters (GB/T 32918.5), as Z_A hashes them.
const A: &str = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC";
const B: &str = "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93";
const GX: &str = "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7";
const GY: &str = "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0";

/// An SM2 public key.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(::sm2::PublicKey);

impl PublicKey {
    /// From the card's 64 bytes `x ‖ y`.
    ///
    /// # Errors
    /// [`Error::Length`] or [`Error::PublicKey`] when not a curve point.
    pub fn from_xy(xy: &[u8]) -> Result<Self> {
        if xy.len() != 64 {
            return Err(Error::Length {
                what: "SM2 public key x‖y",
                expected: 64,
                got: xy.len(),
            });
        }
        let mut sec1 = Vec::with_capacity(65);
        sec1.push(0x04);
        sec1.extend_from_slice(xy);
        Self::from_sec1(&sec1)
    }

    /// From SEC1 bytes (`04 ‖ x ‖ y`, or compressed).
    ///
    /// # Errors
    /// [`Error::PublicKey`] when not a curve point.
    pub fn from_sec1(bytes: &[u8]) -> Result<Self> {
        ::sm2::PublicKey::from_sec1_bytes(bytes)
            .map(Self)
            .map_err(|_| Error::PublicKey("not a point on the SM2 curve"))
    }

    /// The 64 bytes `x ‖ y`.
    pub fn to_xy(&self) -> [u8; 64] {
        let point = self.0.to_sec1_point(false);
        let mut out = [0u8; 64];
        // An uncompressed SEC1 point of this curve is 65 bytes: 04 ‖ x ‖ y.
        if let Some(xy) = point.as_bytes().get(1..65) {
            out.copy_from_slice(xy);
        }
        out
    }

    /// `04 ‖ x ‖ y`.
    pub fn to_sec1(&self) -> Vec<u8> {
        self.0.to_sec1_point(false).as_bytes().to_vec()
    }

    /// SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), as OpenSSL reads it.
    ///
    /// # Errors
    /// [`Error::KeyFile`] if encoding fails.
    pub fn to_spki_pem(&self) -> Result<String> {
        use ::sm2::pkcs8::EncodePublicKey;
        self.0
            .to_public_key_pem(Default::default())
            .map_err(|e| Error::KeyFile {
                what: "SM2 public key",
                reason: e.to_string(),
            })
    }

    /// From SubjectPublicKeyInfo PEM.
    ///
    /// # Errors
    /// [`Error::KeyFile`] when it does not parse.
    pub fn from_spki_pem(pem: &str) -> Result<Self> {
        use ::sm2::pkcs8::DecodePublicKey;
        ::sm2::PublicKey::from_public_key_pem(pem)
            .map(Self)
            .map_err(|e| Error::KeyFile {
                what: "SM2 public key",
                reason: e.to_string(),
            })
    }

    /// The `sm2` crate's key.
    pub fn inner(&self) -> &::sm2::PublicKey {
        &self.0
    }

    /// `Z_A` for this key and `id`.
    ///
    /// # Errors
    /// [`Error::DistId`] for an ID over 8191 bytes.
    pub fn za(&self, id: &[u8]) -> Result<[u8; 32]> {
        let entl = u16::try_from(id.len() * 8).map_err(|_| Error::DistId { len: id.len() })?;
        let xy = self.to_xy();
        let params: Vec<u8> = [A, B, GX, GY]
            .iter()
            .flat_map(|h| hex::decode(h).unwrap_or_default())
            .collect();
        Ok(sm3_parts(&[&entl.to_be_bytes(), id, &params, &xy]))
    }

    /// `e = SM3(Z_A ‖ M)`, the digest that is signed.
    ///
    /// # Errors
    /// As [`PublicKey::za`].
    pub fn digest(&self, id: &[u8], msg: &[u8]) -> Result<[u8; 32]> {
        Ok(sm3_parts(&[&self.za(id)?, msg]))
    }

    /// Verifies `sig` over `msg` with the default ID.
    ///
    /// # Errors
    /// [`Error::BadSignature`] when it does not verify.
    pub fn verify(&self, msg: &[u8], sig: &Signature) -> Result<()> {
        self.verify_with_id(DEFAULT_ID.as_bytes(), msg, sig)
    }

    /// Verifies `sig` over `msg` with `id`.
    ///
    /// # Errors
    /// [`Error::BadSignature`] when it does not verify.
    pub fn verify_with_id(&self, id: &[u8], msg: &[u8], sig: &Signature) -> Result<()> {
        self.verify_digest(&self.digest(id, msg)?, sig)
    }

    /// Verifies `sig` over a digest `e`.
    ///
    /// # Errors
    /// [`Error::BadSignature`] when it does not verify.
    pub fn verify_digest(&self, e: &[u8; 32], sig: &Signature) -> Result<()> {
        let vk = ::sm2::dsa::VerifyingKey::new(DEFAULT_ID, self.0)
            .map_err(|_| Error::PublicKey("rejected by the verifier"))?;
        let s = ::sm2::dsa::Signature::from_slice(&sig.0).map_err(|_| Error::SignatureFormat)?;
        vk.verify_prehash(e, &s).map_err(|_| Error::BadSignature)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", hex::encode_upper(self.to_xy()))
    }
}

/// An SM2 signature, `r ‖ s`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature([u8; 64]);

impl Signature {
    /// From the card's 64 bytes `r ‖ s`.
    ///
    /// # Errors
    /// [`Error::Length`] for another size.
    pub fn from_raw(bytes: &[u8]) -> Result<Self> {
        <[u8; 64]>::try_from(bytes)
            .map(Self)
            .map_err(|_| Error::Length {
                what: "SM2 signature r‖s",
                expected: 64,
                got: bytes.len(),
            })
    }

    /// The 64 bytes `r ‖ s`.
    pub fn to_raw(&self) -> [u8; 64] {
        self.0
    }

    /// From DER `SEQUENCE { r INTEGER, s INTEGER }` (OpenSSL, X.509).
    ///
    /// # Errors
    /// [`Error::SignatureFormat`] for bad DER or out-of-range values.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let s = ::sm2::dsa::Signature::from_der(der).map_err(|_| Error::SignatureFormat)?;
        Ok(Self(s.to_bytes().into()))
    }

    /// DER `SEQUENCE { r, s }`.
    ///
    /// # Errors
    /// [`Error::SignatureFormat`] when `r` or `s` is out of range.
    pub fn to_der(&self) -> Result<Vec<u8>> {
        let s = ::sm2::dsa::Signature::from_slice(&self.0).map_err(|_| Error::SignatureFormat)?;
        Ok(s.to_der().as_bytes().to_vec())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", hex::encode_upper(self.0))
    }
}

/// An SM2 key pair. The private key is wiped on drop and never printed.
#[derive(Clone)]
pub struct KeyPair {
    secret: SecretKey,
    public: PublicKey,
}

impl KeyPair {
    /// A fresh key pair from the operating system's randomness.
    ///
    /// # Errors
    /// [`Error::Random`] if the OS generator fails.
    pub fn generate() -> Result<Self> {
        loop {
            let bytes = Zeroizing::new(random::bytes::<32>()?);
            if let Ok(kp) = Self::from_secret_bytes(&bytes[..]) {
                return Ok(kp);
            }
        }
    }

    /// From the 32-byte private key `d`.
    ///
    /// # Errors
    /// [`Error::PrivateKey`] for zero, `d ≥ n`, or a wrong length.
    pub fn from_secret_bytes(d: &[u8]) -> Result<Self> {
        let secret = SecretKey::from_slice(d).map_err(|_| Error::PrivateKey)?;
        let public = PublicKey(secret.public_key());
        Ok(Self { secret, public })
    }

    /// From a PKCS#8 PEM private key (as `openssl genpkey -algorithm SM2` writes).
    ///
    /// # Errors
    /// [`Error::KeyFile`] when it does not parse.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self> {
        let secret = SecretKey::from_pkcs8_pem(pem).map_err(|e| Error::KeyFile {
            what: "SM2 PKCS#8 private key",
            reason: e.to_string(),
        })?;
        let public = PublicKey(secret.public_key());
        Ok(Self { secret, public })
    }

    /// PKCS#8 PEM of the private key (for test fixtures and key files).
    ///
    /// # Errors
    /// [`Error::KeyFile`] if encoding fails.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>> {
        self.secret
            .to_pkcs8_pem(Default::default())
            .map_err(|e| Error::KeyFile {
                what: "SM2 PKCS#8 private key",
                reason: e.to_string(),
            })
    }

    /// The 32-byte private key, wiped when the result is dropped.
    pub fn to_secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.secret.to_bytes().into())
    }

    /// The public key.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// Signs `msg` with the default ID.
    ///
    /// # Errors
    /// [`Error::Random`] if the OS generator fails.
    pub fn sign(&self, msg: &[u8]) -> Result<Signature> {
        self.sign_with_id(DEFAULT_ID.as_bytes(), msg)
    }

    /// Signs `msg` with `id` (A1: `M~ = Z_A ‖ M`, A2: `e = SM3(M~)`).
    ///
    /// # Errors
    /// [`Error::Random`] or [`Error::DistId`].
    pub fn sign_with_id(&self, id: &[u8], msg: &[u8]) -> Result<Signature> {
        self.sign_digest(&self.public.digest(id, msg)?)
    }

    /// Signs a digest `e` (the card's SIGN HASH).
    ///
    /// # Errors
    /// [`Error::Random`] if the OS generator fails.
    pub fn sign_digest(&self, e: &[u8; 32]) -> Result<Signature> {
        loop {
            // A3: a random k in [1, n-1], by rejection sampling.
            let k_bytes = Zeroizing::new(random::bytes::<32>()?);
            let Some(k) = Option::<Scalar>::from(Scalar::from_repr((*k_bytes).into())) else {
                continue;
            };
            if let Some(sig) = self.sign_digest_with_k(e, &k) {
                return Ok(sig);
            }
        }
    }

    /// A4–A7 for a given `k`; `None` when `k` must be drawn again.
    fn sign_digest_with_k(&self, e: &[u8; 32], k: &Scalar) -> Option<Signature> {
        if bool::from(k.is_zero()) {
            return None;
        }
        let d: Zeroizing<NonZeroScalar> = Zeroizing::new(self.secret.to_nonzero_scalar());
        let e = <Scalar as Reduce<U256>>::reduce(&U256::from_be_slice(e));
        // A4: (x1, y1) = [k]G
        let x1: FieldBytes = ProjectivePoint::mul_by_generator(k).to_affine().x();
        // A5: r = (e + x1) mod n; again if r = 0 or r + k = n
        let r = e + <Scalar as Reduce<FieldBytes>>::reduce(&x1);
        if bool::from(r.is_zero() | (r + k).is_zero()) {
            return None;
        }
        // A6: s = (1 + d)^-1 · (k − r·d) mod n; again if s = 0
        let inv = Option::<Scalar>::from((Scalar::ONE + *d.as_ref()).invert())?;
        let s = inv * (*k - r * *d.as_ref());
        if bool::from(s.is_zero()) {
            return None;
        }
        // A7: (r, s)
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&r.to_repr());
        out[32..].copy_from_slice(&s.to_repr());
        Some(Signature(out))
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("public", &self.public)
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap_or_default()
    }

    /// GB/T 32918.5 / spec 06: the fixed-k signature, exactly.
    #[test]
    fn standard_vector_with_fixed_k() -> Result<()> {
        let kp = KeyPair::from_secret_bytes(&h(
            "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8",
        ))?;
        assert_eq!(
            hex::encode_upper(kp.public().to_xy()),
            "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020\
             CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
        );
        assert_eq!(
            hex::encode_upper(kp.public().za(DEFAULT_ID.as_bytes())?),
            "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
        );
        let e = kp
            .public()
            .digest(DEFAULT_ID.as_bytes(), b"message digest")?;
        let k_bytes: [u8; 32] =
            h("59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21")
                .try_into()
                .map_err(|_| Error::PrivateKey)?;
        let k =
            Option::<Scalar>::from(Scalar::from_repr(k_bytes.into())).ok_or(Error::PrivateKey)?;
        let sig = kp.sign_digest_with_k(&e, &k).ok_or(Error::BadSignature)?;
        assert_eq!(
            hex::encode_upper(sig.to_raw()),
            "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3\
             B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
        );
        kp.public().verify(b"message digest", &sig)?;
        Ok(())
    }

    /// Our Z_A agrees with the `sm2` crate's: its `Verifier` (which hashes
    /// with its own Z_A) accepts our signatures.
    #[test]
    fn za_agrees_with_the_sm2_crate() -> Result<()> {
        use signature::Verifier;
        let kp = KeyPair::generate()?;
        let sig = kp.sign(b"hello")?;
        let vk = ::sm2::dsa::VerifyingKey::new(DEFAULT_ID, *kp.public().inner())
            .map_err(|_| Error::BadSignature)?;
        let s =
            ::sm2::dsa::Signature::from_slice(&sig.to_raw()).map_err(|_| Error::BadSignature)?;
        assert!(vk.verify(b"hello", &s).is_ok());
        assert!(vk.verify(b"hellp", &s).is_err());
        Ok(())
    }

    #[test]
    fn debug_hides_the_secret() -> Result<()> {
        let kp = KeyPair::from_secret_bytes(&[0x11; 32])?;
        let text = format!("{kp:?}");
        assert!(!text.contains("1111111111"));
        assert!(text.contains("redacted"));
        Ok(())
    }
}
