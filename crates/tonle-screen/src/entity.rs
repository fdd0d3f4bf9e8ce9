//! What a list holds: entities (people, organisations, vessels, aircraft) with their names, qualifiers
//! (birth dates, countries) and crypto addresses, whatever list format they came from.

use serde::{Deserialize, Serialize};

/// One listed entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListEntity {
    /// Unique over every list loaded: the list's prefix and its own id (`ofac:36`, `un:QDi.001`,
    /// `os:NK-2xv...`, `csv:watch.csv:17`).
    pub id: String,
    /// The list it came from, for people (`OFAC SDN`, `UN SC`, `OpenSanctions`, or the CSV file's name).
    pub source: String,
    /// What kind of entity it is.
    pub schema: Schema,
    /// Its names: the primary name first.
    pub names: Vec<ListName>,
    /// Birth dates (people), as precise as the list gives them.
    pub birth_dates: Vec<PartialDate>,
    /// Countries tied to it (nationality, citizenship, registration, address), ISO 3166-1 alpha-2, upper case.
    pub countries: Vec<String>,
    /// Sanctions programmes or list reasons (`SDGT`, `DPRK3`, ...).
    pub programs: Vec<String>,
    /// Crypto addresses listed for it.
    pub addresses: Vec<CryptoAddress>,
}

impl ListEntity {
    /// An entity with an id, a source and a kind, and nothing else yet.
    pub fn new(id: String, source: &str, schema: Schema) -> ListEntity {
        ListEntity {
            id,
            source: source.to_owned(),
            schema,
            names: Vec::new(),
            birth_dates: Vec::new(),
            countries: Vec::new(),
            programs: Vec::new(),
            addresses: Vec::new(),
        }
    }
}

impl ListName {
    /// A primary name.
    pub fn primary(text: String) -> ListName {
        ListName { text, kind: NameKind::Primary }
    }
}

/// The kind of a listed entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schema {
    /// A natural person.
    Person,
    /// A company, organisation, group or other legal entity.
    Organization,
    /// A ship.
    Vessel,
    /// An aircraft.
    Aircraft,
    /// Not said.
    Unknown,
}

impl Schema {
    /// A kind as lists, queries and the command line write it (any case): `person` or `individual`,
    /// `organization`, `organisation`, `company`, `entity` or `legalentity`, `vessel`, `aircraft` or
    /// `airplane`; `unknown` or nothing for [`Schema::Unknown`]. `None` for anything else.
    pub fn parse(text: &str) -> Option<Schema> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "" | "unknown" => Schema::Unknown,
            "person" | "individual" => Schema::Person,
            "organization" | "organisation" | "company" | "entity" | "legalentity" => Schema::Organization,
            "vessel" => Schema::Vessel,
            "aircraft" | "airplane" => Schema::Aircraft,
            _ => return None,
        })
    }

    /// A known kind of a query (person, organization, vessel or aircraft), or why the text is none.
    pub fn parse_known(text: &str) -> Result<Schema, String> {
        match Schema::parse(text) {
            Some(Schema::Unknown) | None => {
                Err(format!("unknown schema {text:?}: person, organization, vessel or aircraft"))
            }
            Some(schema) => Ok(schema),
        }
    }
}

/// One name of an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListName {
    /// As the list writes it.
    pub text: String,
    /// Primary name, alias, weak alias...
    pub kind: NameKind,
}

/// How strongly a list stands behind a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NameKind {
    /// The entity's main name.
    Primary,
    /// A strong alias (OFAC "a.k.a.", "f.k.a.", "n.k.a."; UN good-quality aliases; FtM `alias`).
    Alias,
    /// A weak alias: a nickname or a low-quality alias (OFAC "weak a.k.a."; UN low quality; FtM
    /// `weakAlias`). Matches on it alone count for less.
    Weak,
    /// The name in its original script (UN `NAME_ORIGINAL_SCRIPT`).
    Original,
}

/// A date that may be only a year, or a year and month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartialDate {
    /// The year.
    pub year: i32,
    /// The month (1-12), if known.
    pub month: Option<u8>,
    /// The day (1-31), if known.
    pub day: Option<u8>,
}

/// A crypto address listed for an entity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CryptoAddress {
    /// The chain, inferred from the address's format (the list's currency tag when the format says nothing).
    pub chain: Chain,
    /// The address, as listed (case kept: base58 and bech32 are case-sensitive or case-fixed).
    pub address: String,
}

/// A blockchain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Chain {
    /// Bitcoin (P2PKH `1...`, P2SH `3...`, bech32 `bc1...`).
    Bitcoin,
    /// Ethereum and EVM chains (`0x` and 40 hex digits).
    Ethereum,
    /// Tron (`T` and 33 base58 characters).
    Tron,
    /// Litecoin.
    Litecoin,
    /// Bitcoin Cash.
    BitcoinCash,
    /// Monero.
    Monero,
    /// Zcash.
    Zcash,
    /// Dash.
    Dash,
    /// Ethereum Classic.
    EthereumClassic,
    /// Bitcoin SV.
    BitcoinSv,
    /// Another chain, by the list's tag.
    Other(String),
}
