//! The tiny preset, simulated once and shared by the tests, with indexes over its output.

use std::collections::HashMap;
use std::sync::OnceLock;

use tonle_core::{AccountRecord, AccountRole, LabelledTransaction, Money, Typology};
use tonle_sim::{Scenario, ScenarioSummary, Simulation};

pub struct Output {
    pub scenario: Scenario,
    pub transactions: Vec<LabelledTransaction>,
    pub accounts: HashMap<String, AccountRecord>,
    pub scenarios: Vec<ScenarioSummary>,
}

pub fn run(scenario: &Scenario, seed: u64) -> Output {
    let mut simulation = Simulation::new(scenario, seed);
    let accounts = simulation.accounts().map(|a| (a.account.as_str().to_owned(), a)).collect();
    let mut transactions = Vec::new();
    while simulation.fill(&mut transactions, 100_000) > 0 {}
    Output { scenario: scenario.clone(), transactions, accounts, scenarios: simulation.scenarios() }
}

pub fn tiny() -> &'static Output {
    static OUTPUT: OnceLock<Output> = OnceLock::new();
    OUTPUT.get_or_init(|| run(&Scenario::preset("tiny").expect("tiny preset"), 7))
}

impl Output {
    /// The transactions of each scenario of a typology, in time order.
    pub fn instances(&self, typology: Typology) -> Vec<Vec<&LabelledTransaction>> {
        let mut by_scenario: Vec<(String, Vec<&LabelledTransaction>)> = Vec::new();
        for t in &self.transactions {
            let Some(label) = &t.label else { continue };
            if label.typology.as_ref() != Some(&typology) {
                continue;
            }
            let id = label.scenario.as_ref().expect("typology rows have a scenario").as_str().to_owned();
            match by_scenario.iter_mut().find(|(s, _)| *s == id) {
                Some((_, rows)) => rows.push(t),
                None => by_scenario.push((id, vec![t])),
            }
        }
        by_scenario.into_iter().map(|(_, rows)| rows).collect()
    }

    /// The transactions of scenarios of a kind (`payroll`, `family-cycle`), by scenario.
    pub fn kind(&self, prefix: &str) -> Vec<Vec<&LabelledTransaction>> {
        let mut by_scenario: HashMap<String, Vec<&LabelledTransaction>> = HashMap::new();
        for t in &self.transactions {
            if let Some(id) = t.label.as_ref().and_then(|l| l.scenario.as_ref()) {
                if id.as_str().starts_with(prefix) && id.as_str()[prefix.len()..].starts_with('-') {
                    by_scenario.entry(id.as_str().to_owned()).or_default().push(t);
                }
            }
        }
        let mut all: Vec<_> = by_scenario.into_iter().collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all.into_iter().map(|(_, rows)| rows).collect()
    }

    pub fn role(&self, account: &str) -> AccountRole {
        self.accounts[account].role
    }

    pub fn record(&self, account: &str) -> &AccountRecord {
        &self.accounts[account]
    }

    /// Every transaction touching an account, in time order.
    pub fn touching(&self, account: &str) -> Vec<&LabelledTransaction> {
        self.transactions
            .iter()
            .filter(|t| t.tx.debtor.account.as_str() == account || t.tx.creditor.account.as_str() == account)
            .collect()
    }
}

/// Minutes between two transactions.
pub fn minutes_between(a: &LabelledTransaction, b: &LabelledTransaction) -> f64 {
    (b.tx.time.millis() - a.tx.time.millis()) as f64 / 60_000.0
}

/// The ratio of two amounts of the same currency.
pub fn ratio(part: Money, whole: Money) -> f64 {
    assert_eq!(part.currency(), whole.currency(), "same currency");
    part.minor() as f64 / whole.minor() as f64
}
