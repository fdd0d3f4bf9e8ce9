//! `tonle bench screen`: list load and index time, screening throughput and latency percentiles on one
//! thread, and the matcher's quality on a labelled query set built from the lists, beside a Jaro-Winkler
//! baseline (one string distance over the whole normalised name, as the fast open-source screeners do).
//!
//! The labelled queries, per kind (each from a different listed entity, seeded):
//! - `alias`: an entity's alias (strong, Latin), against an index of primary names only;
//! - `original-script`: a name in its original script (the UN list's), against an index without them;
//! - `typo`: the primary name with one letter of one part changed, dropped or doubled;
//! - `reordered`: the primary name's parts in another order;
//! - `missing-middle`: a person's primary name of three parts or more without a middle one;
//! - `variant`: the primary name respelt the ways romanisations differ (ou/u, ph/f, y/i, kh/k, ...);
//! - `negative`: names made of given and family names of the region (and beyond) that no list holds.
//!
//! Recall at rank 1 is the share of a kind's queries whose expected entity is the first match at or above
//! the threshold (or tied with the first: the same name listed by two lists); the false-positive rate, the
//! share of negative queries with any match.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use tonle_screen::normalize::normalize;
use tonle_screen::{Index, ListEntity, Matcher, NameKind, Query, Schema};
use tonle_sim::rng::Rng;

use crate::bench::percentile;

/// `tonle bench screen`'s options.
#[derive(Args)]
pub struct ScreenBenchArgs {
    /// The lists (as `tonle screen --list`); repeat for several.
    #[arg(long = "list", required = true)]
    pub lists: Vec<PathBuf>,
    /// How long to run the throughput part (seconds).
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Queries per kind in the quality part.
    #[arg(long, default_value_t = 500)]
    pub per_kind: usize,
    /// The seed of the query set.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The baseline's threshold (Jaro-Winkler over the whole name).
    #[arg(long, default_value_t = 0.92)]
    pub baseline_threshold: f64,
    /// Print this many of each kind's misses (query, expected entity, what came first instead).
    #[arg(long, default_value_t = 0)]
    pub show_misses: usize,
}

/// A labelled query: the name, and the entity expected first (None: no entity should match).
struct Labelled {
    kind: &'static str,
    name: String,
    expected: Option<usize>,
}

/// Runs `tonle bench screen`.
pub fn run(args: &ScreenBenchArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let mut entities = Vec::new();
    for path in &args.lists {
        let loaded = tonle_screen::lists::load(path).with_context(|| format!("loading {}", path.display()))?;
        entities.extend(loaded.entities);
    }
    let loaded = started.elapsed();
    let matcher = Matcher::new(Index::new(entities.clone()));
    let indexed = started.elapsed() - loaded;
    let names = matcher.index().names().len();
    println!(
        "lists: {} entities, {names} names; loaded in {:.2} s, indexed in {:.2} s ({:.2} s in all)",
        entities.len(),
        loaded.as_secs_f64(),
        indexed.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );

    let queries = labelled_queries(&entities, args.per_kind, args.seed);
    throughput(&matcher, &queries, args.seconds);
    quality(&entities, &matcher, &queries, args.baseline_threshold, args.show_misses);
    Ok(ExitCode::SUCCESS)
}

/// Screens the query set round and round for `seconds` on this thread.
fn throughput(matcher: &Matcher, queries: &[Labelled], seconds: f64) {
    let mut nanos = Vec::new();
    let started = Instant::now();
    let budget = Duration::from_secs_f64(seconds.max(0.1));
    let mut hits = 0usize;
    'run: loop {
        for labelled in queries {
            let one = Instant::now();
            hits += matcher.screen(&Query { name: labelled.name.clone(), ..Query::default() }).len();
            nanos.push(one.elapsed().as_nanos() as u64);
            if started.elapsed() > budget {
                break 'run;
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    nanos.sort_unstable();
    let micros = |p: f64| percentile(&nanos, p) as f64 / 1000.0;
    println!(
        "throughput: {} queries in {elapsed:.1} s on one thread: {:.0} queries/s ({hits} matches)",
        nanos.len(),
        nanos.len() as f64 / elapsed
    );
    println!(
        "latency: p50 {:.1} µs  p90 {:.1} µs  p99 {:.1} µs  p99.9 {:.1} µs  max {:.1} µs",
        micros(0.5),
        micros(0.9),
        micros(0.99),
        micros(0.999),
        micros(1.0)
    );
}

/// Recall at rank 1 per kind and the false-positive rate, for the matcher and the baseline.
fn quality(
    entities: &[ListEntity],
    matcher: &Matcher,
    queries: &[Labelled],
    baseline_threshold: f64,
    show_misses: usize,
) {
    // Alias and original-script queries run against indexes without those names.
    let primaries = Matcher::new(Index::new(only(entities, |kind| kind == NameKind::Primary)));
    let latin = Matcher::new(Index::new(only(entities, |kind| kind != NameKind::Original)));
    let baseline = Baseline::new(entities);
    println!(
        "quality at the default threshold {} (baseline: Jaro-Winkler over the whole name, from {baseline_threshold}):",
        matcher.threshold()
    );
    println!("  {:<16} {:>7} {:>12} {:>12}", "kind", "queries", "tonle", "baseline");
    let kinds: Vec<&str> = {
        let mut kinds: Vec<&str> = queries.iter().map(|q| q.kind).collect();
        kinds.dedup();
        kinds
    };
    for kind in kinds {
        let of_kind: Vec<&Labelled> = queries.iter().filter(|q| q.kind == kind).collect();
        let against: (&Matcher, fn(NameKind) -> bool) = match kind {
            "alias" => (&primaries, |kind| kind == NameKind::Primary),
            "original-script" => (&latin, |kind| kind != NameKind::Original),
            _ => (matcher, |_| true),
        };
        let (mut ours, mut theirs, mut shown) = (0usize, 0usize, 0usize);
        for q in &of_kind {
            let hits = against.0.screen(&Query { name: q.name.clone(), ..Query::default() });
            let (best, expected_score) = baseline.best(&q.name, against.1, q.expected);
            let right = match q.expected {
                // First, or tied with the first (the same name listed twice, by OFAC and the UN say).
                Some(expected) => {
                    let id = &entities[expected].id;
                    theirs += (expected_score >= baseline_threshold && expected_score >= best) as usize;
                    hits.iter().take_while(|h| h.score >= hits[0].score).any(|h| &h.entity_id == id)
                }
                None => {
                    theirs += (best >= baseline_threshold) as usize;
                    hits.is_empty()
                }
            };
            // Recall counts the right first hits; for negatives, the false positives.
            ours += if q.expected.is_some() { right as usize } else { !right as usize };
            if !right && shown < show_misses {
                shown += 1;
                let expected = q.expected.map_or("nothing".to_owned(), |e| entities[e].names[0].text.clone());
                let first = hits.first().map_or("nothing".to_owned(), |h| {
                    format!("{} {:.3} ({})", h.entity_id, h.score, h.explanation.listed_name)
                });
                println!("    miss: {:?} expected {expected:?}, first {first}", q.name);
            }
        }
        let share = |n: usize| 100.0 * n as f64 / of_kind.len().max(1) as f64;
        let what = if kind == "negative" { "false positives" } else { "recall@1" };
        println!("  {kind:<16} {:>7} {:>11.1}% {:>11.1}%  {what}", of_kind.len(), share(ours), share(theirs));
    }
}

/// The entities with only the names of some kinds.
fn only(entities: &[ListEntity], keep: impl Fn(NameKind) -> bool) -> Vec<ListEntity> {
    entities
        .iter()
        .map(|e| ListEntity { names: e.names.iter().filter(|n| keep(n.kind)).cloned().collect(), ..e.clone() })
        .collect()
}

/// Jaro-Winkler over each whole name, lower-cased with its punctuation out and its scripts romanised: the
/// best-scoring entity.
struct Baseline {
    names: Vec<(usize, NameKind, String)>,
}

impl Baseline {
    fn new(entities: &[ListEntity]) -> Baseline {
        let names = entities
            .iter()
            .enumerate()
            .flat_map(|(e, entity)| entity.names.iter().map(move |n| (e, n.kind, normalize(&n.text).tokens.join(" "))))
            .filter(|(_, _, text)| !text.is_empty())
            .collect();
        Baseline { names }
    }

    /// The best score over every name, and the expected entity's best score.
    fn best(&self, name: &str, kinds: fn(NameKind) -> bool, expected: Option<usize>) -> (f64, f64) {
        let query = normalize(name).tokens.join(" ");
        let (mut best, mut expected_best) = (0.0f64, 0.0f64);
        for (e, _, text) in self.names.iter().filter(|(_, kind, _)| kinds(*kind)) {
            let score = strsim::jaro_winkler(&query, text);
            best = best.max(score);
            if Some(*e) == expected {
                expected_best = expected_best.max(score);
            }
        }
        (best, expected_best)
    }
}

/// The labelled query set.
fn labelled_queries(entities: &[ListEntity], per_kind: usize, seed: u64) -> Vec<Labelled> {
    let mut rng = Rng::stream(seed, 0x5c4ee2);
    let mut queries = Vec::new();
    let named: Vec<usize> = (0..entities.len()).filter(|&e| !entities[e].names.is_empty()).collect();
    let primary = |e: usize| entities[e].names[0].text.clone();
    let tokens_of =
        |text: &str| -> Vec<String> { text.split([' ', ',']).filter(|t| !t.is_empty()).map(str::to_owned).collect() };

    let mut pick = |kind: &'static str, rng: &mut Rng, make: &dyn Fn(usize, &mut Rng) -> Option<String>| {
        let mut made = 0;
        for _ in 0..per_kind * 20 {
            if made == per_kind {
                break;
            }
            let e = named[rng.index(named.len())];
            if let Some(name) = make(e, rng) {
                queries.push(Labelled { kind, name, expected: Some(e) });
                made += 1;
            }
        }
    };
    pick("alias", &mut rng, &|e, rng| {
        let aliases: Vec<&str> = entities[e]
            .names
            .iter()
            .filter(|n| {
                n.kind == NameKind::Alias
                    && normalize(&n.text).scripts.iter().all(|s| *s == tonle_screen::translit::Script::Latin)
            })
            .map(|n| n.text.as_str())
            .collect();
        (!aliases.is_empty()).then(|| aliases[rng.index(aliases.len())].to_owned())
    });
    pick("original-script", &mut rng, &|e, _| {
        entities[e].names.iter().find(|n| n.kind == NameKind::Original).map(|n| n.text.clone())
    });
    pick("typo", &mut rng, &|e, rng| {
        let mut parts = tokens_of(&primary(e));
        let long: Vec<usize> = (0..parts.len()).filter(|&i| parts[i].chars().count() >= 5).collect();
        if long.is_empty() {
            return None;
        }
        let at = long[rng.index(long.len())];
        let mut chars: Vec<char> = parts[at].chars().collect();
        let i = 1 + rng.index(chars.len() - 2);
        match rng.below(3) {
            0 => chars[i] = if chars[i] == 'E' || chars[i] == 'e' { 'a' } else { 'e' },
            1 => {
                chars.remove(i);
            }
            _ => chars.insert(i, chars[i]),
        }
        parts[at] = chars.into_iter().collect();
        Some(parts.join(" "))
    });
    pick("reordered", &mut rng, &|e, rng| {
        let mut parts = tokens_of(&primary(e));
        if parts.len() < 2 {
            return None;
        }
        let original = parts.clone();
        let by = 1 + rng.index(parts.len() - 1);
        parts.rotate_left(by);
        (parts != original).then(|| parts.join(" "))
    });
    pick("missing-middle", &mut rng, &|e, rng| {
        // "LAST, First Middle" in natural order first: the middle names are then between the ends.
        let mut parts = tokens_of(&tonle_screen::index::natural_order(&primary(e), entities[e].schema));
        if entities[e].schema != Schema::Person || parts.len() < 3 {
            return None;
        }
        parts.remove(1 + rng.index(parts.len() - 2));
        Some(parts.join(" "))
    });
    pick("variant", &mut rng, &|e, _| {
        let lower = primary(e).to_lowercase();
        let respelt = VARIANTS.iter().fold(lower.clone(), |text, (from, to)| text.replacen(from, to, 1));
        (respelt != lower).then_some(respelt)
    });

    // Negatives: given and family names of the region (and beyond), none equal to a listed name.
    let listed: rustc_hash::FxHashSet<String> =
        entities.iter().flat_map(|e| e.names.iter().map(|n| sorted_key(&n.text))).collect();
    let given: Vec<&str> = tonle_sim::region::COUNTRIES
        .iter()
        .flat_map(|c| c.given_names.iter().copied())
        .chain(MORE_GIVEN.iter().copied())
        .collect();
    let family: Vec<&str> = tonle_sim::region::COUNTRIES
        .iter()
        .flat_map(|c| c.family_names.iter().copied())
        .chain(MORE_FAMILY.iter().copied())
        .collect();
    let mut made = 0;
    for _ in 0..per_kind * 20 {
        if made == per_kind {
            break;
        }
        let name = match rng.below(3) {
            0 => format!("{} {}", given[rng.index(given.len())], family[rng.index(family.len())]),
            1 => format!("{} {}", family[rng.index(family.len())], given[rng.index(given.len())]),
            _ => format!(
                "{} {} {}",
                given[rng.index(given.len())],
                given[rng.index(given.len())],
                family[rng.index(family.len())]
            ),
        };
        if !listed.contains(&sorted_key(&name)) {
            queries.push(Labelled { kind: "negative", name, expected: None });
            made += 1;
        }
    }
    queries
}

fn sorted_key(name: &str) -> String {
    let mut tokens = normalize(name).tokens;
    tokens.sort();
    tokens.join(" ")
}

/// Respellings that romanisations of the same name differ by.
const VARIANTS: &[(&str, &str)] = &[
    ("mohammed", "muhammad"),
    ("muhammad", "mohamed"),
    ("ou", "u"),
    ("ph", "f"),
    ("kh", "k"),
    ("y", "i"),
    ("ee", "i"),
    ("oo", "u"),
    ("dj", "j"),
    ("sh", "ch"),
    ("ei", "ey"),
    ("abdul ", "abd al "),
    ("al-", "al "),
];

/// Given names from beyond the simulator's six countries.
const MORE_GIVEN: &[&str] = &[
    "James", "Maria", "Olga", "Dmitri", "Aisha", "Fatima", "Omar", "Carlos", "Lucia", "Hiroshi", "Yuki", "Arjun",
    "Priya", "Siti", "Budi", "Jose", "Andrea", "Nadia", "Ivan", "Elena", "Kwame", "Amina",
];

/// Family names from beyond the simulator's six countries.
const MORE_FAMILY: &[&str] = &[
    "Smith", "Garcia", "Ivanova", "Petrov", "Haddad", "Rahman", "Santos", "Tanaka", "Sato", "Sharma", "Patel",
    "Wijaya", "Santoso", "Reyes", "Cruz", "Mensah", "Okafor", "Kowalski", "Novak", "Müller",
];
