//! A software key server for tests: it answers the lines the reader
//! interface's `_HSM_` steps print (spec 05), computing with master keys
//! from a file, so that a POS's key-server flow can be tried end to end
//! against the simulator (`sscard hsm serve`). Never in production.
//!
//! One request per line, the answer on one line:
//!
//! | request | answer (the `pKey` of the next step) |
//! |---|---|
//! | `BAS <iReadCardBas_HSM_Step1 line>` | `internal auth+source\|external auth+source\|` |
//! | `AUTH <card id> <algorithm\|key address\|process factor\|source\|>` | auth data + source (32 hex) |
//! | `SM <card id> <iReloadPIN/iUnblockPIN_HSM_Step2 line>` | header + cipher + MAC (hex) |
//! | `MAC1 <card id> <iDoDebit_HSM_Step1 line>` | `terminal txn no.\|date-time\|MAC1\|` |
//! | `MAC2 <MAC2>` | `OK`, or an error (checks the last MAC1's debit) |

use sscard_apdu::field::Format;
use sscard_profile::keys::MasterKeys;
use sscard_profile::Profile;

use super::software::SoftwareModule;
use super::{CardId, Mac1Request, Scheme, SecurityModule};
use crate::error::{Error, Result};

/// The key server.
pub struct KeyServer {
    module: SoftwareModule,
    irk: u16,
    rksssse: u16,
    dpk: u16,
}

fn bad(what: &str) -> Error {
    Error::InvalidInput(format!("key-server request: {what}"))
}

fn hex_n<const N: usize>(s: &str, what: &str) -> Result<[u8; N]> {
    hex::decode(s)
        .ok()
        .and_then(|b| <[u8; N]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| bad(&format!("{what} is {} hex digits", N * 2)))
}

/// The scheme of an algorithm id field (`01` 3DES, `03` SM4).
fn scheme(s: &str) -> Result<Scheme> {
    Scheme::from_id(hex_n::<1>(s, "the algorithm id")?[0])
        .ok_or_else(|| bad("the algorithm id is 01 (3DES) or 03 (SM4)"))
}

fn u16_hex(s: &str, what: &str) -> Result<u16> {
    hex_n::<2>(s, what).map(u16::from_be_bytes)
}

/// The `|`-separated fields of a line, at least `n`.
fn fields<'a>(line: &'a str, n: usize, what: &str) -> Result<Vec<&'a str>> {
    let f: Vec<&str> = line.split('|').collect();
    if f.len() <= n {
        return Err(bad(&format!("{what}: expected {n} fields")));
    }
    Ok(f)
}

impl KeyServer {
    /// A server over `masters`, with the key addresses of the user-card
    /// `profile`: its internal and application keys (`[roles]`: IRK,
    /// RKSSSE) and its purse's debit key (DPK). Its terminal number is twelve `0`
    /// digits, as in the `_HSM_` flows.
    ///
    /// # Errors
    /// [`Error::BadArgument`] when the profile lacks one of the keys.
    pub fn new(masters: MasterKeys, profile: &Profile) -> Result<Self> {
        let address = |name: &str| {
            profile
                .key(name)
                .map(|k| k.address)
                .ok_or_else(|| Error::BadArgument(format!("the profile has no key {name}")))
        };
        let debit = profile
            .efs
            .iter()
            .find_map(|e| e.purse.as_ref())
            .map_or("DPK", |k| k.debit.as_str());
        let dpk = address(debit)?;
        Ok(Self {
            module: SoftwareModule::new(masters, [0; 6], dpk),
            irk: address(&profile.roles.internal_key)?,
            rksssse: address(&profile.roles.application_key)?,
            dpk,
        })
    }

    fn auth(
        &mut self,
        scheme: Scheme,
        card: &CardId,
        address: u16,
        r1: &str,
        r2: &str,
    ) -> Result<String> {
        let data = self.module.auth_data(
            scheme,
            address,
            card,
            &hex_n(r1, "the process factor")?,
            &hex_n(r2, "the source")?,
        )?;
        Ok(format!("{}{r2}", hex::encode_upper(data)))
    }

    /// The answer to one request line.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a request it does not understand; the
    /// module's errors (a key not in the file: `6A88`; a wrong MAC2: `9302`).
    pub fn answer(&mut self, request: &str) -> Result<String> {
        let mut words = request.trim().splitn(3, ' ');
        let kind = words.next().unwrap_or_default();
        let (a, b) = (words.next().unwrap_or_default(), words.next());
        match (kind, b) {
            ("BAS", None) => {
                let f = fields(a, 8, "BAS")?;
                let card: CardId = hex_n(f[3], "the card identification code")?;
                let scheme = scheme(f[2])?;
                let internal = self.auth(scheme, &card, self.irk, f[4], f[5])?;
                let external = if f[6].is_empty() {
                    String::new()
                } else {
                    self.auth(scheme, &card, self.rksssse, f[6], f[7])?
                };
                Ok(format!("{internal}|{external}|"))
            }
            ("AUTH", Some(line)) => {
                let card: CardId = hex_n(a, "the card identification code")?;
                let f = fields(line, 4, "AUTH")?;
                let address = u16_hex(f[1], "the key address")?;
                self.auth(scheme(f[0])?, &card, address, f[2], f[3])
            }
            ("SM", Some(line)) => {
                let card: CardId = hex_n(a, "the card identification code")?;
                let f = fields(line, 5, "SM")?;
                let scheme = scheme(f[0])?;
                let address = u16_hex(f[1], "the key address")?;
                let challenge = hex_n(f[2], "the process factor")?;
                let header: [u8; 5] = hex_n(f[3], "the APDU header")?;
                let pin = f[4];
                let cipher = if pin.is_empty() {
                    Vec::new()
                } else {
                    let bcd = Format::Cn
                        .encode(pin, pin.len().div_ceil(2))
                        .map_err(|e| bad(&format!("the PIN: {e}")))?;
                    let len = u8::try_from(pin.len()).map_err(|_| bad("the PIN is too long"))?;
                    let block = scheme.pad80(&[&[len][..], &bcd].concat());
                    self.module
                        .sm_encrypt(scheme, address, &card, &challenge, &block)?
                };
                let mac = self.module.sm_mac(
                    scheme,
                    address,
                    &card,
                    &challenge,
                    &[&header[..], &cipher].concat(),
                )?;
                Ok(hex::encode_upper([&header[..], &cipher, &mac].concat()))
            }
            ("MAC1", Some(line)) => {
                let card: CardId = hex_n(a, "the card identification code")?;
                let f = fields(line, 8, "MAC1")?;
                let address = u16_hex(f[1], "the key address")?;
                let amount: [u8; 4] = hex_n(f[4], "the amount")?;
                let when: [u8; 7] = hex_n(f[7], "the date-time")?;
                let version = address
                    .checked_sub(self.dpk)
                    .and_then(|v| u8::try_from(v + 1).ok())
                    .ok_or_else(|| bad("the key address is not DPK's"))?;
                let req = Mac1Request {
                    pseudo_random: hex_n(f[2], "the pseudo-random")?,
                    counter: u16_hex(f[3], "the debit counter")?,
                    amount: u32::from_be_bytes(amount),
                    tx_type: hex_n::<1>(f[5], "the transaction type")?[0],
                    date: [when[0], when[1], when[2], when[3]],
                    time: [when[4], when[5], when[6]],
                    key_version: version,
                    algorithm: hex_n::<1>(f[0], "the algorithm")?[0],
                    card_id: card,
                };
                let (txn, mac1) = self.module.mac1(&req)?;
                Ok(format!(
                    "{}|{}|{}|",
                    hex::encode_upper(txn),
                    f[7],
                    hex::encode_upper(mac1)
                ))
            }
            ("MAC2", None) => {
                self.module.verify_mac2(&hex_n(a, "MAC2")?)?;
                Ok("OK".into())
            }
            _ => Err(bad(&format!(
                "{kind:?}: expected BAS, AUTH, SM, MAC1 or MAC2 with its arguments"
            ))),
        }
    }
}
