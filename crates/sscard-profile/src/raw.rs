//! The TOML as written, with spans for error messages. `load` turns it into
//! the checked model of `model`.

use serde::Deserialize;
use toml::Spanned;

pub(crate) type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Profile {
    pub format: S<u32>,
    pub card: Card,
    #[serde(default)]
    pub pin: Vec<Pin>,
    #[serde(default)]
    pub key: Vec<Key>,
    #[serde(default)]
    pub df: Vec<Df>,
    #[serde(default)]
    pub ef: Vec<Ef>,
    pub payment: Option<Payment>,
    pub psam: Option<Psam>,
    pub variant: Option<Variant>,
    pub roles: Option<Roles>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct Roles {
    pub holder_pin: Option<S<String>>,
    pub internal_key: Option<S<String>>,
    pub application_key: Option<S<String>>,
    pub pki_user_pin: Option<S<String>>,
    pub pki_admin_pin: Option<S<String>>,
    pub signing_certificate: Option<S<String>>,
    pub signing_public_key: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Variant {
    pub record_order: Option<S<String>>,
    pub text_padding: Option<S<String>>,
    pub transport: Option<S<String>>,
    pub record_lengths: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Card {
    pub name: String,
    pub kind: S<String>,
    pub spec_version: Option<S<String>>,
    pub card_type: Option<S<String>>,
    pub algorithm: S<String>,
    pub historical_bytes: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Pin {
    pub name: S<String>,
    pub scope: S<String>,
    pub reference: S<String>,
    pub min_length: S<u8>,
    pub max_length: S<u8>,
    pub tries: S<u8>,
    pub default: Option<S<String>>,
    pub unblock_key: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Key {
    pub name: S<String>,
    pub id: Option<S<String>>,
    pub address: S<String>,
    pub level: S<String>,
    #[serde(rename = "use", default)]
    pub usage: String,
    #[serde(default)]
    pub version: Option<S<u8>>,
    #[serde(default)]
    pub algorithm: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Df {
    pub path: S<String>,
    pub fid: Option<S<String>>,
    pub name: Option<S<String>>,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub algorithm_template: bool,
    pub directory_sfi: Option<S<u8>>,
    pub maintenance_key: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Ef {
    pub path: S<String>,
    pub fid: S<String>,
    pub sfi: Option<S<u8>>,
    pub kind: S<String>,
    pub read: S<String>,
    pub update: S<String>,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub personal: bool,
    pub size: Option<S<usize>>,
    pub records: Option<S<u8>>,
    pub record_length: Option<S<usize>>,
    #[serde(default)]
    pub element: Vec<Element>,
    #[serde(default)]
    pub field: Vec<Field>,
    pub debit_key: Option<S<String>>,
    pub tac_key: Option<S<String>>,
    pub load_key: Option<S<String>>,
    pub initial_balance: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Element {
    pub tag: S<String>,
    pub record: Option<S<u8>>,
    pub name: S<String>,
    #[serde(default)]
    pub label: String,
    pub length: Option<S<usize>>,
    pub format: S<String>,
    #[serde(default)]
    pub personal: bool,
    pub source: Option<String>,
    pub occurrences: Option<S<u8>>,
    #[serde(default)]
    pub item: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Item {
    pub tag: S<String>,
    pub name: S<String>,
    pub length: S<usize>,
    pub format: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Field {
    pub name: S<String>,
    pub length: S<usize>,
    pub format: S<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Payment {
    pub application: S<String>,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub priority: u8,
    pub pdol: S<String>,
    pub cdol1: Option<S<String>>,
    pub aip: S<String>,
    pub ca_index: S<String>,
    pub rid: S<String>,
    pub country: S<String>,
    pub currency: S<String>,
    pub ac_key: S<String>,
    pub mac_key: S<String>,
    #[serde(default = "yes")]
    pub gpo_sends_cid: bool,
    #[serde(default)]
    pub records_after_gpo: bool,
    #[serde(default)]
    pub afl: Vec<Afl>,
    #[serde(default)]
    pub record: Vec<PayRecord>,
    pub ecash: Ecash,
    #[serde(default)]
    pub tag: Vec<PayTag>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Afl {
    pub sfi: S<u8>,
    pub first: S<u8>,
    pub last: S<u8>,
    pub signed: S<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PayRecord {
    pub sfi: S<u8>,
    pub number: S<u8>,
    pub tags: Vec<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Ecash {
    pub balance: u32,
    pub balance_limit: u32,
    pub single_limit: u32,
    pub reset_threshold: u32,
    pub log_sfi: S<u8>,
    pub log_records: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PayTag {
    pub tag: S<String>,
    pub name: S<String>,
    pub format: S<String>,
    pub length: usize,
    #[serde(default)]
    pub personal: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Psam {
    pub environment: Vec<KeyEnvironment>,
    pub terminal_number_sfi: S<u8>,
    pub terminal_number: S<String>,
    pub debit_key: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeyEnvironment {
    pub algorithm: S<String>,
    pub key_df: S<String>,
}
