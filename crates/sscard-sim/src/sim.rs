//! Power, tearing, T=0 behaviour and persistence around a card's logic.
//!
//! A card's logic ([`Applet`]) sees one complete command at a time and
//! stages its persistent changes in a [`Tx`]; the [`Simulator`] commits
//! them all at once (saving the image atomically when it has a file), or
//! drops them when the card is torn before the commit.

use std::path::PathBuf;

use sscard_apdu::{Command, Response, StatusWord};

use crate::error::{Error, Result};
use crate::image::CardImage;

/// A card's logic: pure, no I/O.
pub trait Applet {
    /// The answer to reset.
    fn atr(&self) -> Vec<u8>;
    /// Forgets all volatile state (selection, verified PINs, challenges).
    fn reset(&mut self);
    /// Executes one complete command.
    fn process(&mut self, tx: &mut Tx<'_>, cmd: &Command) -> Response;
    /// Whether the card speaks T=0 (`61xx`, `6Cxx`): its model's variant.
    fn t0(&self) -> bool {
        false
    }
}

/// The persistent state as one command sees it: read the committed image,
/// or stage a changed copy.
pub struct Tx<'a> {
    base: &'a CardImage,
    staged: Option<CardImage>,
}

impl<'a> Tx<'a> {
    /// A transaction over `base`.
    pub fn new(base: &'a CardImage) -> Self {
        Self { base, staged: None }
    }

    /// The image with this command's changes so far.
    pub fn image(&self) -> &CardImage {
        self.staged.as_ref().unwrap_or(self.base)
    }

    /// A mutable copy to change; committed together after the command.
    pub fn edit(&mut self) -> &mut CardImage {
        let base = self.base;
        self.staged.get_or_insert_with(|| base.clone())
    }

    /// Drops this command's changes (a command that fails after editing).
    pub fn rollback(&mut self) {
        self.staged = None;
    }

    /// The staged image, if the command changed anything.
    pub fn into_staged(self) -> Option<CardImage> {
        self.staged
    }
}

/// Which side of the commit a tear falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TearSide {
    /// Power is lost before the command's changes are committed.
    BeforeCommit,
    /// The changes are committed, then power is lost before the answer.
    AfterCommit,
}

/// A planned power loss at the `at`-th command after arming (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tear {
    /// Command index.
    pub at: u64,
    /// Before or after the commit.
    pub side: TearSide,
}

/// A simulated card: logic, image, power, tearing, T=0 and persistence.
pub struct Simulator<A: Applet> {
    applet: A,
    image: CardImage,
    store: Option<PathBuf>,
    powered: bool,
    t0: bool,
    pending: Vec<u8>,
    tear: Option<Tear>,
    count: u64,
}

impl<A: Applet> Simulator<A> {
    /// A powered-off card.
    pub fn new(applet: A, image: CardImage) -> Self {
        Self {
            t0: applet.t0(),
            applet,
            image,
            store: None,
            powered: false,
            pending: Vec::new(),
            tear: None,
            count: 0,
        }
    }

    /// Saves the image to `path` after every committed change.
    pub fn with_store(mut self, path: impl Into<PathBuf>) -> Self {
        self.store = Some(path.into());
        self
    }

    /// Behave as a T=0 card: data comes back through `61xx` + GET RESPONSE,
    /// and a case 2 command with the wrong Le gets `6Cxx`.
    pub fn set_t0(&mut self, t0: bool) {
        self.t0 = t0;
    }

    /// Plans a power loss; counting starts now.
    pub fn arm_tear(&mut self, tear: Tear) {
        self.tear = Some(tear);
        self.count = 0;
    }

    /// The ATR.
    pub fn atr(&self) -> Vec<u8> {
        self.applet.atr()
    }

    /// Cold reset: power on, volatile state cleared; returns the ATR.
    pub fn power_on(&mut self) -> Vec<u8> {
        self.applet.reset();
        self.pending.clear();
        self.powered = true;
        self.applet.atr()
    }

    /// Warm reset; returns the ATR.
    pub fn reset(&mut self) -> Vec<u8> {
        self.power_on()
    }

    /// Power off: volatile state is lost.
    pub fn power_off(&mut self) {
        self.applet.reset();
        self.pending.clear();
        self.powered = false;
    }

    /// Whether the card is powered.
    pub fn is_powered(&self) -> bool {
        self.powered
    }

    /// The committed image.
    pub fn image(&self) -> &CardImage {
        &self.image
    }

    /// The card logic.
    pub fn applet(&self) -> &A {
        &self.applet
    }

    /// Replaces the image (e.g. after reloading it from disk).
    pub fn set_image(&mut self, image: CardImage) {
        self.image = image;
    }

    /// Sends one command APDU; returns the response APDU.
    ///
    /// # Errors
    /// [`Error::NotPowered`], or [`Error::PowerLost`] when a planned tear
    /// hits this command (the card is then off).
    pub fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>> {
        if !self.powered {
            return Err(Error::NotPowered);
        }
        self.count += 1;
        let torn = self.tear.filter(|t| t.at == self.count);
        let cmd = match Command::from_bytes(apdu) {
            Ok(c) => c,
            Err(_) => return self.answer(Response::status(StatusWord::WrongLength), torn),
        };
        if self.t0 && cmd.ins == 0xC0 && cmd.cla & 0x80 == 0 {
            let resp = self.get_response(&cmd);
            return self.answer(resp, torn);
        }
        self.pending.clear();
        let mut tx = Tx::new(&self.image);
        let resp = self.applet.process(&mut tx, &cmd);
        let staged = tx.into_staged();
        if let Some(new) = staged {
            if torn.is_some_and(|t| t.side == TearSide::BeforeCommit) {
                self.power_off();
                return Err(Error::PowerLost);
            }
            if let Some(path) = &self.store {
                if new.save(path).is_err() {
                    return self.answer(Response::status(StatusWord::MemoryFailure), torn);
                }
            }
            self.image = new;
        }
        let resp = if self.t0 {
            self.t0_shape(&cmd, resp)
        } else {
            resp
        };
        self.answer(resp, torn)
    }

    fn answer(&mut self, resp: Response, torn: Option<Tear>) -> Result<Vec<u8>> {
        if torn.is_some() {
            self.power_off();
            return Err(Error::PowerLost);
        }
        Ok(resp.to_bytes())
    }

    /// T=0: a case 2 command with the wrong Le gets `6Cxx`; data of a case
    /// 4 command waits for GET RESPONSE behind `61xx`.
    fn t0_shape(&mut self, cmd: &Command, resp: Response) -> Response {
        let len = resp.data().len();
        if len == 0 {
            return resp;
        }
        let sw = resp.sw();
        match (cmd.data().is_empty(), cmd.le()) {
            (true, Some(le)) if le != len && !(le == 256 && len <= 256) => {
                Response::status(StatusWord::WrongLe(len.min(256) as u8))
            }
            (false, _) if sw.is_success() => {
                self.pending = resp.into_data();
                Response::status(StatusWord::MoreData(self.pending.len().min(256) as u8))
            }
            _ => resp,
        }
    }

    fn get_response(&mut self, cmd: &Command) -> Response {
        if self.pending.is_empty() {
            return Response::status(StatusWord::ConditionsNotSatisfied);
        }
        let want = cmd.le().unwrap_or(256).min(self.pending.len());
        let chunk: Vec<u8> = self.pending.drain(..want).collect();
        if self.pending.is_empty() {
            Response::ok(chunk)
        } else {
            Response::new(
                chunk,
                StatusWord::MoreData(self.pending.len().min(256) as u8),
            )
        }
    }
}
