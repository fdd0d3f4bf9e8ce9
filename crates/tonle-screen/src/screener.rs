//! Lists screening payments: a [`Matcher`] behind the engine's [`Screener`] trait, whose lists can be
//! replaced while transactions are decided (a new OFAC or UN publication), and the loading of a set of list
//! files into one matcher.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use compact_str::CompactString;
use tonle_core::{CountryCode, ScreenHit, Screener};

use crate::index::Index;
use crate::lists::{self, LoadError, Skipped};
use crate::matcher::{AllowList, Explanation, Hit, Matcher, PartHow, Query};

/// What one list file gave.
#[derive(Debug, Clone)]
pub struct ListReport {
    /// The file.
    pub path: PathBuf,
    /// The entities read from it.
    pub entities: usize,
    /// What was skipped, with why.
    pub skipped: Vec<Skipped>,
}

/// Where a set of lists comes from and how it is matched: what is needed to load it again when a list is
/// updated.
#[derive(Debug, Clone)]
pub struct ListSources {
    /// The list files.
    pub paths: Vec<PathBuf>,
    /// The score from which a name hit is reported (0 to 1).
    pub threshold: f64,
    /// An allow list of confirmed false positives (`name,entity_id` with a header), if any.
    pub allow: Option<PathBuf>,
}

impl ListSources {
    /// Loads the files into one matcher, with what each gave.
    pub fn load(&self) -> Result<(Matcher, Vec<ListReport>), LoadError> {
        let allow = match &self.allow {
            Some(path) => read_allow_list(path)?,
            None => AllowList::default(),
        };
        load_matcher(&self.paths, self.threshold, allow)
    }
}

/// Reads an allow list: a CSV with a header, `name,entity_id` per line (the name may hold commas; the id is
/// after the last one).
pub fn read_allow_list(path: &Path) -> Result<AllowList, LoadError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io { file: file.clone(), source })?;
    let mut allow = AllowList::default();
    for (number, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let Some((name, entity)) = line.rsplit_once(',') else {
            return Err(LoadError::AllowLine { file, line: number + 1 });
        };
        allow.allow(name.trim().trim_matches('"'), entity.trim());
    }
    Ok(allow)
}

/// Loads every list file (format detected from each) into one matcher at `threshold`, leaving out the
/// pairs `allow` clears; with what each file gave. A file that cannot be read at all is an error naming it;
/// a bad record in it is skipped and reported.
pub fn load_matcher(
    paths: &[impl AsRef<Path>],
    threshold: f64,
    allow: AllowList,
) -> Result<(Matcher, Vec<ListReport>), LoadError> {
    let mut entities = Vec::new();
    let mut reports = Vec::with_capacity(paths.len());
    for path in paths {
        let loaded = lists::load(path.as_ref())?;
        reports.push(ListReport {
            path: path.as_ref().to_path_buf(),
            entities: loaded.entities.len(),
            skipped: loaded.skipped,
        });
        entities.extend(loaded.entities);
    }
    let matcher = Matcher::new(Index::new(entities)).with_threshold(threshold).with_allow_list(allow);
    Ok((matcher, reports))
}

/// Loaded lists screening payments' parties for the engine; shared by every engine (and tenant) of a
/// process. [`Watchlists::replace`] swaps in new lists between two lookups.
#[derive(Debug)]
pub struct Watchlists {
    matcher: RwLock<Arc<Matcher>>,
    generation: AtomicU64,
}

impl Watchlists {
    /// Screening with this matcher (its threshold is the one hits are reported from).
    pub fn new(matcher: Matcher) -> Watchlists {
        Watchlists { matcher: RwLock::new(Arc::new(matcher)), generation: AtomicU64::new(1) }
    }

    /// The matcher in use.
    pub fn matcher(&self) -> Arc<Matcher> {
        // A writer only assigns under the lock, so a poisoned lock still holds a whole matcher.
        Arc::clone(&self.matcher.read().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Screens with `matcher` from now on, and returns the one it replaces.
    pub fn replace(&self, matcher: Matcher) -> Arc<Matcher> {
        let mut slot = self.matcher.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let old = std::mem::replace(&mut *slot, Arc::new(matcher));
        self.generation.fetch_add(1, Ordering::AcqRel);
        old
    }
}

/// A name's best hit from `matcher`, as the engine reads it.
pub fn name_hit(matcher: &Matcher, name: &str, country: Option<CountryCode>) -> Option<ScreenHit> {
    let query = Query { name: name.to_owned(), country: country.map(|c| c.as_str().to_owned()), ..Query::default() };
    let best = matcher.screen(&query).into_iter().next()?;
    Some(hit_of(&best))
}

/// An account's hit from `matcher`: the first entity listing it as a crypto address.
pub fn account_hit(matcher: &Matcher, account: &str) -> Option<ScreenHit> {
    let entity = matcher.screen_address(account).into_iter().next()?;
    Some(ScreenHit {
        entity: entity.id.as_str().into(),
        listed: account.into(),
        score: 1.0,
        detail: format!("crypto address listed for {}", entity.names.first().map_or("", |n| n.text.as_str())).into(),
    })
}

fn hit_of(hit: &Hit) -> ScreenHit {
    ScreenHit {
        entity: hit.entity_id.as_str().into(),
        listed: hit.explanation.listed_name.as_str().into(),
        score: hit.score,
        detail: detail(&hit.explanation),
    }
}

/// One line saying how a name matched: `SADDAM=SADDAM, HUSAIN~HUSSEIN (phonetic); country +0.02`.
pub fn detail(explanation: &Explanation) -> CompactString {
    let mut line = String::new();
    for (i, part) in explanation.parts.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = match part.how {
            PartHow::Exact => write!(line, "{sep}{}={}", part.query, part.listed),
            how => write!(line, "{sep}{}~{} ({}, {:.2})", part.query, part.listed, how_name(how), part.score),
        };
    }
    if !explanation.unmatched_listed.is_empty() {
        let _ = write!(line, "; listed only: {}", explanation.unmatched_listed.join(" "));
    }
    if !explanation.unmatched_query.is_empty() {
        let _ = write!(line, "; given only: {}", explanation.unmatched_query.join(" "));
    }
    for qualifier in &explanation.qualifiers {
        let _ = write!(line, "; {} {:+.2}", qualifier.what, qualifier.effect);
    }
    line.into()
}

fn how_name(how: PartHow) -> &'static str {
    match how {
        PartHow::Exact => "exact",
        PartHow::Phonetic => "phonetic",
        PartHow::Similar => "similar",
        PartHow::Initial => "initial",
        PartHow::Joined => "joined",
    }
}

impl Screener for Watchlists {
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn screen_name(&self, name: &str, country: Option<CountryCode>) -> Option<ScreenHit> {
        name_hit(&self.matcher(), name, country)
    }

    fn screen_account(&self, account: &str) -> Option<ScreenHit> {
        account_hit(&self.matcher(), account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::{Chain, CryptoAddress, ListEntity, ListName, Schema};

    fn matcher(name: &str, address: Option<&str>) -> Matcher {
        let mut entity = ListEntity::new("csv:test:1".into(), "test", Schema::Person);
        entity.names.push(ListName::primary(name.to_owned()));
        if let Some(address) = address {
            entity.addresses.push(CryptoAddress { chain: Chain::Tron, address: address.to_owned() });
        }
        Matcher::new(Index::new(vec![entity]))
    }

    #[test]
    fn names_and_addresses_hit_and_replacing_the_lists_changes_the_generation() {
        let lists = Watchlists::new(matcher("CHEN Zhi", Some("TXyZ1234567890abcdefghijklmnopqrst")));
        let hit = lists.screen_name("Zhi Chen", None).expect("reordered name");
        assert_eq!((hit.entity.as_str(), hit.listed.as_str()), ("csv:test:1", "CHEN Zhi"));
        assert!(hit.score >= 0.85 && hit.detail.contains("chen=chen"), "{hit:?}");
        assert!(lists.screen_name("Somchai Jaidee", None).is_none());
        let wallet = lists.screen_account("TXyZ1234567890abcdefghijklmnopqrst").expect("listed address");
        assert_eq!((wallet.score, wallet.entity.as_str()), (1.0, "csv:test:1"));
        assert!(lists.screen_account("TXyZ1234567890abcdefghijklmnopqrsu").is_none());

        let before = lists.generation();
        let old = lists.replace(matcher("Somchai Jaidee", None));
        assert!(lists.generation() > before);
        assert_eq!(old.index().entities().len(), 1);
        assert!(lists.screen_name("Zhi Chen", None).is_none());
        assert!(lists.screen_name("somchai JAIDEE", None).is_some());
    }
}
