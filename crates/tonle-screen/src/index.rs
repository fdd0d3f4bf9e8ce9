//! The in-memory index of the loaded lists: every name normalised once, its tokens' phonetic keys (and those
//! of adjacent tokens joined, for "Jin Ping" against "Jinping", and the first three letters of long tokens,
//! for a misspelt one) posted to the names holding them, each key weighed by how rare it is; crypto
//! addresses by their normalised form.

use rustc_hash::FxHashMap;

use crate::entity::{ListEntity, NameKind, Schema};
use crate::normalize::{loose_legal_forms, normalize, phonetic};

/// Keys held by more names than this are too common to find candidates by (when rarer ones are there).
pub const COMMON_KEY: usize = 2_000;

/// The weight of a legal form ("ltd", "llc", "jsc"...): compared, so that a misspelt one pairs with the
/// listed one, but worth little either way.
pub const LEGAL_FORM_WEIGHT: f32 = 0.5;

/// One listed name, normalised.
#[derive(Debug, Clone)]
pub struct IndexedName {
    /// Its entity (index into [`Index::entities`]).
    pub entity: u32,
    /// Which of the entity's names it is.
    pub name: u32,
    /// Its kind.
    pub kind: NameKind,
    /// Its tokens: the name's, then its legal forms.
    pub tokens: Vec<Box<str>>,
    /// How many of the tokens are the name's (the rest are legal forms).
    pub name_tokens: usize,
    /// Each token's phonetic key.
    pub keys: Vec<Box<str>>,
    /// Each token's weight ([`Index::weight`]; 1 for an initial).
    pub weights: Vec<f32>,
}

/// The index over loaded lists.
#[derive(Debug, Default)]
pub struct Index {
    entities: Vec<ListEntity>,
    names: Vec<IndexedName>,
    /// Phonetic key -> the names holding it (ascending, each once).
    postings: FxHashMap<Box<str>, Vec<u32>>,
    /// Normalised crypto address -> the entities listing it.
    addresses: FxHashMap<String, Vec<u32>>,
}

impl Index {
    /// Indexes entities (ids should be unique; a repeated id is kept as listed).
    pub fn new(entities: Vec<ListEntity>) -> Index {
        let mut index = Index { entities, ..Index::default() };
        for (e, entity) in index.entities.iter().enumerate() {
            for address in &entity.addresses {
                index.addresses.entry(normalize_address(&address.address)).or_default().push(e as u32);
            }
            for (n, name) in entity.names.iter().enumerate() {
                let mut normalized = normalize(&natural_order(&name.text, entity.schema));
                loose_legal_forms(&mut normalized);
                if normalized.tokens.is_empty() {
                    continue;
                }
                let name_tokens = normalized.tokens.len();
                let mut tokens = normalized.tokens;
                let keys: Vec<Box<str>> = tokens.iter().map(|t| phonetic(t).into_boxed_str()).collect();
                let id = index.names.len() as u32;
                for key in keys.iter().cloned().chain(joined_keys(&tokens)).chain(prefix_keys(&tokens)) {
                    let list = index.postings.entry(key).or_default();
                    if list.last() != Some(&id) {
                        list.push(id);
                    }
                }
                // Legal forms are compared but find no candidates (they would find thousands).
                let mut keys = keys;
                keys.extend(normalized.legal_forms.iter().map(|f| phonetic(f).into_boxed_str()));
                tokens.extend(normalized.legal_forms);
                index.names.push(IndexedName {
                    entity: e as u32,
                    name: n as u32,
                    kind: name.kind,
                    tokens: tokens.into_iter().map(String::into_boxed_str).collect(),
                    name_tokens,
                    keys,
                    weights: Vec::new(),
                });
            }
        }
        // Weights depend on every name's keys: a second pass.
        let weights: Vec<Vec<f32>> = index
            .names
            .iter()
            .map(|name| {
                name.tokens
                    .iter()
                    .zip(&name.keys)
                    .enumerate()
                    .map(|(t, (token, key))| match t >= name.name_tokens {
                        true => LEGAL_FORM_WEIGHT,
                        false if token.len() == 1 => 1.0,
                        false => index.weight(key) as f32,
                    })
                    .collect()
            })
            .collect();
        for (name, weights) in index.names.iter_mut().zip(weights) {
            name.weights = weights;
        }
        index
    }

    /// The entities, in load order.
    pub fn entities(&self) -> &[ListEntity] {
        &self.entities
    }

    /// The indexed names.
    pub fn names(&self) -> &[IndexedName] {
        &self.names
    }

    /// The names holding a phonetic key.
    pub fn postings(&self, key: &str) -> &[u32] {
        self.postings.get(key).map_or(&[], Vec::as_slice)
    }

    /// How much a token with this key says about a name: more the rarer it is among the listed names
    /// (1 for a key every name holds, up to about 1 + ln(names) for one no name holds).
    pub fn weight(&self, key: &str) -> f64 {
        let held = self.postings(key).len() as f64;
        1.0 + ((self.names.len() as f64 + 1.0) / (held + 1.0)).ln()
    }

    /// The entities listing a crypto address (exactly, after [`normalize_address`]).
    pub fn address(&self, address: &str) -> &[u32] {
        // Every transaction's accounts are looked up: without listed addresses, nothing to normalise.
        if self.addresses.is_empty() {
            return &[];
        }
        self.addresses.get(&normalize_address(address)).map_or(&[], Vec::as_slice)
    }
}

/// A person's name as lists write it, "LAST, First Middle", put in natural order ("First Middle LAST"), so
/// that its middle names are in the middle; other names as they are.
pub fn natural_order(text: &str, schema: Schema) -> std::borrow::Cow<'_, str> {
    match (schema, text.split_once(',')) {
        (Schema::Person, Some((last, first))) if !first.contains(',') && !first.trim().is_empty() => {
            format!("{} {}", first.trim(), last.trim()).into()
        }
        _ => text.into(),
    }
}

/// The keys of adjacent tokens joined ("jin" + "ping" -> the key of "jinping").
pub fn joined_keys<S: AsRef<str>>(tokens: &[S]) -> impl Iterator<Item = Box<str>> + '_ {
    tokens.windows(2).map(|pair| phonetic(&format!("{}{}", pair[0].as_ref(), pair[1].as_ref())).into_boxed_str())
}

/// The keys that find a misspelt token: its first three letters (for tokens of five letters or more), marked
/// so that they never equal a phonetic key.
pub fn prefix_keys(tokens: &[String]) -> impl Iterator<Item = Box<str>> + '_ {
    tokens.iter().filter_map(|t| prefix_key(t))
}

/// The prefix key of one token ([`prefix_keys`]).
pub fn prefix_key(token: &str) -> Option<Box<str>> {
    (token.len() >= 5 && token.is_ascii()).then(|| format!("^{}", &token[..3]).into_boxed_str())
}

/// A crypto address as compared: hexadecimal (EVM) addresses in lower case, others as written (base58 and
/// bech32 are compared exactly), without surrounding space.
pub fn normalize_address(address: &str) -> String {
    let address = address.trim();
    if address.len() > 2 && (address.starts_with("0x") || address.starts_with("0X")) {
        address.to_ascii_lowercase()
    } else {
        address.to_owned()
    }
}
