//! C strings in and out. Inputs are read up to a per-parameter limit (a
//! string without its NUL within the limit is refused, never over-read)
//! and decoded from GBK; outputs are encoded to GBK and written with their
//! NUL only when they fit the caller's documented buffer size.

use std::os::raw::c_char;

use encoding_rs::GBK;
use sscard::Error;

/// Reads the NUL-terminated GBK string at `ptr`, at most `max` bytes
/// before the NUL.
///
/// # Errors
/// [`Error::BadArgument`] (-14) for a null pointer or a longer string;
/// [`Error::IllegalCharacters`] (-41) for bytes that are not GBK.
///
/// # Safety
/// `ptr` is null or points to readable memory up to its NUL or `max + 1`
/// bytes, whichever comes first.
pub unsafe fn input(ptr: *const c_char, name: &str, max: usize) -> Result<String, Error> {
    if ptr.is_null() {
        return Err(Error::BadArgument(format!("{name} is NULL")));
    }
    let mut bytes = Vec::new();
    loop {
        if bytes.len() > max {
            return Err(Error::BadArgument(format!(
                "{name} is longer than {max} bytes"
            )));
        }
        // SAFETY: the caller guarantees readable memory up to the NUL or
        // max + 1 bytes; we stop at the first of the two.
        let b = unsafe { *ptr.add(bytes.len()) } as u8;
        if b == 0 {
            break;
        }
        bytes.push(b);
    }
    GBK.decode_without_bom_handling_and_without_replacement(&bytes)
        .map(|s| s.into_owned())
        .ok_or_else(|| Error::IllegalCharacters(format!("{name} is not GBK text")))
}

/// `text` in GBK, cut at a character boundary so that it and a NUL fit
/// in `size` bytes; the flag says whether it was cut. Characters outside
/// GBK become `?` (error descriptions only; data never needs it).
pub fn gbk_fit(text: &str, size: usize) -> (Vec<u8>, bool) {
    let mut out = Vec::with_capacity(text.len().min(size));
    let mut buf = [0u8; 4];
    for ch in text.chars() {
        let enc =
            sscard_apdu::field::gbk_encode(ch.encode_utf8(&mut buf)).unwrap_or_else(|_| vec![b'?']);
        if out.len() + enc.len() + 1 > size {
            return (out, true);
        }
        out.extend_from_slice(&enc);
    }
    (out, false)
}

/// Writes `bytes` and a NUL at `ptr`.
///
/// # Safety
/// `ptr` is valid for `bytes.len() + 1` bytes of writing.
pub unsafe fn write(ptr: *mut c_char, bytes: &[u8]) {
    // SAFETY: the caller guarantees room for the bytes and the NUL; the
    // source is our own buffer, which cannot overlap the caller's.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr.cast::<u8>(), bytes.len());
        *ptr.add(bytes.len()) = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_at_character_boundaries() {
        // 张三 is four GBK bytes.
        assert_eq!(gbk_fit("张三", 5), (vec![0xD5, 0xC5, 0xC8, 0xFD], false));
        assert_eq!(gbk_fit("张三", 4), (vec![0xD5, 0xC5], true));
        assert_eq!(gbk_fit("张三", 2), (vec![], true));
        assert_eq!(gbk_fit("", 1), (vec![], false));
        assert_eq!(gbk_fit("a", 0), (vec![], true));
        assert_eq!(gbk_fit("𠮷", 5).0, b"?".to_vec());
    }

    #[test]
    fn inputs() {
        let ok = c"639900|".as_ptr();
        // SAFETY: a NUL-terminated literal.
        let s = unsafe { input(ok, "p", 7) };
        assert_eq!(s.ok().as_deref(), Some("639900|"));
        // SAFETY: as above; the limit stops the read before the NUL is reached.
        let s = unsafe { input(ok, "p", 6) };
        assert_eq!(s.err().map(|e| e.code()), Some(-14));
        // SAFETY: null is allowed.
        let s = unsafe { input(std::ptr::null(), "p", 6) };
        assert_eq!(s.err().map(|e| e.code()), Some(-14));
        let gbk = [0xD5u8, 0xC5, 0xC8, 0xFD, 0];
        // SAFETY: a NUL-terminated buffer.
        let s = unsafe { input(gbk.as_ptr().cast(), "p", 10) };
        assert_eq!(s.ok().as_deref(), Some("张三"));
        let bad = [0x81u8, 0x20, 0];
        // SAFETY: a NUL-terminated buffer.
        let e = unsafe { input(bad.as_ptr().cast(), "p", 10) };
        assert_eq!(e.err().map(|e| e.code()), Some(-41));
    }
}
