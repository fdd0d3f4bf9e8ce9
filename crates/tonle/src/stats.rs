//! Describing a set of transactions: rows, time span, accounts, totals per currency, channels, and the share of
//! each ground-truth typology. Memory grows with the number of distinct accounts, never with rows.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hash, Hasher};

use rustc_hash::FxBuildHasher;

use crate::distinct::DistinctCounter;

use serde_json::{json, Value};
use tonle_core::{Channel, Currency, EventTime, FxTable, LabelledTransaction, Party};

/// Running totals over a stream of transactions.
#[derive(Debug, Default)]
pub struct Summary {
    rows: u64,
    first: Option<EventTime>,
    last: Option<EventTime>,
    /// 64-bit hashes of (institution, account): AMLworld reuses account numbers across banks. With a million
    /// accounts the chance that two share a hash is about 3 in 100 million.
    accounts: DistinctCounter,
    per_currency: BTreeMap<Currency, CurrencyTotal>,
    per_channel: BTreeMap<Channel, u64>,
    labelled: u64,
    illicit: u64,
    /// Per typology name (`-` for labels without one): (rows, illicit rows).
    per_typology: BTreeMap<String, (u64, u64)>,
    /// Totals converted into a base currency, when exchange rates were given.
    in_base: Option<BaseTotal>,
}

/// Every amount converted into one currency at the rate of its day.
#[derive(Debug)]
struct BaseTotal {
    fx: FxTable,
    rows: u64,
    minor: i128,
    /// Rows that could not be converted (no rate on or before their day), per currency.
    unconverted: BTreeMap<Currency, u64>,
}

/// Count and exact sum of the amounts in one currency.
#[derive(Debug, Default, Clone, Copy)]
struct CurrencyTotal {
    rows: u64,
    minor: i128,
}

fn account_key(party: &Party) -> u64 {
    let mut hasher = FxBuildHasher.build_hasher();
    party.institution.hash(&mut hasher);
    party.account.hash(&mut hasher);
    hasher.finish()
}

impl Summary {
    /// A summary that also totals every amount in the base currency of `fx`.
    pub fn with_fx(fx: FxTable) -> Summary {
        Summary {
            in_base: Some(BaseTotal { fx, rows: 0, minor: 0, unconverted: BTreeMap::new() }),
            ..Summary::default()
        }
    }

    /// Adds one record.
    pub fn add(&mut self, record: &LabelledTransaction) {
        let tx = &record.tx;
        self.rows += 1;
        self.first = Some(self.first.map_or(tx.time, |t| t.min(tx.time)));
        self.last = Some(self.last.map_or(tx.time, |t| t.max(tx.time)));
        self.accounts.insert(account_key(&tx.debtor));
        self.accounts.insert(account_key(&tx.creditor));
        let total = self.per_currency.entry(tx.amount.currency()).or_default();
        total.rows += 1;
        total.minor += i128::from(tx.amount.minor());
        *self.per_channel.entry(tx.channel).or_default() += 1;
        if let Some(base) = &mut self.in_base {
            match base.fx.to_base(tx.amount, tx.time.date()) {
                Ok(converted) => {
                    base.rows += 1;
                    base.minor += i128::from(converted.minor());
                }
                Err(_) => *base.unconverted.entry(tx.amount.currency()).or_default() += 1,
            }
        }
        if let Some(label) = &record.label {
            self.labelled += 1;
            self.illicit += u64::from(label.illicit);
            let name = label.typology.as_ref().map_or("-", |t| t.as_str());
            // Look up before inserting, so the name is copied once per typology, not once per row.
            let entry = match self.per_typology.get_mut(name) {
                Some(entry) => entry,
                None => self.per_typology.entry(name.to_owned()).or_default(),
            };
            entry.0 += 1;
            entry.1 += u64::from(label.illicit);
        }
    }

    /// Rows seen.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Distinct accounts seen, debtor or creditor.
    pub fn accounts(&self) -> usize {
        self.accounts.len()
    }

    /// The summary as JSON, for scripts.
    pub fn to_json(&self) -> Value {
        let currencies: Vec<Value> = self
            .per_currency
            .iter()
            .map(|(currency, total)| {
                json!({"currency": currency.code(), "rows": total.rows, "total": major_units(total.minor, *currency)})
            })
            .collect();
        let channels: BTreeMap<&str, u64> = self.per_channel.iter().map(|(c, n)| (c.as_str(), *n)).collect();
        let typologies: Vec<Value> = self
            .per_typology
            .iter()
            .map(|(name, (rows, illicit))| {
                json!({"typology": name, "rows": rows, "illicit": illicit, "share": share(*rows, self.rows)})
            })
            .collect();
        let in_base = self.in_base.as_ref().map(|base| {
            let unconverted: BTreeMap<&str, u64> = base.unconverted.iter().map(|(c, n)| (c.code(), *n)).collect();
            json!({
                "currency": base.fx.base().code(),
                "rows": base.rows,
                "total": major_units(base.minor, base.fx.base()),
                "unconverted": unconverted,
            })
        });
        json!({
            "rows": self.rows,
            "first": self.first.map(|t| t.to_string()),
            "last": self.last.map(|t| t.to_string()),
            "accounts": self.accounts.len(),
            "currencies": currencies,
            "in_base": in_base,
            "channels": channels,
            "labelled": self.labelled,
            "illicit": self.illicit,
            "typologies": typologies,
        })
    }
}

/// An exact sum of minor units as a major-unit decimal.
fn major_units(minor: i128, currency: Currency) -> String {
    let places = u32::from(currency.exponent());
    let unit = 10u128.pow(places);
    let magnitude = minor.unsigned_abs();
    let sign = if minor < 0 { "-" } else { "" };
    if places == 0 {
        format!("{sign}{magnitude}")
    } else {
        format!("{sign}{}.{:0width$}", magnitude / unit, magnitude % unit, width = places as usize)
    }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

impl Summary {
    /// The summary as a table, for people.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "rows        {}", self.rows);
        match (self.first, self.last) {
            (Some(first), Some(last)) => {
                let days = (last.millis() - first.millis()) as f64 / 86_400_000.0;
                let _ = writeln!(out, "time span   {first} .. {last} ({days:.1} days)");
            }
            _ => {
                let _ = writeln!(out, "time span   (no rows)");
            }
        }
        let _ = writeln!(out, "accounts    {}", self.accounts.len());
        let _ = writeln!(out, "totals per currency:");
        for (currency, total) in &self.per_currency {
            let _ = writeln!(
                out,
                "  {:<5} {:>12} rows  {:>28}",
                currency.code(),
                total.rows,
                major_units(total.minor, *currency)
            );
        }
        if let Some(base) = &self.in_base {
            let _ = writeln!(
                out,
                "  in {:<5}   {:>12} rows  {:>28}",
                base.fx.base().code(),
                base.rows,
                major_units(base.minor, base.fx.base())
            );
            for (currency, rows) in &base.unconverted {
                let _ = writeln!(out, "  ({rows} {} rows have no rate on or before their day)", currency.code());
            }
        }
        let _ = writeln!(out, "channels:");
        for (channel, rows) in &self.per_channel {
            let _ = writeln!(
                out,
                "  {:<16} {:>12} rows  {:>7.3}%",
                channel.as_str(),
                rows,
                100.0 * share(*rows, self.rows)
            );
        }
        if self.labelled == 0 {
            let _ = writeln!(out, "labels      none (unlabelled source)");
        } else {
            let _ = writeln!(
                out,
                "labelled    {} rows, {} illicit ({:.3}%)",
                self.labelled,
                self.illicit,
                100.0 * share(self.illicit, self.labelled)
            );
            let _ = writeln!(out, "typologies (rows, share of all rows, illicit rows):");
            for (name, (rows, illicit)) in &self.per_typology {
                let shown = if name == "-" { "(none)" } else { name.as_str() };
                let _ = writeln!(
                    out,
                    "  {:<22} {:>12}  {:>7.3}%  {:>12}",
                    shown,
                    rows,
                    100.0 * share(*rows, self.rows),
                    illicit
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonle_core::{AccountId, InstitutionId, Label, Money, Transaction, TxId, Typology};

    fn record(
        id: &str,
        time: i64,
        bank: &str,
        from: &str,
        to: &str,
        amount: Money,
        label: Option<Label>,
    ) -> LabelledTransaction {
        let party =
            |account: &str| Party::at(AccountId::new(account).unwrap(), Some(InstitutionId::new(bank).unwrap()));
        LabelledTransaction {
            tx: Transaction::new(
                TxId::new(id).unwrap(),
                EventTime::from_millis(time).unwrap(),
                party(from),
                party(to),
                amount,
                Channel::Khqr,
            ),
            label,
        }
    }

    #[test]
    fn counts_totals_and_shares() {
        let mut summary = Summary::default();
        let usd = |minor| Money::from_minor(minor, Currency::USD);
        summary.add(&record("1", 2_000, "b1", "A", "B", usd(1050), Some(Label::licit())));
        summary.add(&record("2", 1_000, "b1", "B", "C", usd(i64::MAX), Some(Label::illicit(Some(Typology::FanIn)))));
        summary.add(&record("3", 3_000, "b2", "A", "C", usd(i64::MAX), Some(Label::illicit(Some(Typology::FanIn)))));
        summary.add(&record("4", 4_000, "b2", "A", "C", Money::from_minor(5, Currency::VND), None));
        let json = summary.to_json();
        assert_eq!(json["rows"], 4);
        assert_eq!(json["accounts"], 5); // b1:A, b1:B, b1:C, b2:A, b2:C
        assert_eq!(json["first"], "1970-01-01T00:00:01.000Z");
        assert_eq!(json["last"], "1970-01-01T00:00:04.000Z");
        assert_eq!(json["currencies"][0]["currency"], "USD");
        assert_eq!(json["currencies"][0]["total"], "184467440737095526.64"); // 2 * i64::MAX + 1050, no overflow
        assert_eq!(json["currencies"][1]["total"], "5");
        assert_eq!(json["labelled"], 3);
        assert_eq!(json["illicit"], 2);
        assert_eq!(json["typologies"][1]["typology"], "fan-in");
        assert_eq!(json["typologies"][1]["share"], 0.5);
        assert!(summary.to_table().contains("fan-in"));
    }
}
