//! The PBOC SM2 certificate formats of the financial application (spec 04
//! §4.3): the issuer public key certificate (tag `90`), the ICC public key
//! certificate (tag `9F46`) and the signed dynamic application data (tag
//! `9F4B`). No message recovery: plain fields, then a 64-byte SM2 signature
//! (`r ‖ s`, default ID) over them.
//!
//! Build on the issuer side, verify on the terminal side; each failing
//! check is its own [`Error`] variant.

use crate::error::{Error, Result};
use crate::sign::{KeyPair, PublicKey, Signature};

/// Algorithm indicator of SM2 (signature and public key algorithm).
pub const SM2: u8 = 0x04;
const ISSUER_HEADER: u8 = 0x12;
const ICC_HEADER: u8 = 0x14;
const SDAD_HEADER: u8 = 0x15;
const KEY_LEN: u8 = 0x40;

/// A year and month, to check expiry (`MMYY` on the card, 20YY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    /// Four-digit year.
    pub year: u16,
    /// Month 1–12.
    pub month: u8,
}

impl YearMonth {
    /// Reads `MMYY` BCD.
    fn from_mmyy(b: [u8; 2]) -> Option<Self> {
        let bcd = |x: u8| (x >> 4 < 10 && x & 0xF < 10).then(|| (x >> 4) * 10 + (x & 0xF));
        let month = bcd(b[0])?;
        let yy = bcd(b[1])?;
        (1..=12).contains(&month).then_some(Self {
            year: 2000 + u16::from(yy),
            month,
        })
    }

    /// Writes `MMYY` BCD.
    pub fn to_mmyy(self) -> [u8; 2] {
        let bcd = |v: u16| (((v / 10 % 10) << 4) | (v % 10)) as u8;
        [bcd(u16::from(self.month)), bcd(self.year % 100)]
    }
}

fn mmyy_text(b: [u8; 2]) -> String {
    hex::encode_upper(b)
}

fn check_expiry(object: &'static str, expiry: [u8; 2], today: YearMonth) -> Result<()> {
    match YearMonth::from_mmyy(expiry) {
        Some(e) if e >= today => Ok(()),
        _ => Err(Error::PbocExpired {
            object,
            expiry: mmyy_text(expiry),
        }),
    }
}

/// Checks header, algorithm bytes and key length of a certificate, returns
/// the key, the signed body and the signature.
fn split_cert<'a>(
    object: &'static str,
    bytes: &'a [u8],
    header: u8,
    id_len: usize,
) -> Result<(&'a [u8], PublicKey, Signature)> {
    // header, id, expiry 2, serial 3, sig alg, pk alg, pk param, key len, key 64, sig 64
    let expected = 1 + id_len + 2 + 3 + 4 + 64 + 64;
    if bytes.len() != expected {
        return Err(Error::PbocLength {
            object,
            expected,
            got: bytes.len(),
        });
    }
    if bytes[0] != header {
        return Err(Error::PbocHeader {
            object,
            expected: header,
            got: bytes[0],
        });
    }
    let at = 1 + id_len + 5;
    for (field, value) in [
        ("signature algorithm", bytes[at]),
        ("public key algorithm", bytes[at + 1]),
    ] {
        if value != SM2 {
            return Err(Error::PbocAlgorithm {
                object,
                field,
                value,
            });
        }
    }
    if bytes[at + 3] != KEY_LEN {
        return Err(Error::PbocLength {
            object,
            expected: 64,
            got: usize::from(bytes[at + 3]),
        });
    }
    let body = &bytes[..expected - 64];
    let key = PublicKey::from_xy(&bytes[at + 4..at + 68])?;
    let sig = Signature::from_raw(&bytes[expected - 64..])?;
    Ok((body, key, sig))
}

fn body(header: u8, id: &[u8], expiry: YearMonth, serial: [u8; 3], key: &PublicKey) -> Vec<u8> {
    let mut b = Vec::with_capacity(1 + id.len() + 9 + 64);
    b.push(header);
    b.extend_from_slice(id);
    b.extend_from_slice(&expiry.to_mmyy());
    b.extend_from_slice(&serial);
    b.extend_from_slice(&[SM2, SM2, 0x00, KEY_LEN]);
    b.extend_from_slice(&key.to_xy());
    b
}

/// The issuer public key certificate, tag `90`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerCert {
    /// Leftmost PAN digits, `F`-padded (cn 4).
    pub issuer_id: [u8; 4],
    /// Last month of validity.
    pub expiry: YearMonth,
    /// Certificate serial number.
    pub serial: [u8; 3],
    /// The issuer's public key.
    pub key: PublicKey,
}

impl IssuerCert {
    const OBJECT: &'static str = "issuer certificate 90";

    /// Signs the certificate with the CA key.
    ///
    /// # Errors
    /// [`Error::Random`].
    pub fn sign(&self, ca: &KeyPair) -> Result<Vec<u8>> {
        let mut b = body(
            ISSUER_HEADER,
            &self.issuer_id,
            self.expiry,
            self.serial,
            &self.key,
        );
        let sig = ca.sign(&b)?;
        b.extend_from_slice(&sig.to_raw());
        Ok(b)
    }

    /// Verifies a tag `90` value under the CA key, its expiry against
    /// `today`, and that its issuer identifier is a prefix of `pan` (cn).
    ///
    /// # Errors
    /// One variant per failing check.
    pub fn verify(bytes: &[u8], ca: &PublicKey, pan: &[u8], today: YearMonth) -> Result<Self> {
        let (body, key, sig) = split_cert(Self::OBJECT, bytes, ISSUER_HEADER, 4)?;
        ca.verify(body, &sig).map_err(|_| Error::PbocSignature {
            object: Self::OBJECT,
        })?;
        let mut issuer_id = [0u8; 4];
        issuer_id.copy_from_slice(&bytes[1..5]);
        let expiry = [bytes[5], bytes[6]];
        check_expiry(Self::OBJECT, expiry, today)?;
        if !cn_prefix_matches(&issuer_id, pan) {
            return Err(Error::PbocIssuerMismatch);
        }
        Ok(Self {
            issuer_id,
            expiry: YearMonth::from_mmyy(expiry).unwrap_or(today),
            serial: [bytes[7], bytes[8], bytes[9]],
            key,
        })
    }
}

/// The digits of a `cn` value, up to its `F` padding.
fn cn_digits(b: &[u8]) -> Vec<u8> {
    b.iter()
        .flat_map(|x| [x >> 4, x & 0xF])
        .take_while(|n| *n != 0xF)
        .collect()
}

/// `true` when the digits of `id` start the digits of `pan`.
fn cn_prefix_matches(id: &[u8], pan: &[u8]) -> bool {
    let digits = cn_digits(id);
    !digits.is_empty() && cn_digits(pan).starts_with(&digits)
}

/// The ICC public key certificate, tag `9F46`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IccCert {
    /// The PAN, `F`-padded (cn 10).
    pub pan: [u8; 10],
    /// Last month of validity.
    pub expiry: YearMonth,
    /// Certificate serial number.
    pub serial: [u8; 3],
    /// The card's public key.
    pub key: PublicKey,
}

impl IccCert {
    const OBJECT: &'static str = "ICC certificate 9F46";

    /// Signs with the issuer key over the body, then `static_data` (the
    /// AFL-marked records and, if `9F4A` lists `82`, the AIP).
    ///
    /// # Errors
    /// [`Error::Random`].
    pub fn sign(&self, issuer: &KeyPair, static_data: &[u8]) -> Result<Vec<u8>> {
        let mut b = body(ICC_HEADER, &self.pan, self.expiry, self.serial, &self.key);
        let mut signed = b.clone();
        signed.extend_from_slice(static_data);
        let sig = issuer.sign(&signed)?;
        b.extend_from_slice(&sig.to_raw());
        Ok(b)
    }

    /// Verifies a tag `9F46` value under the issuer key with the card's
    /// static data, its expiry, and that it names the card's PAN (`5A`).
    ///
    /// # Errors
    /// One variant per failing check.
    pub fn verify(
        bytes: &[u8],
        issuer: &PublicKey,
        static_data: &[u8],
        pan: &[u8],
        today: YearMonth,
    ) -> Result<Self> {
        let (body, key, sig) = split_cert(Self::OBJECT, bytes, ICC_HEADER, 10)?;
        let mut signed = body.to_vec();
        signed.extend_from_slice(static_data);
        issuer
            .verify(&signed, &sig)
            .map_err(|_| Error::PbocSignature {
                object: Self::OBJECT,
            })?;
        let mut cert_pan = [0u8; 10];
        cert_pan.copy_from_slice(&bytes[1..11]);
        let expiry = [bytes[11], bytes[12]];
        check_expiry(Self::OBJECT, expiry, today)?;
        if cn_digits(&cert_pan) != cn_digits(pan) {
            return Err(Error::PbocPanMismatch);
        }
        Ok(Self {
            pan: cert_pan,
            expiry: YearMonth::from_mmyy(expiry).unwrap_or(today),
            serial: [bytes[13], bytes[14], bytes[15]],
            key,
        })
    }
}

/// The terminal dynamic data that fDDA signs (04 §4.3): `9F37 ‖ 9F02 ‖
/// 5F2A ‖ 9F69` when the card has card authentication related data `9F69`
/// (fDDA version `01`); only `9F37` when it has none (version `00`).
pub fn terminal_dynamic_data(
    unpredictable_number: &[u8],
    amount: &[u8],
    currency: &[u8],
    card_auth_data: &[u8],
) -> Vec<u8> {
    if card_auth_data.is_empty() {
        return unpredictable_number.to_vec();
    }
    [unpredictable_number, amount, currency, card_auth_data].concat()
}

/// Signed dynamic application data, tag `9F4B`.
pub struct SignedDynamicData;

impl SignedDynamicData {
    const OBJECT: &'static str = "signed dynamic data 9F4B";

    /// The card signs its ICC dynamic number and the terminal's data.
    ///
    /// # Errors
    /// [`Error::PbocLength`] for a dynamic number over 254 bytes; [`Error::Random`].
    pub fn sign(icc: &KeyPair, dynamic_number: &[u8], terminal_data: &[u8]) -> Result<Vec<u8>> {
        let n = u8::try_from(dynamic_number.len())
            .ok()
            .filter(|n| *n < 0xFF)
            .ok_or(Error::PbocLength {
                object: Self::OBJECT,
                expected: 254,
                got: dynamic_number.len(),
            })?;
        let mut b = vec![SDAD_HEADER, n + 1, n];
        b.extend_from_slice(dynamic_number);
        let mut signed = b.clone();
        signed.extend_from_slice(terminal_data);
        let sig = icc.sign(&signed)?;
        b.extend_from_slice(&sig.to_raw());
        Ok(b)
    }

    /// Verifies a `9F4B` value under the ICC key; returns the ICC dynamic number.
    ///
    /// # Errors
    /// One variant per failing check.
    pub fn verify(bytes: &[u8], icc: &PublicKey, terminal_data: &[u8]) -> Result<Vec<u8>> {
        let short = |expected| Error::PbocLength {
            object: Self::OBJECT,
            expected,
            got: bytes.len(),
        };
        let (&header, rest) = bytes.split_first().ok_or(short(3 + 64))?;
        if header != SDAD_HEADER {
            return Err(Error::PbocHeader {
                object: Self::OBJECT,
                expected: SDAD_HEADER,
                got: header,
            });
        }
        let dyn_len = usize::from(*rest.first().ok_or(short(3 + 64))?);
        let expected = 2 + dyn_len + 64;
        if bytes.len() != expected || dyn_len == 0 {
            return Err(short(expected));
        }
        let dyn_data = &bytes[2..2 + dyn_len];
        let number_len = usize::from(dyn_data[0]);
        if number_len + 1 != dyn_len {
            return Err(Error::PbocLength {
                object: Self::OBJECT,
                expected: dyn_len - 1,
                got: number_len,
            });
        }
        let sig = Signature::from_raw(&bytes[2 + dyn_len..])?;
        let mut signed = bytes[..2 + dyn_len].to_vec();
        signed.extend_from_slice(terminal_data);
        icc.verify(&signed, &sig)
            .map_err(|_| Error::PbocSignature {
                object: Self::OBJECT,
            })?;
        Ok(dyn_data[1..].to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: YearMonth = YearMonth {
        year: 2026,
        month: 11,
    };

    #[test]
    fn ca_issuer_icc_dynamic_chain() -> Result<()> {
        let ca = KeyPair::generate()?;
        let issuer = KeyPair::generate()?;
        let icc = KeyPair::generate()?;
        let pan = [0x62, 0x35, 0x99, 0x00, 0x12, 0x34, 0x56, 0x78, 0x90, 0x1F];
        let ic = IssuerCert {
            issuer_id: [0x62, 0x35, 0x99, 0xFF],
            expiry: YearMonth {
                year: 2030,
                month: 12,
            },
            serial: [0, 0, 1],
            key: issuer.public().clone(),
        };
        let c90 = ic.sign(&ca)?;
        assert_eq!(c90.len(), 1 + 4 + 2 + 3 + 4 + 64 + 64);
        assert_eq!(IssuerCert::verify(&c90, ca.public(), &pan, TODAY)?, ic);
        let static_data = b"records 70 .. and AIP";
        let cc = IccCert {
            pan,
            expiry: YearMonth {
                year: 2029,
                month: 6,
            },
            serial: [0, 0, 2],
            key: icc.public().clone(),
        };
        let c9f46 = cc.sign(&issuer, static_data)?;
        assert_eq!(
            IccCert::verify(&c9f46, issuer.public(), static_data, &pan, TODAY)?,
            cc
        );
        let tdd = terminal_dynamic_data(
            &[1, 2, 3, 4],
            &[0, 0, 0, 0, 0x10, 0],
            &[0x01, 0x56],
            &[0x01],
        );
        let sdad = SignedDynamicData::sign(&icc, &[0xAB, 0xCD], &tdd)?;
        assert_eq!(
            SignedDynamicData::verify(&sdad, icc.public(), &tdd)?,
            vec![0xAB, 0xCD]
        );

        // Each failure is its own error.
        assert!(matches!(
            IssuerCert::verify(&c90, issuer.public(), &pan, TODAY),
            Err(Error::PbocSignature { .. })
        ));
        assert!(matches!(
            IssuerCert::verify(
                &c90,
                ca.public(),
                &pan,
                YearMonth {
                    year: 2031,
                    month: 1
                }
            ),
            Err(Error::PbocExpired { .. })
        ));
        assert!(matches!(
            IssuerCert::verify(&c90, ca.public(), &[0x62, 0x10], TODAY),
            Err(Error::PbocIssuerMismatch)
        ));
        let mut bad = c90.clone();
        bad[0] = 0x13;
        assert!(matches!(
            IssuerCert::verify(&bad, ca.public(), &pan, TODAY),
            Err(Error::PbocHeader { got: 0x13, .. })
        ));
        let mut bad = c90.clone();
        bad[10] = 0x03;
        assert!(matches!(
            IssuerCert::verify(&bad, ca.public(), &pan, TODAY),
            Err(Error::PbocAlgorithm { .. })
        ));
        assert!(matches!(
            IssuerCert::verify(&c90[1..], ca.public(), &pan, TODAY),
            Err(Error::PbocLength { .. })
        ));
        assert!(matches!(
            IccCert::verify(&c9f46, issuer.public(), b"other static data", &pan, TODAY),
            Err(Error::PbocSignature { .. })
        ));
        assert!(matches!(
            IccCert::verify(&c9f46, issuer.public(), static_data, &[0x62, 0x35], TODAY),
            Err(Error::PbocPanMismatch)
        ));
        let other_tdd = terminal_dynamic_data(&[9, 9, 9, 9], &[0; 6], &[0x01, 0x56], &[0x01]);
        assert!(matches!(
            SignedDynamicData::verify(&sdad, icc.public(), &other_tdd),
            Err(Error::PbocSignature { .. })
        ));
        Ok(())
    }
}
