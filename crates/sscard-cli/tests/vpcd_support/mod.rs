//! Shared by the tests that put a card behind pcscd + vpcd.

/// Whether the vpcd readers are there (else the test skips, or fails
/// under `CI=true`), after waiting for the card of the test before to
/// leave slot 0 (pcscd notices at its next poll).
pub fn ready() -> bool {
    if !sscard_system_tests::vpcd_or_skip() {
        return false;
    }
    let _ = sscard::transport::pcsc::wait_card(
        "Virtual PCD 00 00",
        false,
        std::time::Duration::from_secs(20),
    );
    true
}
