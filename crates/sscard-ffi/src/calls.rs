//! What each function of spec 05 §5.2 does, in Rust: inputs already read,
//! the output line or a typed error back. Inputs are checked before the
//! device is opened, so bad input needs no reader and changes nothing.
//! A key-server flow keeps its terminal (the card session) in [`Pending`]
//! between the steps.

use sscard::ops::basic::BasicInfo;
use sscard::ops::card_info::CardInfo;
use sscard::ops::debit::{DebitInit, PayInfo};
use sscard::ops::files::FileAddr;
use sscard::ops::hsm::{GenuineStep, KeyStep, ReadBasStep1};
use sscard::ops::pin::SmRequest;
use sscard::Error;
use zeroize::Zeroizing;

use crate::config::Config;
use crate::device::{self, Call};

/// A key-server flow between its steps.
pub enum Pending {
    /// `iReadCardBas_HSM_Step1` done.
    ReadBas(Session, ReadBasStep1),
    /// `iReadCard_HSM_Step1` done.
    Read(Session, KeyStep, FileAddr),
    /// `iWriteCard_HSM_Step1` done.
    Write(Session, KeyStep, FileAddr),
    /// `iReloadPIN_HSM_Step1` (`true`) or `iUnblockPIN_HSM_Step1` done.
    Genuine(Session, GenuineStep, bool),
    /// `iReloadPIN_HSM_Step2` / `iUnblockPIN_HSM_Step2` done.
    Sm(Session, SmRequest),
    /// `iDoDebit_HSM_Step1` done.
    Debit(Session, DebitInit),
}

/// The open card of a flow, and how to find it again.
pub struct Session {
    term: Call,
    cfg: Config,
    itype: i32,
}

impl Session {
    fn open(cfg: Config, itype: i32, function: &'static str) -> Result<Self, Error> {
        let term = device::open(&cfg, itype, true, function)?;
        Ok(Self { term, cfg, itype })
    }

    /// A later step is a new call: the PIN source is read again (the
    /// holder types at this step).
    fn refresh(&mut self) -> Result<(), Error> {
        self.cfg = Config::load()?;
        self.term.set_pad(device::pad(&self.cfg)?);
        Ok(())
    }

    /// An error of a later step, telling a swapped card (-22) from one
    /// merely removed: the session is closed, the card in the reader now
    /// is identified and compared.
    fn explain(self, e: Error) -> Error {
        if !matches!(
            e,
            Error::CardRemoved | Error::NoCard { .. } | Error::NotPowered
        ) {
            return e;
        }
        let before = self.term.facts().map(|f| f.card_id);
        let (cfg, itype) = (self.cfg, self.itype);
        drop(self.term);
        let now = device::open(&cfg, itype, true, "swap-check")
            .and_then(|mut t| t.identify().map(|f| f.card_id));
        match (before, now) {
            (Some(a), Ok(b)) if a != b => {
                Error::CardMismatch("the card was swapped between the steps".into())
            }
            _ => e,
        }
    }
}

fn open(function: &'static str, itype: i32) -> Result<Call, Error> {
    device::open(&Config::load()?, itype, false, function)
}

fn checked(function: &'static str, itype: i32, info: &CardInfo) -> Result<Call, Error> {
    let mut t = open(function, itype)?;
    t.check_card_info(info)?;
    Ok(t)
}

fn auth_type(a: i32) -> Result<i32, Error> {
    match a {
        1 | 2 => Ok(a),
        _ => Err(Error::BadArgument(format!("iAuthType {a} (1 PIN, 2 key)"))),
    }
}

/// `iReadCardBas`.
pub fn read_card_bas(itype: i32) -> Result<String, Error> {
    Ok(open("iReadCardBas", itype)?.read_basic_info()?.to_line())
}

/// `iReadCardBas_HSM_Step1`.
pub fn read_card_bas_step1(itype: i32) -> Result<(String, Pending), Error> {
    let cfg = Config::load()?;
    let short = cfg.hsm_step1_short()?;
    let mut s = Session::open(cfg, itype, "iReadCardBas_HSM_Step1")?;
    let step = s.term.read_basic_info_hsm_step1()?;
    let line = if short {
        step.to_short_line()
    } else {
        step.to_line()
    };
    Ok((line, Pending::ReadBas(s, step)))
}

/// `iReadCardBas_HSM_Step2`.
pub fn read_card_bas_step2(p: Pending, key: &str) -> Result<String, Error> {
    let Pending::ReadBas(mut s, step) = p else {
        return Err(no_step1("iReadCardBas_HSM_Step1"));
    };
    s.refresh()?;
    let r: Result<BasicInfo, Error> = s.term.read_basic_info_hsm_step2(&step, key);
    r.map(|i| i.to_line()).map_err(|e| s.explain(e))
}

/// `iReadCard`.
pub fn read_card(itype: i32, auth: i32, info: &str, addr: &str) -> Result<String, Error> {
    let auth = auth_type(auth)?;
    let info = CardInfo::parse(info)?;
    let addr = FileAddr::parse(addr)?;
    checked("iReadCard", itype, &info)?.read_file_addr(&addr, auth)
}

/// `iReadCard_HSM_Step1` and `iWriteCard_HSM_Step1`.
pub fn file_step1(
    itype: i32,
    info: &str,
    addr: &str,
    write: bool,
) -> Result<(String, Pending), Error> {
    let info = CardInfo::parse(info)?;
    let addr = FileAddr::parse(addr)?;
    let mut s = Session::open(
        Config::load()?,
        itype,
        if write {
            "iWriteCard_HSM_Step1"
        } else {
            "iReadCard_HSM_Step1"
        },
    )?;
    s.term.check_card_info(&info)?;
    let step = s.term.key_step1(&addr, write)?;
    let algorithm = s.term.facts().map_or(0x03, |f| f.algorithm.id());
    let line = step.auth.to_line(algorithm);
    Ok((
        line,
        if write {
            Pending::Write(s, step, addr)
        } else {
            Pending::Read(s, step, addr)
        },
    ))
}

/// `iReadCard_HSM_Step2`.
pub fn read_card_step2(p: Pending, key: &str) -> Result<String, Error> {
    let Pending::Read(mut s, step, addr) = p else {
        return Err(no_step1("iReadCard_HSM_Step1"));
    };
    s.refresh()?;
    let r = s
        .term
        .key_step2(&step, key)
        .and_then(|()| s.term.read_file_addr(&addr, 2));
    r.map_err(|e| s.explain(e))
}

/// `iWriteCard`.
pub fn write_card(itype: i32, info: &str, addr: &str, data: &str) -> Result<String, Error> {
    let info = CardInfo::parse(info)?;
    let addr = FileAddr::parse(addr)?;
    checked("iWriteCard", itype, &info)?.write_file_addr(&addr, data)?;
    Ok(String::new())
}

/// `iWriteCard_HSM_Step2`.
pub fn write_card_step2(p: Pending, key: &str, data: &str) -> Result<String, Error> {
    let Pending::Write(mut s, step, addr) = p else {
        return Err(no_step1("iWriteCard_HSM_Step1"));
    };
    s.refresh()?;
    let r = s
        .term
        .key_step2(&step, key)
        .and_then(|()| s.term.write_file_addr(&addr, data));
    r.map(|()| String::new()).map_err(|e| s.explain(e))
}

/// `iVerifyPIN`.
pub fn verify_pin(itype: i32) -> Result<String, Error> {
    open("iVerifyPIN", itype)?.verify_pin()?;
    Ok(String::new())
}

/// `iChangePIN`.
pub fn change_pin(itype: i32) -> Result<String, Error> {
    open("iChangePIN", itype)?.change_pin()?;
    Ok(String::new())
}

/// `iReloadPIN` (`reload`) and `iUnblockPIN`: the card proves itself
/// genuine first (IRK), then the PSAM finishes the command.
pub fn reset_pin(itype: i32, info: &str, reload: bool) -> Result<String, Error> {
    let info = CardInfo::parse(info)?;
    let mut t = checked(
        if reload { "iReloadPIN" } else { "iUnblockPIN" },
        itype,
        &info,
    )?;
    t.internal_auth()?;
    if reload {
        t.reload_pin()?;
    } else {
        t.unblock_pin()?;
    }
    Ok(String::new())
}

/// `iReloadPIN_HSM_Step1` / `iUnblockPIN_HSM_Step1`.
pub fn reset_pin_step1(itype: i32, info: &str, reload: bool) -> Result<(String, Pending), Error> {
    let info = CardInfo::parse(info)?;
    let mut s = Session::open(
        Config::load()?,
        itype,
        if reload {
            "iReloadPIN_HSM_Step1"
        } else {
            "iUnblockPIN_HSM_Step1"
        },
    )?;
    s.term.check_card_info(&info)?;
    let step = s.term.genuine_step1()?;
    let algorithm = s.term.facts().map_or(0x03, |f| f.algorithm.id());
    Ok((
        step.auth.to_line(algorithm),
        Pending::Genuine(s, step, reload),
    ))
}

/// `iReloadPIN_HSM_Step2` / `iUnblockPIN_HSM_Step2`: the line holds the
/// new PIN in the clear, as the public interface has it.
pub fn reset_pin_step2(
    p: Pending,
    key: &str,
    reload: bool,
) -> Result<(Zeroizing<String>, Pending), Error> {
    let Pending::Genuine(mut s, step, r) = p else {
        return Err(no_step1("the Step1 of this function"));
    };
    s.refresh()?;
    if r != reload {
        return Err(no_step1("the Step1 of this function"));
    }
    let req = s.term.genuine_step2(&step, key).and_then(|()| {
        if reload {
            s.term.reload_request()
        } else {
            s.term.unblock_request()
        }
    });
    match req {
        Ok(req) => Ok((req.to_line(), Pending::Sm(s, req))),
        Err(e) => Err(s.explain(e)),
    }
}

/// `iReloadPIN_HSM_Step3` / `iUnblockPIN_HSM_Step3`.
pub fn reset_pin_step3(p: Pending, key: &str, reload: bool) -> Result<String, Error> {
    let Pending::Sm(mut s, req) = p else {
        return Err(no_step1("Step1 and Step2 of this function"));
    };
    s.refresh()?;
    if (req.header[1] == 0x5E) != reload {
        return Err(no_step1("Step1 and Step2 of this function"));
    }
    let r = req
        .parse_answer(key)
        .and_then(|data| s.term.send_sm(&req, &data));
    r.map(|()| String::new()).map_err(|e| s.explain(e))
}

/// `iDoDebit`.
pub fn do_debit(itype: i32, info: &str, pay: &str) -> Result<String, Error> {
    let info = CardInfo::parse(info)?;
    let pay = PayInfo::parse(pay)?;
    Ok(checked("iDoDebit", itype, &info)?
        .medical_debit(&pay)?
        .to_line())
}

/// `iDoDebit_HSM_Step1`.
pub fn do_debit_step1(itype: i32, info: &str, pay: &str) -> Result<(String, Pending), Error> {
    let info = CardInfo::parse(info)?;
    let pay = PayInfo::parse(pay)?;
    let mut s = Session::open(Config::load()?, itype, "iDoDebit_HSM_Step1")?;
    s.term.check_card_info(&info)?;
    let init = s.term.debit_init(&pay)?;
    Ok((init.to_line(), Pending::Debit(s, init)))
}

/// `iDoDebit_HSM_Step2`: `MAC2|` and the `iDoDebit` line.
pub fn do_debit_step2(p: Pending, key: &str) -> Result<String, Error> {
    let Pending::Debit(mut s, init) = p else {
        return Err(no_step1("iDoDebit_HSM_Step1"));
    };
    s.refresh()?;
    let r = init.parse_key(key).and_then(|(txn, mac1)| {
        let (tac, mac2) = s.term.debit_journaled(&init, txn, mac1)?;
        Ok(format!(
            "{}|{}",
            hex_upper(&mac2),
            init.result(txn, tac).to_line()
        ))
    });
    r.map_err(|e| s.explain(e))
}

/// `iReadDebitRecord`.
pub fn read_debit_record(itype: i32) -> Result<String, Error> {
    Ok(open("iReadDebitRecord", itype)?
        .debit_records()?
        .iter()
        .map(sscard::ops::debit::DebitRecord::to_line)
        .collect())
}

/// `iReadICCardNum`: automatic, contact first.
pub fn read_ic_card_num() -> Result<String, Error> {
    open("iReadICCardNum", 3)?.read_pan()
}

fn hex_upper(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn no_step1(what: &str) -> Error {
    Error::BadArgument(format!("no key-server flow open: call {what} first"))
}
