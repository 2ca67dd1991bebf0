//! The electronic cash load (圈存, spec 04 §4.4): online. GET PROCESSING
//! OPTIONS for a load (type `60`, the TTQ asking for an online
//! cryptogram), the records (for CDOL1, `8C`), GENERATE AC for an ARQC,
//! the issuer's answer — a script `04 DA 9F 79 0A <new balance> <MAC>`
//! whose MAC covers the header, the ATC and the ARQC, then the data —
//! and the new balance read back.

use sscard_apdu::dol::Dol;
use sscard_apdu::field::{n_decode_u64, n_encode_u64};
use sscard_apdu::tlv::Tlv;

use super::payment::{bytes_of, malformed, pdol_values, ttq, PurchaseRequest};
use super::Terminal;
use crate::error::{Error, Result};
use crate::pin::PinPad;
use crate::security::SecurityModule;
use crate::transport::Transport;
use sscard_apdu::commands;

/// Transaction type (`9C`) of an electronic cash load [design].
pub const ECASH_LOAD: u8 = 0x60;

/// What the issuer is asked to authorise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadRequest {
    /// The amount to load, fen.
    pub amount: u32,
    /// The balance before, fen (`9F79`).
    pub balance: u32,
    /// The card's ATC of this load.
    pub atc: u16,
    /// The ARQC (`9F26`).
    pub arqc: [u8; 8],
    /// The CDOL1 data the ARQC covers, as sent.
    pub cdol1_data: Vec<u8>,
}

/// The issuer's script for `req`: the new balance (6 bytes `n`) and the MAC.
pub type IssuerScript = [u8; 10];

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// Loads `req.amount` of electronic cash, the issuer (`issuer`, the
    /// POS's online link) authorising the ARQC and answering the script.
    /// Returns the balance after, fen.
    ///
    /// # Errors
    /// Card errors (`6988` for a script whose MAC is wrong: nothing loaded),
    /// the issuer's error, [`Error::Malformed`] for unexpected answers.
    pub fn ecash_load(
        &mut self,
        req: &PurchaseRequest,
        issuer: impl FnOnce(&LoadRequest) -> Result<IssuerScript>,
    ) -> Result<u32> {
        let (_, pdol, _) = self.select_payment()?;
        let before = self.ecash()?[0];
        let un = sscard_crypto::random::bytes::<4>().map_err(|e| Error::Reader(e.to_string()))?;
        let amount = n_encode_u64(u64::from(req.amount), 6)
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
        let v = pdol_values(req, &amount, ECASH_LOAD, ttq(true, true), un);
        let t77 = self.gpo(&pdol, &v)?;
        // CDOL1 from the records of the AFL.
        let mut cdol1 = Vec::new();
        for (_, _, _, rec) in self.afl_records(&bytes_of(&t77, 0x94))? {
            let t = Tlv::parse_one(&rec).map_err(|e| malformed("READ RECORD", e.to_string()))?;
            let c = bytes_of(t.children(), 0x8C);
            if !c.is_empty() {
                cdol1 = c;
            }
        }
        let cdol1 = Dol::parse(&cdol1)
            .ok()
            .filter(|d| !d.entries().is_empty())
            .ok_or_else(|| Error::NotSupported("the card gives no CDOL1 (8C): no load".into()))?;
        let data = cdol1.build(&v);
        let ac = self.card.command(&commands::generate_ac(0x80, &data)?)?;
        let ac = Tlv::parse_all(&ac).map_err(|e| malformed("GENERATE AC", e.to_string()))?;
        let inner = match ac.first() {
            Some(t) if t.tag().number() == 0x77 => t.children().to_vec(),
            _ => return Err(malformed("GENERATE AC", "no 77 template")),
        };
        if bytes_of(&inner, 0x9F27) != [0x80] {
            return Err(Error::NotSupported(
                "the card declined the load: GENERATE AC gave no ARQC".into(),
            ));
        }
        let atc = <[u8; 2]>::try_from(bytes_of(&inner, 0x9F36).as_slice())
            .map(u16::from_be_bytes)
            .map_err(|_| malformed("GENERATE AC", "ATC is not 2 bytes"))?;
        let arqc = <[u8; 8]>::try_from(bytes_of(&inner, 0x9F26).as_slice())
            .map_err(|_| malformed("GENERATE AC", "the cryptogram is not 8 bytes"))?;
        let script = issuer(&LoadRequest {
            amount: req.amount,
            balance: before,
            atc,
            arqc,
            cdol1_data: data,
        })?;
        self.card.command(&commands::put_data(0x9F79, &script)?)?;
        let after = self.ecash()?[0];
        let expected = n_decode_u64(&script[..6]).unwrap_or(0);
        if u64::from(after) != expected {
            return Err(malformed(
                "GET DATA 9F79",
                "the balance is not the script's",
            ));
        }
        Ok(after)
    }
}
