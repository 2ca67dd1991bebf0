//! The functions of spec 05 §5.2 by name, for the C exports and for any
//! caller that is not C (`sscard serve`, the localhost service): one table
//! of which inputs each function takes, the size of its output, and whether
//! it opens, continues or is outside a key-server flow. The C exports read
//! their pointers into [`Args`] and call [`run`]; the service fills
//! [`Args`] from JSON. Both get the same behaviour from the same code: one
//! call at a time, the flow kept between steps, panics caught, outputs
//! checked against the documented sizes.

use sscard::Error;
use zeroize::Zeroizing;

use crate::calls;
use crate::state::{first, next, one, OUT_1024, OUT_2048, OUT_20480, OUT_512, OUT_CARD_NUM};

/// The card session of one call, as the functions open it (the configured
/// readers, security module, PIN source, journal and trace folder).
pub use crate::device::Call as Terminal;

/// A typed operation on the configured card: `f` on the terminal the
/// functions would open for `function`, one call at a time with them
/// (the same lock), panics caught. For the localhost service's typed
/// operations.
///
/// # Errors
/// Configuration, reader and card errors; `f`'s.
pub fn typed<T>(
    function: &'static str,
    i_type: i32,
    f: impl FnOnce(&mut Terminal) -> Result<T, Error>,
) -> Result<T, Error> {
    crate::state::exclusive(|| {
        let mut t = crate::device::open(&crate::config::Config::load()?, i_type, false, function)?;
        f(&mut t)
    })
}

/// The longest `pKey` (bytes).
pub const KEY: usize = 256;
/// The longest `pCardInfo`.
pub const CARD_INFO: usize = 128;
/// The longest `pFileAddr`.
pub const FILE_ADDR: usize = 4096;
/// The longest `pWriteData`.
pub const WRITE_DATA: usize = 16384;
/// The longest `pPayInfo`.
pub const PAY_INFO: usize = 128;

/// The inputs of a call; each function reads the ones it takes.
#[derive(Debug, Default, Clone)]
pub struct Args {
    /// `iType`: 1 contact, 2 contactless, 3 automatic, 4 contactless first.
    pub i_type: i32,
    /// `iAuthType` (`iReadCard`): 1 PIN, 2 key.
    pub i_auth_type: i32,
    /// `pCardInfo`.
    pub card_info: Option<String>,
    /// `pFileAddr`.
    pub file_addr: Option<String>,
    /// `pWriteData`.
    pub write_data: Option<String>,
    /// `pPayInfo`.
    pub pay_info: Option<String>,
    /// `pKey` (a key-server step's answer).
    pub key: Option<Zeroizing<String>>,
}

impl Args {
    fn text<'a>(v: &'a Option<String>, name: &str, max: usize) -> Result<&'a str, Error> {
        let s = v
            .as_deref()
            .ok_or_else(|| Error::BadArgument(format!("{name} is missing")))?;
        if s.len() > max {
            return Err(Error::BadArgument(format!(
                "{name} is longer than {max} bytes"
            )));
        }
        Ok(s)
    }
    fn card_info(&self) -> Result<&str, Error> {
        Self::text(&self.card_info, "pCardInfo", CARD_INFO)
    }
    fn file_addr(&self) -> Result<&str, Error> {
        Self::text(&self.file_addr, "pFileAddr", FILE_ADDR)
    }
    fn write_data(&self) -> Result<&str, Error> {
        Self::text(&self.write_data, "pWriteData", WRITE_DATA)
    }
    fn pay_info(&self) -> Result<&str, Error> {
        Self::text(&self.pay_info, "pPayInfo", PAY_INFO)
    }
    fn key(&self) -> Result<&str, Error> {
        let k = self
            .key
            .as_ref()
            .ok_or_else(|| Error::BadArgument("pKey is missing".into()))?;
        if k.len() > KEY {
            return Err(Error::BadArgument(format!(
                "pKey is longer than {KEY} bytes"
            )));
        }
        Ok(k.as_str())
    }
}

/// The inputs a function takes beyond `iType`, by their interface names.
pub fn inputs(function: &str) -> Option<&'static [&'static str]> {
    Some(match function {
        "iReadCardBas"
        | "iReadCardBas_HSM_Step1"
        | "iVerifyPIN"
        | "iChangePIN"
        | "iReadDebitRecord" => &["iType"],
        "iReadICCardNum" => &[],
        "iReadCardBas_HSM_Step2"
        | "iReadCard_HSM_Step2"
        | "iReloadPIN_HSM_Step2"
        | "iReloadPIN_HSM_Step3"
        | "iUnblockPIN_HSM_Step2"
        | "iUnblockPIN_HSM_Step3"
        | "iDoDebit_HSM_Step2" => &["pKey"],
        "iReadCard" => &["iType", "iAuthType", "pCardInfo", "pFileAddr"],
        "iReadCard_HSM_Step1" | "iWriteCard_HSM_Step1" => &["iType", "pCardInfo", "pFileAddr"],
        "iWriteCard" => &["iType", "pCardInfo", "pFileAddr", "pWriteData"],
        "iWriteCard_HSM_Step2" => &["pKey", "pWriteData"],
        "iReloadPIN" | "iReloadPIN_HSM_Step1" | "iUnblockPIN" | "iUnblockPIN_HSM_Step1" => {
            &["iType", "pCardInfo"]
        }
        "iDoDebit" | "iDoDebit_HSM_Step1" => &["iType", "pCardInfo", "pPayInfo"],
        _ => return None,
    })
}

/// Every function's name, in the order of spec 05 §5.2.
pub const FUNCTIONS: [&str; 24] = [
    "iReadCardBas",
    "iReadCardBas_HSM_Step1",
    "iReadCardBas_HSM_Step2",
    "iReadCard",
    "iReadCard_HSM_Step1",
    "iReadCard_HSM_Step2",
    "iWriteCard",
    "iWriteCard_HSM_Step1",
    "iWriteCard_HSM_Step2",
    "iVerifyPIN",
    "iChangePIN",
    "iReloadPIN",
    "iReloadPIN_HSM_Step1",
    "iReloadPIN_HSM_Step2",
    "iReloadPIN_HSM_Step3",
    "iUnblockPIN",
    "iUnblockPIN_HSM_Step1",
    "iUnblockPIN_HSM_Step2",
    "iUnblockPIN_HSM_Step3",
    "iDoDebit",
    "iDoDebit_HSM_Step1",
    "iDoDebit_HSM_Step2",
    "iReadDebitRecord",
    "iReadICCardNum",
];

/// The documented size of `function`'s output (bytes, NUL included).
pub fn out_size(function: &str) -> usize {
    match function {
        "iReadCard" | "iReadCard_HSM_Step2" => OUT_20480,
        "iReadDebitRecord" => OUT_2048,
        "iReadICCardNum" => OUT_CARD_NUM,
        "iVerifyPIN" | "iChangePIN" | "iDoDebit" | "iDoDebit_HSM_Step1" => OUT_512,
        f if f.starts_with("iReloadPIN") || f.starts_with("iUnblockPIN") => OUT_512,
        _ => OUT_1024,
    }
}

/// Whether `function` continues a key-server flow (a Step2 or Step3).
pub fn is_later_step(function: &str) -> bool {
    function.ends_with("_Step2") || function.ends_with("_Step3")
}

/// Runs `function` with `a`: its output line (secret for the reload and
/// unblock Step2, so wiped when dropped), or the typed error.
///
/// # Errors
/// [`Error::NotSupported`] (-13) for a name that is not a function of the
/// interface; the function's own errors otherwise.
pub fn run(function: &str, a: &Args) -> Result<Zeroizing<String>, Error> {
    let size = out_size(function);
    let z = |r: Result<String, Error>| r.map(Zeroizing::new);
    let it = a.i_type;
    match function {
        "iReadCardBas" => z(one(size, || calls::read_card_bas(it))),
        "iReadCardBas_HSM_Step1" => z(first(size, || calls::read_card_bas_step1(it))),
        "iReadCardBas_HSM_Step2" => z(next(size, |p| {
            calls::read_card_bas_step2(p.take_flow()?, a.key()?).map(|s| (s, None))
        })),
        "iReadCard" => z(one(size, || {
            calls::read_card(it, a.i_auth_type, a.card_info()?, a.file_addr()?)
        })),
        "iReadCard_HSM_Step1" | "iWriteCard_HSM_Step1" => z(first(size, || {
            calls::file_step1(
                it,
                a.card_info()?,
                a.file_addr()?,
                function == "iWriteCard_HSM_Step1",
            )
        })),
        "iReadCard_HSM_Step2" => z(next(size, |p| {
            calls::read_card_step2(p.take_flow()?, a.key()?).map(|s| (s, None))
        })),
        "iWriteCard" => z(one(size, || {
            calls::write_card(it, a.card_info()?, a.file_addr()?, a.write_data()?)
        })),
        "iWriteCard_HSM_Step2" => z(next(size, |p| {
            calls::write_card_step2(p.take_flow()?, a.key()?, a.write_data()?).map(|s| (s, None))
        })),
        "iVerifyPIN" => z(one(size, || calls::verify_pin(it))),
        "iChangePIN" => z(one(size, || calls::change_pin(it))),
        "iReloadPIN" | "iUnblockPIN" => z(one(size, || {
            calls::reset_pin(it, a.card_info()?, function == "iReloadPIN")
        })),
        "iReloadPIN_HSM_Step1" | "iUnblockPIN_HSM_Step1" => z(first(size, || {
            calls::reset_pin_step1(it, a.card_info()?, function.starts_with("iReload"))
        })),
        "iReloadPIN_HSM_Step2" | "iUnblockPIN_HSM_Step2" => next(size, |p| {
            calls::reset_pin_step2(p.take_flow()?, a.key()?, function.starts_with("iReload"))
                .map(|(s, n)| (s, Some(n)))
        }),
        "iReloadPIN_HSM_Step3" | "iUnblockPIN_HSM_Step3" => z(next(size, |p| {
            calls::reset_pin_step3(p.take_flow()?, a.key()?, function.starts_with("iReload"))
                .map(|s| (s, None))
        })),
        "iDoDebit" => z(one(size, || {
            calls::do_debit(it, a.card_info()?, a.pay_info()?)
        })),
        "iDoDebit_HSM_Step1" => z(first(size, || {
            calls::do_debit_step1(it, a.card_info()?, a.pay_info()?)
        })),
        "iDoDebit_HSM_Step2" => z(next(size, |p| {
            calls::do_debit_step2(p.take_flow()?, a.key()?).map(|s| (s, None))
        })),
        "iReadDebitRecord" => z(one(size, || calls::read_debit_record(it))),
        "iReadICCardNum" => z(one(size, calls::read_ic_card_num)),
        other => Err(Error::NotSupported(format!(
            "{:?} is not a function of the reader interface",
            other.chars().take(64).collect::<String>()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_is_in_the_table() {
        for f in FUNCTIONS {
            assert!(inputs(f).is_some(), "{f}");
        }
        assert!(inputs("iFormatDisk").is_none());
        assert_eq!(
            run("iFormatDisk", &Args::default()).err().map(|e| e.code()),
            Some(-13)
        );
        // A missing input is a bad argument before any reader is opened.
        assert_eq!(
            run("iDoDebit", &Args::default()).err().map(|e| e.code()),
            Some(-14)
        );
    }
}
