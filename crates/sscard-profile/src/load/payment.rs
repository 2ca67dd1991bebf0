//! Checks of the financial application and of the PSAM table.

use sscard_apdu::dol::Dol;

use super::{hex_bytes, Checker};
use crate::error::Result;
use crate::model::*;
use crate::raw::{self};

impl Checker<'_> {
    pub(super) fn payment(
        &self,
        p: &raw::Payment,
        dfs: &[Df],
        keys: &[Key],
        alg: Algorithm,
    ) -> Result<Payment> {
        let at = "payment";
        let application = p.application.get_ref().clone();
        if !dfs
            .iter()
            .any(|d| d.path == application && d.name.is_some())
        {
            return Err(self.bad(
                &p.application,
                at,
                format!("application {application:?} is not a DF with a name"),
            ));
        }
        let pdol_bytes =
            hex_bytes(p.pdol.get_ref()).ok_or_else(|| self.bad(&p.pdol, at, "PDOL is not hex"))?;
        let pdol =
            Dol::parse(&pdol_bytes).map_err(|e| self.bad(&p.pdol, at, format!("PDOL: {e}")))?;
        if alg == Algorithm::Sm4 && !pdol.contains(0xDF69) {
            return Err(self.bad(
                &p.pdol,
                at,
                "an SM card's PDOL must ask for DF69 (SM algorithm support)",
            ));
        }
        let aip = self.hex_n(&p.aip, 2, at, "AIP")?;
        let ca_index = self.hex_u8(&p.ca_index, at, "CA index")?;
        let rid = self.hex_n(&p.rid, 5, at, "RID")?;
        let country = self.hex_n(&p.country, 2, at, "country code")?;
        let currency = self.hex_n(&p.currency, 2, at, "currency code")?;
        for k in [&p.ac_key, &p.mac_key] {
            if !keys.iter().any(|x| &x.name == k.get_ref()) {
                return Err(self.bad(
                    k,
                    at,
                    format!("key {:?} is not in the key table", k.get_ref()),
                ));
            }
        }
        let mut afl = Vec::new();
        for a in &p.afl {
            let (sfi, first, last, signed) = (
                *a.sfi.get_ref(),
                *a.first.get_ref(),
                *a.last.get_ref(),
                *a.signed.get_ref(),
            );
            if !(1..=30).contains(&sfi) {
                return Err(self.bad(&a.sfi, at, "AFL SFI must be 1 to 30"));
            }
            if first == 0 || first > last {
                return Err(self.bad(&a.first, at, "AFL needs 1 ≤ first ≤ last"));
            }
            if u16::from(signed) > u16::from(last - first) + 1 {
                return Err(self.bad(&a.signed, at, "AFL signs more records than it lists"));
            }
            afl.push(AflEntry {
                sfi,
                first,
                last,
                signed,
            });
        }
        let mut records: Vec<PayRecord> = Vec::new();
        for r in &p.record {
            let (sfi, number) = (*r.sfi.get_ref(), *r.number.get_ref());
            if records.iter().any(|x| x.sfi == sfi && x.number == number) {
                return Err(self.bad(
                    &r.number,
                    at,
                    format!("record {number} of SFI {sfi} defined twice"),
                ));
            }
            if !afl
                .iter()
                .any(|a| a.sfi == sfi && (a.first..=a.last).contains(&number))
            {
                return Err(self.bad(
                    &r.number,
                    at,
                    format!("record {number} of SFI {sfi} is not in the AFL"),
                ));
            }
            let mut tags = Vec::new();
            for t in &r.tags {
                let b = hex_bytes(t.get_ref())
                    .filter(|b| !b.is_empty() && b.len() <= 3)
                    .ok_or_else(|| self.bad(t, at, "tag is not 1 to 3 bytes of hex"))?;
                let n = b.iter().fold(0u32, |acc, x| (acc << 8) | u32::from(*x));
                sscard_apdu::tlv::Tag::new(n).map_err(|e| self.bad(t, at, e.to_string()))?;
                tags.push(n);
            }
            records.push(PayRecord { sfi, number, tags });
        }
        let mut tags = Vec::new();
        for t in &p.tag {
            let b = hex_bytes(t.tag.get_ref())
                .filter(|b| !b.is_empty() && b.len() <= 3)
                .ok_or_else(|| self.bad(&t.tag, at, "tag is not 1 to 3 bytes of hex"))?;
            tags.push(PayTag {
                tag: b.iter().fold(0u32, |acc, x| (acc << 8) | u32::from(*x)),
                name: t.name.get_ref().clone(),
                format: self.format(&t.format, at)?,
                length: t.length,
                personal: t.personal,
            });
        }
        let e = &p.ecash;
        if !(1..=30).contains(e.log_sfi.get_ref()) {
            return Err(self.bad(&e.log_sfi, at, "log SFI must be 1 to 30"));
        }
        Ok(Payment {
            application,
            label: p.label.clone(),
            priority: p.priority,
            pdol,
            cdol1: match &p.cdol1 {
                Some(c) => {
                    let b = hex_bytes(c.get_ref())
                        .ok_or_else(|| self.bad(c, at, "CDOL1 is not hex"))?;
                    Some(Dol::parse(&b).map_err(|e| self.bad(c, at, format!("CDOL1: {e}")))?)
                }
                None => None,
            },
            aip: [aip[0], aip[1]],
            ca_index,
            rid,
            country: [country[0], country[1]],
            currency: [currency[0], currency[1]],
            ac_key: p.ac_key.get_ref().clone(),
            mac_key: p.mac_key.get_ref().clone(),
            gpo_sends_cid: p.gpo_sends_cid,
            records_after_gpo: p.records_after_gpo,
            afl,
            records,
            ecash: Ecash {
                balance: e.balance,
                balance_limit: e.balance_limit,
                single_limit: e.single_limit,
                reset_threshold: e.reset_threshold,
                log_sfi: *e.log_sfi.get_ref(),
                log_records: e.log_records,
            },
            tags,
        })
    }

    pub(super) fn psam(&self, p: &raw::Psam, keys: &[Key]) -> Result<Psam> {
        let mut environments: Vec<KeyEnvironment> = Vec::new();
        for e in &p.environment {
            let scheme = match e.algorithm.get_ref().as_str() {
                "sm4" => sscard_crypto::Scheme::Sm4,
                "des" => sscard_crypto::Scheme::TripleDes,
                other => {
                    return Err(self.bad(
                        &e.algorithm,
                        "psam.environment",
                        format!(
                            "algorithm {other:?} (expected sm4 or des; SSF33 is not supported)"
                        ),
                    ))
                }
            };
            let key_df = self.hex_u16(&e.key_df, "psam.environment", "key DF FID")?;
            if environments
                .iter()
                .any(|x| x.scheme == scheme || x.key_df == key_df)
            {
                return Err(self.bad(
                    &e.key_df,
                    "psam.environment",
                    "each algorithm has one key environment, each in its own DF",
                ));
            }
            environments.push(KeyEnvironment { scheme, key_df });
        }
        let tn = self.hex_n(&p.terminal_number, 6, "psam", "terminal number")?;
        if !tn.iter().all(|b| b >> 4 < 10 && b & 0xF < 10) {
            return Err(self.bad(
                &p.terminal_number,
                "psam",
                "terminal number is 12 BCD digits",
            ));
        }
        let sfi = *p.terminal_number_sfi.get_ref();
        if !(1..=30).contains(&sfi) {
            return Err(self.bad(&p.terminal_number_sfi, "psam", "SFI must be 1 to 30"));
        }
        let mut terminal_number = [0u8; 6];
        terminal_number.copy_from_slice(&tn);
        let debit_key = p
            .debit_key
            .as_ref()
            .map_or_else(|| "DPK".to_owned(), |k| k.get_ref().clone());
        if !keys.iter().any(|k| k.name == debit_key) {
            let msg = format!("debit key {debit_key} is not in the key table");
            return Err(match &p.debit_key {
                Some(k) => self.bad(k, "psam", msg),
                None => self.bad(&p.terminal_number, "psam", msg),
            });
        }
        Ok(Psam {
            environments,
            terminal_number_sfi: sfi,
            terminal_number,
            debit_key,
        })
    }
}
