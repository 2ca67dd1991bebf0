//! READ RECORD (by number and by tag), UPDATE RECORD (plain and with MAC),
//! READ BINARY and UPDATE BINARY (offset and SFI forms).

use sscard_apdu::record::Record;
use sscard_apdu::{Command, Response, StatusWord};
use sscard_profile::{EfKind, ElementFormat};
use subtle::ConstantTimeEq;

use super::{sw, UserCard};
use crate::image::{CardImage, Hex};
use crate::sim::Tx;

impl UserCard {
    pub(super) fn read_record(&mut self, image: &CardImage, cmd: &Command) -> Response {
        let sfi = cmd.p2 >> 3;
        if sfi != 0 && cmd.p2 & 0x07 == 0x04 {
            if let Some(r) = self.payment_record(image, sfi, cmd.p1) {
                return match r {
                    Ok(d) => Response::ok(d),
                    Err(s) => sw(s),
                };
            }
        }
        let ef = match self.target_ef(sfi) {
            Ok(ef) => ef,
            Err(s) => return sw(s),
        };
        if !ef.kind.is_record() {
            return sw(StatusWord::IncompatibleFileStructure);
        }
        if !self.allowed(image, &ef.read) {
            return sw(StatusWord::SecurityNotSatisfied);
        }
        let path = ef.path.clone();
        let data = match (cmd.p2 & 0x07, ef.kind) {
            (0x04, EfKind::Cyclic { .. }) => image
                .logs
                .get(&path)
                .and_then(|l| l.get(usize::from(cmd.p1).wrapping_sub(1)))
                .map(|h| h.0.clone()),
            (0x04, _) => image
                .records
                .get(&path)
                .and_then(|r| r.get(&cmd.p1))
                .map(|h| h.0.clone()),
            (0x00, _) => image
                .records
                .get(&path)
                .and_then(|r| r.values().find(|rec| rec.0.first() == Some(&cmd.p1)))
                .map(|h| h.0.clone()),
            _ => return sw(StatusWord::WrongP1P2),
        };
        if sfi != 0 {
            self.v.ef = Some(path);
        }
        match data {
            Some(d) => Response::ok(d),
            None => sw(StatusWord::RecordNotFound),
        }
    }

    pub(super) fn update_record(&mut self, tx: &mut Tx<'_>, cmd: &Command) -> Response {
        if cmd.p2 & 0x07 != 0x04 {
            return sw(StatusWord::WrongP1P2);
        }
        let ef = match self.target_ef(cmd.p2 >> 3) {
            Ok(ef) => ef.clone(),
            Err(s) => return sw(s),
        };
        if !matches!(ef.kind, EfKind::Variable | EfKind::Fixed { .. }) {
            return sw(StatusWord::IncompatibleFileStructure);
        }
        let secure = cmd.cla == 0x04;
        // The MAC of a secure-messaging UPDATE is under the DF's maintenance
        // key (STK, 02 §2.3); a DF without one uses the file's update key.
        let sm_key = self
            .profile
            .maintenance_key(&ef.df)
            .or(ef.update.key())
            .map(str::to_owned);
        let data = if secure {
            match self.check_sm_mac(tx.image(), cmd, sm_key.as_deref()) {
                Ok(d) => d,
                Err(s) => return sw(s),
            }
        } else {
            cmd.data().to_vec()
        };
        // With a valid MAC the key part of the rule is met; a PIN part still applies.
        let rule_ok = if secure {
            ef.update.pin().is_none_or(|p| {
                self.v.pins.contains(p)
                    || matches!(ef.update, sscard_profile::AccessRule::PinOrKey(..))
            }) || tx.image().lifecycle == crate::image::Lifecycle::Personalising
        } else {
            self.allowed(tx.image(), &ef.update)
        };
        if !rule_ok {
            return sw(StatusWord::SecurityNotSatisfied);
        }
        let Some(element) = ef
            .elements
            .iter()
            .find(|e| (e.record..e.record.saturating_add(e.occurrences)).contains(&cmd.p1))
        else {
            return sw(StatusWord::RecordNotFound);
        };
        let Ok(rec) = Record::parse(&data) else {
            return sw(StatusWord::WrongData);
        };
        // The record written must be the one the card holds there: on a
        // card whose records are in another order, a write by the model's
        // record number would replace another element (6A80, nothing changed).
        let stored_tag = tx
            .image()
            .records
            .get(&ef.path)
            .and_then(|r| r.get(&cmd.p1))
            .and_then(|h| h.0.first().copied());
        if rec.tag != element.tag || stored_tag.is_some_and(|t| t != rec.tag) {
            return sw(StatusWord::WrongData);
        }
        if rec.value.len() > element.length {
            return sw(StatusWord::WrongLength);
        }
        if element.format == ElementFormat::Btlv
            && sscard_apdu::record::BtlvRecord::parse(&data).is_err()
        {
            return sw(StatusWord::WrongData);
        }
        tx.edit()
            .records
            .entry(ef.path.clone())
            .or_default()
            .insert(cmd.p1, Hex(data));
        Response::ok(Vec::new())
    }

    /// Checks the MAC of a secure-messaging command (spec 02 §2.3) and
    /// returns the data without it. The challenge is consumed either way.
    pub(super) fn check_sm_mac(
        &mut self,
        image: &CardImage,
        cmd: &Command,
        key: Option<&str>,
    ) -> Result<Vec<u8>, StatusWord> {
        let challenge = self
            .take_challenge()
            .ok_or(StatusWord::ReferenceDataInvalid)?;
        let key = key
            .and_then(|k| Self::card_key(image, k))
            .ok_or(StatusWord::SecurityNotSatisfied)?;
        let data = cmd.data();
        if data.len() < 4 {
            return Err(StatusWord::WrongLength);
        }
        let (body, mac) = data.split_at(data.len() - 4);
        let mut input = vec![cmd.cla, cmd.ins, cmd.p1, cmd.p2, data.len() as u8];
        input.extend_from_slice(body);
        let scheme = self.scheme()?;
        let session = scheme.session_key(&key, &challenge);
        let expected = scheme.mac(&session, &challenge, &input);
        if !bool::from(expected.as_slice().ct_eq(mac)) {
            return Err(StatusWord::SecureMessagingIncorrect);
        }
        Ok(body.to_vec())
    }

    /// The transparent EF and offset of a READ/UPDATE BINARY.
    fn binary_target(
        &mut self,
        cmd: &Command,
    ) -> Result<(sscard_profile::Ef, usize, usize), StatusWord> {
        let (sfi, offset) = if cmd.p1 & 0x80 != 0 {
            (cmd.p1 & 0x1F, usize::from(cmd.p2))
        } else {
            (0, usize::from(u16::from_be_bytes([cmd.p1 & 0x7F, cmd.p2])))
        };
        let ef = self.target_ef(sfi)?.clone();
        let EfKind::Transparent { size } = ef.kind else {
            return Err(StatusWord::IncompatibleFileStructure);
        };
        if sfi != 0 {
            self.v.ef = Some(ef.path.clone());
        }
        // An offset at or past the end is outside the EF (ISO/IEC 7816-4:
        // `6B00`); UPDATE BINARY may still write from 0 into an empty file.
        if offset > size || (offset == size && size > 0 && cmd.ins == 0xB0) {
            return Err(StatusWord::WrongParameters);
        }
        Ok((ef, offset, size))
    }

    pub(super) fn read_binary(&mut self, image: &CardImage, cmd: &Command) -> Response {
        let (ef, offset, size) = match self.binary_target(cmd) {
            Ok(t) => t,
            Err(s) => return sw(s),
        };
        if !self.allowed(image, &ef.read) {
            return sw(StatusWord::SecurityNotSatisfied);
        }
        let asked = cmd.le().unwrap_or(256);
        let want = asked.min(size - offset);
        let content = image
            .binaries
            .get(&ef.path)
            .map(|h| h.0.as_slice())
            .unwrap_or(&[]);
        let mut out = vec![0u8; want];
        for (i, b) in out.iter_mut().enumerate() {
            *b = content.get(offset + i).copied().unwrap_or(0);
        }
        if want < asked {
            // Fewer bytes than Le: the data there is, with the warning.
            return Response::new(out, StatusWord::EndOfFile);
        }
        Response::ok(out)
    }

    pub(super) fn update_binary(&mut self, tx: &mut Tx<'_>, cmd: &Command) -> Response {
        let (ef, offset, size) = match self.binary_target(cmd) {
            Ok(t) => t,
            Err(s) => return sw(s),
        };
        if !self.allowed(tx.image(), &ef.update) {
            return sw(StatusWord::SecurityNotSatisfied);
        }
        let data = cmd.data();
        if offset + data.len() > size {
            return sw(StatusWord::NotEnoughMemory);
        }
        let content = &mut tx.edit().binaries.entry(ef.path.clone()).or_default().0;
        if content.len() < offset + data.len() {
            content.resize(offset + data.len(), 0);
        }
        content[offset..offset + data.len()].copy_from_slice(data);
        Response::ok(Vec::new())
    }
}
