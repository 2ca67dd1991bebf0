//! Cyclic log files (the medical debit log `DF04/EF07`): each record split
//! into the fields the profile names, as text. The reader interface's
//! `pFileAddr` output, `iReadDebitRecord` and the CLI's `log` all read
//! logs here.

use sscard_apdu::StatusWord;
use sscard_profile::{Ef, EfKind, FieldFormat, Profile};

use super::Terminal;
use crate::error::{Error, Result};
use crate::pin::PinPad;
use crate::security::SecurityModule;
use crate::transport::Transport;
use sscard_apdu::commands::{self, RecordAt};

/// One log record: (field name, value as text), in the profile's order.
pub type LogRecord = Vec<(String, String)>;

impl<C: Transport, S: SecurityModule, P: PinPad> Terminal<C, S, P> {
    /// The records of the cyclic file `ef`, newest first, after its read
    /// rule is satisfied (a PIN preferred when `prefer_pin`).
    ///
    /// # Errors
    /// Card and access errors; [`Error::InvalidInput`] if `ef` is not cyclic.
    pub fn log_records(
        &mut self,
        profile: &Profile,
        ef: &Ef,
        prefer_pin: bool,
    ) -> Result<Vec<LogRecord>> {
        let EfKind::Cyclic {
            records,
            record_length,
        } = ef.kind
        else {
            return Err(Error::InvalidInput(format!(
                "{} is not a cyclic log",
                ef.short_name()
            )));
        };
        self.select_df(profile, &ef.df)?;
        self.satisfy(profile, &ef.read, &ef.df, prefer_pin)?;
        // By SFI where the file has one (the EP log: `00 B2 <n> C4 17`).
        if ef.sfi.is_none() {
            self.select_ef(ef.fid)?;
        }
        let mut out = Vec::new();
        for number in 1..=records {
            let at = match ef.sfi {
                Some(sfi) => RecordAt::Sfi { sfi, number },
                None => RecordAt::Number(number),
            };
            let r = self.card.send(&commands::read_record(at, record_length)?)?;
            match r.sw() {
                StatusWord::Success => {}
                StatusWord::RecordNotFound => break,
                sw => return Err(Error::from_card("READ RECORD", sw)),
            }
            let mut rec = Vec::with_capacity(ef.fields.len());
            for field in &ef.fields {
                let v = r
                    .data()
                    .get(field.offset..field.offset + field.length)
                    .unwrap_or(&[]);
                let text = match field.format {
                    FieldFormat::Amount => <[u8; 4]>::try_from(v)
                        .map(sscard_apdu::field::Amount::from_bytes)
                        .unwrap_or_default()
                        .to_string(),
                    FieldFormat::Plain(fmt) => fmt.decode(v).map_err(|e| Error::Malformed {
                        command: "READ RECORD",
                        reason: e.to_string(),
                    })?,
                };
                rec.push((field.name.clone(), text));
            }
            out.push(rec);
        }
        Ok(out)
    }

    /// The medical debit log: the cyclic file beside the purse, newest first.
    ///
    /// # Errors
    /// Card and PIN errors; [`Error::NotSupported`] without a log.
    pub fn debit_log(&mut self) -> Result<Vec<LogRecord>> {
        let facts = self.facts_or_identify()?;
        let profile = facts.profile.clone();
        let purse = super::debit::purse_ef(&profile)?;
        let log = profile
            .efs
            .iter()
            .find(|e| e.df == purse.df && matches!(e.kind, EfKind::Cyclic { .. }))
            .ok_or_else(|| Error::NotSupported("the card model has no debit log".into()))?
            .clone();
        self.log_records(&profile, &log, true)
    }
}
