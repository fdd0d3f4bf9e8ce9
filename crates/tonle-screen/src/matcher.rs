//! Screening: a query name (with what else is known: entity type, birth date, country) against the index.
//!
//! 1. **Candidates.** The query's tokens are normalised and keyed phonetically (adjacent tokens joined too,
//!    and a token no listed name holds by its first three letters);
//!    the names holding those keys are candidates, each with the weight of the keys it shares. Keys held by
//!    more than [`COMMON_KEY`] names find no candidates when rarer keys do. The best
//!    [`MAX_CANDIDATES`] names sharing at least a third of the query's weight are scored.
//! 2. **Name parts.** Each query token is aligned with at most one listed token (or two adjacent listed
//!    tokens that it joins, and the other way round), best pairs first: the same token scores 1; the same
//!    phonetic key 0.92 (0.8 when one of them has four letters or fewer), provided the two are spelt alike
//!    enough (Jaro-Winkler at least [`PHONETIC_SPELLING`], the shorter at least [`PHONETIC_LENGTHS`] of the
//!    longer's length, unless one is all consonants or the query was written in Arabic script) and the
//!    listed one is not a two-letter abbreviation; an initial against a name starting with it 0.75; a
//!    joined pair 0.97; else (both of four letters or more, the shorter at least [`SIMILAR_LENGTHS`] of the
//!    longer) Jaro-Winkler times 0.95 when at least 0.80. The name score is the weighted share of the
//!    query's tokens matched (weights by rarity; an initial weighs 1, a legal form 0.5), with the listed
//!    name's unmatched tokens counting against it: fully at its ends, by [`MIDDLE_NAME`] in a person's
//!    middle (a missing middle name costs little) and by [`MIDDLE_WORD`] in a company's or vessel's.
//! 3. **Qualifiers.** A weak alias scores 0.9 of its value. Then: a birth date that agrees adds 0.03 (the same
//!    day) or 0.02 (the same year); one that disagrees by more than a year takes 0.15 away; a country that
//!    agrees adds 0.02, one that disagrees takes 0.05; another entity type (a person against a company)
//!    takes 0.15. The score is kept within 0 and 1.
//! 4. Hits at or above the threshold ([`DEFAULT_THRESHOLD`] unless set), best first, one per entity (its
//!    best-scoring name), each with its explanation; pairs on the allow list are left out.

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::entity::{ListEntity, NameKind, PartialDate, Schema};
use crate::index::{joined_keys, prefix_key, Index, IndexedName, COMMON_KEY, LEGAL_FORM_WEIGHT};
use crate::normalize::{loose_legal_forms, normalize, phonetic};

/// The score from which a match is reported. Chosen so that a full name with one misspelt part, or
/// missing a middle name, still reports, while two unrelated names sharing one common part do not.
pub const DEFAULT_THRESHOLD: f64 = 0.85;

/// The longest query name screened, in characters: a longer one is screened on its first this many (no
/// real name comes near it, and normalising megabytes would hold up every query behind it).
pub const MAX_NAME_CHARS: usize = 1_000;

/// What an unmatched middle part of a listed name counts for, as a share of its weight.
pub const MIDDLE_NAME: f64 = 0.15;

/// What an unmatched middle word of a company's (vessel's, aircraft's) listed name counts for, as a share of
/// its weight: more than a person's middle name, less than a word at either end (aliases drop words).
pub const MIDDLE_WORD: f64 = 0.5;

/// The shorter of two parts paired as sounding alike must be at least this share of the longer's length
/// (Arabic "bn" and "bin" pair, "jun" and "jinee" do not).
pub const PHONETIC_LENGTHS: f64 = 0.65;

/// The shorter of two parts paired as misspelt must be at least this share of the longer's length.
pub const SIMILAR_LENGTHS: f64 = 0.75;

/// How alike (Jaro-Winkler) two parts with the same phonetic key must be spelt to pair as sounding alike.
pub const PHONETIC_SPELLING: f64 = 0.5;

/// The most candidate names scored per query.
pub const MAX_CANDIDATES: usize = 64;

/// What is screened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// The name, in any script.
    pub name: String,
    /// The entity type, if known.
    pub schema: Option<Schema>,
    /// The birth date, if known (people).
    pub birth_date: Option<PartialDate>,
    /// A country tied to the party (ISO 3166-1 alpha-2), if known.
    pub country: Option<String>,
}

/// One listed entity matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// The entity's id.
    pub entity_id: String,
    /// The score, 0 to 1.
    pub score: f64,
    /// Why.
    pub explanation: Explanation,
}

/// Why an entity matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The listed name that matched best, as listed.
    pub listed_name: String,
    /// Its kind (primary, alias, weak alias, original script).
    pub name_kind: NameKind,
    /// The query's tokens, normalised.
    pub query_tokens: Vec<String>,
    /// Each aligned pair of name parts.
    pub parts: Vec<PartMatch>,
    /// Query tokens left unmatched.
    pub unmatched_query: Vec<String>,
    /// Listed tokens left unmatched.
    pub unmatched_listed: Vec<String>,
    /// The score of the names alone.
    pub name_score: f64,
    /// What moved the score after the names.
    pub qualifiers: Vec<Qualifier>,
}

/// One query token aligned with a listed one (or a joined pair).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartMatch {
    /// The query's token (or two joined with a space).
    pub query: String,
    /// The listed token (or two joined with a space).
    pub listed: String,
    /// How alike, 0 to 1.
    pub score: f64,
    /// How they were found alike.
    pub how: PartHow,
}

/// How two name parts were found alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartHow {
    /// The same token.
    Exact,
    /// The same phonetic key.
    Phonetic,
    /// Close in spelling (Jaro-Winkler).
    Similar,
    /// An initial and a name starting with it.
    Initial,
    /// One token is the other side's two adjacent tokens joined.
    Joined,
}

/// A qualifier that moved a score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Qualifier {
    /// `birth_date`, `country`, `schema` or `weak_alias`.
    pub what: &'static str,
    /// How much it added (negative: took away).
    pub effect: f64,
    /// What was compared.
    pub detail: String,
}

/// Confirmed false positives: a (normalised query name, entity id) pair an institution has cleared.
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    pairs: FxHashSet<(String, String)>,
}

impl AllowList {
    /// Clears `entity_id` for the name `name` (compared normalised, in any token order).
    pub fn allow(&mut self, name: &str, entity_id: &str) {
        self.pairs.insert((name_key(name), entity_id.to_owned()));
    }

    /// Whether the pair is cleared.
    pub fn allows(&self, name: &str, entity_id: &str) -> bool {
        !self.pairs.is_empty() && self.pairs.contains(&(name_key(name), entity_id.to_owned()))
    }

    /// Cleared pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether nothing is cleared.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// A name's tokens, sorted and joined: the same for every order and spelling of punctuation.
fn name_key(name: &str) -> String {
    let mut tokens = normalize(name).tokens;
    tokens.sort();
    tokens.join(" ")
}

/// Screens queries against an index.
#[derive(Debug)]
pub struct Matcher {
    index: Index,
    threshold: f64,
    allow: AllowList,
}

impl Matcher {
    /// A matcher over an index, at the default threshold, with nothing allowed.
    pub fn new(index: Index) -> Matcher {
        Matcher { index, threshold: DEFAULT_THRESHOLD, allow: AllowList::default() }
    }

    /// Reports matches from `threshold` (0 to 1) on.
    pub fn with_threshold(mut self, threshold: f64) -> Matcher {
        self.threshold = threshold.clamp(0.0, 1.0);
        self
    }

    /// Leaves out the pairs an institution has cleared.
    pub fn with_allow_list(mut self, allow: AllowList) -> Matcher {
        self.allow = allow;
        self
    }

    /// The index.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The threshold.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The entities listing a crypto address, exactly.
    pub fn screen_address(&self, address: &str) -> Vec<&ListEntity> {
        self.index.address(address).iter().map(|&e| &self.index.entities()[e as usize]).collect()
    }

    /// The entities matching a query at or above the threshold, best first, one hit per entity.
    pub fn screen(&self, query: &Query) -> Vec<Hit> {
        self.screen_at(query, self.threshold)
    }

    /// [`Matcher::screen`] at another threshold (0 to 1).
    pub fn screen_at(&self, query: &Query, threshold: f64) -> Vec<Hit> {
        let name = match query.name.char_indices().nth(MAX_NAME_CHARS) {
            Some((end, _)) => &query.name[..end],
            None => query.name.as_str(),
        };
        let mut normalized = normalize(name);
        if normalized.tokens.is_empty() {
            return Vec::new();
        }
        loose_legal_forms(&mut normalized);
        let name_tokens = normalized.tokens.len();
        let tokens: Vec<&str> = normalized.tokens.iter().chain(&normalized.legal_forms).map(String::as_str).collect();
        let keys: Vec<Box<str>> = tokens.iter().map(|t| phonetic(t).into_boxed_str()).collect();
        let side = Side {
            unvowelled: normalized.scripts.contains(&crate::translit::Script::Arabic),
            weights: tokens
                .iter()
                .zip(&keys)
                .enumerate()
                .map(|(t, (token, key))| match t >= name_tokens {
                    true => f64::from(LEGAL_FORM_WEIGHT),
                    false => token_weight(&self.index, token, key),
                })
                .collect(),
            name_tokens,
            tokens,
            keys: keys.iter().map(|k| k.as_ref()).collect(),
        };
        // Per entity: its best name's score and alignment, kept while scoring, explained once at the end.
        let mut best: FxHashMap<u32, (f64, u32, Scored)> = FxHashMap::default();
        for name_id in self.candidates(&side) {
            let listed = &self.index.names()[name_id as usize];
            if best.get(&listed.entity).is_some_and(|(score, _, _)| *score >= 1.0) {
                continue;
            }
            let entity = &self.index.entities()[listed.entity as usize];
            let person = matches!(entity.schema, Schema::Person | Schema::Unknown);
            let Some(scored) = score_name(&side, listed, person) else { continue };
            let score =
                (scored.name_score + qualify(query, entity, listed.kind, scored.name_score, None)).clamp(0.0, 1.0);
            if score < threshold {
                continue;
            }
            match best.get(&listed.entity) {
                Some((known, _, _)) if *known >= score => {}
                _ => {
                    best.insert(listed.entity, (score, name_id, scored));
                }
            }
        }
        let mut hits: Vec<Hit> = best
            .into_values()
            .filter(|(_, name_id, _)| {
                let entity = &self.index.entities()[self.index.names()[*name_id as usize].entity as usize];
                !self.allow.allows(&query.name, &entity.id)
            })
            .map(|(_, name_id, scored)| self.explain(query, &side, &self.index.names()[name_id as usize], scored))
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.entity_id.cmp(&b.entity_id)));
        hits
    }

    /// The names worth scoring: those sharing the most weight of the query's keys. Query tokens no listed
    /// name holds (a misspelt part, a word no list has) do not count against a candidate here: the scoring
    /// weighs them.
    fn candidates(&self, side: &Side) -> Vec<u32> {
        let tokens = &side.tokens[..side.name_tokens];
        let joined: Vec<Box<str>> = joined_keys(tokens).collect();
        let mut keys: Vec<(&str, f64)> =
            side.keys[..side.name_tokens].iter().copied().zip(side.weights.iter().copied()).collect();
        keys.extend(joined.iter().map(|k| (k.as_ref(), self.index.weight(k))));
        // A token no listed name holds may be misspelt: look for names with a part starting as it does.
        let prefixes: Vec<Box<str>> = tokens
            .iter()
            .zip(&side.keys)
            .filter(|(_, key)| self.index.postings(key).is_empty())
            .filter_map(|(token, _)| prefix_key(token))
            .collect();
        keys.extend(prefixes.iter().map(|k| (k.as_ref(), self.index.weight(k))));
        keys.retain(|(k, _)| !self.index.postings(k).is_empty());
        keys.sort_by_key(|(k, _)| self.index.postings(k).len());
        keys.dedup_by(|a, b| a.0 == b.0);
        let known: f64 = side.keys[..side.name_tokens]
            .iter()
            .zip(&side.weights)
            .filter(|(k, _)| !self.index.postings(k).is_empty())
            .map(|(_, w)| w)
            .sum();
        let mut shared: FxHashMap<u32, f64> = FxHashMap::default();
        for (key, weight) in keys {
            let postings = self.index.postings(key);
            if postings.len() > COMMON_KEY && !shared.is_empty() {
                break;
            }
            for &name in postings {
                *shared.entry(name).or_default() += weight;
            }
        }
        let mut ranked: Vec<(u32, f64)> = shared.into_iter().filter(|(_, w)| *w * 3.0 >= known).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked.truncate(MAX_CANDIDATES);
        ranked.into_iter().map(|(name, _)| name).collect()
    }

    /// A reported hit, with its explanation.
    fn explain(&self, query: &Query, side: &Side, listed: &IndexedName, scored: Scored) -> Hit {
        let entity = &self.index.entities()[listed.entity as usize];
        let listed_tokens: Vec<&str> = listed.tokens.iter().map(|t| t.as_ref()).collect();
        let mut query_used = vec![false; side.tokens.len()];
        let mut listed_used = vec![false; listed_tokens.len()];
        let parts = scored
            .pairs
            .iter()
            .map(|pair| {
                pair.query.clone().for_each(|q| query_used[q] = true);
                pair.listed.clone().for_each(|l| listed_used[l] = true);
                PartMatch {
                    query: side.tokens[pair.query.clone()].join(" "),
                    listed: listed_tokens[pair.listed.clone()].join(" "),
                    score: round(pair.score),
                    how: pair.how,
                }
            })
            .collect();
        let mut qualifiers = Vec::new();
        let effect = qualify(query, entity, listed.kind, scored.name_score, Some(&mut qualifiers));
        Hit {
            entity_id: entity.id.clone(),
            score: round((scored.name_score + effect).clamp(0.0, 1.0)),
            explanation: Explanation {
                listed_name: entity.names[listed.name as usize].text.clone(),
                name_kind: listed.kind,
                query_tokens: side.tokens.iter().map(|t| (*t).to_owned()).collect(),
                parts,
                unmatched_query: unused(&side.tokens, &query_used),
                unmatched_listed: unused(&listed_tokens, &listed_used),
                name_score: round(scored.name_score),
                qualifiers,
            },
        }
    }
}

/// A listed name scored against the query: the names' score and the aligned parts.
struct Scored {
    name_score: f64,
    pairs: Vec<Pair>,
}

/// Scores one listed name against the query's tokens (None when no part pairs); `person` when the listed
/// entity is a person (or of unknown kind), whose middle names are often left out.
fn score_name(side: &Side, listed: &IndexedName, person: bool) -> Option<Scored> {
    let other = Side {
        name_tokens: listed.name_tokens,
        // Listed names in Arabic script are rare beside their Latin ones; their all-consonant parts still
        // compare by consonants.
        unvowelled: false,
        tokens: listed.tokens.iter().map(|t| t.as_ref()).collect(),
        keys: listed.keys.iter().map(|k| k.as_ref()).collect(),
        weights: listed.weights.iter().map(|w| f64::from(*w)).collect(),
    };
    let pairs = align(side, &other);
    if pairs.is_empty() {
        return None;
    }
    let mut matched = 0.0;
    let mut listed_used = vec![false; other.tokens.len()];
    for pair in &pairs {
        matched += pair.score * pair.query.clone().map(|q| side.weights[q]).sum::<f64>();
        pair.listed.clone().for_each(|l| listed_used[l] = true);
    }
    let query_total: f64 = side.weights.iter().sum();
    // A listed name part left unmatched counts fully at the name's ends (and legal forms, which weigh
    // little), and a person's counts little in its middle: a middle name is often left out. A company's or
    // a vessel's middle words count more ("M. D. S. IMPORT EXPORT" is not "MEKONG IMPORT EXPORT").
    let last = other.name_tokens.saturating_sub(1);
    let middle_share = if person { MIDDLE_NAME } else { MIDDLE_WORD };
    let listed_left: f64 = (0..other.tokens.len())
        .filter(|&l| !listed_used[l])
        .map(|l| if l == 0 || l >= last { other.weights[l] } else { other.weights[l] * middle_share })
        .sum();
    Some(Scored { name_score: matched / (query_total + listed_left), pairs })
}

/// How much a token says: by its key's rarity, except an initial, which says little however rare.
fn token_weight(index: &Index, token: &str, key: &str) -> f64 {
    if token.len() == 1 {
        1.0
    } else {
        index.weight(key)
    }
}

/// The weak-alias, birth date, country and entity type qualifiers: what they add to the name score (and, when
/// asked, each with what it compared).
fn qualify(
    query: &Query,
    entity: &ListEntity,
    kind: NameKind,
    name_score: f64,
    mut explain: Option<&mut Vec<Qualifier>>,
) -> f64 {
    let mut total = 0.0;
    let mut add = |what: &'static str, effect: f64, detail: &dyn Fn() -> String| {
        total += effect;
        if let Some(qualifiers) = explain.as_deref_mut() {
            qualifiers.push(Qualifier { what, effect: round(effect), detail: detail() });
        }
    };
    if kind == NameKind::Weak {
        add("weak_alias", -0.1 * name_score, &|| "a weak alias".into());
    }
    if let (Some(born), false) = (query.birth_date, entity.birth_dates.is_empty()) {
        let detail = || {
            let listed: Vec<String> = entity.birth_dates.iter().map(date_text).collect();
            format!("{} against {}", date_text(&born), listed.join(", "))
        };
        if entity.birth_dates.iter().any(|d| same_day(d, &born)) {
            add("birth_date", 0.03, &detail);
        } else if entity.birth_dates.iter().any(|d| d.year == born.year) {
            add("birth_date", 0.02, &detail);
        } else if entity.birth_dates.iter().all(|d| (d.year - born.year).abs() > 1) {
            add("birth_date", -0.15, &detail);
        }
    }
    if let (Some(country), false) = (&query.country, entity.countries.is_empty()) {
        let detail = || format!("{country} against {}", entity.countries.join(", "));
        if entity.countries.iter().any(|c| c.eq_ignore_ascii_case(country)) {
            add("country", 0.02, &detail);
        } else {
            add("country", -0.05, &detail);
        }
    }
    if let Some(schema) = query.schema {
        let known = |s: Schema| s != Schema::Unknown;
        if known(schema) && known(entity.schema) && schema != entity.schema {
            add("schema", -0.15, &|| format!("{schema:?} against {:?}", entity.schema).to_lowercase());
        }
    }
    total
}

fn same_day(a: &PartialDate, b: &PartialDate) -> bool {
    a.year == b.year && a.month.is_some() && a.month == b.month && a.day.is_some() && a.day == b.day
}

fn date_text(date: &PartialDate) -> String {
    match (date.month, date.day) {
        (Some(m), Some(d)) => format!("{:04}-{m:02}-{d:02}", date.year),
        (Some(m), None) => format!("{:04}-{m:02}", date.year),
        _ => format!("{:04}", date.year),
    }
}

fn unused(tokens: &[&str], used: &[bool]) -> Vec<String> {
    tokens.iter().zip(used).filter(|(_, u)| !**u).map(|(t, _)| (*t).to_owned()).collect()
}

/// Four decimals: scores as explained are read by people.
fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// One side's tokens (the name's, then its legal forms), their phonetic keys and their weights.
struct Side<'a> {
    /// How many of the tokens are the name's.
    name_tokens: usize,
    /// Whether the name was written in a script that leaves short vowels out (Arabic): its parts, romanised,
    /// are shorter than the same name's Latin spelling ("hsin" for "hussein").
    unvowelled: bool,
    tokens: Vec<&'a str>,
    keys: Vec<&'a str>,
    weights: Vec<f64>,
}

/// A pair of aligned parts: a range of query tokens and a range of listed tokens (one token each, or two
/// adjacent ones joined on one side).
#[derive(Debug, Clone)]
struct Pair {
    query: std::ops::Range<usize>,
    listed: std::ops::Range<usize>,
    score: f64,
    how: PartHow,
}

/// How alike a query's token `a` and a listed token `b` are (0 when not enough to pair them).
fn token_similarity(a: &str, a_key: &str, b: &str, b_key: &str, unvowelled_script: bool) -> (f64, PartHow) {
    if a == b {
        return (1.0, PartHow::Exact);
    }
    let vowels = |t: &str| t.bytes().any(|c| b"aeiouy".contains(&c));
    // Keys keep consonants only. A listed part of two letters without a vowel ("SC SOUTH LLC") is an
    // abbreviation, not a sound: it pairs only when the same. (A query's may be unvowelled script romanised:
    // Arabic "bn" for "bin".)
    let spoken = b.len() >= 3 || vowels(b);
    if a_key == b_key && !a_key.is_empty() && spoken {
        // Sounds alike spelt far apart ("sophea" and "xifu", "jun" and "zhenyu") are rarely the same name:
        // they pair only while their spellings and lengths are not far apart.
        // An unvowelled part (Arabic "mhmd" for "muhammad", a legal form's "ltd") is all consonants, and a
        // part romanised from Arabic has few vowels ("hsin" for "hussein"): only consonants compare.
        let lengths = a.len().min(b.len()) as f64 / a.len().max(b.len()) as f64;
        let unvowelled = unvowelled_script || !vowels(a) || !vowels(b);
        if unvowelled || (lengths >= PHONETIC_LENGTHS && strsim::jaro_winkler(a, b) >= PHONETIC_SPELLING) {
            // Short parts share keys easily ("liu" and "lei", "hun" and "han"). A part without vowels
            // (unvowelled Arabic: "hsn") has nothing but its consonants to go by.
            let short = a.len().min(b.len()) <= 4 && vowels(a) && vowels(b);
            return (if short { 0.8 } else { 0.92 }, PartHow::Phonetic);
        }
    }
    let initial = |short: &str, long: &str| short.len() == 1 && long.len() > 1 && long.starts_with(short);
    if initial(a, b) || initial(b, a) {
        return (0.75, PartHow::Initial);
    }
    // Short parts ("un", "jung") look alike to Jaro-Winkler for little reason: they pair only when they
    // are the same, sound the same, or are initials.
    if a.len().min(b.len()) < 4 {
        return (0.0, PartHow::Similar);
    }
    // Jaro-Winkler favours a shared start whatever follows ("chanthou" and "changtrakul", "mart" and
    // "maritime"): parts of very different lengths are not one misspelt.
    if (a.len().min(b.len()) as f64) < SIMILAR_LENGTHS * a.len().max(b.len()) as f64 {
        return (0.0, PartHow::Similar);
    }
    let similar = strsim::jaro_winkler(a, b);
    if similar >= 0.80 {
        (similar * 0.95, PartHow::Similar)
    } else {
        (0.0, PartHow::Similar)
    }
}

/// Aligns the query's tokens with the listed ones, best pairs first, each token used once.
fn align(query: &Side, listed: &Side) -> Vec<Pair> {
    let mut options: Vec<Pair> = Vec::new();
    for (q, (qt, qk)) in query.tokens.iter().zip(&query.keys).enumerate() {
        for (l, (lt, lk)) in listed.tokens.iter().zip(&listed.keys).enumerate() {
            let (score, how) = token_similarity(qt, qk, lt, lk, query.unvowelled || listed.unvowelled);
            if score > 0.0 {
                options.push(Pair { query: q..q + 1, listed: l..l + 1, score, how });
            }
        }
    }
    // One token written as two on the other side ("jinping" / "jin ping").
    let joins = |one: &str, tokens: &[&str], i: usize| {
        one.len() > 3
            && one.len() == tokens[i].len() + tokens[i + 1].len()
            && one.starts_with(tokens[i])
            && one.ends_with(tokens[i + 1])
    };
    for q in 0..query.tokens.len() {
        for l in 0..listed.tokens.len().saturating_sub(1) {
            if joins(query.tokens[q], &listed.tokens, l) {
                options.push(Pair { query: q..q + 1, listed: l..l + 2, score: 0.97, how: PartHow::Joined });
            }
        }
    }
    for q in 0..query.tokens.len().saturating_sub(1) {
        for l in 0..listed.tokens.len() {
            if joins(listed.tokens[l], &query.tokens, q) {
                options.push(Pair { query: q..q + 2, listed: l..l + 1, score: 0.97, how: PartHow::Joined });
            }
        }
    }
    // Best first; among equals, joined pairs (they cover more) and then the original order.
    options.sort_by(|a, b| {
        let covers = |p: &Pair| p.query.len() + p.listed.len();
        b.score
            .total_cmp(&a.score)
            .then_with(|| covers(b).cmp(&covers(a)))
            .then_with(|| a.query.start.cmp(&b.query.start))
            .then_with(|| a.listed.start.cmp(&b.listed.start))
    });
    let mut query_used = vec![false; query.tokens.len()];
    let mut listed_used = vec![false; listed.tokens.len()];
    let mut pairs = Vec::new();
    for option in options {
        if option.query.clone().any(|q| query_used[q]) || option.listed.clone().any(|l| listed_used[l]) {
            continue;
        }
        option.query.clone().for_each(|q| query_used[q] = true);
        option.listed.clone().for_each(|l| listed_used[l] = true);
        pairs.push(option);
    }
    pairs
}
