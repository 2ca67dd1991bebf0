//! A trace as pcapng that Wireshark decodes (issue 15): one packet per
//! exchange, GSMTAP SIM (`GSMTAP_TYPE_SIM` = 4) over UDP to port 4729 in a
//! raw IPv4 capture (link type 101), the way osmocom's SIMtrace feeds
//! Wireshark. Each payload is the exchange as a SIM sniffer sees it: the
//! 5-byte header (`CLA INS P1 P2 P3`), the command data or the response
//! data, then `SW1 SW2`. Timestamps follow the modeled contactless time at
//! 106 kbit/s, so the capture's timeline is the trace's.

use super::trace::Trace;
use crate::error::{Error, Result};

/// GSMTAP's UDP port.
pub const GSMTAP_PORT: u16 = 4729;
/// `GSMTAP_TYPE_SIM`.
const GSMTAP_TYPE_SIM: u8 = 4;
/// `LINKTYPE_RAW`: packets start with an IPv4 header.
const LINKTYPE_RAW: u16 = 101;

fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let mut padded = body.to_vec();
    while !padded.len().is_multiple_of(4) {
        padded.push(0);
    }
    let total = (12 + padded.len()) as u32;
    let mut b = Vec::with_capacity(total as usize);
    b.extend(kind.to_le_bytes());
    b.extend(total.to_le_bytes());
    b.extend(padded);
    b.extend(total.to_le_bytes());
    b
}

/// The 16-bit one's-complement checksum of an IPv4 header.
fn ip_checksum(h: &[u8]) -> u16 {
    let mut sum: u32 = h
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

/// The payload of one exchange as a SIM sniffer sees it.
fn sim_payload(command: &[u8], response: &[u8]) -> Vec<u8> {
    let header = &command[..command.len().min(4)];
    let data = command.get(5..).unwrap_or_default();
    let lc_data = match command.get(4) {
        // Case 3/4: Lc then data (the trace's commands are short APDUs).
        Some(&lc) if usize::from(lc) <= data.len() && !data.is_empty() => &data[..usize::from(lc)],
        _ => &[][..],
    };
    let (resp_data, sw) = response.split_at(response.len().saturating_sub(2));
    let body: &[u8] = if lc_data.is_empty() {
        resp_data
    } else {
        lc_data
    };
    let mut p = header.to_vec();
    p.push(command.get(4).copied().unwrap_or(0));
    p.extend_from_slice(body);
    p.extend_from_slice(sw);
    p
}

fn packet(payload: &[u8]) -> Vec<u8> {
    let mut gsmtap = vec![2, 4, GSMTAP_TYPE_SIM, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    gsmtap.extend_from_slice(payload);
    let udp_len = (8 + gsmtap.len()) as u16;
    let mut udp = Vec::with_capacity(usize::from(udp_len));
    udp.extend(GSMTAP_PORT.to_be_bytes()); // source port
    udp.extend(GSMTAP_PORT.to_be_bytes());
    udp.extend(udp_len.to_be_bytes());
    udp.extend([0, 0]); // no checksum (allowed over IPv4)
    udp.extend(gsmtap);
    let total = (20 + udp.len()) as u16;
    let mut ip = vec![0x45, 0x00];
    ip.extend(total.to_be_bytes());
    ip.extend([0, 0, 0x40, 0x00, 64, 17, 0, 0]); // id, DF, TTL 64, UDP, checksum
    ip.extend([127, 0, 0, 1, 127, 0, 0, 1]);
    let c = ip_checksum(&ip);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    ip.extend(udp);
    ip
}

/// The trace as a pcapng file; `start_us` is the first packet's time
/// (microseconds since the Unix epoch).
///
/// # Errors
/// [`Error::InvalidInput`] for an exchange whose hex does not decode.
pub fn to_pcapng(trace: &Trace, start_us: u64) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    // Section header: byte-order magic, version 1.0, section length unknown.
    let mut shb = Vec::new();
    shb.extend(0x1A2B_3C4Du32.to_le_bytes());
    shb.extend(1u16.to_le_bytes());
    shb.extend(0u16.to_le_bytes());
    shb.extend((-1i64).to_le_bytes());
    out.extend(block(0x0A0D_0D0A, &shb));
    let mut idb = Vec::new();
    idb.extend(LINKTYPE_RAW.to_le_bytes());
    idb.extend(0u16.to_le_bytes());
    idb.extend(0u32.to_le_bytes()); // no snap length
    out.extend(block(1, &idb));
    let mut t = start_us;
    for (i, e) in trace.exchanges.iter().enumerate() {
        let decode = |what: &str, h: &str| {
            hex::decode(h).map_err(|x| {
                Error::InvalidInput(format!("exchange {} ({}): {what}: {x}", i + 1, e.name))
            })
        };
        let (c, r) = (
            decode("command", &e.command)?,
            decode("response", &e.response)?,
        );
        let p = packet(&sim_payload(&c, &r));
        let mut epb = Vec::new();
        epb.extend(0u32.to_le_bytes()); // interface 0
        epb.extend(((t >> 32) as u32).to_le_bytes());
        epb.extend((t as u32).to_le_bytes());
        epb.extend((p.len() as u32).to_le_bytes());
        epb.extend((p.len() as u32).to_le_bytes());
        epb.extend(&p);
        out.extend(block(6, &epb));
        // 106 kbit/s, 10 bits per byte on the air, both directions.
        t += ((c.len() + r.len()) as u64 * 10 * 1_000_000).div_ceil(106_000);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_record_is_header_response_data_sw() {
        let p = sim_payload(&[0x00, 0xB2, 0x01, 0x0C, 0x00], &[0x70, 0x00, 0x90, 0x00]);
        assert_eq!(p, [0x00, 0xB2, 0x01, 0x0C, 0x00, 0x70, 0x00, 0x90, 0x00]);
        let p = sim_payload(&[0x00, 0xA4, 0x00, 0x00, 0x02, 0xEF, 0x05], &[0x90, 0x00]);
        assert_eq!(p, [0x00, 0xA4, 0x00, 0x00, 0x02, 0xEF, 0x05, 0x90, 0x00]);
        // The IPv4 header checksum of a packet checks out to zero.
        let pk = packet(&[1, 2, 3]);
        assert_eq!(ip_checksum(&pk[..20]), 0);
    }
}
