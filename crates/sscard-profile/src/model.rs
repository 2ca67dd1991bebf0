//! The checked card model. Everything here has passed the loader's checks:
//! paths resolve, rules name known keys and PINs, elements fit their files.

pub use crate::model_ext::*;
use sscard_apdu::field::Format;

/// User card or PSAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardKind {
    /// A cardholder's social security card.
    User,
    /// A terminal's secure access module.
    Psam,
}

/// The symmetric algorithm a card announces in `9F0C` (spec 01 §1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `01`: DES / 3DES.
    Des,
    /// `02`: SSF33 (classified; reported as unsupported).
    Ssf33,
    /// `03`: SM4.
    Sm4,
}

impl Algorithm {
    /// The crypto scheme of this algorithm; `None` for SSF33, which no
    /// public implementation exists for.
    pub const fn scheme(self) -> Option<sscard_crypto::Scheme> {
        match self {
            Self::Des => Some(sscard_crypto::Scheme::TripleDes),
            Self::Sm4 => Some(sscard_crypto::Scheme::Sm4),
            Self::Ssf33 => None,
        }
    }

    /// The byte in `86 01 xx`.
    pub const fn id(self) -> u8 {
        match self {
            Self::Des => 0x01,
            Self::Ssf33 => 0x02,
            Self::Sm4 => 0x03,
        }
    }
}

/// Card generation, from the first three characters of EF05 tag 03.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Generation {
    /// `1.0` or no version.
    V1,
    /// `2.0`.
    V2,
    /// `3.0`.
    V3,
}

impl Generation {
    /// From a spec version text (`"3.00"`); anything unknown or empty is 1.0.
    pub fn from_spec_version(v: &str) -> Self {
        match v.get(..3) {
            Some("3.0") => Self::V3,
            Some("2.0") => Self::V2,
            _ => Self::V1,
        }
    }
}

/// The card-level facts.
#[derive(Debug, Clone)]
pub struct Card {
    /// Human name of the profile.
    pub name: String,
    /// User card or PSAM.
    pub kind: CardKind,
    /// EF05 tag 03 (`"3.00"`), if the profile writes one.
    pub spec_version: Option<String>,
    /// EF05 tag 02.
    pub card_type: Option<String>,
    /// Symmetric algorithm.
    pub algorithm: Algorithm,
    /// ATR historical bytes.
    pub historical_bytes: Vec<u8>,
}

impl Card {
    /// The ATR: `3B 6X 00 00` (T=0/T=1 default, TB1 and TC1 zero) then the
    /// historical bytes.
    pub fn atr(&self) -> Vec<u8> {
        let mut atr = vec![
            0x3B,
            0x60 | (self.historical_bytes.len() as u8 & 0x0F),
            0x00,
            0x00,
        ];
        atr.extend_from_slice(&self.historical_bytes);
        atr
    }

    /// The generation, from `spec_version`.
    pub fn generation(&self) -> Generation {
        Generation::from_spec_version(self.spec_version.as_deref().unwrap_or(""))
    }
}

/// A PIN and where it applies.
#[derive(Debug, Clone)]
pub struct Pin {
    /// Name used by access rules (`pin:NAME`).
    pub name: String,
    /// The DF path whose files it guards (and everything below).
    pub scope: String,
    /// VERIFY P2.
    pub reference: u8,
    /// Fewest digits.
    pub min_length: u8,
    /// Most digits.
    pub max_length: u8,
    /// Try limit.
    pub tries: u8,
    /// Value at personalisation when the holder record gives none.
    pub default: Option<String>,
    /// Key that unblocks and reloads it.
    pub unblock_key: Option<String>,
}

/// Who manages a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLevel {
    /// Ministry level.
    Ministry,
    /// Province level.
    Province,
    /// City level.
    City,
    /// The issuer (financial application).
    Issuer,
}

/// One row of the key table (spec 01 §1.4).
#[derive(Debug, Clone)]
pub struct Key {
    /// Name (`IRK`, `RKSSSE`, …).
    pub name: String,
    /// Key identifier used as P2 on the card; PSAM-only rows may have none.
    pub id: Option<u8>,
    /// PSAM logical address of version 1 (versions 2 and 3 follow).
    pub address: u16,
    /// Level.
    pub level: KeyLevel,
    /// What it is for.
    pub usage: String,
    /// The version the card holds (1 to 3; `version` in the profile,
    /// default 1): the PSAM address used is `address + version - 1`.
    pub version: u8,
    /// The key's own algorithm where it differs from the card's (the SM4
    /// keys of a financial application on a 3DES card).
    pub scheme: Option<sscard_crypto::Scheme>,
}

impl Key {
    /// The PSAM logical address of the version the card holds.
    pub fn card_address(&self) -> u16 {
        self.address + u16::from(self.version.saturating_sub(1))
    }
}

/// A dedicated file (application or directory).
#[derive(Debug, Clone)]
pub struct Df {
    /// Path, e.g. `SSSE/DF01` (the MF is `MF`).
    pub path: String,
    /// File identifier.
    pub fid: Option<u16>,
    /// DF name (AID), selected with `00 A4 04 00`.
    pub name: Option<Vec<u8>>,
    /// Human label.
    pub label: String,
    /// Whether the FCI carries `A5 { 9F0C { 86 01 xx } }`.
    pub algorithm_template: bool,
    /// SFI of a PSE directory file.
    pub directory_sfi: Option<u8>,
    /// The application maintenance key whose session key MACs the
    /// secure-messaging UPDATE commands of this DF and the DFs below it
    /// (02 §2.3: STK).
    pub maintenance_key: Option<String>,
}

/// An access rule (spec 02 §2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessRule {
    /// Always allowed.
    Free,
    /// Never allowed by a command.
    Never,
    /// A verified PIN: the named one, or the one whose scope holds the file.
    Pin(String),
    /// External authentication with the named key.
    Key(String),
    /// Both.
    PinAndKey(String, String),
    /// Either.
    PinOrKey(String, String),
}

impl AccessRule {
    /// The key the rule can be satisfied with, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::Key(k) | Self::PinAndKey(_, k) | Self::PinOrKey(_, k) => Some(k),
            _ => None,
        }
    }

    /// The PIN the rule can be satisfied with, if any.
    pub fn pin(&self) -> Option<&str> {
        match self {
            Self::Pin(p) | Self::PinAndKey(p, _) | Self::PinOrKey(p, _) => Some(p),
            _ => None,
        }
    }
}

/// How an EF is organised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EfKind {
    /// Records of one simple TLV each, each as long as its element.
    Variable,
    /// Records of one simple TLV each, in fixed-length slots.
    Fixed {
        /// Slot size.
        record_length: usize,
    },
    /// A cyclic log, newest record first.
    Cyclic {
        /// Number of records kept.
        records: u8,
        /// Record size.
        record_length: usize,
    },
    /// A binary file.
    Transparent {
        /// Size in bytes.
        size: usize,
    },
    /// An e-purse account (balance and counter), changed only by debit commands.
    Purse,
    /// A private key object, never readable.
    PrivateKey,
}

impl EfKind {
    /// `true` for the record kinds (READ RECORD applies).
    pub fn is_record(self) -> bool {
        matches!(
            self,
            Self::Variable | Self::Fixed { .. } | Self::Cyclic { .. }
        )
    }
}

/// The format of an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementFormat {
    /// A simple field of spec 01 §1.3.
    Field(Format),
    /// A B-TLV record holding items.
    Btlv,
}

/// A sub-element of a B-TLV element.
#[derive(Debug, Clone)]
pub struct Item {
    /// Tag.
    pub tag: u8,
    /// Name.
    pub name: String,
    /// Value length.
    pub length: usize,
    /// Format.
    pub format: Format,
}

/// A data element: one record of a record file.
#[derive(Debug, Clone)]
pub struct Element {
    /// Tag.
    pub tag: u8,
    /// Record number (the first one for a repeated B-TLV element).
    pub record: u8,
    /// Unique name across the profile (`ssn`, `card_number`).
    pub name: String,
    /// Human label.
    pub label: String,
    /// Value length in bytes (for B-TLV, the items with their headers).
    pub length: usize,
    /// Format.
    pub format: ElementFormat,
    /// Whether it is personal data, masked in logs and default output.
    pub personal: bool,
    /// Where personalisation takes the value from (`holder.ssn`).
    pub source: Option<String>,
    /// How many records a B-TLV element occupies (`40:1`, `40:2`).
    pub occurrences: u8,
    /// B-TLV items.
    pub items: Vec<Item>,
}

/// Formats of the fields of a fixed-layout record (the debit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldFormat {
    /// A spec 01 §1.3 format.
    Plain(Format),
    /// A 4-byte amount in fen.
    Amount,
}

/// A field at a fixed offset of a log record.
#[derive(Debug, Clone)]
pub struct Field {
    /// Name.
    pub name: String,
    /// Offset in the record.
    pub offset: usize,
    /// Length.
    pub length: usize,
    /// Format.
    pub format: FieldFormat,
}

/// Keys of a purse file.
#[derive(Debug, Clone)]
pub struct PurseKeys {
    /// Debit (purchase) key.
    pub debit: String,
    /// TAC key.
    pub tac: String,
    /// Load key.
    pub load: Option<String>,
    /// Balance at personalisation, fen.
    pub initial_balance: u32,
}

/// An elementary file.
#[derive(Debug, Clone)]
pub struct Ef {
    /// Path, e.g. `SSSE/DF01/EF05`.
    pub path: String,
    /// Parent DF path.
    pub df: String,
    /// File identifier.
    pub fid: u16,
    /// Short file identifier.
    pub sfi: Option<u8>,
    /// Organisation.
    pub kind: EfKind,
    /// Read rule.
    pub read: AccessRule,
    /// Update rule.
    pub update: AccessRule,
    /// Human label.
    pub label: String,
    /// Whether the whole file is personal data.
    pub personal: bool,
    /// Data elements (record files).
    pub elements: Vec<Element>,
    /// Record layout (cyclic logs).
    pub fields: Vec<Field>,
    /// Purse keys (purse files).
    pub purse: Option<PurseKeys>,
}

impl Ef {
    /// The spec 05 `pFileAddr` name: parent DF component and EF component
    /// joined, e.g. `SSSEEF05`, `DF01EF06`.
    pub fn address_name(&self) -> String {
        let ef = self.path.rsplit('/').next().unwrap_or("");
        let df = self.df.rsplit('/').next().unwrap_or("");
        format!("{df}{ef}")
    }

    /// The short name used in messages: `DF01/EF05`.
    pub fn short_name(&self) -> String {
        let mut parts: Vec<&str> = self.path.rsplit('/').take(2).collect();
        parts.reverse();
        parts.join("/")
    }

    /// The element with `tag`.
    pub fn element(&self, tag: u8) -> Option<&Element> {
        self.elements.iter().find(|e| e.tag == tag)
    }
}

/// A whole, checked profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The file it came from (for messages).
    pub file: String,
    /// Card-level facts.
    pub card: Card,
    /// PINs.
    pub pins: Vec<Pin>,
    /// Key table.
    pub keys: Vec<Key>,
    /// DFs, parents before children.
    pub dfs: Vec<Df>,
    /// EFs.
    pub efs: Vec<Ef>,
    /// The financial application, if the card has one.
    pub payment: Option<Payment>,
    /// PSAM facts, for a PSAM profile.
    pub psam: Option<Psam>,
    /// The simulated card's behaviour where field cards differ.
    pub variant: Variant,
    /// What the PINs, keys and files are for (`[roles]`).
    pub roles: Roles,
    /// The TOML text it was loaded from (kept so that a card image can
    /// carry the profile it was made from).
    pub source: std::sync::Arc<str>,
    /// SM3 of [`Profile::source`], hex: the profile's identity.
    pub digest: String,
}

impl Profile {
    /// The maintenance key (STK) for a secure-messaging UPDATE of a file in
    /// `df`: the nearest DF at or above it that names one.
    pub fn maintenance_key(&self, df: &str) -> Option<&str> {
        let mut path = df;
        loop {
            if let Some(k) = self.df(path).and_then(|d| d.maintenance_key.as_deref()) {
                return Some(k);
            }
            match path.rsplit_once('/') {
                Some((parent, _)) => path = parent,
                None => return None,
            }
        }
    }

    /// The DF at `path`.
    pub fn df(&self, path: &str) -> Option<&Df> {
        self.dfs.iter().find(|d| d.path == path)
    }

    /// The EF at `path`.
    pub fn ef(&self, path: &str) -> Option<&Ef> {
        self.efs.iter().find(|e| e.path == path)
    }

    /// The EF named in `pFileAddr` style (`SSSEEF05`, `DF01EF06`).
    pub fn ef_by_address(&self, name: &str) -> Option<&Ef> {
        self.efs
            .iter()
            .find(|e| e.address_name().eq_ignore_ascii_case(name))
    }

    /// The key named `name`.
    pub fn key(&self, name: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// The key with card identifier `id`.
    pub fn key_by_id(&self, id: u8) -> Option<&Key> {
        self.keys.iter().find(|k| k.id == Some(id))
    }

    /// The key at PSAM address `address` and its version: an exact match is
    /// version 1; otherwise the nearest key below within two addresses
    /// (versions 2 and 3), unless another row sits there.
    pub fn key_by_address(&self, address: u16) -> Option<(&Key, u8)> {
        if let Some(k) = self.keys.iter().find(|k| k.address == address) {
            return Some((k, 1));
        }
        self.keys
            .iter()
            .filter_map(|k| {
                let v = address.checked_sub(k.address)?;
                (v < 3).then_some((k, v as u8 + 1))
            })
            .min_by_key(|(_, v)| *v)
    }

    /// The PIN named `name`.
    pub fn pin(&self, name: &str) -> Option<&Pin> {
        self.pins.iter().find(|p| p.name == name)
    }

    /// The element named `name`, with its file.
    pub fn element(&self, name: &str) -> Option<(&Ef, &Element)> {
        self.efs
            .iter()
            .find_map(|ef| ef.elements.iter().find(|e| e.name == name).map(|e| (ef, e)))
    }

    /// Whether the card has a DF at `path` (e.g. `PKI`).
    pub fn has_application(&self, path: &str) -> bool {
        self.df(path).is_some()
    }

    /// The DFs directly under `parent` (`MF` for top-level applications).
    pub fn children(&self, parent: &str) -> impl Iterator<Item = &Df> {
        let parent = parent.to_owned();
        self.dfs
            .iter()
            .filter(move |d| parent_of(&d.path) == parent)
    }
}

/// The parent DF path of a DF or EF path (`MF` for top-level ones; empty for `MF`).
pub fn parent_of(path: &str) -> &str {
    match path {
        "MF" => "",
        p => p.rsplit_once('/').map_or("MF", |(parent, _)| parent),
    }
}
