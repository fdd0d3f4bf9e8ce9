//! Screening in the decision path: a screener's hits on each party's name and account fill the `screen.*`
//! variables, explain the rules that read them, ask for actions of their own by policy, and are cached until
//! the lists change.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tonle_core::{
    AccountId, Channel, CountryCode, Currency, Decision, EventTime, FxTable, Money, Party, ScreenHit, Screener, Text,
    Transaction, TxId,
};
use tonle_detect::engine::{Engine, EngineError};
use tonle_detect::features::WindowConfig;
use tonle_detect::screening::ScreenPolicy;

/// A rule on the transaction alone.
macro_rules! big_rule {
    () => {
        r#"
[[rule]]
id = "big"
description = "A large payment"
score = 0.2
action = "review"
expression = 'amount >= 5000.0'
"#
    };
}

/// A rule reading screening, then the rule on the transaction alone.
const RULES: &str = concat!(
    r#"name = "screening"

[[rule]]
id = "sanctioned-payee"
description = "The payee's name closely matches a listed entity"
score = 0.9
action = "block"
expression = 'screen.creditor.score >= 0.9 && amount >= 100.0'
"#,
    big_rule!()
);

/// The rule on the transaction alone.
const PLAIN: &str = concat!("name = \"plain\"\n", big_rule!());

/// A screener over a fixed table of names and addresses, counting the names it is asked about.
#[derive(Default)]
struct Table {
    names: Mutex<Vec<(&'static str, f64)>>,
    wallets: Vec<&'static str>,
    generation: AtomicU64,
    asked: AtomicUsize,
}

impl Table {
    fn listing(names: &[(&'static str, f64)], wallets: &[&'static str]) -> Arc<Table> {
        Arc::new(Table { names: Mutex::new(names.to_vec()), wallets: wallets.to_vec(), ..Table::default() })
    }

    fn replace(&self, names: &[(&'static str, f64)]) {
        *self.names.lock().unwrap() = names.to_vec();
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

impl Screener for Table {
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    fn screen_name(&self, name: &str, country: Option<CountryCode>) -> Option<ScreenHit> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        let names = self.names.lock().unwrap();
        let (listed, score) = names.iter().find(|(listed, _)| listed.eq_ignore_ascii_case(name))?;
        // The country qualifier moves the score, as the real matcher's does.
        let score = if country.is_some_and(|c| c.as_str() == "KH") { score + 0.02 } else { *score };
        Some(ScreenHit {
            entity: format!("test:{listed}").into(),
            listed: (*listed).into(),
            score,
            detail: "exact".into(),
        })
    }

    fn screen_account(&self, account: &str) -> Option<ScreenHit> {
        self.wallets.contains(&account).then(|| ScreenHit {
            entity: "test:wallet".into(),
            listed: account.into(),
            score: 1.0,
            detail: "crypto address".into(),
        })
    }
}

fn payment(id: u32, to: &str, name: &str, dollars: i64) -> Transaction {
    let mut debtor = Party::account(AccountId::new("A1").unwrap());
    debtor.name = Some(Text::new("Sok Dara").unwrap());
    let mut creditor = Party::account(AccountId::new(to).unwrap());
    creditor.name = Some(Text::new(name).unwrap());
    Transaction::new(
        TxId::new(format!("t{id}")).unwrap(),
        EventTime::from_millis(1_767_225_600_000 + i64::from(id) * 60_000).unwrap(),
        debtor,
        creditor,
        Money::from_minor(dollars * 100, Currency::USD),
        Channel::BankTransfer,
    )
}

fn engine(rules: &str) -> Engine {
    Engine::new(WindowConfig::default(), rules, "test.toml", FxTable::new(Currency::USD)).unwrap()
}

fn fact<'a>(reason: &'a tonle_core::Reason, name: &str) -> Option<&'a str> {
    reason.facts.iter().find(|f| f.name == name).map(|f| f.value.as_str())
}

#[test]
fn hits_fill_variables_explain_rules_and_ask_for_their_own_action() {
    let mut engine = engine(RULES);
    assert_eq!(engine.unscreened_rule(), Some(("sanctioned-payee", "screen.creditor.score")));
    let lists = Table::listing(&[("Chen Zhi", 0.95)], &["TXlistedWallet"]);
    engine.set_screener(lists.clone(), ScreenPolicy::default());
    assert_eq!(engine.unscreened_rule(), None);

    // A listed payee: the rule blocks, naming the entity; the hit's own reason asks for a hold.
    let outcome = engine.decide(&payment(1, "B1", "CHEN ZHI", 500)).unwrap();
    assert_eq!(outcome.decision, Decision::Block);
    let rules: Vec<&str> = outcome.reasons.iter().map(|r| r.rule.as_str()).collect();
    assert_eq!(rules, ["sanctioned-payee", "screen:creditor-name"]);
    let rule = &outcome.reasons[0];
    assert_eq!(fact(rule, "screen.creditor.score"), Some("0.95"));
    assert_eq!(fact(rule, "screen.creditor.name.entity"), Some("test:Chen Zhi"));
    assert_eq!(fact(rule, "screen.creditor.name.listed"), Some("Chen Zhi"));
    let own = &outcome.reasons[1];
    assert_eq!((own.action, own.score), (Decision::Hold, 0.95));
    assert_eq!(fact(own, "screen.creditor.name.match"), Some("exact"));
    assert!((outcome.score - (1.0 - 0.1 * 0.05)).abs() < 1e-12, "{}", outcome.score);
    let hits = engine.screen_hits().unwrap();
    assert!(hits[0].is_none() && hits[1].is_none() && hits[3].is_none());
    assert_eq!(hits[2].as_ref().unwrap().entity, "test:Chen Zhi");

    // An unlisted payee; then the same names again are answered from the cache.
    let outcome = engine.decide(&payment(2, "B2", "Vann Sophea", 500)).unwrap();
    assert_eq!((outcome.decision, outcome.reasons.len()), (Decision::Allow, 0));
    let asked = lists.asked.load(Ordering::SeqCst);
    assert_eq!(asked, 3, "Sok Dara, CHEN ZHI and Vann Sophea");
    for id in 3..10 {
        engine.decide(&payment(2 * id, "B1", "CHEN ZHI", 50)).unwrap();
        engine.decide(&payment(2 * id + 1, "B2", "Vann Sophea", 50)).unwrap();
    }
    assert_eq!(lists.asked.load(Ordering::SeqCst), asked, "known names are not screened again");
    let stats = engine.screen_stats().unwrap();
    assert_eq!((stats.names, stats.screened, stats.list_changes), (4 + 7 * 4, 3, 0));

    // The same name with another country is another question.
    let mut cambodian = payment(20, "B1", "CHEN ZHI", 50);
    cambodian.creditor.country = Some(CountryCode::new("KH").unwrap());
    let outcome = engine.decide(&cambodian).unwrap();
    assert_eq!(lists.asked.load(Ordering::SeqCst), asked + 1);
    assert_eq!(outcome.reasons[0].rule, "screen:creditor-name");
    assert!((outcome.reasons[0].score - 0.97).abs() < 1e-12);

    // A listed wallet blocks by itself.
    let outcome = engine.decide(&payment(21, "TXlistedWallet", "Anonymous", 10)).unwrap();
    assert_eq!(outcome.decision, Decision::Block);
    assert_eq!(outcome.reasons[0].rule, "screen:creditor-wallet");
    assert_eq!(fact(&outcome.reasons[0], "screen.creditor.wallet.entity"), Some("test:wallet"));

    // New lists: the cache is forgotten and the delisted name no longer hits.
    lists.replace(&[("Vann Sophea", 0.9)]);
    let outcome = engine.decide(&payment(22, "B1", "CHEN ZHI", 500)).unwrap();
    assert_eq!((outcome.decision, outcome.reasons.len()), (Decision::Allow, 0));
    let outcome = engine.decide(&payment(23, "B2", "Vann Sophea", 500)).unwrap();
    assert_eq!(outcome.decision, Decision::Block, "{outcome:?}");
}

#[test]
fn a_policy_of_none_leaves_hits_to_the_rules() {
    let mut engine = engine(RULES);
    let lists = Table::listing(&[("Chen Zhi", 0.88)], &["TXlistedWallet"]);
    engine.set_screener(lists, ScreenPolicy { name: None, wallet: Some(Decision::Review) });
    // 0.88 is below the rule's 0.9 and the policy asks nothing of names: allowed.
    let outcome = engine.decide(&payment(1, "B1", "Chen Zhi", 500)).unwrap();
    assert_eq!((outcome.decision, outcome.reasons.len()), (Decision::Allow, 0));
    let outcome = engine.decide(&payment(2, "TXlistedWallet", "Chen Zhi", 500)).unwrap();
    assert_eq!(outcome.decision, Decision::Review);
    assert_eq!(outcome.reasons.len(), 1);
}

#[test]
fn rule_sets_reading_screening_need_a_screener() {
    let mut engine = engine(PLAIN);
    assert_eq!(engine.unscreened_rule(), None);
    let refused = engine.reloader().publish(RULES, "screening.toml").unwrap_err();
    assert!(matches!(refused, EngineError::NoScreener { ref rule, .. } if rule == "sanctioned-payee"), "{refused}");
    assert!(refused.to_string().contains("--list"), "{refused}");
    engine.set_screener(Table::listing(&[], &[]), ScreenPolicy::default());
    engine.reloader().publish(RULES, "screening.toml").unwrap();
    engine.decide(&payment(1, "B1", "Chen Zhi", 500)).unwrap();
    assert_eq!(engine.rules().rules.len(), 2);
}
