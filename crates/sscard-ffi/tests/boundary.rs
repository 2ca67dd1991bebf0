//! Every exported function with null pointers, empty strings and 10 KB
//! strings: no crash, the documented code, nothing written past the
//! documented output size, and the card unchanged. Then the answers that
//! do not fit their buffer (-42), and the in-process simulator as the
//! configured reader (`sim:IMAGE`) for a first whole flow.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::undocumented_unsafe_blocks)] // every call below passes buffers of the documented sizes

use std::ffi::CString;
use std::os::raw::{c_char, c_long};
use std::path::{Path, PathBuf};

use sscard_test_support::root;
use ssse32::*;

/// A card (with its payment application and 100.00 in the medical account)
/// and a PSAM, as image files the library opens with `sim:`.
fn images(dir: &Path) -> (PathBuf, PathBuf) {
    let masters =
        sscard_profile::keys::MasterKeys::load_file(root().join("fixtures/keys/test-masters.toml"))
            .unwrap();
    let p = sscard_profile::load_file(root().join("card-profiles/ssc-3.0.toml")).unwrap();
    let h =
        sscard_profile::holder::Holder::load_file(root().join("fixtures/holders/zhang-san.toml"))
            .unwrap();
    let mut img = sscard_sim::perso::personalise(&p, &h, &masters).unwrap();
    let issuer = sscard_sim::perso::PaymentIssuer::from_dir(&root().join("fixtures/ca")).unwrap();
    sscard_sim::perso::personalise_payment(&mut img, &p, &h, &issuer).unwrap();
    img.purses.get_mut("SSSE/DF04/EF06").unwrap().balance = 10_000;
    let card = dir.join("card.json");
    img.save(&card).unwrap();
    let psam_profile = sscard_profile::load_file(root().join("card-profiles/psam.toml")).unwrap();
    let psam = dir.join("psam.json");
    sscard_sim::psam::psam_image(&psam_profile, &masters)
        .unwrap()
        .save(&psam)
        .unwrap();
    (card, psam)
}

/// An output buffer of `size` bytes followed by a guard zone.
struct Out {
    buf: Vec<u8>,
    size: usize,
}

const GUARD: usize = 64;

impl Out {
    fn new(size: usize) -> Self {
        Self {
            buf: vec![0xAA; size + GUARD],
            size,
        }
    }
    fn ptr(&mut self) -> *mut c_char {
        self.buf.as_mut_ptr().cast()
    }
    /// The text written, after checking the guard zone and the NUL.
    fn text(&self) -> String {
        assert!(
            self.buf[self.size..].iter().all(|b| *b == 0xAA),
            "written past the {}-byte buffer",
            self.size
        );
        let end = self.buf[..self.size]
            .iter()
            .position(|b| *b == 0)
            .expect("a NUL within the buffer");
        encoding_rs::GBK.decode(&self.buf[..end]).0.into_owned()
    }
}

fn c(s: &str) -> CString {
    let (b, _, bad) = encoding_rs::GBK.encode(s);
    assert!(!bad);
    CString::new(b.into_owned()).unwrap()
}

/// Calls `f` with an output of `size` bytes; returns the code and the text.
fn call(size: usize, f: impl FnOnce(*mut c_char) -> c_long) -> (c_long, String) {
    let mut out = Out::new(size);
    let rc = f(out.ptr());
    (rc, out.text())
}

const CARD_INFO: &str = "639900D15600000500BF7C7A48FB4966|X00000019|";

#[test]
fn bad_input_never_crashes_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (card, psam) = images(tmp.path());
    std::env::set_var("SSSE32_READER", format!("sim:{}", card.display()));
    std::env::set_var("SSSE32_PSAM_READER", format!("sim:{}", psam.display()));
    std::env::set_var("SSSE32_PIN_SOURCE", "test");
    std::env::set_var("SSSE32_TEST_PINS", "123456,123456,123456");
    std::env::remove_var("SSSE32_CONFIG");
    let before = std::fs::read(&card).unwrap();

    let null: *mut c_char = std::ptr::null_mut();
    let big = c(&"A".repeat(10 * 1024));
    let big_addr = c(&format!("{}$", "DF01EF0A|37|".repeat(900)));
    let empty = c("");
    let info = c(CARD_INFO);
    let addr = c("DF01EF0A|37|$");
    let pay = c("1.00|1.00|20261123101530|");
    let key = c("00112233445566778899AABBCCDDEEFF");
    let b = |s: &CString| s.as_ptr().cast_mut();

    // (name, call with the given inputs, the inputs' variants) for each shape.
    for (label, input, want) in [
        ("null", null, -14),
        ("empty", b(&empty), -23),
        ("10 KB", b(&big), -14),
    ] {
        let expect = |what: &str, got: (c_long, String), want: c_long| {
            assert_eq!(got.0, want, "{what} with {label} input: {}", got.1);
            assert!(!got.1.is_empty(), "{what}: an error has a description");
        };
        // One-shot functions with pCardInfo.
        expect(
            "iReadCard pCardInfo",
            call(20480, |o| unsafe { iReadCard(1, 1, input, b(&addr), o) }),
            want,
        );
        expect(
            "iReadCard pFileAddr",
            call(20480, |o| unsafe { iReadCard(1, 1, b(&info), input, o) }),
            want,
        );
        expect(
            "iWriteCard pCardInfo",
            call(1024, |o| unsafe {
                iWriteCard(1, input, b(&addr), b(&addr), o)
            }),
            want,
        );
        expect(
            "iWriteCard pFileAddr",
            call(1024, |o| unsafe {
                iWriteCard(1, b(&info), input, b(&addr), o)
            }),
            want,
        );
        expect(
            "iReloadPIN",
            call(512, |o| unsafe { iReloadPIN(1, input, o) }),
            want,
        );
        expect(
            "iUnblockPIN",
            call(512, |o| unsafe { iUnblockPIN(1, input, o) }),
            want,
        );
        expect(
            "iDoDebit pCardInfo",
            call(512, |o| unsafe { iDoDebit(1, input, b(&pay), o) }),
            want,
        );
        expect(
            "iDoDebit pPayInfo",
            call(512, |o| unsafe { iDoDebit(1, b(&info), input, o) }),
            want,
        );
        expect(
            "iReadCard_HSM_Step1",
            call(1024, |o| unsafe {
                iReadCard_HSM_Step1(1, input, b(&addr), o)
            }),
            want,
        );
        expect(
            "iReadCard_HSM_Step1 addr",
            call(1024, |o| unsafe {
                iReadCard_HSM_Step1(1, b(&info), input, o)
            }),
            want,
        );
        expect(
            "iWriteCard_HSM_Step1",
            call(1024, |o| unsafe {
                iWriteCard_HSM_Step1(1, input, b(&addr), o)
            }),
            want,
        );
        expect(
            "iReloadPIN_HSM_Step1",
            call(512, |o| unsafe { iReloadPIN_HSM_Step1(1, input, o) }),
            want,
        );
        expect(
            "iUnblockPIN_HSM_Step1",
            call(512, |o| unsafe { iUnblockPIN_HSM_Step1(1, input, o) }),
            want,
        );
        expect(
            "iDoDebit_HSM_Step1",
            call(512, |o| unsafe { iDoDebit_HSM_Step1(1, input, b(&pay), o) }),
            want,
        );
        expect(
            "iDoDebit_HSM_Step1 pay",
            call(512, |o| unsafe {
                iDoDebit_HSM_Step1(1, b(&info), input, o)
            }),
            want,
        );
        // pWriteData: 10 KB is within its 16 KB limit, so it reaches the parser (-23).
        let wd = if label == "null" { -14 } else { -23 };
        expect(
            "iWriteCard pWriteData",
            call(1024, |o| unsafe {
                iWriteCard(1, b(&info), b(&addr), input, o)
            }),
            wd,
        );
        // Later steps without their Step1: -14 whatever the key.
        let step_want = -14;
        expect(
            "iReadCardBas_HSM_Step2",
            call(1024, |o| unsafe { iReadCardBas_HSM_Step2(input, o) }),
            step_want,
        );
        expect(
            "iReadCard_HSM_Step2",
            call(20480, |o| unsafe { iReadCard_HSM_Step2(input, o) }),
            step_want,
        );
        expect(
            "iWriteCard_HSM_Step2",
            call(1024, |o| unsafe {
                iWriteCard_HSM_Step2(input, b(&addr), o)
            }),
            step_want,
        );
        expect(
            "iReloadPIN_HSM_Step2",
            call(512, |o| unsafe { iReloadPIN_HSM_Step2(input, o) }),
            step_want,
        );
        expect(
            "iReloadPIN_HSM_Step3",
            call(512, |o| unsafe { iReloadPIN_HSM_Step3(input, o) }),
            step_want,
        );
        expect(
            "iUnblockPIN_HSM_Step2",
            call(512, |o| unsafe { iUnblockPIN_HSM_Step2(input, o) }),
            step_want,
        );
        expect(
            "iUnblockPIN_HSM_Step3",
            call(512, |o| unsafe { iUnblockPIN_HSM_Step3(input, o) }),
            step_want,
        );
        expect(
            "iDoDebit_HSM_Step2",
            call(1024, |o| unsafe { iDoDebit_HSM_Step2(input, o) }),
            step_want,
        );
    }
    // A pFileAddr over its 4096-byte limit.
    let (rc, _) = call(20480, |o| unsafe {
        iReadCard(1, 1, b(&info), b(&big_addr), o)
    });
    assert_eq!(rc, -14);
    // A bad iType or iAuthType, before any device is opened.
    for itype in [0, 5, -1, i32::MAX] {
        assert_eq!(call(1024, |o| unsafe { iReadCardBas(itype, o) }).0, -14);
        assert_eq!(call(512, |o| unsafe { iVerifyPIN(itype, o) }).0, -14);
        assert_eq!(
            call(1024, |o| unsafe { iReadCardBas_HSM_Step1(itype, o) }).0,
            -14
        );
        assert_eq!(call(2048, |o| unsafe { iReadDebitRecord(itype, o) }).0, -14);
    }
    assert_eq!(
        call(20480, |o| unsafe { iReadCard(1, 3, b(&info), b(&addr), o) }).0,
        -14
    );
    // Null output buffers: -14, nothing written anywhere.
    unsafe {
        assert_eq!(iReadCardBas(1, null), -14);
        assert_eq!(iReadCardBas_HSM_Step1(1, null), -14);
        assert_eq!(iReadCardBas_HSM_Step2(b(&key), null), -14);
        assert_eq!(iReadCard(1, 1, b(&info), b(&addr), null), -14);
        assert_eq!(iReadCard_HSM_Step1(1, b(&info), b(&addr), null), -14);
        assert_eq!(iReadCard_HSM_Step2(b(&key), null), -14);
        assert_eq!(iWriteCard(1, b(&info), b(&addr), b(&addr), null), -14);
        assert_eq!(iWriteCard_HSM_Step1(1, b(&info), b(&addr), null), -14);
        assert_eq!(iWriteCard_HSM_Step2(b(&key), b(&addr), null), -14);
        assert_eq!(iVerifyPIN(1, null), -14);
        assert_eq!(iChangePIN(1, null), -14);
        assert_eq!(iReloadPIN(1, b(&info), null), -14);
        assert_eq!(iReloadPIN_HSM_Step1(1, b(&info), null), -14);
        assert_eq!(iReloadPIN_HSM_Step2(b(&key), null), -14);
        assert_eq!(iReloadPIN_HSM_Step3(b(&key), null), -14);
        assert_eq!(iUnblockPIN(1, b(&info), null), -14);
        assert_eq!(iUnblockPIN_HSM_Step1(1, b(&info), null), -14);
        assert_eq!(iUnblockPIN_HSM_Step2(b(&key), null), -14);
        assert_eq!(iUnblockPIN_HSM_Step3(b(&key), null), -14);
        assert_eq!(iDoDebit(1, b(&info), b(&pay), null), -14);
        assert_eq!(iDoDebit_HSM_Step1(1, b(&info), b(&pay), null), -14);
        assert_eq!(iDoDebit_HSM_Step2(b(&key), null), -14);
        assert_eq!(iReadDebitRecord(1, null), -14);
        assert_eq!(iReadICCardNum(null, null), -14);
    }
    let mut err = Out::new(200);
    assert_eq!(unsafe { iReadICCardNum(null, err.ptr()) }, -14);
    assert!(err.text().contains("pCardNum"));
    // Malformed inputs that reach their parsers: -20, -23, and still no change.
    for (i, want) in [
        ("639900D15600000500BF7C7A48FB49|X00000019|", -20),
        ("639900D15600000500BF7C7A48FB4966X00000019|", -23),
    ] {
        let i = c(i);
        assert_eq!(
            call(20480, |o| unsafe { iReadCard(1, 1, b(&i), b(&addr), o) }).0,
            want
        );
    }
    for bad in [
        "DF01EF0A|37|",
        "DF01EF0A|3|$",
        "DF01|37|$",
        "DF01EF0A|37:0|$",
    ] {
        let a = c(bad);
        assert_eq!(
            call(20480, |o| unsafe { iReadCard(1, 1, b(&info), b(&a), o) }).0,
            -23,
            "{bad}"
        );
    }
    for bad in [
        "1.00|2.00|20261123101530|",
        "1|1|2026|",
        "-1.00|0|20261123101530|",
    ] {
        let p = c(bad);
        assert_eq!(
            call(512, |o| unsafe { iDoDebit(1, b(&info), b(&p), o) }).0,
            -23,
            "{bad}"
        );
    }
    // Non-GBK input: -41.
    let not_gbk = CString::new(vec![0x81u8, 0x20]).unwrap();
    assert_eq!(
        call(20480, |o| unsafe {
            iReadCard(1, 1, b(&not_gbk), b(&addr), o)
        })
        .0,
        -41
    );
    assert_eq!(
        std::fs::read(&card).unwrap(),
        before,
        "bad input changed the card"
    );

    // A malformed pKey in an open flow: -23, the card unchanged, the flow closed.
    let ef06 = c("SSSEEF06|08|$");
    let (rc, line) = call(1024, |o| unsafe {
        iReadCard_HSM_Step1(1, b(&info), b(&ef06), o)
    });
    assert_eq!(rc, 0, "{line}");
    assert!(line.starts_with("03|004C|"), "{line}");
    let after_step1 = std::fs::read(&card).unwrap();
    for bad in [
        "",
        "XYZ",
        "00112233445566778899AABBCCDDEEFF00",
        "0011223344556677|",
    ] {
        let k = c(bad);
        let (rc, _) = call(1024, |o| unsafe {
            iReadCard_HSM_Step1(1, b(&info), b(&ef06), o)
        });
        assert_eq!(rc, 0);
        let (rc, text) = call(20480, |o| unsafe { iReadCard_HSM_Step2(b(&k), o) });
        assert_eq!(rc, -23, "{bad:?}: {text}");
        assert_eq!(
            call(20480, |o| unsafe { iReadCard_HSM_Step2(b(&key), o) }).0,
            -14,
            "flow closed"
        );
    }
    std::env::set_var("SSSE32_TEST_PINS", "123456");
    let (rc, text) = call(512, |o| unsafe {
        iDoDebit_HSM_Step1(1, b(&info), b(&pay), o)
    });
    assert_eq!(rc, 0, "{text}");
    for bad in [
        "",
        "00000001|20261123101530|",
        "00000001|20261123101531|00000000|",
        "1|2|3|",
    ] {
        let k = c(bad);
        let (rc, text) = call(1024, |o| unsafe { iDoDebit_HSM_Step2(b(&k), o) });
        assert_eq!(rc, -23, "{bad:?}: {text}");
        let (rc, text) = call(512, |o| unsafe {
            iDoDebit_HSM_Step1(1, b(&info), b(&pay), o)
        });
        assert_eq!(rc, 0, "{text}");
    }
    assert_eq!(
        std::fs::read(&card).unwrap(),
        after_step1,
        "a refused pKey changed the card"
    );

    // The card in the reader is not pCardInfo's: -22, nothing changed.
    let other = c("639900D15600000500BF7C7A48FB4967|X00000019|");
    let (rc, text) = call(512, |o| unsafe { iDoDebit(1, b(&other), b(&pay), o) });
    assert_eq!(rc, -22, "{text}");
    assert!(text.starts_with("传入参数与卡内信息不一致"), "{text}");
    assert_eq!(std::fs::read(&card).unwrap(), before);

    // An answer larger than its buffer: -42, the buffer holds the reason.
    let photos = c("SSSEEF08|$SSSEEF08|$SSSEEF08|$");
    let (rc, text) = call(20480, |o| unsafe {
        iReadCard(1, 2, b(&info), b(&photos), o)
    });
    assert_eq!(rc, -42, "{text}");
    assert!(text.contains("20480"), "{text}");
    let photo = c("SSSEEF08|$");
    let (rc, text) = call(20480, |o| unsafe {
        iReadCard(1, 2, b(&info), b(&photo), o)
    });
    assert_eq!((rc, text.len()), (0, "SSSEEF08|".len() + 8192 + 2));

    // The simulated card through the library: basic information, a debit, the log.
    let (rc, text) = call(1024, |o| unsafe { iReadCardBas(1, o) });
    assert_eq!(rc, 0, "{text}");
    assert_eq!(text, "639900|11010519491231002X|X00000019|639900D15600000500BF7C7A48FB4966|张三|00814E43238697159900BF7C7A|3.00|20261101|20361101|410100813475||");
    let (rc, text) = call(512, |o| unsafe { iDoDebit(1, b(&info), b(&pay), o) });
    assert_eq!(rc, 0, "{text}");
    assert!(
        text.starts_with("03|017F|00000064|06|410100813475|"),
        "{text}"
    );
    let (rc, text) = call(2048, |o| unsafe { iReadDebitRecord(1, o) });
    assert_eq!((rc, text.matches('|').count()), (0, 1), "{text}");
    // A wrong PIN: -51 with the tries left in the description.
    std::env::set_var("SSSE32_TEST_PINS", "000000");
    let (rc, text) = call(512, |o| unsafe { iVerifyPIN(1, o) });
    assert_eq!(rc, -51, "{text}");
    assert!(text.starts_with("密码错误，剩余2次"), "{text}");
    std::env::set_var("SSSE32_TEST_PINS", "123456");
    assert_eq!(call(512, |o| unsafe { iVerifyPIN(1, o) }).0, 0);

    // Calls from several threads at once are served one after the other.
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                (0..5)
                    .map(|_| call(1024, |o| unsafe { iReadCardBas(1, o) }).0)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for t in threads {
        assert!(t.join().unwrap().iter().all(|rc| *rc == 0));
    }

    // Traces: one file per call, PINs and personal data masked.
    let traces = tmp.path().join("traces");
    std::env::set_var("SSSE32_TRACE_DIR", &traces);
    assert_eq!(call(1024, |o| unsafe { iReadCardBas(1, o) }).0, 0);
    assert_eq!(call(512, |o| unsafe { iVerifyPIN(1, o) }).0, 0);
    std::env::remove_var("SSSE32_TRACE_DIR");
    let mut files: Vec<_> = std::fs::read_dir(&traces)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    let bas = std::fs::read_to_string(&files[0]).unwrap();
    let pin = std::fs::read_to_string(&files[1]).unwrap();
    assert!(bas.contains("\"operation\": \"iReadCardBas\""), "{bas}");
    assert!(bas.contains("INTERNAL AUTHENTICATE"));
    let ssn_hex = hex::encode_upper("11010519491231002X");
    assert!(!bas.contains(&ssn_hex), "the SSN is in the trace");
    assert!(!bas.contains("D5C5C8FD"), "the name is in the trace");
    assert!(pin.contains("\"operation\": \"iVerifyPIN\""), "{pin}");
    assert!(pin.contains("0020000003000000"), "{pin}");
    assert!(!pin.contains("123456"), "the PIN is in the trace");
}
