//! A PSAM in a second reader (spec 02 §2.5).

use sscard_apdu::commands::{self, BinaryAt, CryptoMode};
use sscard_apdu::Apdu;
use sscard_crypto::diversify;
use sscard_profile::KeyEnvironment;

use super::{CardId, Mac1Request, Scheme, SecurityModule};
use crate::error::{Error, Result};
use crate::session::Session;
use crate::transport::Transport;

/// A PSAM over any transport.
pub struct PsamModule<T: Transport> {
    session: Session<T>,
    environments: Vec<KeyEnvironment>,
    terminal_sfi: u8,
    selected: Option<Scheme>,
}

fn psam_err(e: Error) -> Error {
    match e {
        Error::Card { command, sw } => Error::Psam { command, sw },
        other => other,
    }
}

impl<T: Transport> PsamModule<T> {
    /// A PSAM with these key environments (one DF per algorithm) and
    /// whose terminal number file has SFI `terminal_sfi` (`16` in the
    /// PSAM profile).
    pub fn new(transport: T, environments: Vec<KeyEnvironment>, terminal_sfi: u8) -> Self {
        Self {
            session: Session::new(transport),
            environments,
            terminal_sfi,
            selected: None,
        }
    }

    /// A PSAM module with the key environment and terminal-number file
    /// that `profile` (`psam.toml`) gives: the one place these facts come from.
    ///
    /// # Errors
    /// [`Error::BadArgument`] when `profile` describes no PSAM.
    pub fn from_profile(transport: T, profile: &sscard_profile::Profile) -> Result<Self> {
        let p = profile.psam.as_ref().ok_or_else(|| {
            Error::BadArgument(format!("{} describes no PSAM ([psam] table)", profile.file))
        })?;
        Ok(Self::new(
            transport,
            p.environments.clone(),
            p.terminal_number_sfi,
        ))
    }

    /// The PSAM's session (counts).
    pub fn session(&self) -> &Session<T> {
        &self.session
    }

    fn run(&mut self, c: &Apdu) -> Result<Vec<u8>> {
        self.session.command(c).map_err(psam_err)
    }

    /// Selects the key environment of `scheme` (once; again on a change).
    /// A PSAM configured without one, or answering `6A82`, gives
    /// [`Error::PsamAlgorithm`] (-2202): the caller turns to the HSM steps.
    fn select_keys(&mut self, scheme: Scheme) -> Result<()> {
        if self.selected != Some(scheme) {
            self.selected = None;
            let df = self
                .environments
                .iter()
                .find(|e| e.scheme == scheme)
                .ok_or(Error::PsamAlgorithm)?
                .key_df;
            self.run(&commands::select_fid(df)).map_err(|e| match e {
                // No DF for the card's algorithm: -2202, the caller turns to the HSM steps.
                Error::Psam {
                    sw: sscard_apdu::StatusWord::FileNotFound,
                    ..
                } => Error::PsamAlgorithm,
                e => e,
            })?;
            self.selected = Some(scheme);
        }
        Ok(())
    }

    fn init(&mut self, scheme: Scheme, address: u16, factors: &[u8]) -> Result<()> {
        self.select_keys(scheme)?;
        self.run(&commands::init_crypto(address, factors)?)
            .map(|_| ())
    }

    fn factors(card: &CardId, process: &[u8; 8]) -> Vec<u8> {
        [
            diversify::area_factor(card),
            diversify::card_factor(card),
            *process,
        ]
        .concat()
    }
}

impl<T: Transport> SecurityModule for PsamModule<T> {
    fn terminal_random(&mut self) -> Result<[u8; 8]> {
        let r = self.run(&commands::get_challenge())?;
        <[u8; 8]>::try_from(r.as_slice()).map_err(|_| Error::Malformed {
            command: "GET CHALLENGE",
            reason: format!("{} bytes, expected 8", r.len()),
        })
    }

    fn terminal_number(&mut self) -> Result<[u8; 6]> {
        let c = commands::read_binary(BinaryAt::Sfi(self.terminal_sfi), 6)?;
        let d = self.run(&c)?;
        <[u8; 6]>::try_from(d.as_slice()).map_err(|_| Error::Malformed {
            command: "READ BINARY",
            reason: format!("{} bytes", d.len()),
        })
    }

    fn auth_data(
        &mut self,
        scheme: Scheme,
        address: u16,
        card: &CardId,
        r1: &[u8; 8],
        r2: &[u8; 8],
    ) -> Result<[u8; 8]> {
        self.init(scheme, address, &Self::factors(card, r1))?;
        let block = scheme.auth_source_block(r2);
        let out = self.run(&commands::crypto(CryptoMode::Encrypt, &block)?)?;
        out.get(..8)
            .and_then(|s| <[u8; 8]>::try_from(s).ok())
            .ok_or(Error::Malformed {
                command: "CRYPTO",
                reason: "short answer".into(),
            })
    }

    fn sm_mac(
        &mut self,
        scheme: Scheme,
        address: u16,
        card: &CardId,
        challenge: &[u8; 8],
        data: &[u8],
    ) -> Result<[u8; 4]> {
        self.init(scheme, address, &Self::factors(card, challenge))?;
        let input = [&scheme.iv_from_challenge(challenge)[..], data].concat();
        let out = self.run(&commands::crypto(CryptoMode::Mac, &input)?)?;
        <[u8; 4]>::try_from(out.as_slice()).map_err(|_| Error::Malformed {
            command: "CRYPTO",
            reason: "not 4 bytes".into(),
        })
    }

    fn sm_encrypt(
        &mut self,
        scheme: Scheme,
        address: u16,
        card: &CardId,
        challenge: &[u8; 8],
        blocks: &[u8],
    ) -> Result<Vec<u8>> {
        self.init(scheme, address, &Self::factors(card, challenge))?;
        self.run(&commands::crypto(CryptoMode::Encrypt, blocks)?)
    }

    /// MAC1 in the public layout (02 §2.5), with the second diversification
    /// level: Lc `24`, the card factor then the area factor.
    fn mac1(&mut self, r: &Mac1Request) -> Result<([u8; 4], [u8; 4])> {
        self.select_keys(Scheme::from_id(r.algorithm).ok_or(Error::PsamAlgorithm)?)?;
        let mut d = Vec::with_capacity(36);
        d.extend_from_slice(&r.pseudo_random);
        d.extend_from_slice(&r.counter.to_be_bytes());
        d.extend_from_slice(&r.amount.to_be_bytes());
        d.push(r.tx_type);
        d.extend_from_slice(&r.date);
        d.extend_from_slice(&r.time);
        d.push(r.key_version);
        d.push(r.algorithm);
        d.extend_from_slice(&diversify::card_factor(&r.card_id));
        d.extend_from_slice(&diversify::area_factor(&r.card_id));
        let out = self.run(&commands::mac1(&d)?)?;
        match out.as_slice() {
            [a, b, c2, d2, m @ ..] if m.len() == 4 => {
                Ok(([*a, *b, *c2, *d2], [m[0], m[1], m[2], m[3]]))
            }
            _ => Err(Error::Malformed {
                command: "MAC1",
                reason: "not 8 bytes".into(),
            }),
        }
    }

    fn verify_mac2(&mut self, mac2: &[u8; 4]) -> Result<()> {
        self.run(&commands::verify_mac2(mac2)).map(|_| ())
    }
}
