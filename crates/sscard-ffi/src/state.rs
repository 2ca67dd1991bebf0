//! The boundary: one call at a time (a global lock), the key-server flow
//! kept between steps, panics caught, results written into the caller's
//! buffer within its documented size.

use std::os::raw::{c_char, c_long};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, PoisonError};

use sscard::Error;

use crate::calls::Pending;
use crate::messages::describe;
use crate::text::{gbk_fit, write};

/// Output sizes the interface documents (bytes, NUL included).
pub const OUT_512: usize = 512;
/// 1024 bytes: `iReadCardBas`, and every output whose size spec 05 leaves open.
pub const OUT_1024: usize = 1024;
/// 2048 bytes: `iReadDebitRecord`.
pub const OUT_2048: usize = 2048;
/// 20480 bytes: `iReadCard`.
pub const OUT_20480: usize = 20480;
/// `iReadICCardNum`: 19 digits and the NUL.
pub const OUT_CARD_NUM: usize = 20;
/// `iReadICCardNum`'s error message.
pub const OUT_ERR_MSG: usize = 200;

/// The key-server flow between its steps. The lock also makes every call
/// wait for the one before it: a reader serves one call at a time.
static FLOW: Mutex<Option<Pending>> = Mutex::new(None);

/// The flow a step continues.
pub struct Slot(Option<Pending>);

impl Slot {
    /// The flow step 1 left, or an error naming what to call first.
    ///
    /// # Errors
    /// [`Error::BadArgument`] (-14) when no flow is open.
    pub fn take_flow(&mut self) -> Result<Pending, Error> {
        self.0.take().ok_or_else(|| {
            Error::BadArgument("no key-server flow open: call its Step1 first".into())
        })
    }
}

fn panicked() -> Error {
    Error::BadArgument("internal error in libssse32 (a bug: please report it)".into())
}

/// The outcome checked against the output's size: text that does not fit
/// in `size` bytes (GBK, NUL included) is not cut: the call fails with
/// -42 and says so.
fn fit<S: AsRef<str>>(size: usize, r: Result<S, Error>) -> Result<S, Error> {
    r.and_then(|text| {
        if gbk_fit(text.as_ref(), size).1 {
            Err(Error::DataLength(format!(
                "the answer does not fit the {size}-byte output buffer"
            )))
        } else {
            Ok(text)
        }
    })
}

/// Writes the outcome into `out` (`size` bytes): the text and `0`, or a
/// description and the error's code.
///
/// # Safety
/// `out` is non-null and valid for `size` bytes.
unsafe fn finish<S: AsRef<str>>(out: *mut c_char, size: usize, r: Result<S, Error>) -> c_long {
    let (bytes, code) = match r {
        Ok(text) => (gbk_fit(text.as_ref(), size).0, 0),
        Err(e) => (gbk_fit(&describe(&e), size).0, e.code()),
    };
    // The output may be secret (the reload line holds the new PIN): wiped after the copy.
    let bytes = zeroize::Zeroizing::new(bytes);
    // SAFETY: gbk_fit left room for the NUL within `size`, and the caller
    // guarantees `size` writable bytes.
    unsafe { write(out, &bytes) };
    c_long::from(code)
}

fn lock() -> std::sync::MutexGuard<'static, Option<Pending>> {
    FLOW.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `f` alone: waits for the call before it, closes any open flow,
/// catches a panic.
pub fn exclusive<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    let mut flow = lock();
    *flow = None;
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(panicked()))
}

/// A one-shot function, for any caller: [`exclusive`], the output size
/// checked.
pub fn one<S: AsRef<str>>(size: usize, f: impl FnOnce() -> Result<S, Error>) -> Result<S, Error> {
    fit(size, exclusive(f))
}

/// A Step1, for any caller: as [`one`]; on success the new flow is kept.
pub fn first<S: AsRef<str>>(
    size: usize,
    f: impl FnOnce() -> Result<(S, Pending), Error>,
) -> Result<S, Error> {
    let mut flow = lock();
    *flow = None;
    let r = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(panicked()));
    fit(
        size,
        r.map(|(text, next)| {
            *flow = Some(next);
            text
        }),
    )
}

/// A later step, for any caller: continues the open flow; keeps the next
/// one if the step returns it; on failure the flow is closed (the card
/// released).
pub fn next<S: AsRef<str>>(
    size: usize,
    f: impl FnOnce(&mut Slot) -> Result<(S, Option<Pending>), Error>,
) -> Result<S, Error> {
    let mut flow = lock();
    let mut slot = Slot(flow.take());
    let r = catch_unwind(AssertUnwindSafe(|| f(&mut slot))).unwrap_or_else(|_| Err(panicked()));
    drop(slot);
    fit(
        size,
        r.map(|(text, next)| {
            *flow = next;
            text
        }),
    )
}

/// The function `function` of [`crate::named`] into a C buffer, its inputs
/// read by `args` (an input that cannot be read closes any open flow, as
/// a failed call does).
///
/// # Safety
/// `out` is null or valid for the function's documented output size.
pub unsafe fn call(
    out: *mut c_char,
    function: &'static str,
    args: impl FnOnce() -> Result<crate::named::Args, Error>,
) -> c_long {
    if out.is_null() {
        if crate::named::is_later_step(function) {
            *lock() = None;
        }
        return c_long::from(Error::BadArgument(String::new()).code());
    }
    let r = match catch_unwind(AssertUnwindSafe(args)).unwrap_or_else(|_| Err(panicked())) {
        Ok(a) => crate::named::run(function, &a),
        Err(e) => {
            *lock() = None;
            Err(e)
        }
    };
    // SAFETY: non-null, and the caller's promise on the size.
    unsafe { finish(out, crate::named::out_size(function), r) }
}

/// `iReadICCardNum`: the PAN into `num`, an error message into `err`.
///
/// # Safety
/// `num` is null or valid for 20 bytes; `err` null or valid for 200.
pub unsafe fn card_num(num: *mut c_char, err: *mut c_char) -> c_long {
    let mut flow = lock();
    *flow = None;
    let r = if num.is_null() {
        Err(Error::BadArgument("pCardNum is NULL".into()))
    } else {
        catch_unwind(crate::calls::read_ic_card_num).unwrap_or_else(|_| Err(panicked()))
    };
    let r = r.and_then(|pan| {
        let (bytes, cut) = gbk_fit(&pan, OUT_CARD_NUM);
        if cut {
            Err(Error::DataLength(format!("PAN of {} digits", pan.len())))
        } else {
            Ok(bytes)
        }
    });
    match r {
        Ok(bytes) => {
            // SAFETY: non-null, 20 bytes promised, and the PAN fits with its NUL.
            unsafe { write(num, &bytes) };
            if !err.is_null() {
                // SAFETY: non-null, 200 bytes promised.
                unsafe { write(err, &[]) };
            }
            0
        }
        Err(e) => {
            if !num.is_null() {
                // SAFETY: non-null, 20 bytes promised.
                unsafe { write(num, &[]) };
            }
            if !err.is_null() {
                // SAFETY: non-null, 200 bytes promised, the message cut to fit.
                unsafe { write(err, &gbk_fit(&describe(&e), OUT_ERR_MSG).0) };
            }
            c_long::from(e.code())
        }
    }
}
