//! Fault injection for the kill sweeps (issue 14): with
//! `SSCARD_TEST_CRASH_AT=<point>` in the environment, the process aborts at
//! that point of a purchase — no destructor runs, no buffer is flushed, as
//! with `kill -9`. Points: `before-initialize`, `after-initialize`,
//! `journal-write` (inside the journal's write), `after-journal`,
//! `after-debit` (the card debited, its answer not yet recorded),
//! `after-complete`. Tests only; nothing sets the variable otherwise.

/// Aborts the process when `SSCARD_TEST_CRASH_AT` names `point`.
pub fn crash_point(point: &str) {
    if std::env::var_os("SSCARD_TEST_CRASH_AT").is_some_and(|v| v == point) {
        std::process::abort();
    }
}
