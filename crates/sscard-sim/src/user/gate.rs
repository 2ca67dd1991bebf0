//! The user card's one gate, passed before any command's own checks: is
//! the command one this card knows ([`Ins`], the host's own vocabulary),
//! and does its life-cycle state allow it. Access rules of files and keys
//! are the second gate, `UserCard::allowed`, where personalisation may
//! write what is not `never`.

use sscard_apdu::{Ins, StatusWord};

use crate::image::Lifecycle;

/// The commands a user card answers (the PSAM's and GET RESPONSE, which
/// the T=0 layer answers, are not among them).
const ANSWERS: &[Ins] = &[
    Ins::Select,
    Ins::ReadRecord,
    Ins::UpdateRecord,
    Ins::ReadBinary,
    Ins::UpdateBinary,
    Ins::Verify,
    Ins::ChangePin,
    Ins::ReloadPin,
    Ins::UnblockPin,
    Ins::GetChallenge,
    Ins::InternalAuthenticate,
    Ins::ExternalAuthenticate,
    Ins::InitializeForPurchase,
    Ins::DebitForPurchase,
    Ins::GetBalance,
    Ins::GetTransactionProve,
    Ins::GenerateKeyPair,
    Ins::ExportPublicKey,
    Ins::SignHash,
    Ins::GetProcessingOptions,
    Ins::GetData,
    Ins::PutData,
    Ins::GenerateAc,
    Ins::EndPersonalisation,
];

/// Commands that move money or prove the holder: a card still being
/// personalised refuses them (`6985`), since its keys and data are not
/// final [design, after PBOC's life-cycle states].
const ISSUED_ONLY: &[Ins] = &[
    Ins::InitializeForPurchase,
    Ins::DebitForPurchase,
    Ins::GetTransactionProve,
    Ins::GetProcessingOptions,
    Ins::GenerateAc,
    Ins::PutData,
    Ins::SignHash,
];

/// The command of `cla` `ins`, or the status word that refuses it: `6D00`
/// for an instruction the card does not know in a class it does, `6E00`
/// for another class, `6985` for a command its life-cycle state does not
/// allow.
pub(super) fn admit(cla: u8, ins: u8, lifecycle: Lifecycle) -> Result<Ins, StatusWord> {
    let Some(i) = Ins::of(cla, ins).filter(|i| ANSWERS.contains(i)) else {
        return Err(match cla {
            0x00 | 0x04 | 0x80 | 0x84 => StatusWord::InsNotSupported,
            _ => StatusWord::ClaNotSupported,
        });
    };
    if lifecycle == Lifecycle::Personalising && ISSUED_ONLY.contains(&i) {
        return Err(StatusWord::ConditionsNotSatisfied);
    }
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_instructions_and_classes_are_refused_as_iso_says() {
        let issued = Lifecycle::Issued;
        assert_eq!(admit(0x00, 0xA4, issued), Ok(Ins::Select));
        assert_eq!(admit(0x84, 0x5E, issued), Ok(Ins::ReloadPin));
        assert_eq!(admit(0x00, 0xFF, issued), Err(StatusWord::InsNotSupported));
        // A PSAM command is not the user card's.
        assert_eq!(admit(0x80, 0x70, issued), Err(StatusWord::InsNotSupported));
        assert_eq!(admit(0x00, 0xC0, issued), Err(StatusWord::InsNotSupported));
        assert_eq!(admit(0xA0, 0xA4, issued), Err(StatusWord::ClaNotSupported));
    }

    #[test]
    fn a_card_being_personalised_moves_no_money() {
        let p = Lifecycle::Personalising;
        assert_eq!(
            admit(0x80, 0x50, p),
            Err(StatusWord::ConditionsNotSatisfied)
        );
        assert_eq!(
            admit(0x80, 0xA8, p),
            Err(StatusWord::ConditionsNotSatisfied)
        );
        assert_eq!(admit(0x00, 0xDC, p), Ok(Ins::UpdateRecord));
        assert_eq!(admit(0x80, 0xE6, p), Ok(Ins::EndPersonalisation));
        assert_eq!(
            admit(0x80, 0x50, Lifecycle::Issued),
            Ok(Ins::InitializeForPurchase)
        );
    }
}
