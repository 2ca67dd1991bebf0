//! The in-process simulator as a transport.

use sscard_sim::{Applet, Simulator};

use crate::error::{Error, Result};
use crate::transport::Transport;

/// A simulated card used in-process.
pub struct SimTransport<A: Applet> {
    sim: Simulator<A>,
    name: String,
}

impl<A: Applet> SimTransport<A> {
    /// Powers the simulator on and wraps it.
    pub fn new(mut sim: Simulator<A>, name: impl Into<String>) -> Self {
        sim.power_on();
        Self {
            sim,
            name: name.into(),
        }
    }

    /// The simulator (to inspect or change its image in tests).
    pub fn sim(&self) -> &Simulator<A> {
        &self.sim
    }

    /// The simulator, mutably.
    pub fn sim_mut(&mut self) -> &mut Simulator<A> {
        &mut self.sim
    }

    /// Takes the simulator back.
    pub fn into_inner(self) -> Simulator<A> {
        self.sim
    }
}

impl<A: Applet> Transport for SimTransport<A> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>> {
        self.sim.transmit(apdu).map_err(|e| match e {
            sscard_sim::Error::NotPowered => Error::NotPowered,
            _ => Error::CardMute,
        })
    }

    fn reset(&mut self) -> Result<Vec<u8>> {
        Ok(self.sim.reset())
    }

    fn atr(&self) -> Vec<u8> {
        self.sim.atr()
    }

    fn name(&self) -> String {
        self.name.clone()
    }
}

/// A card image file run in-process, saved back (atomically) after every
/// command that changes it, so that its state lasts across calls: a user
/// card or a PSAM, by the kind of the profile the image names.
/// `resolve` finds the profile from the image's profile file name; the
/// image's own copy is used when that is missing or another version.
///
/// # Errors
/// [`Error::NoConnection`] for an image that cannot be read; `resolve`'s error.
pub fn open_image(
    path: &std::path::Path,
    resolve: impl FnOnce(&str) -> Result<std::sync::Arc<sscard_profile::Profile>>,
) -> Result<Box<dyn Transport + Send>> {
    let image = sscard_sim::image::CardImage::load(path)
        .map_err(|e| Error::NoConnection(format!("simulated card {}: {e}", path.display())))?;
    let profile = image
        .profile_from(resolve(&image.profile).ok())
        .map_err(|e| Error::NoConnection(format!("simulated card {}: {e}", path.display())))?;
    let name = format!("sim:{}", path.display());
    Ok(match profile.card.kind {
        sscard_profile::CardKind::Psam => Box::new(SimTransport::new(
            Simulator::new(sscard_sim::Psam::new(profile), image).with_store(path),
            name,
        )),
        _ => Box::new(SimTransport::new(
            Simulator::new(sscard_sim::UserCard::new(profile), image).with_store(path),
            name,
        )),
    })
}
