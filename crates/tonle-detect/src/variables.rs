//! The variables rules can read: a transaction's fields and its entities' window features, by name, with
//! their types and slots, and how to fill the slots of one transaction.
//!
//! Names:
//! - `amount` (money, in the base currency's major units), `channel` (enum of channel names), `cross_border`
//!   (bool: the two parties' countries are known and differ), `cross_currency` (bool: credited in another
//!   currency);
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

use tonle_core::{Channel, Transaction};

use crate::features::{EntityFeatures, Role, Snapshot, MAX_HORIZONS};
use crate::rules::expr::{Schema, Ty, Value};

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
    horizons: usize,
    /// Minor units per major unit of the base currency: the feature store sums minor units.
    minor_per_major: f64,
    /// Slots of the transaction fields.
    amount: usize,
    channel: usize,
    cross_border: usize,
    cross_currency: usize,
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
        let labels: Vec<String> = horizons.iter().map(|h| horizon_label(*h)).collect();
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
            horizons: horizons.len().min(MAX_HORIZONS),
            minor_per_major: minor_per_major.max(1) as f64,
            amount,
            channel,
            cross_border,
            cross_currency,
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
        let role = self.roles.iter().rposition(|first| *first <= slot)?;
        let index = slot.checked_sub(self.roles[role] + ROLE_SCALARS)?;
        let per_side = self.horizons * METRICS.len();
        let (side, rest) = (index / per_side, index % per_side);
        let (horizon, metric) = (rest / METRICS.len(), rest % METRICS.len());
        (side < 2 && METRICS[metric].0 == "max").then_some((horizon, side))
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
            for window in f.windows.iter().take(self.horizons) {
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
    use tonle_core::{AccountId, Currency, EventTime, Money, Party, TxId};

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
