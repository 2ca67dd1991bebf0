//! The model of the financial application, the PSAM's facts and the
//! simulated card's variant: the parts of a [`crate::Profile`] beyond the
//! social-security files.

use sscard_apdu::dol::Dol;
use sscard_apdu::field::Format;

/// An AFL entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AflEntry {
    /// SFI.
    pub sfi: u8,
    /// First record.
    pub first: u8,
    /// Last record.
    pub last: u8,
    /// How many records from `first` offline data authentication covers.
    pub signed: u8,
}

/// A record of the financial application and the tags it holds.
#[derive(Debug, Clone)]
pub struct PayRecord {
    /// SFI.
    pub sfi: u8,
    /// Record number.
    pub number: u8,
    /// Tags in order.
    pub tags: Vec<u32>,
}

/// A tag of the financial application the terminal reads.
#[derive(Debug, Clone)]
pub struct PayTag {
    /// Tag.
    pub tag: u32,
    /// Name.
    pub name: String,
    /// Format.
    pub format: Format,
    /// Length.
    pub length: usize,
    /// Personal data.
    pub personal: bool,
}

/// Electronic cash parameters (spec 04 §4.4).
#[derive(Debug, Clone, Copy)]
pub struct Ecash {
    /// `9F79` at personalisation, fen.
    pub balance: u32,
    /// `9F77`.
    pub balance_limit: u32,
    /// `9F78`.
    pub single_limit: u32,
    /// `9F6D`.
    pub reset_threshold: u32,
    /// SFI of the transaction log.
    pub log_sfi: u8,
    /// Records in the log.
    pub log_records: u8,
}

/// The financial application (spec 04).
#[derive(Debug, Clone)]
pub struct Payment {
    /// DF path of the application.
    pub application: String,
    /// `50` label.
    pub label: String,
    /// `87` priority.
    pub priority: u8,
    /// `9F38` PDOL.
    pub pdol: Dol,
    /// CDOL1 (`8C`): what GENERATE AC carries, for the online path (the
    /// e-cash load's ARQC). Written into the records when set.
    pub cdol1: Option<Dol>,
    /// `82` AIP.
    pub aip: [u8; 2],
    /// `8F` CA public key index.
    pub ca_index: u8,
    /// RID of the CA key list.
    pub rid: Vec<u8>,
    /// `9F1A`/`5F28` country code.
    pub country: [u8; 2],
    /// `5F2A` currency code.
    pub currency: [u8; 2],
    /// Key for application cryptograms.
    pub ac_key: String,
    /// Key for issuer script MACs.
    pub mac_key: String,
    /// Whether the GPO answer carries the cryptogram information data
    /// `9F27` [design: a card variant]: many qPBOC cards leave it out and
    /// give the cryptogram type in `9F10` only.
    pub gpo_sends_cid: bool,
    /// [design: a card variant] The card refuses READ RECORD in the
    /// financial application before GET PROCESSING OPTIONS (`6985`).
    pub records_after_gpo: bool,
    /// AFL.
    pub afl: Vec<AflEntry>,
    /// Records.
    pub records: Vec<PayRecord>,
    /// Electronic cash.
    pub ecash: Ecash,
    /// Tags with formats.
    pub tags: Vec<PayTag>,
}

impl Payment {
    /// The AFL as `94` encodes it.
    pub fn afl_bytes(&self) -> Vec<u8> {
        self.afl
            .iter()
            .flat_map(|a| [a.sfi << 3, a.first, a.last, a.signed])
            .collect()
    }
}

/// The PSAM's own facts.
#[derive(Debug, Clone)]
pub struct Psam {
    /// One key environment per algorithm the PSAM holds keys for.
    pub environments: Vec<KeyEnvironment>,
    /// SFI of the terminal number file (`16`).
    pub terminal_number_sfi: u8,
    /// Terminal number, 6 bytes BCD.
    pub terminal_number: [u8; 6],
    /// The purchase master key MAC1 is computed under (`DPK`); its
    /// version picks the slot after it.
    pub debit_key: String,
}

/// A PSAM's key environment: the DF holding the keys of one algorithm
/// (02 §2.5: the DES keys in `DF01` [public]; the SM4 one elsewhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyEnvironment {
    /// The algorithm of its keys.
    pub scheme: sscard_crypto::Scheme,
    /// The FID selected before using them.
    pub key_df: u16,
}

impl Psam {
    /// The key environment for `scheme`, if the PSAM has one.
    pub fn environment(&self, scheme: sscard_crypto::Scheme) -> Option<&KeyEnvironment> {
        self.environments.iter().find(|e| e.scheme == scheme)
    }
}

/// How a simulated card of this model behaves where the cards in the
/// field differ (spec README "Strictness"): the host must read every
/// variant the same. The `[variant]` table; every field has a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Variant {
    /// Records of record files stored in reverse order of the profile's
    /// record numbers (EF05, EF06 permuted as some vendors do).
    pub records_reversed: bool,
    /// The byte that fills `an` fields: `00` (default), `20` or `FF`.
    pub text_padding: u8,
    /// A T=0 card: data behind `61xx` and GET RESPONSE, `6Cxx` for a wrong Le.
    pub t0: bool,
    /// The financial application's records written with non-minimal BER
    /// lengths (`81 LL` for every length), as some issuers' data preparation
    /// does: the static data signed is the bytes as stored.
    pub long_lengths: bool,
}

/// What the profile's PINs, keys and files are for (`[roles]`): the names
/// the host and the simulator look up instead of hard-coding them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles {
    /// The cardholder PIN of the social-security application (`holder`).
    pub holder_pin: String,
    /// The key whose answer proves the card genuine (`IRK`).
    pub internal_key: String,
    /// The application key that guards the holder's protected data and
    /// whose absence in a PSAM is -2203 (`RKSSSE`).
    pub application_key: String,
    /// The PKI application's roles, when the card has one.
    pub pki: Option<PkiRoles>,
}

/// The PKI application's roles (spec 03).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiRoles {
    /// The PIN SIGN HASH needs (`pki_user`).
    pub user_pin: String,
    /// The PIN GENERATE KEY PAIR and certificate writes need (`pki_admin`).
    pub admin_pin: String,
    /// The signing certificate's EF (`PKI/ADF1/0018`).
    pub signing_certificate: String,
    /// The signing public key's EF (`PKI/ADF1/0012`).
    pub signing_public_key: String,
}

/// The public cards' names: `holder`, `IRK`, `RKSSSE`, no PKI.
impl Default for Roles {
    fn default() -> Self {
        Self {
            holder_pin: "holder".into(),
            internal_key: "IRK".into(),
            application_key: "RKSSSE".into(),
            pki: None,
        }
    }
}

impl PkiRoles {
    /// The PKI application: the DF of the signing certificate.
    pub fn application(&self) -> &str {
        crate::model::parent_of(&self.signing_certificate)
    }
}
