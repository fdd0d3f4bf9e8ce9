//! Scenarios: what to simulate, as TOML. Presets `tiny`, `demo` and `large` are built in.
//!
//! Every field but `name`, `start`, `days` and `[population]` has a default, so a scenario file says only what
//! it changes. Unknown keys are errors (a typo must not silently fall back to a default). Ranges are written
//! `[low, high]`, both ends included. See docs/scenarios.md for every parameter.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A scenario could not be read or does not make sense.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{origin}: {source}")]
    Io {
        /// The file.
        origin: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is malformed or has a key or value of the wrong kind (the message names line and key).
    #[error("{origin}: {message}")]
    Syntax {
        /// The file or preset.
        origin: String,
        /// The TOML parser's message, with line, column and key.
        message: String,
    },
    /// A value is out of its range.
    #[error("{origin}: {field}: {message}")]
    Invalid {
        /// The file or preset.
        origin: String,
        /// The key, dotted (`typologies.mule_network.forward_share`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// No preset has this name and no such file exists.
    #[error("no scenario preset or file named {0:?} (presets: tiny, demo, large)")]
    Unknown(String),
}

/// An inclusive range `[low, high]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "[T; 2]", into = "[T; 2]")]
pub struct Span<T: Copy> {
    /// The lowest value.
    pub low: T,
    /// The highest value.
    pub high: T,
}

impl<T: Copy> From<[T; 2]> for Span<T> {
    fn from([low, high]: [T; 2]) -> Self {
        Span { low, high }
    }
}

impl<T: Copy> From<Span<T>> for [T; 2] {
    fn from(span: Span<T>) -> Self {
        [span.low, span.high]
    }
}

/// Shorthand for a range.
pub const fn span<T: Copy>(low: T, high: T) -> Span<T> {
    Span { low, high }
}

/// A whole scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name, used in scenario ids and file names.
    pub name: String,
    /// What the scenario is for.
    #[serde(default)]
    pub description: String,
    /// The first simulated day, `YYYY-MM-DD` (UTC).
    pub start: String,
    /// How many days to simulate.
    pub days: u32,
    /// Who lives in the simulated region.
    pub population: Population,
    /// How often people and businesses pay.
    #[serde(default)]
    pub activity: Activity,
    /// Exchange rates, in units of each currency per US dollar.
    #[serde(default = "default_fx")]
    pub fx_per_usd: BTreeMap<String, f64>,
    /// Injected scams and laundering.
    #[serde(default)]
    pub typologies: Typologies,
    /// Legitimate behaviour that looks suspicious.
    #[serde(default)]
    pub hard_negatives: HardNegatives,
}

/// The population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// Natural persons.
    pub persons: u32,
    /// Employers and suppliers (they pay salaries and each other).
    pub businesses: u32,
    /// Shops and services taking QR and card payments.
    pub merchants: u32,
    /// Relative share of the population per country (KH, TH, VN, MY, SG, CN).
    #[serde(default = "default_countries")]
    pub countries: BTreeMap<String, f64>,
    /// Share of persons who also hold a mobile wallet.
    #[serde(default = "default_wallet_share")]
    pub wallet_share: f64,
    /// Share of persons who buy crypto now and then (legitimately).
    #[serde(default = "default_crypto_share")]
    pub crypto_share: f64,
    /// Share of persons in Thailand, Malaysia and Singapore who are migrant workers from Cambodia or Vietnam
    /// and send money home each month.
    #[serde(default = "default_migrant_share")]
    pub migrant_share: f64,
    /// Share of persons who rent their home (and pay rent each month).
    #[serde(default = "default_renter_share")]
    pub renter_share: f64,
    /// Tail index of the activity of persons (lower: a few people make many more payments).
    #[serde(default = "default_activity_tail")]
    pub activity_tail: f64,
}

/// Mean payments per person (or business) per day, before the daily and weekly rhythm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Activity {
    /// QR or card payments at local merchants.
    pub merchant: f64,
    /// Transfers to friends and family.
    pub p2p: f64,
    /// Online card purchases.
    pub online: f64,
    /// Cash withdrawals.
    pub cash_withdrawal: f64,
    /// Cash deposits.
    pub cash_deposit: f64,
    /// Payments between businesses, per business.
    pub b2b: f64,
    /// Legitimate casino visits (Cambodia), per person.
    pub casino: f64,
}

impl Default for Activity {
    fn default() -> Self {
        Activity {
            merchant: 0.75,
            p2p: 0.18,
            online: 0.06,
            cash_withdrawal: 0.05,
            cash_deposit: 0.015,
            b2b: 1.5,
            casino: 0.002,
        }
    }
}

/// The injected typologies; each has a `count` of instances (0: none).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Typologies {
    /// Pig-butchering investment scams.
    pub pig_butchering: PigButchering,
    /// Money-mule collection networks.
    pub mule_network: MuleNetwork,
    /// Mule accounts opened in batches that share devices and phone numbers.
    pub mule_accounts: MuleAccounts,
    /// Cash deposits kept under reporting thresholds.
    pub structuring: Structuring,
    /// IBM AMLworld fan-in.
    pub fan_in: Pattern,
    /// IBM AMLworld fan-out.
    pub fan_out: Pattern,
    /// IBM AMLworld gather-scatter.
    pub gather_scatter: Pattern,
    /// IBM AMLworld scatter-gather.
    pub scatter_gather: Pattern,
    /// IBM AMLworld simple cycle.
    pub cycle: Pattern,
    /// IBM AMLworld random walk.
    pub random: Pattern,
    /// IBM AMLworld bipartite.
    pub bipartite: Pattern,
    /// IBM AMLworld stack (two bipartite layers).
    pub stack: Pattern,
    /// Dormant accounts that wake up to move money.
    pub dormant_reactivation: Dormant,
    /// Casino and junket cash-in and cash-out.
    pub casino: Casino,
}

/// Pig butchering: victims groomed, then paying ever more into a fake investment platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PigButchering {
    /// Scam operations.
    pub count: u32,
    /// Victims per operation.
    pub victims: Span<u32>,
    /// Days of grooming before the first deposit.
    pub grooming_days: Span<u32>,
    /// Deposits per victim, the last being a "tax" or "fee" to withdraw.
    pub deposits: Span<u32>,
    /// The first deposit, in US dollars (converted to the victim's currency).
    pub first_deposit_usd: Span<f64>,
    /// Each deposit over the one before.
    pub growth: Span<f64>,
    /// Days between deposits.
    pub days_between: Span<u32>,
    /// Small "profit" withdrawals paid back to each victim to win trust.
    pub payouts: Span<u32>,
    /// Share of victims told to buy USDT at an exchange themselves (the rest pay mule bank accounts).
    pub crypto_share: f64,
    /// Layers of mule accounts between the victim and the off-ramp.
    pub layers: Span<u32>,
    /// Share of each receipt a mule passes on.
    pub forward_share: Span<f64>,
    /// Minutes a mule waits before passing money on.
    pub forward_minutes: Span<u32>,
}

impl Default for PigButchering {
    fn default() -> Self {
        PigButchering {
            count: 0,
            victims: span(2, 6),
            grooming_days: span(3, 14),
            deposits: span(3, 6),
            first_deposit_usd: span(100.0, 1000.0),
            growth: span(1.5, 2.5),
            days_between: span(1, 5),
            payouts: span(1, 2),
            crypto_share: 0.4,
            layers: span(1, 3),
            forward_share: span(0.95, 0.99),
            forward_minutes: span(5, 90),
        }
    }
}

/// Money-mule networks: a collection account takes many victims' money and passes most of it on in minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MuleNetwork {
    /// Networks.
    pub count: u32,
    /// Victims paying the collection account.
    pub victims: Span<u32>,
    /// Days over which victims pay.
    pub days: Span<u32>,
    /// A victim's payment, in US dollars.
    pub amount_usd: Span<f64>,
    /// Mule accounts in the chain after the collection account.
    pub hops: Span<u32>,
    /// Share of each receipt passed on.
    pub forward_share: Span<f64>,
    /// Minutes between receiving and passing on.
    pub forward_minutes: Span<u32>,
}

impl Default for MuleNetwork {
    fn default() -> Self {
        MuleNetwork {
            count: 0,
            victims: span(10, 40),
            days: span(2, 10),
            amount_usd: span(50.0, 3000.0),
            hops: span(1, 3),
            forward_share: span(0.80, 0.90),
            forward_minutes: span(3, 10),
        }
    }
}

/// Mule accounts opened in a batch by one syndicate, sharing devices and phone numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MuleAccounts {
    /// Batches.
    pub count: u32,
    /// Accounts per batch.
    pub accounts: Span<u32>,
    /// Days over which a batch is opened.
    pub opening_days: Span<u32>,
    /// Devices the batch shares.
    pub devices: Span<u32>,
    /// Phone numbers the batch shares.
    pub phones: Span<u32>,
    /// Victim payments each account takes before it is abandoned.
    pub receipts: Span<u32>,
    /// A victim's payment, in US dollars.
    pub amount_usd: Span<f64>,
    /// Share of each receipt passed on to the syndicate's consolidation account.
    pub forward_share: Span<f64>,
    /// Minutes between receiving and passing on.
    pub forward_minutes: Span<u32>,
}

impl Default for MuleAccounts {
    fn default() -> Self {
        MuleAccounts {
            count: 0,
            accounts: span(4, 10),
            opening_days: span(1, 3),
            devices: span(1, 2),
            phones: span(1, 3),
            receipts: span(2, 8),
            amount_usd: span(100.0, 2500.0),
            forward_share: span(0.90, 0.99),
            forward_minutes: span(2, 30),
        }
    }
}

/// Cash deposits split to stay under a daily cash-reporting threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Structuring {
    /// Launderers.
    pub count: u32,
    /// Days of deposits.
    pub days: Span<u32>,
    /// Deposits per day.
    pub deposits_per_day: Span<u32>,
    /// A day's deposits as a share of the threshold.
    pub share_of_threshold: Span<f64>,
}

impl Default for Structuring {
    fn default() -> Self {
        Structuring { count: 0, days: span(3, 8), deposits_per_day: span(1, 4), share_of_threshold: span(0.80, 0.98) }
    }
}

/// One of IBM AMLworld's eight laundering patterns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pattern {
    /// Attempts.
    pub count: u32,
    /// Accounts on the pattern's wide side (fan degree, cycle length, layer size).
    pub degree: Span<u32>,
    /// Days the attempt spans.
    pub days: Span<u32>,
    /// The laundered sum, in US dollars.
    pub amount_usd: Span<f64>,
}

impl Default for Pattern {
    fn default() -> Self {
        Pattern { count: 0, degree: span(4, 10), days: span(1, 10), amount_usd: span(5_000.0, 200_000.0) }
    }
}

/// A dormant account wakes up and moves money.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Dormant {
    /// Accounts.
    pub count: u32,
    /// Days without any transaction before the burst.
    pub dormant_days: Span<u32>,
    /// Incoming payments in the burst.
    pub inflows: Span<u32>,
    /// An incoming payment, in US dollars.
    pub amount_usd: Span<f64>,
    /// Days the burst lasts.
    pub burst_days: Span<u32>,
}

impl Default for Dormant {
    fn default() -> Self {
        Dormant {
            count: 0,
            dormant_days: span(45, 90),
            inflows: span(3, 10),
            amount_usd: span(500.0, 5000.0),
            burst_days: span(1, 3),
        }
    }
}

/// Casino and junket laundering: cash and transfers in, "winnings" out to someone else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Casino {
    /// Schemes.
    pub count: u32,
    /// Deposits into the junket account.
    pub deposits: Span<u32>,
    /// A deposit, in US dollars.
    pub deposit_usd: Span<f64>,
    /// Share of the deposits paid out as winnings.
    pub payout_share: Span<f64>,
    /// Days the scheme spans.
    pub days: Span<u32>,
}

impl Default for Casino {
    fn default() -> Self {
        Casino {
            count: 0,
            deposits: span(3, 10),
            deposit_usd: span(5_000.0, 50_000.0),
            payout_share: span(0.85, 0.98),
            days: span(2, 7),
        }
    }
}

/// Legitimate look-alikes, labelled licit with their own scenario ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HardNegatives {
    /// Families passing money around in a ring within a few days.
    pub family_cycles: u32,
    /// Share of renters who pay rent within the hour their salary arrives.
    pub salary_to_rent_share: f64,
}

impl Default for HardNegatives {
    fn default() -> Self {
        HardNegatives { family_cycles: 0, salary_to_rent_share: 0.1 }
    }
}

/// The countries the simulator knows.
pub const COUNTRIES: [&str; 6] = ["KH", "TH", "VN", "MY", "SG", "CN"];

fn default_countries() -> BTreeMap<String, f64> {
    [("KH", 0.45), ("TH", 0.15), ("VN", 0.12), ("MY", 0.12), ("SG", 0.08), ("CN", 0.08)]
        .into_iter()
        .map(|(c, w)| (c.to_owned(), w))
        .collect()
}

fn default_fx() -> BTreeMap<String, f64> {
    [("KHR", 4100.0), ("THB", 35.0), ("VND", 25400.0), ("MYR", 4.45), ("SGD", 1.34), ("CNY", 7.2), ("USDT", 1.0)]
        .into_iter()
        .map(|(c, r)| (c.to_owned(), r))
        .collect()
}

fn default_wallet_share() -> f64 {
    0.35
}
fn default_crypto_share() -> f64 {
    0.01
}
fn default_migrant_share() -> f64 {
    0.08
}
fn default_renter_share() -> f64 {
    0.3
}
fn default_activity_tail() -> f64 {
    1.8
}

const TINY: &str = include_str!("../presets/tiny.toml");
const DEMO: &str = include_str!("../presets/demo.toml");
const LARGE: &str = include_str!("../presets/large.toml");

/// The built-in presets: name and TOML text.
pub const PRESETS: [(&str, &str); 3] = [("tiny", TINY), ("demo", DEMO), ("large", LARGE)];

impl Scenario {
    /// A built-in preset by name.
    pub fn preset(name: &str) -> Option<Scenario> {
        let (_, text) = PRESETS.iter().find(|(preset, _)| *preset == name)?;
        // The presets are tested to parse and validate (tests::presets_are_valid), so this cannot fail.
        Some(Scenario::from_toml(text, &format!("preset {name}")).expect("built-in preset is valid"))
    }

    /// A preset's name, or else a TOML file's path.
    pub fn load(name_or_path: &str) -> Result<Scenario, ScenarioError> {
        if let Some(scenario) = Scenario::preset(name_or_path) {
            return Ok(scenario);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            return Err(ScenarioError::Unknown(name_or_path.to_owned()));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|source| ScenarioError::Io { origin: path.display().to_string(), source })?;
        Scenario::from_toml(&text, &path.display().to_string())
    }

    /// Parses and validates a scenario; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| ScenarioError::Syntax {
            origin: origin.to_owned(),
            message: e.to_string().trim().to_owned(),
        })?;
        scenario.validate(origin)?;
        Ok(scenario)
    }

    /// The scenario as TOML (every parameter spelled out, defaults included).
    pub fn to_toml(&self) -> String {
        // Serialising plain structs of numbers, strings and maps to TOML cannot fail.
        toml::to_string(self).expect("a scenario serialises to TOML")
    }

    /// The first day.
    pub fn start_date(&self) -> NaiveDate {
        // validate() checked the date.
        NaiveDate::parse_from_str(&self.start, "%Y-%m-%d").expect("validated start date")
    }

    /// Checks every value; the error names the field.
    pub fn validate(&self, origin: &str) -> Result<(), ScenarioError> {
        let check = Checker { origin };
        check.that(!self.name.trim().is_empty(), "name", "must not be empty")?;
        check.that(
            self.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "name",
            "only letters, digits, '-' and '_' (it is used in scenario ids)",
        )?;
        check.that(
            NaiveDate::parse_from_str(&self.start, "%Y-%m-%d").is_ok_and(|d| d.year_ce().1 >= 1970),
            "start",
            &format!("{:?} is not a date YYYY-MM-DD from 1970 on", self.start),
        )?;
        check.that((1..=3660).contains(&self.days), "days", "must be 1 to 3660")?;
        let p = &self.population;
        check.that(p.persons >= 200, "population.persons", "must be at least 200")?;
        check.that(p.businesses >= 5, "population.businesses", "must be at least 5")?;
        check.that(p.merchants >= 10, "population.merchants", "must be at least 10")?;
        check.that(
            p.persons <= 50_000_000 && p.businesses <= 5_000_000 && p.merchants <= 5_000_000,
            "population",
            "at most 50 million persons and 5 million businesses and merchants",
        )?;
        for (country, weight) in &p.countries {
            check.that(
                COUNTRIES.contains(&country.as_str()),
                &format!("population.countries.{country}"),
                &format!("unknown country (known: {})", COUNTRIES.join(", ")),
            )?;
            check.that(
                *weight >= 0.0 && weight.is_finite(),
                &format!("population.countries.{country}"),
                "must be >= 0",
            )?;
        }
        check.that(p.countries.values().sum::<f64>() > 0.0, "population.countries", "need a positive weight")?;
        check.that(p.countries.get("KH").is_some_and(|w| *w > 0.0), "population.countries.KH", "Cambodia is needed")?;
        for (field, share) in [
            ("population.wallet_share", p.wallet_share),
            ("population.crypto_share", p.crypto_share),
            ("population.migrant_share", p.migrant_share),
            ("population.renter_share", p.renter_share),
            ("hard_negatives.salary_to_rent_share", self.hard_negatives.salary_to_rent_share),
            ("typologies.pig_butchering.crypto_share", self.typologies.pig_butchering.crypto_share),
        ] {
            check.share(field, share)?;
        }
        check.that(
            p.activity_tail > 1.0 && p.activity_tail <= 10.0,
            "population.activity_tail",
            "must be in (1, 10]",
        )?;
        let a = &self.activity;
        for (field, rate) in [
            ("merchant", a.merchant),
            ("p2p", a.p2p),
            ("online", a.online),
            ("cash_withdrawal", a.cash_withdrawal),
            ("cash_deposit", a.cash_deposit),
            ("b2b", a.b2b),
            ("casino", a.casino),
        ] {
            check.that(
                rate.is_finite() && (0.0..=1000.0).contains(&rate),
                &format!("activity.{field}"),
                "must be 0 to 1000 per day",
            )?;
        }
        for code in ["KHR", "THB", "VND", "MYR", "SGD", "CNY", "USDT"] {
            check.that(
                self.fx_per_usd.get(code).is_some_and(|r| r.is_finite() && *r > 0.0),
                &format!("fx_per_usd.{code}"),
                "needs a positive rate",
            )?;
        }
        for code in self.fx_per_usd.keys() {
            check.that(
                tonle_core::Currency::from_code(code).is_ok(),
                &format!("fx_per_usd.{code}"),
                "unknown currency",
            )?;
        }
        self.validate_typologies(&check)
    }

    fn validate_typologies(&self, check: &Checker) -> Result<(), ScenarioError> {
        let t = &self.typologies;
        let f = "typologies.";
        let pb = &t.pig_butchering;
        check.counts(&format!("{f}pig_butchering.victims"), pb.victims, 1, 200)?;
        check.counts(&format!("{f}pig_butchering.grooming_days"), pb.grooming_days, 0, 365)?;
        check.counts(&format!("{f}pig_butchering.deposits"), pb.deposits, 1, 50)?;
        check.amounts(&format!("{f}pig_butchering.first_deposit_usd"), pb.first_deposit_usd)?;
        check.range(&format!("{f}pig_butchering.growth"), pb.growth, 1.0, 10.0)?;
        check.counts(&format!("{f}pig_butchering.days_between"), pb.days_between, 0, 60)?;
        check.counts(&format!("{f}pig_butchering.payouts"), pb.payouts, 0, 10)?;
        check.counts(&format!("{f}pig_butchering.layers"), pb.layers, 1, 6)?;
        check.range(&format!("{f}pig_butchering.forward_share"), pb.forward_share, 0.01, 1.0)?;
        check.counts(&format!("{f}pig_butchering.forward_minutes"), pb.forward_minutes, 0, 1440)?;
        let mn = &t.mule_network;
        check.counts(&format!("{f}mule_network.victims"), mn.victims, 1, 1000)?;
        check.counts(&format!("{f}mule_network.days"), mn.days, 1, 365)?;
        check.amounts(&format!("{f}mule_network.amount_usd"), mn.amount_usd)?;
        check.counts(&format!("{f}mule_network.hops"), mn.hops, 1, 8)?;
        check.range(&format!("{f}mule_network.forward_share"), mn.forward_share, 0.01, 1.0)?;
        check.counts(&format!("{f}mule_network.forward_minutes"), mn.forward_minutes, 0, 1440)?;
        let ma = &t.mule_accounts;
        check.counts(&format!("{f}mule_accounts.accounts"), ma.accounts, 2, 200)?;
        check.counts(&format!("{f}mule_accounts.opening_days"), ma.opening_days, 1, 30)?;
        check.counts(&format!("{f}mule_accounts.devices"), ma.devices, 1, 20)?;
        check.counts(&format!("{f}mule_accounts.phones"), ma.phones, 1, 20)?;
        check.counts(&format!("{f}mule_accounts.receipts"), ma.receipts, 1, 200)?;
        check.amounts(&format!("{f}mule_accounts.amount_usd"), ma.amount_usd)?;
        check.range(&format!("{f}mule_accounts.forward_share"), ma.forward_share, 0.01, 1.0)?;
        check.counts(&format!("{f}mule_accounts.forward_minutes"), ma.forward_minutes, 0, 1440)?;
        let st = &t.structuring;
        check.counts(&format!("{f}structuring.days"), st.days, 1, 365)?;
        check.counts(&format!("{f}structuring.deposits_per_day"), st.deposits_per_day, 1, 20)?;
        check.range(&format!("{f}structuring.share_of_threshold"), st.share_of_threshold, 0.05, 0.999)?;
        for (name, pattern) in self.patterns() {
            check.counts(&format!("{f}{name}.degree"), pattern.degree, 2, 500)?;
            check.counts(&format!("{f}{name}.days"), pattern.days, 1, 365)?;
            check.amounts(&format!("{f}{name}.amount_usd"), pattern.amount_usd)?;
        }
        let d = &t.dormant_reactivation;
        check.counts(&format!("{f}dormant_reactivation.dormant_days"), d.dormant_days, 1, 3650)?;
        check.counts(&format!("{f}dormant_reactivation.inflows"), d.inflows, 1, 200)?;
        check.amounts(&format!("{f}dormant_reactivation.amount_usd"), d.amount_usd)?;
        check.counts(&format!("{f}dormant_reactivation.burst_days"), d.burst_days, 1, 30)?;
        if d.count > 0 {
            check.that(
                self.days >= d.dormant_days.high + d.burst_days.high + 3,
                &format!("{f}dormant_reactivation.dormant_days"),
                &format!(
                    "a {}-day scenario cannot show {} dormant days, a {}-day burst and 3 days of activity before",
                    self.days, d.dormant_days.high, d.burst_days.high
                ),
            )?;
        }
        let c = &t.casino;
        check.counts(&format!("{f}casino.deposits"), c.deposits, 1, 200)?;
        check.amounts(&format!("{f}casino.deposit_usd"), c.deposit_usd)?;
        check.range(&format!("{f}casino.payout_share"), c.payout_share, 0.01, 1.0)?;
        check.counts(&format!("{f}casino.days"), c.days, 1, 365)?;
        let needed = self.accounts_needed();
        check.that(
            needed <= self.population.persons as u64 / 2,
            "typologies",
            &format!(
                "the typologies need about {needed} existing accounts, more than half of the {} persons",
                self.population.persons
            ),
        )
    }

    /// The eight AMLworld patterns with their table names.
    pub fn patterns(&self) -> [(&'static str, &Pattern); 8] {
        let t = &self.typologies;
        [
            ("fan_in", &t.fan_in),
            ("fan_out", &t.fan_out),
            ("gather_scatter", &t.gather_scatter),
            ("scatter_gather", &t.scatter_gather),
            ("cycle", &t.cycle),
            ("random", &t.random),
            ("bipartite", &t.bipartite),
            ("stack", &t.stack),
        ]
    }

    /// A generous estimate of how many of the population's accounts the typologies take over.
    fn accounts_needed(&self) -> u64 {
        let t = &self.typologies;
        let pb = &t.pig_butchering;
        let mut needed = pb.count as u64 * (pb.victims.high as u64 + 3 * pb.layers.high as u64 + 2);
        needed +=
            t.mule_network.count as u64 * (t.mule_network.victims.high as u64 + t.mule_network.hops.high as u64 + 1);
        needed += t.mule_accounts.count as u64
            * (t.mule_accounts.receipts.high as u64 * t.mule_accounts.accounts.high as u64);
        needed += t.structuring.count as u64;
        for (_, p) in self.patterns() {
            needed += p.count as u64 * (2 * p.degree.high as u64 + 2);
        }
        needed += t.dormant_reactivation.count as u64 * (t.dormant_reactivation.inflows.high as u64 + 1);
        needed += t.casino.count as u64 * (t.casino.deposits.high as u64 + 2);
        needed += self.hard_negatives.family_cycles as u64 * 4;
        needed
    }
}

use chrono::Datelike;

struct Checker<'a> {
    origin: &'a str,
}

impl Checker<'_> {
    fn that(&self, ok: bool, field: &str, message: &str) -> Result<(), ScenarioError> {
        if ok {
            Ok(())
        } else {
            Err(ScenarioError::Invalid {
                origin: self.origin.to_owned(),
                field: field.to_owned(),
                message: message.to_owned(),
            })
        }
    }

    fn share(&self, field: &str, value: f64) -> Result<(), ScenarioError> {
        self.that((0.0..=1.0).contains(&value), field, &format!("{value} is not a share from 0 to 1"))
    }

    fn counts(&self, field: &str, span: Span<u32>, low: u32, high: u32) -> Result<(), ScenarioError> {
        self.that(
            span.low <= span.high && span.low >= low && span.high <= high,
            field,
            &format!("[{}, {}] must have low <= high, within [{low}, {high}]", span.low, span.high),
        )
    }

    fn range(&self, field: &str, span: Span<f64>, low: f64, high: f64) -> Result<(), ScenarioError> {
        self.that(
            span.low <= span.high && span.low >= low && span.high <= high,
            field,
            &format!("[{}, {}] must have low <= high, within [{low}, {high}]", span.low, span.high),
        )
    }

    fn amounts(&self, field: &str, span: Span<f64>) -> Result<(), ScenarioError> {
        self.range(field, span, 0.01, 1e9)
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} days from {}, {} persons)", self.name, self.days, self.start, self.population.persons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid() {
        for (name, text) in PRESETS {
            let scenario = Scenario::from_toml(text, name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(scenario.name, name);
            let again = Scenario::from_toml(&scenario.to_toml(), name).unwrap();
            assert_eq!(again, scenario, "{name} survives a TOML round trip");
        }
    }

    #[test]
    fn errors_name_the_field() {
        let base = "name = \"x\"\nstart = \"2026-01-01\"\ndays = 10\n[population]\npersons = 1000\nbusinesses = 10\nmerchants = 20\n";
        assert!(Scenario::from_toml(base, "t").is_ok());
        let typo = format!("{base}[activity]\nmerchnt = 1.0\n");
        let err = Scenario::from_toml(&typo, "t.toml").unwrap_err().to_string();
        assert!(err.contains("merchnt") && err.contains("t.toml") && err.contains("line"), "{err}");
        let bad = format!("{base}[typologies.mule_network]\ncount = 2\nforward_share = [0.9, 0.8]\n");
        let err = Scenario::from_toml(&bad, "t.toml").unwrap_err().to_string();
        assert!(err.contains("typologies.mule_network.forward_share"), "{err}");
        let short = base.replace("days = 10", "days = 30") + "[typologies.dormant_reactivation]\ncount = 1\n";
        let err = Scenario::from_toml(&short, "t.toml").unwrap_err().to_string();
        assert!(err.contains("dormant_days"), "{err}");
        let date = base.replace("2026-01-01", "2026-13-01");
        assert!(Scenario::from_toml(&date, "t").unwrap_err().to_string().contains("start"));
        assert!(matches!(Scenario::load("no-such-preset"), Err(ScenarioError::Unknown(_))));
    }
}
