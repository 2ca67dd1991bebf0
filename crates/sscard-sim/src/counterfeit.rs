//! Counterfeit cards for tests of the genuineness checks: a copy of a
//! genuine card's data that answers GET CHALLENGE with values it chose in
//! advance and INTERNAL AUTHENTICATE with the genuine card's answer to
//! exactly those values, recorded once (`CardImage::counterfeit`). A host
//! that takes the source of its internal authentication from the card is
//! fooled; one that sends its own random (02 §2.1) is not.

use std::sync::Arc;

use sscard_apdu::commands;
use sscard_profile::Profile;

use crate::error::{Error, Result};
use crate::image::{CardImage, Counterfeit, Hex};
use crate::{Simulator, UserCard};

/// A counterfeit of `genuine`: its data, the challenges `r1` then `r2`,
/// and the genuine card's IRK answer to `INTERNAL AUTHENTICATE r1 ‖ r2`.
///
/// # Errors
/// [`Error::Perso`] when the genuine card does not answer.
pub fn counterfeit_of(
    genuine: &CardImage,
    profile: &Arc<Profile>,
    r1: [u8; 8],
    r2: [u8; 8],
) -> Result<CardImage> {
    let bad = |what: &str| Error::Perso(format!("recording the genuine answer: {what}"));
    let mut sim = Simulator::new(UserCard::new(profile.clone()), genuine.clone());
    let aid = profile
        .df("SSSE")
        .and_then(|d| d.name.clone())
        .ok_or_else(|| bad("no SSSE application"))?;
    let select = commands::select_name(&aid).map_err(|e| bad(&e.to_string()))?;
    let irk = profile
        .key(&profile.roles.internal_key)
        .and_then(|k| k.id)
        .unwrap_or(0x00);
    let auth = commands::internal_authenticate(irk, &r1, &r2);
    sim.power_on();
    let mut answer = Vec::new();
    for c in [select, auth] {
        let r = sim
            .transmit(&c.command().to_bytes())
            .map_err(|e| bad(&e.to_string()))?;
        if r.len() < 2 || r[r.len() - 2..] != [0x90, 0x00] {
            return Err(bad(&hex::encode_upper(&r)));
        }
        answer = r[..r.len() - 2].to_vec();
    }
    let mut fake = genuine.clone();
    fake.counterfeit = Some(Counterfeit {
        challenges: vec![Hex(r1.to_vec()), Hex(r2.to_vec())],
        internal_answer: Hex(answer),
        given: 0,
    });
    Ok(fake)
}
