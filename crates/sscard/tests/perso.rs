//! Personalisation through APDUs with a journal: an untorn run verifies,
//! and a run torn at every APDU, on both sides of the commit, resumes to a
//! card equal to the untorn one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;

use sscard::ops::genuine::Trust;
use sscard::ops::perso::{plan, CertIssuer};
use sscard::ops::{Profiles, Terminal};
use sscard::pin::{CallbackPad, Pin, PinPrompt};
use sscard::security::software::SoftwareModule;
use sscard::transport::sim::SimTransport;
use sscard_crypto::x509::Certificate;
use sscard_profile::holder::Holder;
use sscard_profile::keys::MasterKeys;
use sscard_profile::{Generation, Profile};
use sscard_sim::image::{CardImage, Lifecycle};
use sscard_sim::{Simulator, Tear, TearSide, UserCard};
use sscard_test_support::root;

type Pad = CallbackPad<fn(PinPrompt) -> sscard::Result<Pin>>;

fn typed(_: PinPrompt) -> sscard::Result<Pin> {
    Pin::new("123456")
}

struct Setup {
    profile: Arc<Profile>,
    holder: Holder,
    masters: MasterKeys,
    ca: CertIssuer,
    trust: Trust,
}

fn setup() -> Setup {
    let profiles = Profiles::load_dir(&root().join("card-profiles")).unwrap();
    let ca_dir = root().join("fixtures/ca");
    let read = |n: &str| std::fs::read_to_string(ca_dir.join(n)).unwrap();
    let ca = CertIssuer::from_dir(&ca_dir).unwrap();
    Setup {
        profile: profiles.for_generation(Generation::V3).unwrap(),
        holder: Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap(),
        masters: MasterKeys::load_file(root().join("fixtures/keys/test-masters.toml")).unwrap(),
        trust: Trust {
            root: Certificate::from_pem(&read("root.pem")).unwrap(),
            intermediates: vec![ca.cert.clone()],
        },
        ca,
    }
}

fn terminal(
    s: &Setup,
    image: &Path,
    tear: Option<Tear>,
) -> Terminal<SimTransport<UserCard>, SoftwareModule, Pad> {
    let mut sim = Simulator::new(
        UserCard::new(s.profile.clone()),
        CardImage::load(image).unwrap(),
    )
    .with_store(image);
    sim.power_on();
    if let Some(t) = tear {
        sim.arm_tear(t);
    }
    let profiles = Profiles::new(vec![s.profile.clone()]);
    Terminal::new(
        SimTransport::new(sim, "sim"),
        SoftwareModule::new(s.masters.clone(), [0; 6], 0x017F),
        CallbackPad(typed as fn(PinPrompt) -> sscard::Result<Pin>),
        profiles,
    )
}

/// What must be equal between runs: every data record and the life cycle.
fn data_of(image: &Path) -> (String, Lifecycle) {
    let img = CardImage::load(image).unwrap();
    let records = serde_json::to_string(&img.records).unwrap();
    (records, img.lifecycle)
}

#[test]
fn untorn_and_torn_runs_give_the_same_card() {
    let s = setup();
    let steps = plan(&s.profile, &s.holder).unwrap();
    assert_eq!(steps.len(), 36 + 4); // 36 records, holder PIN, key pair, certificate, end
    assert!(steps
        .iter()
        .all(|st| !st.describe().contains("11010519491231002X")));
    let dir = tempfile::tempdir().unwrap();
    let blank = sscard_sim::perso::blank(&s.profile, s.holder.card_id(), &s.masters).unwrap();

    // Untorn.
    let image = dir.path().join("untorn.json");
    blank.save(&image).unwrap();
    let mut t = terminal(&s, &image, None);
    let ran = t
        .personalise(
            &s.profile,
            &s.holder,
            &steps,
            &dir.path().join("untorn.journal"),
            Some(&s.ca),
        )
        .unwrap();
    assert_eq!(ran, steps.len());
    let apdus = t.session().stats().apdus;
    assert!(t
        .verify_personalisation(&s.profile, &s.holder, Some(&s.trust))
        .unwrap()
        .is_empty());
    let want = data_of(&image);
    assert_eq!(want.1, Lifecycle::Issued);
    // Running again with the finished journal does nothing.
    let mut again = terminal(&s, &image, None);
    assert_eq!(
        again
            .personalise(
                &s.profile,
                &s.holder,
                &steps,
                &dir.path().join("untorn.journal"),
                Some(&s.ca)
            )
            .unwrap(),
        0
    );

    // Torn at every APDU, both sides of the commit, then resumed.
    for at in 1..=u64::from(apdus) {
        for side in [TearSide::BeforeCommit, TearSide::AfterCommit] {
            let image = dir.path().join("torn.json");
            let journal = dir.path().join("torn.journal");
            let _ = std::fs::remove_file(&journal);
            blank.save(&image).unwrap();
            let mut t = terminal(&s, &image, Some(Tear { at, side }));
            assert!(
                t.personalise(&s.profile, &s.holder, &steps, &journal, Some(&s.ca))
                    .is_err(),
                "tear at {at} did not stop the run"
            );
            let mut resumed = terminal(&s, &image, None);
            resumed
                .personalise(&s.profile, &s.holder, &steps, &journal, Some(&s.ca))
                .unwrap_or_else(|e| panic!("resume after tear at {at} {side:?}: {e}"));
            let bad = resumed
                .verify_personalisation(&s.profile, &s.holder, Some(&s.trust))
                .unwrap();
            assert!(bad.is_empty(), "tear at {at} {side:?}: {bad:?}");
            assert_eq!(data_of(&image), want, "tear at {at} {side:?}");
        }
    }
}

#[test]
fn a_journal_of_another_card_is_refused() {
    let s = setup();
    let steps = plan(&s.profile, &s.holder).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.json");
    sscard::ops::perso::Journal::new("00", &steps)
        .save(&journal)
        .unwrap();
    let image = dir.path().join("c.json");
    sscard_sim::perso::blank(&s.profile, s.holder.card_id(), &s.masters)
        .unwrap()
        .save(&image)
        .unwrap();
    let mut t = terminal(&s, &image, None);
    assert_eq!(
        t.personalise(&s.profile, &s.holder, &steps, &journal, Some(&s.ca))
            .unwrap_err()
            .code(),
        -23
    );
}
