//! Serves a personalised card in `Virtual PCD 00 00` and a PSAM in
//! `Virtual PCD 00 01` behind a running pcscd (vsmartcard-vpcd), until
//! killed. The card image is kept in a file, so a restart keeps its state.
//!
//! ```sh
//! cargo run -p sscard-sim --example serve -- /tmp/card.json
//! opensc-tool -r 'Virtual PCD 00 00' -s 00A404000F7378312E73682EC9E7BBE1B1A3D5CF
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use sscard_profile::holder::Holder;
use sscard_profile::keys::MasterKeys;
use sscard_sim::image::CardImage;
use sscard_sim::{perso, psam, vpcd, Psam, Simulator, UserCard};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let image_path = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("card.json"), PathBuf::from);
    let profile = Arc::new(sscard_profile::load_file(
        root.join("card-profiles/ssc-3.0.toml"),
    )?);
    let masters = MasterKeys::load_file(root.join("fixtures/keys/test-masters.toml"))?;
    let image = if Path::new(&image_path).exists() {
        CardImage::load(&image_path)?
    } else {
        let holder = Holder::load_file(root.join("fixtures/holders/zhang-san.toml"))?;
        let mut image = perso::personalise(&profile, &holder, &masters)?;
        let issuer = perso::PaymentIssuer::from_dir(&root.join("fixtures/ca"))?;
        perso::personalise_payment(&mut image, &profile, &holder, &issuer)?;
        image.save(&image_path)?;
        image
    };
    let psam_profile = Arc::new(sscard_profile::load_file(
        root.join("card-profiles/psam.toml"),
    )?);
    let psam_image = psam::psam_image(&psam_profile, &masters)?;
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let psam_thread = std::thread::spawn(move || {
        let mut psam = Simulator::new(Psam::new(psam_profile), psam_image);
        vpcd::serve(&mut psam, "127.0.0.1", vpcd::PORT_SLOT_1, &s)
    });
    eprintln!(
        "serving {} in Virtual PCD 00 00 and a PSAM in Virtual PCD 00 01",
        image_path.display()
    );
    let mut card = Simulator::new(UserCard::new(profile), image).with_store(&image_path);
    vpcd::serve(&mut card, "127.0.0.1", vpcd::PORT_SLOT_0, &stop)?;
    let _ = psam_thread.join();
    Ok(())
}
