//! One card session: the one place that turns a T=0 card's `61xx` and
//! `6Cxx` into a full answer, counts APDUs and bytes, remembers the current
//! selection (no repeated SELECT), and records a redacted trace.

use sscard_apdu::{commands, Apdu, Response, StatusWord};

use crate::error::{Error, Result};
use crate::transport::trace::Trace;
use crate::transport::Transport;

pub use crate::transport::trace::Stats;

/// One exchange as it happens, for an observer ([`Session::observe`]).
pub struct Exchanged<'a> {
    /// The command: its name, bytes and what in it is secret or personal.
    pub apdu: &'a Apdu,
    /// The answer.
    pub response: &'a Response,
    /// Time from sending to the answer.
    pub elapsed: std::time::Duration,
}

/// A function shown every exchange.
pub type Observer = Box<dyn FnMut(&Exchanged<'_>) + Send>;

/// A card session over a transport.
pub struct Session<T: Transport> {
    transport: T,
    stats: Stats,
    trace: Option<Trace>,
    observers: Vec<Observer>,
}

impl<T: Transport> Session<T> {
    /// A session over `transport`.
    pub fn new(transport: T) -> Self {
        Self {
            transport,
            stats: Stats::default(),
            trace: None,
            observers: Vec::new(),
        }
    }

    /// Shows every exchange to `observer` as it happens (`sscard -v`,
    /// `--trace`), after the ones added before; an observer does its own
    /// redaction (`crate::redact`, [`Trace::push`]).
    pub fn observe(&mut self, observer: Observer) {
        self.observers.push(observer);
    }

    /// Starts recording a redacted trace.
    pub fn record(&mut self, operation: &str) {
        self.trace = Some(Trace::new(operation, &self.transport.atr()));
    }

    /// Starts recording a trace that keeps personal data in clear
    /// ([`Trace::revealing`]); PINs and keys are still masked.
    pub fn record_revealing(&mut self, operation: &str) {
        self.trace = Some(Trace::revealing(operation, &self.transport.atr()));
    }

    /// Stops recording; returns the trace with the counts.
    pub fn take_trace(&mut self) -> Option<Trace> {
        let mut t = self.trace.take()?;
        t.stats = self.stats;
        Some(t)
    }

    /// The counts so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Returns the counts and starts counting again.
    pub fn take_stats(&mut self) -> Stats {
        std::mem::take(&mut self.stats)
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Takes the transport back.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Resets the card.
    ///
    /// # Errors
    /// Transport errors.
    pub fn reset(&mut self) -> Result<Vec<u8>> {
        self.transport.reset()
    }

    fn raw(&mut self, apdu: &Apdu) -> Result<Response> {
        let (name, cmd, sensitivity) = (apdu.name(), apdu.command(), apdu.sensitivity());
        let bytes = cmd.to_bytes();
        self.stats.apdus += 1;
        self.stats.sent += bytes.len();
        let started = std::time::Instant::now();
        let rsp = self.transport.transmit(&bytes)?;
        let elapsed = started.elapsed();
        self.stats.received += rsp.len();
        log::trace!(">>> {apdu}");
        let r = Response::from_bytes(&rsp).map_err(|e| Error::Malformed {
            command: name,
            reason: e.to_string(),
        })?;
        log::trace!("<<< {}", crate::redact::response(&r, sensitivity));
        if let Some(t) = &mut self.trace {
            t.push(name, cmd, &r, sensitivity);
        }
        for o in &mut self.observers {
            o(&Exchanged {
                apdu,
                response: &r,
                elapsed,
            });
        }
        Ok(r)
    }

    /// Sends a command; `61xx` is followed by GET RESPONSE until complete,
    /// `6Cxx` resends the command with the right Le. Returns the final
    /// answer whatever its status.
    ///
    /// # Errors
    /// Transport errors; a malformed answer.
    pub fn send(&mut self, apdu: &Apdu) -> Result<Response> {
        let name = apdu.name();
        let malformed = |e: sscard_apdu::Error| Error::Malformed {
            command: name,
            reason: e.to_string(),
        };
        let mut r = self.raw(apdu)?;
        if let StatusWord::WrongLe(n) = r.sw() {
            let le = if n == 0 { 256 } else { usize::from(n) };
            r = self.raw(&apdu.with_le(le).map_err(malformed)?)?;
        }
        let mut data = Vec::new();
        while let StatusWord::MoreData(n) = r.sw() {
            data.extend_from_slice(r.data());
            let le = if n == 0 { 256 } else { usize::from(n) };
            r = self.raw(&commands::get_response(apdu, le).map_err(malformed)?)?;
            if data.len() > 65_536 {
                return Err(Error::Malformed {
                    command: name,
                    reason: "GET RESPONSE chain longer than 64 KiB".into(),
                });
            }
        }
        if data.is_empty() {
            Ok(r)
        } else {
            data.extend_from_slice(r.data());
            Ok(Response::new(data, r.sw()))
        }
    }

    /// Sends a command and requires `9000`; returns the data.
    ///
    /// # Errors
    /// [`Error::Card`] with the status word otherwise.
    pub fn command(&mut self, apdu: &Apdu) -> Result<Vec<u8>> {
        let r = self.send(apdu)?;
        if r.is_success() {
            Ok(r.into_data())
        } else {
            Err(Error::from_card(apdu.name(), r.sw()))
        }
    }

    /// SELECT by DF name; returns the FCI.
    ///
    /// # Errors
    /// [`Error::Card`] (e.g. `6A82`).
    pub fn select_name(&mut self, df_name: &[u8]) -> Result<Vec<u8>> {
        let select =
            commands::select_name(df_name).map_err(|e| Error::BadArgument(e.to_string()))?;
        self.command(&select)
    }

    /// SELECT by FID under the current DF (P1 `00`).
    ///
    /// # Errors
    /// [`Error::Card`] (e.g. `6A82`).
    pub fn select_fid(&mut self, fid: u16) -> Result<()> {
        self.command(&commands::select_fid(fid)).map(|_| ())
    }
}

/// A trace recorded by a session observer and written when the session
/// ends (on every path, errors included): `sscard --trace FILE`.
pub struct TraceFile {
    path: std::path::PathBuf,
    trace: Trace,
}

impl TraceFile {
    /// A recorder of `operation` on the card with `atr`, for `path`.
    pub fn new(path: &std::path::Path, operation: &str, atr: &[u8]) -> Self {
        Self {
            path: path.to_path_buf(),
            trace: Trace::new(operation, atr),
        }
    }

    /// As [`TraceFile::new`], personal data kept ([`Trace::revealing`]).
    pub fn revealing(path: &std::path::Path, operation: &str, atr: &[u8]) -> Self {
        Self {
            path: path.to_path_buf(),
            trace: Trace::revealing(operation, atr),
        }
    }

    /// The observer to give the session ([`Session::observe`]).
    pub fn into_observer(mut self) -> Observer {
        Box::new(move |x| {
            let a = x.apdu;
            self.trace
                .push(a.name(), a.command(), x.response, a.sensitivity());
            self.trace.count(a.command(), x.response);
        })
    }
}

impl Drop for TraceFile {
    fn drop(&mut self) {
        match self.trace.to_json() {
            Ok(text) => {
                if let Err(e) =
                    sscard_profile::atomic::write_atomically(&self.path, text.as_bytes())
                {
                    log::error!(
                        "trace {}: {}",
                        self.path.display(),
                        sscard_profile::error::io_reason(&e)
                    );
                }
            }
            Err(e) => log::error!("trace {}: {e}", self.path.display()),
        }
    }
}
