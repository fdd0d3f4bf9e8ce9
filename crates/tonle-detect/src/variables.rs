//! The variables rules can read: a transaction's fields and its entities' window features, by name, with
//! their types and slots, and how to fill the slots of one transaction.
//!
//! Names:
//! - `amount` (money, in the base currency's major units), `channel` (enum of channel names), `cross_border`
//!   (bool: the two parties' countries are known and differ), `cross_currency` (bool: credited in another
//!   currency);
//! - `currency` (enum, domain `currency`: the currency the amount is debited in, one of [`CURRENCIES`], or
//!   `"other"` for any other code) and `local_amount` (money: the amount in that currency's major units, KHR
//!   39,000,000 reads `39000000.0`), for thresholds set in a local currency:
//!   `currency == "KHR" && local_amount >= 36_000_000.0`. Money mixes with money whatever its unit, so
//!   `local_amount / amount` is the rate of the transaction's currency against the base currency, and
//!   `creditor.in.sum_24h * (local_amount / amount)` reads a window sum in the local currency (exact when the
//!   window's payments were in that currency at that rate);
//! - `debtor_country`, `creditor_country` (enum, domain `country`: every ISO 3166-1 alpha-2 code, [`COUNTRIES`],
//!   plus `"other"` for a two-letter code outside it and `"unknown"` when the party has no country);
//! - `purpose` (enum, domain `purpose`: the common ISO 20022 purpose codes of [`PURPOSES`], `"other"` for any
//!   other text and `"none"` when the transaction carries no purpose);
//! - `graph.<motif>` (integers, from the money-flow graph, [`crate::graph::motifs`]): `graph.fan_in`,
//!   `graph.fan_out`, `graph.gather_scatter`, `graph.scatter_gather`, `graph.cycle` (edges of the shortest
//!   cycle this payment closes), `graph.chain` (hops of the mule chain it continues), `graph.ring` (accounts
//!   sharing its device, IP address or a phone number), `graph.bipartite`, `graph.stack`; 0 when nothing is
//!   found. A rule reading them starts the graph with the parameters of its file's `[graph]` table, and
//!   its reasons carry the ids of the transactions found;
//! - `model.score` (number, 0 to 1: the loaded model's probability that the transaction is illicit) and
//!   `model.anomaly` (number, 0 to 1: the isolation forest's anomaly score of the debtor's behaviour, computed
//!   only while a rule reads it; 0 when the model has none); a rule reading them needs a model loaded
//!   ([`crate::models`]);
//! - `screen.debtor.score`, `screen.creditor.score` (number, 0 to 1: the best listed match of the holder's
//!   name, 0 when none reaches the screener's threshold) and `screen.debtor.wallet`, `screen.creditor.wallet`
//!   (bool: the account is a listed crypto address); a rule reading them needs a screener
//!   ([`crate::screening`]);
//! - per role, with the prefix `debtor`, `creditor` (the accounts), `debtor_party`, `creditor_party`,
//!   `device`, `debtor_phone`, `creditor_phone`:
//!   - `<role>.<side>.<metric>_<horizon>`, side `out` or `in`, metric `count`, `distinct`,
//!     `new_counterparties` (integers) or `sum`, `max`, `mean` (money), horizon as written by
//!     [`horizon_label`] (`10m`, `1h`, `24h`, `7d`, `30d`): `creditor.in.distinct_24h`;
//!   - `<role>.since_last` (duration since the entity's previous event; +infinity when it has none),
//!     `<role>.age` (duration since it was first seen), `<role>.new_counterparty` (bool), `<role>.known`
//!     (bool: the entity had an earlier event).
//!
//! Money features are in the base currency's major units, like `amount`. A role the transaction lacks (no
//! device, say) reads as an entity never seen: counts and sums 0, `since_last` +infinity, `age` 0, `known`
//! and `new_counterparty` false.

use tonle_core::{Channel, CountryCode, Currency, Transaction};

use crate::features::{EntityFeatures, Role, Snapshot, MAX_HORIZONS};
use crate::graph::{GraphFacts, Motif, MOTIFS};
use crate::rules::expr::{Schema, Ty, Value};
use crate::screening::HIT_VARIABLES;

/// Role prefixes, in the slot order of [`Role::ALL`].
pub const ROLE_PREFIXES: [&str; 7] =
    ["debtor", "creditor", "debtor_party", "creditor_party", "device", "debtor_phone", "creditor_phone"];

const METRICS: [(&str, Ty); 6] = [
    ("count", Ty::Integer),
    ("sum", Ty::Money),
    ("max", Ty::Money),
    ("mean", Ty::Money),
    ("distinct", Ty::Integer),
    ("new_counterparties", Ty::Integer),
];

/// The currencies the `currency` variable names, in code order: the region's (Cambodia, Thailand, Vietnam,
/// Malaysia, Singapore, China and their neighbours), the major ones its cross-border payments use, and the
/// crypto assets tonle traces. Any other currency reads as `"other"`, the last value of the domain.
pub const CURRENCIES: [&str; 30] = [
    "USD", "KHR", "THB", "VND", "MYR", "SGD", "CNY", "LAK", "MMK", "IDR", "PHP", "BND", "HKD", "MOP", "TWD", "JPY",
    "KRW", "INR", "AUD", "NZD", "EUR", "GBP", "CHF", "CAD", "AED", "USDT", "USDC", "BTC", "TRX", "other",
];

/// The countries the `debtor_country` and `creditor_country` variables name, in code order: the 249 ISO 3166-1
/// alpha-2 codes, then `"other"` (a two-letter code outside ISO 3166-1, such as `XK`) and `"unknown"` (the party
/// has no country).
pub const COUNTRIES: [&str; 251] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD",
    "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA",
    "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE",
    "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA",
    "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP",
    "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT",
    "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
    "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
    "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS",
    "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST",
    "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
    "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA",
    "ZM", "ZW", "other", "unknown",
];

/// The purposes the `purpose` variable names, in code order: common ISO 20022 purpose codes (salaries, pensions,
/// suppliers, goods and services, rent, utilities, taxes, loans, trade, investment, securities, gambling, charity,
/// intra-company) and `FAMI`, the family-support code of remittances, then `"other"` (any other text) and
/// `"none"` (no purpose given). Matched exactly, upper case.
pub const PURPOSES: [&str; 22] = [
    "SALA", "PENS", "SUPP", "GDDS", "GDSV", "SCVE", "RENT", "ELEC", "PHON", "WTER", "TAXS", "LOAN", "TRAD", "INVS",
    "SECU", "GAMB", "CHAR", "INTC", "FAMI", "CASH", "other", "none",
];

/// Code of the `"other"` currency.
const OTHER_CURRENCY: u32 = CURRENCIES.len() as u32 - 1;
/// Codes of the `"other"` and `"unknown"` countries.
const OTHER_COUNTRY: u32 = COUNTRIES.len() as u32 - 2;
const UNKNOWN_COUNTRY: u32 = COUNTRIES.len() as u32 - 1;
/// Codes of the `"other"` and `"none"` purposes.
const OTHER_PURPOSE: u32 = PURPOSES.len() as u32 - 2;
const NO_PURPOSE: u32 = PURPOSES.len() as u32 - 1;

/// The `currency` code of a currency: a scan of [`CURRENCIES`], whose first entries (US dollar, riel, baht) are
/// nearly every transaction's in this region.
fn currency_code(currency: Currency) -> u32 {
    let code = currency.code();
    CURRENCIES[..CURRENCIES.len() - 1].iter().position(|c| *c == code).map_or(OTHER_CURRENCY, |i| i as u32)
}

/// Index of a two-letter upper-case code in a 26 x 26 table; codes are two ASCII letters by construction.
fn country_index(country: CountryCode) -> usize {
    let bytes = country.as_str().as_bytes();
    let letter = |i: usize| bytes.get(i).map_or(0, |b| usize::from(b.wrapping_sub(b'A')).min(25));
    letter(0) * 26 + letter(1)
}

/// The `purpose` code of a transaction's purpose.
fn purpose_code(purpose: Option<&str>) -> u32 {
    match purpose {
        None => NO_PURPOSE,
        Some(text) => {
            PURPOSES[..PURPOSES.len() - 2].iter().position(|p| *p == text).map_or(OTHER_PURPOSE, |i| i as u32)
        }
    }
}

/// A horizon in milliseconds as rules name it, in the largest whole unit of days, hours, minutes or seconds,
/// except that one day reads `24h`: `600000` is `10m`, `86400000` is `24h`, `604800000` is `7d`.
pub fn horizon_label(millis: i64) -> String {
    const UNITS: [(i64, &str); 4] = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1_000, "s")];
    for (unit, suffix) in UNITS {
        if millis % unit == 0 {
            // 24 hours reads better as `24h` than `1d`, as rule authors write it.
            if suffix == "d" && millis == unit {
                return "24h".to_owned();
            }
            return format!("{}{suffix}", millis / unit);
        }
    }
    format!("{millis}ms")
}

/// The catalogue of variables for one window configuration: a schema to compile rules against, and where
/// each feature goes.
#[derive(Debug, Clone)]
pub struct Variables {
    schema: Schema,
    /// The horizons' lengths (ms), in the order of their variables (at most `MAX_HORIZONS`).
    horizon_millis: Vec<i64>,
    /// Minor units per major unit of the base currency: the feature store sums minor units.
    minor_per_major: f64,
    /// Slots of the transaction fields.
    amount: usize,
    channel: usize,
    cross_border: usize,
    cross_currency: usize,
    currency: usize,
    local_amount: usize,
    debtor_country: usize,
    creditor_country: usize,
    purpose: usize,
    /// Slot of the first `graph.*` variable; the others follow in the order of [`Motif::ALL`].
    graph: usize,
    /// Slots of `model.score` and `model.anomaly`.
    model: [usize; 2],
    /// Slots of the `screen.*` variables, in the order of [`HIT_VARIABLES`].
    screen: [usize; 4],
    /// The `country` code of every two-letter code, indexed by [`country_index`]: a lookup instead of a search.
    countries: Box<[u32; 26 * 26]>,
    /// Per role: the slot of its first variable; the role's variables follow in a fixed order.
    roles: [usize; 7],
}

/// Variables per role besides the window metrics: since_last, age, new_counterparty, known.
const ROLE_SCALARS: usize = 4;

impl Variables {
    /// The catalogue for these horizons (milliseconds, as in the feature store's configuration), with money
    /// features in a base currency of `minor_per_major` minor units (100 for US dollars).
    pub fn new(horizons: &[i64], minor_per_major: i64) -> Variables {
        let mut schema = Schema::new();
        let channels: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
        let channel_ty = schema.domain("channel", &channels);
        let amount = schema.var("amount", Ty::Money);
        let channel = schema.var("channel", channel_ty);
        let cross_border = schema.var("cross_border", Ty::Bool);
        let cross_currency = schema.var("cross_currency", Ty::Bool);
        let currency_ty = schema.domain("currency", &CURRENCIES);
        let currency = schema.var("currency", currency_ty);
        let local_amount = schema.var("local_amount", Ty::Money);
        let country_ty = schema.domain("country", &COUNTRIES);
        let debtor_country = schema.var("debtor_country", country_ty);
        let creditor_country = schema.var("creditor_country", country_ty);
        let purpose_ty = schema.domain("purpose", &PURPOSES);
        let purpose = schema.var("purpose", purpose_ty);
        let graph = schema.len();
        for motif in Motif::ALL {
            schema.var(&format!("graph.{}", motif.name()), Ty::Integer);
        }
        let model = [schema.var("model.score", Ty::Number), schema.var("model.anomaly", Ty::Number)];
        let screen =
            HIT_VARIABLES.map(|name| schema.var(name, if name.ends_with("wallet") { Ty::Bool } else { Ty::Number }));
        let mut countries = Box::new([OTHER_COUNTRY; 26 * 26]);
        for (code, country) in COUNTRIES[..COUNTRIES.len() - 2].iter().enumerate() {
            if let Ok(country) = CountryCode::new(country) {
                countries[country_index(country)] = code as u32;
            }
        }
        // The feature store keeps at most MAX_HORIZONS windows (and refuses more); variables past them would
        // be read as some other slot's.
        let horizon_millis: Vec<i64> = horizons.iter().take(MAX_HORIZONS).copied().collect();
        let labels: Vec<String> = horizon_millis.iter().map(|h| horizon_label(*h)).collect();
        let mut roles = [0; 7];
        for (role, prefix) in ROLE_PREFIXES.iter().enumerate() {
            roles[role] = schema.len();
            schema.var(&format!("{prefix}.since_last"), Ty::Duration);
            schema.var(&format!("{prefix}.age"), Ty::Duration);
            schema.var(&format!("{prefix}.new_counterparty"), Ty::Bool);
            schema.var(&format!("{prefix}.known"), Ty::Bool);
            for side in ["out", "in"] {
                for label in &labels {
                    for (metric, ty) in METRICS {
                        schema.var(&format!("{prefix}.{side}.{metric}_{label}"), ty);
                    }
                }
            }
        }
        Variables {
            schema,
            horizon_millis,
            minor_per_major: minor_per_major.max(1) as f64,
            amount,
            channel,
            cross_border,
            cross_currency,
            currency,
            local_amount,
            debtor_country,
            creditor_country,
            purpose,
            graph,
            model,
            screen,
            countries,
            roles,
        }
    }

    /// The schema rules are compiled against.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The (horizon index, side) of the window whose largest amount a slot holds, if it holds one (side 0 is
    /// `out`, 1 `in`).
    pub fn maximum_of(&self, slot: usize) -> Option<(usize, usize)> {
        self.window_metric(slot).filter(|(_, _, metric)| *metric == "max").map(|(horizon, side, _)| (horizon, side))
    }

    /// The horizon index of the window whose counts a slot reads (count, sum, mean, distinct or new
    /// counterparties; not its maximum, see [`Variables::maximum_of`]), if it reads one.
    pub fn window_of(&self, slot: usize) -> Option<usize> {
        self.window_metric(slot).filter(|(_, _, metric)| *metric != "max").map(|(horizon, _, _)| horizon)
    }

    /// The length (ms) of the window a slot reads (any metric, the maximum included), if it reads one.
    pub fn horizon_of(&self, slot: usize) -> Option<i64> {
        self.window_metric(slot).and_then(|(horizon, _, _)| self.horizon_millis.get(horizon).copied())
    }

    /// The (horizon index, side, metric name) of a role's window slot, if the slot is one.
    fn window_metric(&self, slot: usize) -> Option<(usize, usize, &'static str)> {
        let role = self.roles.iter().rposition(|first| *first <= slot)?;
        let index = slot.checked_sub(self.roles[role] + ROLE_SCALARS)?;
        let per_side = self.horizon_millis.len() * METRICS.len();
        let (side, rest) = (index / per_side, index % per_side);
        let (horizon, metric) = (rest / METRICS.len(), rest % METRICS.len());
        (side < 2).then_some((horizon, side, METRICS[metric].0))
    }

    /// The graph detector a slot reads, if any.
    pub fn motif_of(&self, slot: usize) -> Option<Motif> {
        slot.checked_sub(self.graph).and_then(|i| Motif::ALL.get(i).copied())
    }

    /// Whether a slot is one of a model's scores (`model.score`, `model.anomaly`).
    pub fn is_model_output(&self, slot: usize) -> bool {
        self.model.contains(&slot)
    }

    /// Whether a slot is `model.anomaly`.
    pub fn is_anomaly(&self, slot: usize) -> bool {
        self.model[1] == slot
    }

    /// Fills the `model.*` slots: the classifier's probability and the anomaly score (0 when absent).
    pub fn fill_model(&self, score: f64, anomaly: f64, slots: &mut [Value]) {
        slots[self.model[0]] = Value::num(score);
        slots[self.model[1]] = Value::num(anomaly);
    }

    /// Which `screen.*` variable a slot is, by its index in [`HIT_VARIABLES`].
    pub fn screen_of(&self, slot: usize) -> Option<usize> {
        self.screen.iter().position(|s| *s == slot)
    }

    /// Fills the `screen.*` slots from the hits' scores (in the order of [`HIT_VARIABLES`]; 0 for none).
    pub fn fill_screen(&self, scores: [f64; 4], slots: &mut [Value]) {
        for (i, score) in scores.into_iter().enumerate() {
            slots[self.screen[i]] = if i % 2 == 1 { Value::bool(score > 0.0) } else { Value::num(score) };
        }
    }

    /// Fills the `graph.*` slots from what the detectors found (after [`Variables::fill`]).
    pub fn fill_graph(&self, facts: &GraphFacts, slots: &mut [Value]) {
        for (i, value) in facts.values.iter().enumerate().take(MOTIFS) {
            slots[self.graph + i] = Value::int(*value as i64);
        }
    }

    /// Fills the slots of one transaction: its own fields, and the features of the roles flagged in `roles`
    /// (slot order of [`Role::ALL`]; the others' slots keep what they held, so flag every role the rules
    /// read). `amount` is its amount in the base currency's major units, `snapshot` its entities' features
    /// (from the feature store, at the transaction's time).
    pub fn fill(&self, tx: &Transaction, amount: f64, snapshot: &Snapshot, roles: &[bool; 7], slots: &mut Vec<Value>) {
        if slots.len() != self.schema.len() {
            slots.clear();
            slots.resize(self.schema.len(), Value::default());
        }
        slots[self.amount] = Value::num(amount);
        // The channel domain is declared in the order of Channel::ALL, which is the enum's order.
        slots[self.channel] = Value::code(tx.channel as u32);
        let cross_border = matches!((tx.debtor.country, tx.creditor.country), (Some(a), Some(b)) if a != b);
        slots[self.cross_border] = Value::bool(cross_border);
        slots[self.cross_currency] = Value::bool(tx.received.is_some_and(|r| r.currency() != tx.amount.currency()));
        let currency = tx.amount.currency();
        slots[self.currency] = Value::code(currency_code(currency));
        slots[self.local_amount] = Value::num(tx.amount.minor() as f64 / currency.minor_per_major() as f64);
        let country = |party: Option<CountryCode>| party.map_or(UNKNOWN_COUNTRY, |c| self.countries[country_index(c)]);
        slots[self.debtor_country] = Value::code(country(tx.debtor.country));
        slots[self.creditor_country] = Value::code(country(tx.creditor.country));
        slots[self.purpose] = Value::code(purpose_code(tx.purpose.as_ref().map(|p| p.as_str())));
        let time = tx.time.millis();
        for role in Role::ALL {
            if roles[role as usize] {
                self.fill_role(self.roles[role as usize], snapshot.get(role), time, slots);
            }
        }
    }

    fn fill_role(&self, first: usize, features: Option<&EntityFeatures>, time: i64, slots: &mut [Value]) {
        let seconds = |millis: i64| millis as f64 / 1000.0;
        let Some(f) = features else {
            slots[first] = Value::num(f64::INFINITY);
            slots[first + 1] = Value::num(0.0);
            slots[first + 2] = Value::bool(false);
            slots[first + 3] = Value::bool(false);
            return;
        };
        slots[first] = Value::num(f.since_last.map_or(f64::INFINITY, seconds));
        slots[first + 1] = Value::num(seconds(time - f.first_seen));
        slots[first + 2] = Value::bool(f.new_counterparty);
        slots[first + 3] = Value::bool(f.since_last.is_some());
        let mut slot = first + ROLE_SCALARS;
        for side in 0..2 {
            for window in f.windows.iter().take(self.horizon_millis.len()) {
                let w = window[side];
                let major = |minor: i64| minor as f64 / self.minor_per_major;
                let mean = if w.count == 0 { 0.0 } else { major(w.sum) / w.count as f64 };
                for value in [
                    Value::int(w.count as i64),
                    Value::num(major(w.sum)),
                    Value::num(major(w.max)),
                    Value::num(mean),
                    Value::int(w.distinct as i64),
                    Value::int(w.new_counterparties as i64),
                ] {
                    slots[slot] = value;
                    slot += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tonle_core::{AccountId, EventTime, Money, Party, Text, TxId};

    use super::*;
    use crate::features::{FeatureStore, WindowConfig};
    use crate::rules::expr::compile;

    fn payment(id: &str, minute: i64, from: &str, to: &str, cents: i64, channel: Channel) -> Transaction {
        let account = |a: &str| Party::account(AccountId::new(a).unwrap());
        Transaction::new(
            TxId::new(id).unwrap(),
            EventTime::from_millis(1_767_225_600_000 + minute * 60_000).unwrap(),
            account(from),
            account(to),
            Money::from_minor(cents, Currency::USD),
            channel,
        )
    }

    #[test]
    fn maxima_are_found_by_slot() {
        let variables = Variables::new(&WindowConfig::default().horizons, 100);
        let schema = variables.schema();
        let slot = |name: &str| schema.slot(name).unwrap().0;
        assert_eq!(variables.maximum_of(slot("creditor.in.max_7d")), Some((3, 1)));
        assert_eq!(variables.maximum_of(slot("debtor.out.max_10m")), Some((0, 0)));
        assert_eq!(variables.maximum_of(slot("creditor_phone.in.max_30d")), Some((4, 1)));
        for name in ["amount", "debtor.since_last", "creditor.in.mean_7d", "device.out.sum_10m", "debtor.in.count_30d"]
        {
            assert_eq!(variables.maximum_of(slot(name)), None, "{name}");
        }
        let every_max = (0..schema.len()).filter(|s| variables.maximum_of(*s).is_some()).count();
        assert_eq!(every_max, 7 * 2 * 5);
    }

    #[test]
    fn currency_local_amount_countries_and_purpose() {
        let variables = Variables::new(&WindowConfig::default().horizons, 100);
        let schema = variables.schema();
        let kh_threshold = compile(
            schema,
            "currency == \"KHR\" && local_amount >= 36_000_000.0 && local_amount < 40_000_000.0 \
             && amount < 10_000.0 && debtor_country == \"KH\" && creditor_country == \"unknown\" && purpose == \"none\"",
        )
        .unwrap();
        let rate = compile(schema, "local_amount / amount == 4100.0").unwrap();
        let abroad = compile(
            schema,
            "currency == \"other\" && creditor_country == \"other\" && debtor_country != \"unknown\" \
             && purpose == \"GAMB\"",
        )
        .unwrap();
        let free_text = compile(schema, "purpose == \"other\" && currency == \"USD\"").unwrap();
        assert!(compile(schema, "currency == \"KHX\"").is_err(), "a typo in a currency is an error at load");
        assert!(compile(schema, "creditor_country == \"ZZ\"").is_err(), "ZZ is not an ISO 3166-1 code");
        let (store_config, mut snapshot, mut slots) = (WindowConfig::default(), Snapshot::default(), Vec::new());
        let mut store = FeatureStore::new(store_config).unwrap();
        let country = |code: &str| Some(CountryCode::new(code).unwrap());

        // KHR 39,000,000 from a Cambodian account to an account of no known country, no purpose.
        let mut riel = payment("t0", 0, "A", "B", 3_900_000_000, Channel::CashDeposit);
        riel.amount = Money::from_minor(3_900_000_000, Currency::KHR);
        riel.debtor.country = country("KH");
        store.observe_transaction(&riel, 951_219, &mut snapshot).unwrap();
        variables.fill(&riel, 39_000_000.0 / 4100.0, &snapshot, &[true; 7], &mut slots);
        assert!(kh_threshold.eval(&slots) && rate.eval(&slots) && !abroad.eval(&slots) && !free_text.eval(&slots));
        let described =
            |slots: &[Value], name: &str| schema.slot(name).and_then(|(slot, _)| schema.describe(slot, slots[slot]));
        assert_eq!(described(&slots, "local_amount").as_deref(), Some("39000000"));
        assert_eq!(described(&slots, "creditor_country").as_deref(), Some("unknown"));

        // South African rand (not in the list), to a Kosovo (XK, not ISO 3166-1) account, purpose GAMB.
        let mut rand = payment("t1", 1, "A", "C", 50_000, Channel::BankTransfer);
        rand.amount = Money::from_minor(50_000, Currency::from_code("ZAR").unwrap());
        rand.debtor.country = country("MY");
        rand.creditor.country = country("XK");
        rand.purpose = Some(Text::new("GAMB").unwrap());
        store.observe_transaction(&rand, 2_700, &mut snapshot).unwrap();
        variables.fill(&rand, 27.0, &snapshot, &[true; 7], &mut slots);
        assert!(abroad.eval(&slots) && !kh_threshold.eval(&slots));
        assert_eq!(described(&slots, "currency").as_deref(), Some("other"));
        assert_eq!(described(&slots, "debtor_country").as_deref(), Some("MY"));

        // A purpose outside the list reads "other".
        let mut text = payment("t2", 2, "A", "C", 100, Channel::BankTransfer);
        text.purpose = Some(Text::new("rent for May").unwrap());
        store.observe_transaction(&text, 100, &mut snapshot).unwrap();
        variables.fill(&text, 1.0, &snapshot, &[true; 7], &mut slots);
        assert!(free_text.eval(&slots));

        // The lookup tables agree with the schema's domains, value by value.
        let (_, country_ty) = schema.slot("creditor_country").unwrap();
        for (code, name) in COUNTRIES[..COUNTRIES.len() - 2].iter().enumerate() {
            let index = country_index(CountryCode::new(name).unwrap());
            assert_eq!((variables.countries[index], schema.code(country_ty, name)), (code as u32, code as u32));
        }
        let (_, currency_ty) = schema.slot("currency").unwrap();
        for name in &CURRENCIES[..CURRENCIES.len() - 1] {
            let code = currency_code(Currency::from_code(name).unwrap());
            assert_eq!(code, schema.code(currency_ty, name), "{name}");
        }
        let (_, purpose_ty) = schema.slot("purpose").unwrap();
        for name in &PURPOSES[..PURPOSES.len() - 2] {
            assert_eq!(purpose_code(Some(name)), schema.code(purpose_ty, name), "{name}");
        }
    }

    #[test]
    fn horizon_labels() {
        assert_eq!(horizon_label(600_000), "10m");
        assert_eq!(horizon_label(3_600_000), "1h");
        assert_eq!(horizon_label(86_400_000), "24h");
        assert_eq!(horizon_label(7 * 86_400_000), "7d");
        assert_eq!(horizon_label(90_000), "90s");
    }

    #[test]
    fn rules_read_the_features_of_the_transaction() {
        let config = WindowConfig::default();
        let variables = Variables::new(&config.horizons, 100);
        let schema = variables.schema();
        let fan_in = compile(schema, "creditor.in.distinct_1h >= 3 && creditor.in.sum_1h >= 300.0").unwrap();
        let first_time =
            compile(schema, "!debtor.known && debtor.since_last > 3650d && debtor_phone.age == 0s").unwrap();
        let cash = compile(schema, "channel == \"cash-deposit\" && amount > 99.0 && !cross_border").unwrap();
        let mean = compile(schema, "creditor.in.mean_10m == 100.0 && creditor.in.max_24h == 100.0").unwrap();
        let mut store = FeatureStore::new(config).unwrap();
        let mut snapshot = Snapshot::default();
        let mut slots = Vec::new();
        let mut verdicts = Vec::new();
        for (i, from) in ["V1", "V2", "V3"].iter().enumerate() {
            let tx = payment(&format!("t{i}"), i as i64, from, "MULE", 10_000, Channel::Khqr);
            store.observe_transaction(&tx, 10_000, &mut snapshot).unwrap();
            variables.fill(&tx, 100.0, &snapshot, &[true; 7], &mut slots);
            verdicts.push((fan_in.eval(&slots), first_time.eval(&slots), cash.eval(&slots), mean.eval(&slots)));
        }
        assert_eq!(verdicts, [(false, true, false, true), (false, true, false, true), (true, true, false, true)]);
        let tx = payment("t3", 5, "V1", "MULE", 10_000, Channel::CashDeposit);
        store.observe_transaction(&tx, 10_000, &mut snapshot).unwrap();
        variables.fill(&tx, 100.0, &snapshot, &[true; 7], &mut slots);
        assert!(cash.eval(&slots) && fan_in.eval(&slots));
        assert!(!first_time.eval(&slots), "V1 is known now");
    }
}
