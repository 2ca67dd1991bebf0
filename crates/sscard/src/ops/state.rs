//! What the terminal knows of the card's state: the one place where the
//! selection, the satisfied access rules and the card's facts live. Only
//! the terminal's selection code changes them; [`CardState::reset`]
//! clears all of it at once.

use super::CardFacts;

/// The terminal's picture of the card.
#[derive(Default)]
pub(crate) struct CardState {
    /// What is known of the card (identity, generation, algorithm).
    pub(super) facts: Option<CardFacts>,
    /// PIN names verified in the current application.
    pub(super) pins_ok: Vec<String>,
    /// Key names authenticated, each with the DF where it stands.
    pub(super) keys_ok: Vec<(String, String)>,
    /// The current DF (profile path), to send no repeated SELECT.
    pub(super) df: Option<String>,
    /// The current EF of that DF.
    pub(super) ef: Option<u16>,
}

impl CardState {
    /// After a card reset, a swap or a command the terminal did not build:
    /// nothing selected, nothing satisfied, the card unknown.
    pub(super) fn reset(&mut self) {
        *self = Self::default();
    }

    /// The card left the application (another one was selected, SSSE
    /// selected again): no DF or EF, and no PIN or key stands any more
    /// (02 §2.2); the card's facts are kept.
    pub(super) fn leave_application(&mut self) {
        self.pins_ok.clear();
        self.keys_ok.clear();
        self.df = None;
        self.ef = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_clears_everything_and_leaving_keeps_the_facts() {
        let mut s = CardState {
            pins_ok: vec!["holder".into()],
            keys_ok: vec![("RKSSSE".into(), "SSSE".into())],
            df: Some("SSSE".into()),
            ef: Some(0xEF05),
            facts: None,
        };
        s.leave_application();
        assert!(s.pins_ok.is_empty() && s.keys_ok.is_empty());
        assert!(s.df.is_none() && s.ef.is_none());
        s.df = Some("SSSE".into());
        s.reset();
        assert!(s.df.is_none() && s.facts.is_none());
    }
}
