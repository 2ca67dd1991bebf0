//! Import of `pcsc-spy` logs (issue 15 point 3): the lines `libpcscspy.so`
//! writes to its FIFO (`~/pcsc-spy`), each `<thread id>@<content>`. A call
//! is `>|sec|usec|Function`, its arguments one per line, and
//! `<|sec|usec|Function|0xRV` (pcsc-lite 2 puts the return code's text
//! before it: `<|sec|usec|Function|Command successful.|0xRV`); a buffer
//! is its length (`0x%08lX`) then its bytes (`78 79 7A `) or `NULL`. `SCardTransmit` logs hCard, the send PCI
//! (protocol, length), the command buffer, the receive PCI, the response
//! buffer. Lines of several threads interleave: each thread is followed on
//! its own. The exchanges are recorded through [`Trace::push`] with
//! [`Sensitivity::of_command`], so PINs and what a response holds are
//! masked as in every trace (`reveal` records a [`Trace::revealing`]).

use std::collections::BTreeMap;

use sscard_apdu::{Apdu, Command, Response};

use super::trace::Trace;
use crate::error::{Error, Result};

fn bytes(line: &str) -> Option<Vec<u8>> {
    if line == "NULL" {
        return None;
    }
    let compact: String = line.split_whitespace().collect();
    hex::decode(compact).ok()
}

/// The trace of the `SCardTransmit` calls in `log` that succeeded.
///
/// # Errors
/// [`Error::Trace`] naming the line of a call that does not parse.
pub fn import(log: &str, operation: &str, reveal: bool) -> Result<Trace> {
    let mut trace = if reveal {
        Trace::revealing(operation, &[])
    } else {
        Trace::new(operation, &[])
    };
    // Per thread: the function being logged, its first line, its argument lines.
    let mut open: BTreeMap<&str, (String, usize, Vec<&str>)> = BTreeMap::new();
    for (n, raw) in log.lines().enumerate() {
        let Some((thread, line)) = raw.split_once('@') else {
            continue;
        };
        let line = line.trim_end();
        if let Some(rest) = line.strip_prefix(">|") {
            let function = rest.rsplit('|').next().unwrap_or_default().to_owned();
            open.insert(thread, (function, n + 1, Vec::new()));
        } else if let Some(rest) = line.strip_prefix("<|") {
            let Some((function, first, args)) = open.remove(thread) else {
                continue;
            };
            let rv = rest.rsplit('|').next().unwrap_or_default();
            if function != "SCardTransmit" || rv != "0x00000000" {
                continue;
            }
            let bad =
                |why: &str| Error::Trace(format!("pcsc-spy line {first}: SCardTransmit {why}"));
            // hCard, protocol, PCI length, length, bytes, protocol, PCI length, length, bytes.
            let (Some(c), Some(r)) = (
                args.get(4).and_then(|l| bytes(l)),
                args.get(8).and_then(|l| bytes(l)),
            ) else {
                return Err(bad("without its two buffers"));
            };
            let cmd = Command::from_bytes(&c).map_err(|e| bad(&format!("command: {e}")))?;
            let rsp = Response::from_bytes(&r).map_err(|e| bad(&format!("response: {e}")))?;
            let apdu = Apdu::raw(cmd);
            trace.push(apdu.name(), apdu.command(), &rsp, apdu.sensitivity());
            trace.count(apdu.command(), &rsp);
        } else if let Some((_, _, args)) = open.get_mut(thread) {
            args.push(line);
        }
    }
    Ok(trace)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two threads interleaved, a failed call skipped, a VERIFY masked.
    #[test]
    fn transmit_calls_of_two_threads() -> Result<()> {
        let log = "\
7F01@>|1700000000|1|SCardTransmit
7F02@>|1700000000|2|SCardEstablishContext
7F01@0x0001
7F01@0x00000002
7F01@0x00000008
7F02@0x00000002
7F01@0x00000005
7F01@00 A4 04 00 00 
7F01@0x00000002
7F01@0x00000008
7F01@0x00000002
7F01@90 00 
7F01@<|1700000000|3|SCardTransmit|0x00000000
7F02@0x12345678
7F02@<|1700000000|4|SCardEstablishContext|0x00000000
7F01@>|1700000000|5|SCardTransmit
7F01@0x0001
7F01@0x00000002
7F01@0x00000008
7F01@0x00000008
7F01@00 20 00 00 03 12 34 56 
7F01@0x00000002
7F01@0x00000008
7F01@0x00000002
7F01@63 C2 
7F01@<|1700000000|6|SCardTransmit|0x00000000
7F01@>|1700000000|7|SCardTransmit
7F01@0x0001
7F01@<|1700000000|8|SCardTransmit|0x80100069
";
        let t = import(log, "spy", false)?;
        assert_eq!(t.exchanges.len(), 2);
        assert_eq!(t.exchanges[0].name, "SELECT");
        assert_eq!(t.exchanges[0].response, "9000");
        assert_eq!(t.exchanges[1].command, "0020000003000000", "the PIN masked");
        assert_eq!(t.stats.apdus, 2);
        Ok(())
    }
}
