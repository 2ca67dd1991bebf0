//! The date and time of a transaction: the local clock, or `--at` for tests
//! and replays.

use crate::error::{CliError, CliResult};

/// `YYYYMMDDHHMMSS`: `at` checked, else now (local time).
///
/// # Errors
/// A usage error for an `--at` that is not a real date and time.
pub fn date_time(at: Option<&str>) -> CliResult<String> {
    match at {
        Some(t) => {
            chrono::NaiveDateTime::parse_from_str(t, "%Y%m%d%H%M%S")
                .ok()
                .filter(|_| t.len() == 14)
                .ok_or_else(|| {
                    CliError::usage(format!(
                        "--at {t}: expected a date and time YYYYMMDDHHMMSS, e.g. 20261123101530"
                    ))
                })?;
            Ok(t.to_owned())
        }
        None => Ok(chrono::Local::now().format("%Y%m%d%H%M%S").to_string()),
    }
}

/// The qPBOC transaction date (`9A`, YYMMDD BCD) and the month the card's
/// expiry is checked against, from a checked `YYYYMMDDHHMMSS`.
pub fn purchase_date(when: &str) -> ([u8; 3], sscard_crypto::pboc::YearMonth) {
    let d = |i: usize| {
        when.get(i..i + 2)
            .and_then(|s| u8::from_str_radix(s, 16).ok())
            .unwrap_or(0)
    };
    let year = when.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2000);
    let month = when.get(4..6).and_then(|m| m.parse().ok()).unwrap_or(1);
    (
        [d(2), d(4), d(6)],
        sscard_crypto::pboc::YearMonth { year, month },
    )
}
