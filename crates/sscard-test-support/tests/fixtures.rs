//! The shared set-up gives what its users rely on: a personalised 3.0 card
//! with a holder, a PKI certificate and a medical account balance, the
//! software module answering for it as the test PSAM would.

#![allow(clippy::unwrap_used)]

use sscard_test_support::{terminal, CARD_3_0};

#[test]
fn the_3_0_card_reads_verifies_and_has_a_balance() {
    let mut t = terminal(CARD_3_0, &["123456"]);
    let info = t.read_basic_info().unwrap();
    assert_eq!(info.spec_version, "3.00");
    assert_eq!(info.terminal_number, "410100813475");
    t.verify_pin().unwrap();
    assert!(t.balance().unwrap() > 0);
    assert!(t.facts().unwrap().profile.roles.pki.is_some());
}

#[test]
fn the_pad_types_its_pins_in_turn() {
    let mut t = terminal(CARD_3_0, &["000000", "123456"]);
    assert!(t.verify_pin().is_err());
    t.verify_pin().unwrap();
}
