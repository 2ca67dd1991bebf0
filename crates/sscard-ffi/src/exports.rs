//! The exported functions of spec 05 §5.2, each with its exact C
//! signature, `extern "system"` (`__stdcall` on 32-bit Windows).
//!
//! Every function returns `0` or an error code of spec 05 §5.5. Output
//! buffers are never written past the size the interface documents for
//! them (the `OUT_*` constants); on failure the buffer holds a description.
//! No panic crosses the boundary.

#![allow(non_snake_case, non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_long};

use zeroize::Zeroizing;

use crate::named::{Args, CARD_INFO, FILE_ADDR, KEY, PAY_INFO, WRITE_DATA};
use crate::state::call;
use crate::text::input;

/// The return type: `long`, with the interface's calling convention.
pub type SSSE32_LONG = c_long;

/// Reads the basic information: `area code|social security no.|card no.|card
/// identification code|name|ATR historical bytes|spec version|issue
/// date|expiry date|terminal no.|terminal device no.|`.
///
/// # Safety
/// `pOutInfo` is null or a 1024-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iReadCardBas(iType: c_int, pOutInfo: *mut c_char) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iReadCardBas", || {
            Ok(Args {
                i_type: iType,
                ..Args::default()
            })
        })
    }
}

/// Step 1 of reading the basic information through a key server: `area
/// code|ATR historical bytes|algorithm id|card identification code|internal
/// process factor|internal source|external process factor|external
/// source|terminal device code|`. The card stays open for step 2.
///
/// # Safety
/// `pOutInfo` is null or a 1024-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iReadCardBas_HSM_Step1(
    iType: c_int,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iReadCardBas_HSM_Step1", || {
            Ok(Args {
                i_type: iType,
                ..Args::default()
            })
        })
    }
}

/// Step 2: `pKey` = `internal auth data + internal source|external auth
/// data + external source|`; the output as `iReadCardBas`.
///
/// # Safety
/// `pKey` is null or a NUL-terminated string; `pOutInfo` is null or a
/// 1024-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iReadCardBas_HSM_Step2(
    pKey: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iReadCardBas_HSM_Step2", || {
            Ok(Args {
                key: Some(Zeroizing::new(input(pKey, "pKey", KEY)?)),
                ..Args::default()
            })
        })
    }
}

/// Reads the items `pFileAddr` names (spec 05 §5.3) from the card that
/// `pCardInfo` names; `iAuthType` `1` PIN, `2` key where a file allows either.
///
/// # Safety
/// The inputs are null or NUL-terminated strings; `pOutInfo` is null or a
/// 20480-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iReadCard(
    iType: c_int,
    iAuthType: c_int,
    pCardInfo: *mut c_char,
    pFileAddr: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iReadCard", || {
            Ok(Args {
                i_type: iType,
                i_auth_type: iAuthType,
                card_info: Some(input(pCardInfo, "pCardInfo", CARD_INFO)?),
                file_addr: Some(input(pFileAddr, "pFileAddr", FILE_ADDR)?),
                ..Args::default()
            })
        })
    }
}

/// Step 1 of a read through the key server: `algorithm id|key
/// address|process factor|source|`; -2204 when no key is needed.
///
/// # Safety
/// As [`iReadCard`]; `pOutInfo` is null or a 1024-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iReadCard_HSM_Step1(
    iType: c_int,
    pCardInfo: *mut c_char,
    pFileAddr: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iReadCard_HSM_Step1", || {
            Ok(Args {
                i_type: iType,
                card_info: Some(input(pCardInfo, "pCardInfo", CARD_INFO)?),
                file_addr: Some(input(pFileAddr, "pFileAddr", FILE_ADDR)?),
                ..Args::default()
            })
        })
    }
}

/// Step 2: `pKey` = auth data (16 hex) + source (16 hex); the output as
/// `iReadCard`.
///
/// # Safety
/// `pKey` is null or a NUL-terminated string; `pOutInfo` is null or a
/// 20480-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iReadCard_HSM_Step2(
    pKey: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iReadCard_HSM_Step2", || {
            Ok(Args {
                key: Some(Zeroizing::new(input(pKey, "pKey", KEY)?)),
                ..Args::default()
            })
        })
    }
}

/// Writes `pWriteData` (the `pFileAddr` shape with values) to the card
/// `pCardInfo` names; a file the card protects (a log) is refused.
///
/// # Safety
/// The inputs are null or NUL-terminated strings; `pOutInfo` is null or a
/// 1024-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iWriteCard(
    iType: c_int,
    pCardInfo: *mut c_char,
    pFileAddr: *mut c_char,
    pWriteData: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iWriteCard", || {
            Ok(Args {
                i_type: iType,
                card_info: Some(input(pCardInfo, "pCardInfo", CARD_INFO)?),
                file_addr: Some(input(pFileAddr, "pFileAddr", FILE_ADDR)?),
                write_data: Some(input(pWriteData, "pWriteData", WRITE_DATA)?),
                ..Args::default()
            })
        })
    }
}

/// Step 1 of a write through the key server, as [`iReadCard_HSM_Step1`].
///
/// # Safety
/// As [`iReadCard_HSM_Step1`].
#[no_mangle]
pub unsafe extern "system" fn iWriteCard_HSM_Step1(
    iType: c_int,
    pCardInfo: *mut c_char,
    pFileAddr: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iWriteCard_HSM_Step1", || {
            Ok(Args {
                i_type: iType,
                card_info: Some(input(pCardInfo, "pCardInfo", CARD_INFO)?),
                file_addr: Some(input(pFileAddr, "pFileAddr", FILE_ADDR)?),
                ..Args::default()
            })
        })
    }
}

/// Step 2: `pKey` as [`iReadCard_HSM_Step2`], then the write of `pWriteData`.
///
/// # Safety
/// The inputs are null or NUL-terminated strings; `pOutInfo` is null or a
/// 1024-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iWriteCard_HSM_Step2(
    pKey: *mut c_char,
    pWriteData: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iWriteCard_HSM_Step2", || {
            Ok(Args {
                write_data: Some(input(pWriteData, "pWriteData", WRITE_DATA)?),
                key: Some(Zeroizing::new(input(pKey, "pKey", KEY)?)),
                ..Args::default()
            })
        })
    }
}

/// Verifies the cardholder PIN, typed on the PIN pad. On a wrong PIN the
/// output holds the tries left (-51).
///
/// # Safety
/// `pOutInfo` is null or a 512-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iVerifyPIN(iType: c_int, pOutInfo: *mut c_char) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iVerifyPIN", || {
            Ok(Args {
                i_type: iType,
                ..Args::default()
            })
        })
    }
}

/// Changes the cardholder PIN: the holder types old, new, new again.
///
/// # Safety
/// `pOutInfo` is null or a 512-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iChangePIN(iType: c_int, pOutInfo: *mut c_char) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iChangePIN", || {
            Ok(Args {
                i_type: iType,
                ..Args::default()
            })
        })
    }
}

/// Sets a new PIN without the old one (the holder types it twice), after
/// the card proved itself genuine; the PSAM computes the command.
///
/// # Safety
/// `pCardInfo` is null or a NUL-terminated string; `pOutInfo` is null or
/// a 512-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iReloadPIN(
    iType: c_int,
    pCardInfo: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iReloadPIN", || {
            Ok(Args {
                i_type: iType,
                card_info: Some(input(pCardInfo, "pCardInfo", CARD_INFO)?),
                ..Args::default()
            })
        })
    }
}

/// Step 1 of a reload through the key server: the card's internal
/// authentication, `algorithm id|key address|process factor|source|`.
///
/// # Safety
/// As [`iReloadPIN`].
#[no_mangle]
pub unsafe extern "system" fn iReloadPIN_HSM_Step1(
    iType: c_int,
    pCardInfo: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iReloadPIN_HSM_Step1", || {
            Ok(Args {
                i_type: iType,
                card_info: Some(input(pCardInfo, "pCardInfo", CARD_INFO)?),
                ..Args::default()
            })
        })
    }
}

/// Step 2: `pKey` = the key server's auth data + source (checks the card);
/// the holder types the new PIN twice; `algorithm id|SM key
/// address|process factor|APDU header|new PIN plaintext|`.
///
/// # Safety
/// `pKey` is null or a NUL-terminated string; `pOutInfo` is null or a
/// 512-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iReloadPIN_HSM_Step2(
    pKey: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iReloadPIN_HSM_Step2", || {
            Ok(Args {
                key: Some(Zeroizing::new(input(pKey, "pKey", KEY)?)),
                ..Args::default()
            })
        })
    }
}

/// Step 3: `pKey` = header + cipher + MAC (50 hex); sends RELOAD PIN.
///
/// # Safety
/// As [`iReloadPIN_HSM_Step2`].
#[no_mangle]
pub unsafe extern "system" fn iReloadPIN_HSM_Step3(
    pKey: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iReloadPIN_HSM_Step3", || {
            Ok(Args {
                key: Some(Zeroizing::new(input(pKey, "pKey", KEY)?)),
                ..Args::default()
            })
        })
    }
}

/// Resets the PIN try counter, after the card proved itself genuine.
///
/// # Safety
/// As [`iReloadPIN`].
#[no_mangle]
pub unsafe extern "system" fn iUnblockPIN(
    iType: c_int,
    pCardInfo: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iUnblockPIN", || {
            Ok(Args {
                i_type: iType,
                card_info: Some(input(pCardInfo, "pCardInfo", CARD_INFO)?),
                ..Args::default()
            })
        })
    }
}

/// Step 1 of an unblock through the key server, as [`iReloadPIN_HSM_Step1`].
///
/// # Safety
/// As [`iReloadPIN`].
#[no_mangle]
pub unsafe extern "system" fn iUnblockPIN_HSM_Step1(
    iType: c_int,
    pCardInfo: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iUnblockPIN_HSM_Step1", || {
            Ok(Args {
                i_type: iType,
                card_info: Some(input(pCardInfo, "pCardInfo", CARD_INFO)?),
                ..Args::default()
            })
        })
    }
}

/// Step 2, as [`iReloadPIN_HSM_Step2`] with an empty PIN field.
///
/// # Safety
/// As [`iReloadPIN_HSM_Step2`].
#[no_mangle]
pub unsafe extern "system" fn iUnblockPIN_HSM_Step2(
    pKey: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iUnblockPIN_HSM_Step2", || {
            Ok(Args {
                key: Some(Zeroizing::new(input(pKey, "pKey", KEY)?)),
                ..Args::default()
            })
        })
    }
}

/// Step 3: `pKey` = header + MAC (18 hex); sends UNBLOCK PIN.
///
/// # Safety
/// As [`iReloadPIN_HSM_Step2`].
#[no_mangle]
pub unsafe extern "system" fn iUnblockPIN_HSM_Step3(
    pKey: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iUnblockPIN_HSM_Step3", || {
            Ok(Args {
                key: Some(Zeroizing::new(input(pKey, "pKey", KEY)?)),
                ..Args::default()
            })
        })
    }
}

/// A medical debit. `pPayInfo` = `total|account+pooled|YYYYMMDDHHMMSS|`;
/// the output `algorithm id|key address|amount hex|transaction
/// type|terminal no.|terminal txn no.|date-time|TAC|`.
///
/// # Safety
/// The inputs are null or NUL-terminated strings; `pOutInfo` is null or a
/// 512-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iDoDebit(
    iType: c_int,
    pCardInfo: *mut c_char,
    pPayInfo: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iDoDebit", || {
            Ok(Args {
                i_type: iType,
                card_info: Some(input(pCardInfo, "pCardInfo", CARD_INFO)?),
                pay_info: Some(input(pPayInfo, "pPayInfo", PAY_INFO)?),
                ..Args::default()
            })
        })
    }
}

/// Step 1 of a debit through the key server: `algorithm id|key
/// address|pseudo-random|debit counter|amount hex|transaction
/// type|terminal no.|date-time|`.
///
/// # Safety
/// As [`iDoDebit`].
#[no_mangle]
pub unsafe extern "system" fn iDoDebit_HSM_Step1(
    iType: c_int,
    pCardInfo: *mut c_char,
    pPayInfo: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iDoDebit_HSM_Step1", || {
            Ok(Args {
                i_type: iType,
                card_info: Some(input(pCardInfo, "pCardInfo", CARD_INFO)?),
                pay_info: Some(input(pPayInfo, "pPayInfo", PAY_INFO)?),
                ..Args::default()
            })
        })
    }
}

/// Step 2: `pKey` = `terminal txn no.|date-time|MAC1|`; the output `MAC2|`
/// and the `iDoDebit` line.
///
/// # Safety
/// `pKey` is null or a NUL-terminated string; `pOutInfo` is null or a
/// 1024-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iDoDebit_HSM_Step2(
    pKey: *mut c_char,
    pOutInfo: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iDoDebit_HSM_Step2", || {
            Ok(Args {
                key: Some(Zeroizing::new(input(pKey, "pKey", KEY)?)),
                ..Args::default()
            })
        })
    }
}

/// The medical debit log: records separated by `|`, fields by `^`:
/// `txn no.^terminal no.^date-time^total^account+pooled^|`.
///
/// # Safety
/// `pOutInfo` is null or a 2048-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iReadDebitRecord(iType: c_int, pOutInfo: *mut c_char) -> SSSE32_LONG {
    // SAFETY: the caller keeps the promises above; the output size is the documented one.
    unsafe {
        call(pOutInfo, "iReadDebitRecord", || {
            Ok(Args {
                i_type: iType,
                ..Args::default()
            })
        })
    }
}

/// The financial application's PAN into `pCardNum` (19 digits + NUL);
/// on failure `pErrMsg` (200 bytes) holds the description.
///
/// # Safety
/// `pCardNum` is null or a 20-byte buffer; `pErrMsg` null or a 200-byte buffer.
#[no_mangle]
pub unsafe extern "system" fn iReadICCardNum(
    pCardNum: *mut c_char,
    pErrMsg: *mut c_char,
) -> SSSE32_LONG {
    // SAFETY: the caller's promise on both buffers.
    unsafe { crate::state::card_num(pCardNum, pErrMsg) }
}
