//! The instruction vocabulary: every command the card and the PSAM know
//! (spec 02, 03 and 04), by class and instruction byte, with its name and
//! what its exchange holds. The host builds commands from it
//! ([`crate::commands`]); the simulator decodes what it receives with
//! [`Ins::of`], so both speak one vocabulary.

use serde::{Deserialize, Serialize};

use crate::Command;

/// What in an exchange is secret or personal, so that logs and traces can
/// hide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// Nothing to hide.
    Plain,
    /// The command data is a secret (a PIN, a cryptogram): redacted.
    SecretCommand,
    /// The answer is a one-byte-tag record of personal data: its value is masked.
    PersonalResponse,
    /// The answer is BER-TLV: values of personal tags are masked.
    PersonalTlv,
    /// The answer is personal binary data (a photo, a certificate): masked whole.
    PersonalBinary,
}

impl Sensitivity {
    /// What a raw command (typed by a user, read from a script or a
    /// capture) and its answer hold, from its instruction byte alone
    /// ([`Ins::raw_sensitivity`]): a PIN or a cryptogram for VERIFY (`20`),
    /// CHANGE REFERENCE DATA / UNBLOCK (`24`), RESET RETRY COUNTER (`2C`),
    /// the PBOC PIN change and reload (`5E`), EXTERNAL AUTHENTICATE (`82`)
    /// and WRITE KEY (`D4`); personal data for READ RECORD (`B2`) and GET
    /// PROCESSING OPTIONS (`A8`), whose answers may be a holder's record, a
    /// PAN or track 2 (masked as BER-TLV, whole when not), GET RESPONSE
    /// (`C0`, the rest of any of those on a T=0 card), and for READ BINARY
    /// (`B0`, a photo or a certificate); nothing for the others.
    pub fn of_command(cmd: &Command) -> Self {
        Ins::ALL
            .iter()
            .find(|i| i.byte() == cmd.ins)
            .map_or(Self::Plain, |i| i.raw_sensitivity())
    }
}

/// Which classes a command is sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// `00` only.
    Iso,
    /// `00`, or `04` with a MAC (secure messaging, 02 §2.3).
    IsoOrSm,
    /// `80` only.
    Proprietary,
    /// `84` only: proprietary with a MAC.
    ProprietarySm,
    /// `04` only: ISO with a MAC.
    IsoSm,
}

impl Class {
    fn admits(self, cla: u8) -> bool {
        match self {
            Self::Iso => cla == 0x00,
            Self::IsoOrSm => cla == 0x00 || cla == 0x04,
            Self::Proprietary => cla == 0x80,
            Self::ProprietarySm => cla == 0x84,
            Self::IsoSm => cla == 0x04,
        }
    }
}

macro_rules! vocabulary {
    ($( $(#[$doc:meta])* $v:ident = ($class:ident, $ins:literal, $name:literal, $raw:ident), )*) => {
        /// A command of the vocabulary.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Ins {
            $( $(#[$doc])* $v, )*
        }

        impl Ins {
            /// Every command, in the order of the spec.
            pub const ALL: &'static [Ins] = &[$(Ins::$v,)*];

            /// The instruction byte.
            pub const fn byte(self) -> u8 {
                match self { $(Ins::$v => $ins,)* }
            }

            /// The command's name, as traces and errors show it.
            pub const fn name(self) -> &'static str {
                match self { $(Ins::$v => $name,)* }
            }

            fn class(self) -> Class {
                match self { $(Ins::$v => Class::$class,)* }
            }

            /// What an exchange of this instruction is taken to hold when
            /// nothing else is known of it (a raw command typed by a user or
            /// read from a capture).
            pub const fn raw_sensitivity(self) -> Sensitivity {
                match self { $(Ins::$v => Sensitivity::$raw,)* }
            }
        }
    };
}

vocabulary! {
    /// SELECT `00 A4`.
    Select = (Iso, 0xA4, "SELECT", Plain),
    /// READ RECORD `00 B2`.
    ReadRecord = (Iso, 0xB2, "READ RECORD", PersonalTlv),
    /// READ BINARY `00 B0`.
    ReadBinary = (Iso, 0xB0, "READ BINARY", PersonalBinary),
    /// UPDATE RECORD `00 DC`, or `04 DC` with a MAC.
    UpdateRecord = (IsoOrSm, 0xDC, "UPDATE RECORD", Plain),
    /// UPDATE BINARY `00 D6`.
    UpdateBinary = (Iso, 0xD6, "UPDATE BINARY", Plain),
    /// VERIFY `00 20`.
    Verify = (Iso, 0x20, "VERIFY", SecretCommand),
    /// CHANGE PIN `80 5E` (PBOC).
    ChangePin = (Proprietary, 0x5E, "CHANGE PIN", SecretCommand),
    /// RELOAD PIN `84 5E` (PBOC, with a MAC).
    ReloadPin = (ProprietarySm, 0x5E, "RELOAD PIN", SecretCommand),
    /// UNBLOCK PIN `84 24` (PBOC, with a MAC).
    UnblockPin = (ProprietarySm, 0x24, "UNBLOCK PIN", SecretCommand),
    /// RESET RETRY COUNTER `00 2C` (ISO; not used by the host).
    ResetRetryCounter = (Iso, 0x2C, "RESET RETRY COUNTER", SecretCommand),
    /// GET CHALLENGE `00 84`.
    GetChallenge = (Iso, 0x84, "GET CHALLENGE", Plain),
    /// INTERNAL AUTHENTICATE `00 88`.
    InternalAuthenticate = (Iso, 0x88, "INTERNAL AUTHENTICATE", Plain),
    /// EXTERNAL AUTHENTICATE `00 82`.
    ExternalAuthenticate = (Iso, 0x82, "EXTERNAL AUTHENTICATE", SecretCommand),
    /// INITIALIZE FOR PURCHASE `80 50` (PBOC e-purse).
    InitializeForPurchase = (Proprietary, 0x50, "INITIALIZE FOR PURCHASE", Plain),
    /// DEBIT FOR PURCHASE `80 54` (PBOC e-purse).
    DebitForPurchase = (Proprietary, 0x54, "DEBIT FOR PURCHASE", Plain),
    /// GET BALANCE `80 5C` (PBOC e-purse).
    GetBalance = (Proprietary, 0x5C, "GET BALANCE", Plain),
    /// GET TRANSACTION PROVE `80 5A` (PBOC e-purse).
    GetTransactionProve = (Proprietary, 0x5A, "GET TRANSACTION PROVE", Plain),
    /// GENERATE KEY PAIR `80 40` (PKI).
    GenerateKeyPair = (Proprietary, 0x40, "GENERATE KEY PAIR", Plain),
    /// EXPORT PUBLIC KEY `80 C9` (PKI).
    ExportPublicKey = (Proprietary, 0xC9, "EXPORT PUBLIC KEY", Plain),
    /// SIGN HASH `80 2A 9E 9A` (PKI).
    SignHash = (Proprietary, 0x2A, "SIGN HASH", Plain),
    /// GET PROCESSING OPTIONS `80 A8` (payment).
    GetProcessingOptions = (Proprietary, 0xA8, "GET PROCESSING OPTIONS", PersonalTlv),
    /// GET DATA `80 CA` (payment).
    GetData = (Proprietary, 0xCA, "GET DATA", Plain),
    /// PUT DATA `04 DA` (payment, an issuer script with a MAC).
    PutData = (IsoSm, 0xDA, "PUT DATA", Plain),
    /// GENERATE AC `80 AE` (payment).
    GenerateAc = (Proprietary, 0xAE, "GENERATE AC", Plain),
    /// END PERSONALISATION `80 E6` [design].
    EndPersonalisation = (Proprietary, 0xE6, "END PERSONALISATION", Plain),
    /// WRITE KEY `80 D4` (PBOC; not used by the host).
    WriteKey = (Proprietary, 0xD4, "WRITE KEY", SecretCommand),
    /// GET RESPONSE `00 C0` (T=0).
    GetResponse = (Iso, 0xC0, "GET RESPONSE", PersonalTlv),
    /// PSAM INIT CRYPTO `80 1A` (通用计算初始化).
    InitCrypto = (Proprietary, 0x1A, "INIT CRYPTO", Plain),
    /// PSAM CRYPTO `80 FA` (通用计算).
    Crypto = (Proprietary, 0xFA, "CRYPTO", Plain),
    /// PSAM MAC1 `80 70` (消费 MAC1 计算).
    Mac1 = (Proprietary, 0x70, "MAC1", Plain),
    /// PSAM VERIFY MAC2 `80 72`.
    VerifyMac2 = (Proprietary, 0x72, "VERIFY MAC2", Plain),
}

impl Ins {
    /// The command `cla` `ins` names, if it is in the vocabulary. PSAM and
    /// card commands share this table; which of them a card answers is the
    /// card's own list.
    pub fn of(cla: u8, ins: u8) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|i| i.byte() == ins && i.class().admits(cla))
    }

    /// The class byte the host sends this command with.
    pub fn cla(self) -> u8 {
        match self.class() {
            Class::Iso | Class::IsoOrSm => 0x00,
            Class::Proprietary => 0x80,
            Class::ProprietarySm => 0x84,
            Class::IsoSm => 0x04,
        }
    }

    /// The name of a raw command by its class and instruction: the
    /// vocabulary's name; for another class (a logical channel, another
    /// tool's habits) the name of the one command with that instruction
    /// byte; else `COMMAND`.
    pub fn name_of(cla: u8, ins: u8) -> &'static str {
        if let Some(i) = Self::of(cla, ins) {
            return i.name();
        }
        let mut same = Self::ALL.iter().filter(|i| i.byte() == ins);
        match (same.next(), same.next()) {
            (Some(i), None) => i.name(),
            _ => "COMMAND",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_decodes_to_itself_from_its_own_class() {
        for &i in Ins::ALL {
            assert_eq!(Ins::of(i.cla(), i.byte()), Some(i), "{}", i.name());
        }
    }

    #[test]
    fn the_class_tells_change_from_reload_and_iso_from_proprietary() {
        assert_eq!(Ins::of(0x80, 0x5E), Some(Ins::ChangePin));
        assert_eq!(Ins::of(0x84, 0x5E), Some(Ins::ReloadPin));
        assert_eq!(Ins::of(0x04, 0xDC), Some(Ins::UpdateRecord));
        assert_eq!(Ins::of(0x80, 0xA4), None);
        assert_eq!(Ins::of(0x00, 0x50), None);
        assert_eq!(Ins::name_of(0x01, 0xA4), "SELECT");
        assert_eq!(Ins::name_of(0x00, 0x5E), "COMMAND");
        assert_eq!(Ins::name_of(0x00, 0x99), "COMMAND");
    }

    #[test]
    fn raw_commands_hide_pins_and_personal_answers() {
        let s = |cla, ins| Sensitivity::of_command(&Command::new(cla, ins, 0, 0));
        assert_eq!(s(0x00, 0x20), Sensitivity::SecretCommand);
        assert_eq!(s(0x80, 0x5E), Sensitivity::SecretCommand);
        assert_eq!(s(0x00, 0x2C), Sensitivity::SecretCommand);
        assert_eq!(s(0x80, 0xD4), Sensitivity::SecretCommand);
        assert_eq!(s(0x00, 0x82), Sensitivity::SecretCommand);
        assert_eq!(s(0x00, 0xB2), Sensitivity::PersonalTlv);
        assert_eq!(s(0x00, 0xC0), Sensitivity::PersonalTlv);
        assert_eq!(s(0x80, 0xA8), Sensitivity::PersonalTlv);
        assert_eq!(s(0x00, 0xB0), Sensitivity::PersonalBinary);
        assert_eq!(s(0x00, 0xA4), Sensitivity::Plain);
        assert_eq!(s(0x00, 0x99), Sensitivity::Plain);
    }

    #[test]
    fn instruction_bytes_are_unique_within_a_class() {
        for (n, a) in Ins::ALL.iter().enumerate() {
            for b in &Ins::ALL[n + 1..] {
                assert!(
                    a.byte() != b.byte() || a.cla() != b.cla(),
                    "{} and {}",
                    a.name(),
                    b.name()
                );
            }
        }
    }
}
