//! The terminal journal (issue 14 points 2 and 3): a debit is never lost
//! and never done twice. A tear at every command index of the purchase, on
//! both sides of the card's commit, then the terminal restarts and settles
//! its journal: the card's balance is the start minus the completed
//! records, every completed record holds the card's TAC, nothing stays
//! pending, and the POS's retry debits once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;

use sscard::journal::{Journal, State};
use sscard::ops::debit::PayInfo;
use sscard::ops::{Profiles, Terminal};
use sscard::pin::{CallbackPad, Pin, PinPrompt};
use sscard::security::software::SoftwareModule;
use sscard::transport::sim::SimTransport;
use sscard_profile::holder::Holder;
use sscard_profile::Profile;
use sscard_sim::image::CardImage;
use sscard_sim::{Simulator, Tear, TearSide, UserCard};
use sscard_test_support::{masters, root};

const PURSE: &str = "SSSE/DF04/EF06";

type Pad = CallbackPad<fn(PinPrompt) -> sscard::Result<Pin>>;

fn pad() -> Pad {
    fn pin(_: PinPrompt) -> sscard::Result<Pin> {
        Pin::new("123456")
    }
    CallbackPad(pin as fn(_) -> _)
}

/// The card image saved at `path`, funded with 100.00.
fn funded(p: &Arc<Profile>, path: &Path) {
    let h = Holder::load_file(root().join("fixtures/holders/zhang-san.toml")).unwrap();
    let mut img = sscard_sim::perso::personalise(p, &h, &masters()).unwrap();
    img.purses.get_mut(PURSE).unwrap().balance = 10_000;
    img.save(path).unwrap();
}

/// A terminal (software module, transaction numbers from `txn`) over the
/// card stored at `card`, with the journal at `journal`; `tear` armed.
fn terminal(
    p: &Arc<Profile>,
    card: &Path,
    journal: &Path,
    txn: u32,
    tear: Option<Tear>,
) -> Terminal<SimTransport<UserCard>, SoftwareModule, Pad> {
    let img = CardImage::load(card).unwrap();
    let mut sim = Simulator::new(UserCard::new(p.clone()), img).with_store(card);
    sim.power_on();
    if let Some(t) = tear {
        sim.arm_tear(t);
    }
    let sm = SoftwareModule::new(masters(), [0x41, 0x01, 0x00, 0x81, 0x34, 0x75], 0x017F)
        .with_txn_start(txn);
    let mut t = Terminal::new(
        SimTransport::new(sim, "sim"),
        sm,
        pad(),
        Profiles::new(vec![p.clone()]),
    );
    t.set_journal(Journal::open(journal).unwrap());
    t
}

/// The invariants after a recovery: balance = start − completed amounts,
/// nothing pending, completed records hold a TAC.
fn check(card: &Path, journal: &Path, what: &str) -> (u32, usize) {
    let img = CardImage::load(card).unwrap();
    let j = Journal::open(journal).unwrap();
    let entries = j.list().unwrap();
    let completed: Vec<_> = entries
        .iter()
        .filter(|e| e.state == State::Completed)
        .collect();
    let paid: u32 = completed.iter().map(|e| e.amount_fen).sum();
    assert_eq!(
        img.purses[PURSE].balance,
        10_000 - paid,
        "{what}: {entries:?}"
    );
    assert!(
        entries.iter().all(|e| e.state != State::Pending),
        "{what}: pending left: {entries:?}"
    );
    assert!(
        completed
            .iter()
            .all(|e| e.tac.as_ref().is_some_and(|t| t.len() == 8)),
        "{what}: a completed record without the card's TAC: {entries:?}"
    );
    // The card's detail records agree with the journal.
    let log = img.logs.get("SSSE/DF04/EF07").map_or(0, Vec::len);
    assert_eq!(log, completed.len(), "{what}");
    (paid, completed.len())
}

#[test]
fn a_tear_at_every_command_loses_no_debit_and_does_none_twice() {
    let p = Arc::new(sscard_profile::load_file(root().join("card-profiles/ssc-3.0.toml")).unwrap());
    let pay = PayInfo::parse("12.34|10.00|20261123101530|").unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The commands of an untorn purchase.
    let (card, journal) = (dir.path().join("card.json"), dir.path().join("j.sqlite"));
    funded(&p, &card);
    let mut t = terminal(&p, &card, &journal, 1, None);
    t.medical_debit(&pay).unwrap();
    let n = t.session().stats().apdus;
    assert!(n >= 5, "{n} commands");
    let mut cases = 0;
    let mut outcomes = std::collections::BTreeMap::new();
    for at in 1..=n + 1 {
        for side in [TearSide::BeforeCommit, TearSide::AfterCommit] {
            let case = format!("tear at command {at}, {side:?}");
            let d = tempfile::tempdir().unwrap();
            let (card, journal) = (d.path().join("card.json"), d.path().join("j.sqlite"));
            funded(&p, &card);
            let mut t = terminal(
                &p,
                &card,
                &journal,
                100,
                Some(Tear {
                    at: u64::from(at),
                    side,
                }),
            );
            let first = t.medical_debit(&pay);
            drop(t);
            // The terminal restarts: the journal is settled against the card.
            let mut t = terminal(&p, &card, &journal, 200, None);
            t.recover_journal().unwrap();
            drop(t);
            let (paid, done) = check(&card, &journal, &case);
            *outcomes
                .entry(if paid == 0 { "not debited" } else { "debited" })
                .or_insert(0) += 1;
            // The POS retries only when it has no completed record.
            if done == 0 {
                let mut t = terminal(&p, &card, &journal, 300, None);
                t.medical_debit(&pay).unwrap();
            }
            let (paid, done) = check(&card, &journal, &case);
            assert_eq!((paid, done), (1_234, 1), "{case}: first answer {first:?}");
            cases += 1;
        }
    }
    assert!(outcomes.contains_key("debited") && outcomes.contains_key("not debited"));
    eprintln!("tear sweep: {cases} cases, {outcomes:?}");
}

/// A lost answer settled at the next purchase on the same card, without an
/// explicit recovery: the pending record is completed first, then the new
/// purchase runs.
#[test]
fn the_next_purchase_settles_a_lost_answer_first() {
    let p = Arc::new(sscard_profile::load_file(root().join("card-profiles/ssc-2.0.toml")).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let (card, journal) = (dir.path().join("card.json"), dir.path().join("j.sqlite"));
    funded(&p, &card);
    let pay = PayInfo::parse("5.00|5.00|20261123101530|").unwrap();
    let mut t = terminal(&p, &card, &journal, 1, None);
    t.medical_debit(&pay).unwrap();
    let n = t.session().stats().apdus;
    drop(t);
    // The DEBIT FOR PURCHASE of the second purchase debits, its answer is lost.
    let mut t = terminal(
        &p,
        &card,
        &journal,
        10,
        Some(Tear {
            at: u64::from(n),
            side: TearSide::AfterCommit,
        }),
    );
    assert!(t.medical_debit(&pay).is_err());
    drop(t);
    let j = Journal::open(&journal).unwrap();
    assert_eq!(j.pending(None).unwrap().len(), 1);
    let mut t = terminal(&p, &card, &journal, 20, None);
    t.medical_debit(&pay).unwrap();
    drop(t);
    assert_eq!(check(&card, &journal, "three purchases"), (1_500, 3));
    let recovered = Journal::open(&journal).unwrap().list().unwrap();
    assert_eq!(
        recovered[1].note.as_deref(),
        Some("recovered: GET TRANSACTION PROVE")
    );
}

/// A journal that cannot be written stops the purchase before DEBIT: the
/// card keeps its balance.
#[test]
fn no_debit_without_a_journal_record() {
    let p = Arc::new(sscard_profile::load_file(root().join("card-profiles/ssc-3.0.toml")).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let (card, journal) = (dir.path().join("card.json"), dir.path().join("j.sqlite"));
    funded(&p, &card);
    let mut t = terminal(&p, &card, &journal, 1, None);
    // The journal's table taken away under the terminal (a damaged store).
    rusqlite::Connection::open(&journal)
        .unwrap()
        .execute_batch("DROP TABLE purchase")
        .unwrap();
    let pay = PayInfo::parse("1.00|1.00|20261123101530|").unwrap();
    let e = t.medical_debit(&pay).unwrap_err();
    assert_eq!(e.code(), -14, "{e}");
    assert!(e.to_string().contains("terminal journal"), "{e}");
    drop(t);
    assert_eq!(
        CardImage::load(&card).unwrap().purses[PURSE].balance,
        10_000
    );
}
