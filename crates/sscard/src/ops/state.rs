//! What the terminal knows of the card's state: the one place where the
//! selection, the satisfied access rules and the card's facts live. The
//! fields are private: the operations change them only through the moves
//! below, each as the card would make it, and [`CardState::reset`] clears
//! all of it at once.

use sscard_profile::Profile;

use super::CardFacts;

/// The terminal's picture of the card.
#[derive(Default)]
pub(crate) struct CardState {
    /// What is known of the card (identity, generation, algorithm).
    facts: Option<CardFacts>,
    /// PIN names verified in the current application.
    pins_ok: Vec<String>,
    /// Key names authenticated, each with the DF where it stands.
    keys_ok: Vec<(String, String)>,
    /// The current DF (profile path), to send no repeated SELECT.
    df: Option<String>,
    /// The current EF of that DF.
    ef: Option<u16>,
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
        self.forget_selection();
        self.pins_ok.clear();
        self.keys_ok.clear();
    }

    /// What is known of the card.
    pub(super) fn facts(&self) -> Option<&CardFacts> {
        self.facts.as_ref()
    }

    /// The card is identified.
    pub(super) fn learned(&mut self, facts: CardFacts) {
        self.facts = Some(facts);
    }

    /// The card must be identified again (a new operation, a swap).
    pub(super) fn forget_card(&mut self) {
        self.facts = None;
    }

    /// Nothing is known to be selected (personalisation selected on its
    /// own); the satisfied rules stay as the card keeps them.
    pub(super) fn forget_selection(&mut self) {
        self.df = None;
        self.ef = None;
    }

    /// The current DF, if known.
    pub(super) fn df(&self) -> Option<&str> {
        self.df.as_deref()
    }

    /// The current EF of the current DF, if known.
    pub(super) fn ef(&self) -> Option<u16> {
        self.ef
    }

    /// SELECT of an EF is under way (`None`) or done (`Some`).
    pub(super) fn set_ef(&mut self, ef: Option<u16>) {
        self.ef = ef;
    }

    /// Selecting `path` begins: the current DF is no longer known, no EF
    /// is, the keys (which belong to a DF) no longer stand and each PIN
    /// stays only within its scope (02 §2.2). Returns the DF it starts
    /// from, when `path` lies below it.
    pub(super) fn entering(&mut self, profile: &Profile, path: &str) -> Option<String> {
        let from = self
            .df
            .take()
            .filter(|cur| path.starts_with(&format!("{cur}/")));
        self.ef = None;
        self.keys_ok.clear();
        self.pins_ok.retain(|name| {
            profile
                .pin(name)
                .is_some_and(|p| path == p.scope || path.starts_with(&format!("{}/", p.scope)))
        });
        from
    }

    /// `path` is selected.
    pub(super) fn entered(&mut self, path: &str) {
        self.df = Some(path.to_owned());
    }

    /// Whether the PIN `name` stands.
    pub(super) fn pin_ok(&self, name: &str) -> bool {
        self.pins_ok.iter().any(|p| p == name)
    }

    /// The PIN `name` was verified.
    pub(super) fn pin_verified(&mut self, name: &str) {
        if !self.pin_ok(name) {
            self.pins_ok.push(name.to_owned());
        }
    }

    /// The PIN `name` no longer stands (changed, or about to be verified
    /// again).
    pub(super) fn pin_forgotten(&mut self, name: &str) {
        self.pins_ok.retain(|p| p != name);
    }

    /// Whether `key` stands in `df`.
    pub(super) fn key_ok(&self, key: &str, df: &str) -> bool {
        self.keys_ok.iter().any(|(k, d)| k == key && d == df)
    }

    /// `key` was authenticated in `df`.
    pub(super) fn key_authenticated(&mut self, key: &str, df: &str) {
        if !self.key_ok(key, df) {
            self.keys_ok.push((key.to_owned(), df.to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_clears_everything_and_leaving_keeps_the_facts() {
        let mut s = CardState::default();
        s.pin_verified("holder");
        s.key_authenticated("RKSSSE", "SSSE");
        s.entered("SSSE");
        s.set_ef(Some(0xEF05));
        assert!(s.pin_ok("holder") && s.key_ok("RKSSSE", "SSSE"));
        assert!(!s.key_ok("RKSSSE", "SSSE/DF01"));
        s.leave_application();
        assert!(!s.pin_ok("holder") && !s.key_ok("RKSSSE", "SSSE"));
        assert!(s.df().is_none() && s.ef().is_none());
        s.entered("SSSE");
        s.pin_verified("holder");
        s.reset();
        assert!(s.df().is_none() && s.facts().is_none() && !s.pin_ok("holder"));
    }
}
