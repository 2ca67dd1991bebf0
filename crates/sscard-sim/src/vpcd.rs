//! A bridge from a simulated card to pcscd's vpcd driver
//! (`vsmartcard-vpcd`), speaking the vpcd protocol directly.
//!
//! vpcd listens on 127.0.0.1:35963 for its first slot (`Virtual PCD 00 00`)
//! and 35964 for the second. The card connects as a client. Each message is
//! a 2-byte big-endian length, then either one control byte (`00` power off,
//! `01` power on, `02` reset, `04` ATR request, which is answered with the
//! ATR) or a command APDU (answered with the response APDU).
//!
//! `TCP_NODELAY` and `TCP_QUICKACK` (set before every read: Linux clears it)
//! keep a round trip through pcscd well under a millisecond; without them
//! delayed ACKs add about 40 ms per APDU.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use socket2::SockRef;

use crate::error::{Error, Result};
use crate::sim::{Applet, Simulator};

/// vpcd's port for its first slot.
pub const PORT_SLOT_0: u16 = 35963;
/// vpcd's port for its second slot.
pub const PORT_SLOT_1: u16 = 35964;

/// What the bridge needs of a card.
pub trait VirtualCard {
    /// The ATR.
    fn atr(&mut self) -> Vec<u8>;
    /// Power on (cold reset).
    fn power_on(&mut self);
    /// Power off.
    fn power_off(&mut self);
    /// Warm reset.
    fn reset(&mut self);
    /// One APDU; `None` when the card gives no answer (it lost power).
    fn execute(&mut self, apdu: &[u8]) -> Option<Vec<u8>>;
}

impl<T: VirtualCard + ?Sized> VirtualCard for Box<T> {
    fn atr(&mut self) -> Vec<u8> {
        (**self).atr()
    }
    fn power_on(&mut self) {
        (**self).power_on();
    }
    fn power_off(&mut self) {
        (**self).power_off();
    }
    fn reset(&mut self) {
        (**self).reset();
    }
    fn execute(&mut self, apdu: &[u8]) -> Option<Vec<u8>> {
        (**self).execute(apdu)
    }
}

impl<A: Applet> VirtualCard for Simulator<A> {
    fn atr(&mut self) -> Vec<u8> {
        Simulator::atr(self)
    }
    fn power_on(&mut self) {
        Simulator::power_on(self);
    }
    fn power_off(&mut self) {
        Simulator::power_off(self);
    }
    fn reset(&mut self) {
        Simulator::reset(self);
    }
    fn execute(&mut self, apdu: &[u8]) -> Option<Vec<u8>> {
        if !self.is_powered() {
            Simulator::power_on(self);
        }
        self.transmit(apdu).ok()
    }
}

fn quickack(stream: &TcpStream) {
    // Best effort: not every platform has TCP_QUICKACK.
    #[cfg(target_os = "linux")]
    let _ = SockRef::from(stream).set_tcp_quickack(true);
    #[cfg(not(target_os = "linux"))]
    let _ = stream;
}

fn read_frame(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    quickack(stream);
    let mut len = [0u8; 2];
    stream.read_exact(&mut len)?;
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
    quickack(stream);
    stream.read_exact(&mut buf)?;
    Ok(buf)
}

fn write_frame(stream: &mut TcpStream, data: &[u8]) -> std::io::Result<()> {
    let len =
        u16::try_from(data.len()).map_err(|_| std::io::Error::from(ErrorKind::InvalidInput))?;
    let mut msg = Vec::with_capacity(2 + data.len());
    msg.extend_from_slice(&len.to_be_bytes());
    msg.extend_from_slice(data);
    stream.write_all(&msg)
}

/// Serves one connection until vpcd closes it or `stop` is set.
///
/// # Errors
/// The I/O error that ended the connection (EOF included).
pub fn serve_connection(
    card: &mut impl VirtualCard,
    mut stream: TcpStream,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_millis(200)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        // Wait for the next frame with a timeout (to notice `stop`), then
        // read it whole: a frame is never split by a timeout.
        quickack(&stream);
        match stream.peek(&mut [0u8; 1]) {
            Ok(0) => return Err(std::io::Error::from(ErrorKind::UnexpectedEof)),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(e) => return Err(e),
        }
        let frame = read_frame(&mut stream)?;
        match frame.as_slice() {
            [0x00] => card.power_off(),
            [0x01] => card.power_on(),
            [0x02] => card.reset(),
            [0x04] => {
                let atr = card.atr();
                write_frame(&mut stream, &atr)?;
            }
            [_] => {}
            apdu => match card.execute(apdu) {
                Some(r) => write_frame(&mut stream, &r)?,
                // A torn card answers nothing: drop the link, vpcd sees the card go.
                None => return Err(std::io::Error::from(ErrorKind::ConnectionAborted)),
            },
        }
    }
}

/// Connects `card` to vpcd at `host:port` and serves it until `stop` is
/// set, reconnecting whenever vpcd (pcscd) restarts.
///
/// # Errors
/// [`Error::Bridge`] only for an address that cannot be used at all.
pub fn serve(card: &mut impl VirtualCard, host: &str, port: u16, stop: &AtomicBool) -> Result<()> {
    if host.is_empty() {
        return Err(Error::Bridge("empty host".into()));
    }
    while !stop.load(Ordering::Relaxed) {
        match TcpStream::connect((host, port)) {
            Ok(stream) => {
                let _ = serve_connection(card, stream, stop);
                card.power_off();
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    Ok(())
}
