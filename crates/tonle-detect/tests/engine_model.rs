//! A model in the engine: trained on the features the engine computes, saved and loaded back, it scores
//! every transaction identically; flagged transactions get its action and a reason naming the features that
//! pushed their score up; rules read `model.score`; a model trained on other windows is refused.

use tonle_core::{AccountId, Channel, Currency, Decision, EventTime, FxTable, Money, Party, Transaction, TxId};
use tonle_detect::engine::{Engine, EngineError};
use tonle_detect::features::WindowConfig;
use tonle_detect::models::gbdt::{self, GbdtParams};
use tonle_detect::models::iforest::{self, IsolationForestParams};
use tonle_detect::models::model::{AnomalyModel, Model, TrainedModel, TrainingReport, MODEL_FORMAT};
use tonle_detect::models::Matrix;

const RULES: &str = "name = \"plain\"\n[[rule]]\nid = \"big\"\ndescription = \"d\"\nscore = 0.5\n\
                     action = \"review\"\nexpression = \"amount > 100000.0\"\n";

const FEATURES: [&str; 6] = [
    "amount",
    "creditor.in.distinct_1h",
    "creditor.in.count_24h",
    "debtor.out.count_24h",
    "creditor.age",
    "channel=khqr",
];

fn pay(id: usize, from: &str, to: &str, minutes: i64, dollars: i64) -> Transaction {
    let time = EventTime::from_millis(1_780_000_000_000 + minutes * 60_000).unwrap();
    Transaction::new(
        TxId::new(format!("t{id}")).unwrap(),
        time,
        Party::account(AccountId::new(from).unwrap()),
        Party::account(AccountId::new(to).unwrap()),
        Money::from_minor(dollars * 100, Currency::USD),
        Channel::Khqr,
    )
}

/// A day of shopping at 20 shops by 200 people, and every two hours a fresh mule receiving from 6 victims
/// within the hour (the illicit payments). A small deterministic generator, so the test needs no data file.
fn stream() -> Vec<(Transaction, bool)> {
    let mut out = Vec::new();
    let mut state = 7u64;
    let mut next = move |n: u64| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    for minute in 0..6 * 24 * 60i64 {
        if minute % 3 == 0 {
            let person = format!("P{}", next(200));
            let shop = format!("S{}", next(20));
            out.push((pay(out.len(), &person, &shop, minute, 5 + next(80) as i64), false));
        }
        if minute % 120 == 0 {
            let mule = format!("M{}", minute / 120);
            for victim in 0..6 {
                let from = format!("V{}", next(1000));
                out.push((pay(out.len(), &from, &mule, minute + victim * 7, 40 + next(60) as i64), true));
            }
        }
    }
    out.sort_by_key(|(tx, _)| tx.time.millis());
    out
}

fn names() -> Vec<String> {
    FEATURES.iter().map(|s| s.to_string()).collect()
}

/// Trains a small model on the stream's features as the engine computes them.
fn trained() -> TrainedModel {
    let mut engine =
        Engine::with_features(WindowConfig::default(), RULES, "r.toml", FxTable::new(Currency::USD), &names()).unwrap();
    let mut rows = Matrix::new(FEATURES.len());
    let mut labels = Vec::new();
    for (tx, illicit) in stream() {
        engine.decide(&tx).unwrap();
        rows.push_row(engine.features());
        labels.push(illicit);
    }
    let params = GbdtParams { rounds: 30, min_samples_leaf: 5, ..GbdtParams::default() };
    let classifier = gbdt::train(&rows, &labels, None, &params).unwrap();
    // The forest reads the debtor's count (column 3) alone.
    let mut debtor = Matrix::new(1);
    for row in rows.rows() {
        debtor.push_row(&row[3..4]);
    }
    let forest = iforest::train(&debtor, IsolationForestParams::default()).unwrap();
    TrainedModel {
        format: MODEL_FORMAT.to_owned(),
        name: "mules".to_owned(),
        schema: engine.feature_schema().unwrap().clone(),
        classifier,
        threshold: 0.5,
        action: Decision::Hold,
        anomaly: Some(AnomalyModel { columns: vec![3], forest }),
        training: TrainingReport::default(),
    }
}

fn serve(model: Model, rules: &str) -> Result<Engine, EngineError> {
    Engine::with_model(WindowConfig::default(), rules, "r.toml", FxTable::new(Currency::USD), model)
}

#[test]
fn a_saved_model_scores_identically_and_explains_its_flags() {
    let model = trained();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mules.json");
    std::fs::write(&path, model.to_json()).unwrap();
    let mut original = serve(Model::from(model), RULES).unwrap();
    let mut loaded = serve(Model::load(&path).unwrap(), RULES).unwrap();
    let (mut flagged_illicit, mut flagged_licit, mut illicit) = (0, 0, 0);
    for (tx, is_illicit) in stream() {
        let a = original.decide(&tx).unwrap();
        let b = loaded.decide(&tx).unwrap();
        assert_eq!(a, b, "the loaded model decides {} as the trained one", tx.id);
        let (score, _) = original.model_scores().unwrap();
        assert_eq!(original.model_scores(), loaded.model_scores());
        illicit += is_illicit as u32;
        if score >= 0.5 {
            assert_eq!(a.decision, Decision::Hold, "the model's action");
            let reason = a.reasons.iter().find(|r| r.rule == "model:mules").expect("the model's reason");
            assert_eq!(reason.condition, "model.score >= 0.5");
            assert_eq!(reason.facts[0].name, "model.score");
            assert!(reason.facts.len() >= 2, "features behind the score: {reason:?}");
            for fact in &reason.facts[1..] {
                assert!(FEATURES.contains(&fact.name.as_str()), "{fact:?}");
                assert!(fact.value.contains("(+"), "the value and its contribution: {fact:?}");
            }
            if is_illicit {
                flagged_illicit += 1;
            } else {
                flagged_licit += 1;
            }
        } else {
            assert!(a.reasons.iter().all(|r| r.rule != "model:mules"));
        }
        assert!(a.score >= score - 1e-12, "the model's probability is part of the score");
    }
    assert!(flagged_illicit * 10 >= illicit * 7, "caught {flagged_illicit} of {illicit} mule payments");
    assert!(flagged_licit * 10 <= flagged_illicit, "{flagged_licit} false alarms");
}

#[test]
fn rules_read_the_model_and_a_model_of_other_windows_is_refused() {
    let model = trained();
    let reads_model = RULES.replace("amount > 100000.0", "model.score >= 0.5 && creditor.in.distinct_1h >= 4");
    let mut engine = serve(Model::from(model.clone()), &reads_model).unwrap();
    let mut fired = 0;
    for (tx, _) in stream() {
        let outcome = engine.decide(&tx).unwrap();
        fired += outcome.reasons.iter().any(|r| r.rule == "big") as u32;
    }
    assert!(fired > 0, "a rule on model.score fires");
    assert_eq!(engine.model_scores().unwrap().1, 0.0, "no rule reads model.anomaly: the forest does not run");

    let reads_anomaly = RULES.replace("amount > 100000.0", "model.anomaly > 0.0");
    let mut engine = serve(Model::from(model.clone()), &reads_anomaly).unwrap();
    let anomalies: Vec<f64> = stream()
        .iter()
        .map(|(tx, _)| {
            engine.decide(tx).unwrap();
            engine.model_scores().unwrap().1
        })
        .collect();
    assert!(anomalies.iter().all(|a| (0.0..=1.0).contains(a) && *a > 0.0), "the forest runs for the rule");

    let windows = WindowConfig { horizons: vec![600_000, 3_600_000, 86_400_000], ..WindowConfig::default() };
    let error = Engine::with_model(windows, RULES, "r.toml", FxTable::new(Currency::USD), Model::from(model))
        .err()
        .expect("other horizons, other features");
    let text = error.to_string();
    assert!(text.contains("window horizons") || text.contains("unknown feature"), "{text}");
}

#[test]
fn a_served_model_reads_only_its_columns_and_scores_as_on_the_full_row() {
    let trained = trained();
    let gbdt = trained.classifier.clone();
    let model = Model::from(trained);
    let read = model.columns_read();
    // Every payment of the stream is by KHQR: the constant column is never split on.
    assert!(!read[5] && read[3], "channel=khqr is unread, the anomaly forest's column read: {read:?}");
    let mut full =
        Engine::with_features(WindowConfig::default(), RULES, "r.toml", FxTable::new(Currency::USD), &names()).unwrap();
    let mut served = serve(model, RULES).unwrap();
    for (tx, _) in stream() {
        full.decide(&tx).unwrap();
        served.decide(&tx).unwrap();
        for (column, (a, b)) in full.features().iter().zip(served.features()).enumerate() {
            if read[column] {
                assert!(a == b || a.is_nan() && b.is_nan(), "{}: column {column} {a} against {b}", tx.id);
            } else {
                assert!(b.is_nan(), "{}: column {column} is not read, yet holds {b}", tx.id);
            }
        }
        assert_eq!(served.model_scores().unwrap().0, gbdt.predict(full.features()), "{}", tx.id);
    }
}

#[test]
fn a_served_model_can_track_roles_for_later_rule_sets() {
    let device_rules = RULES.replace("amount > 100000.0", "device.out.count_1h >= 5");
    let model = Model::from(trained());
    let mut plain = serve(Model::from(trained()), RULES).unwrap();
    let error = plain.reload(&device_rules, "device.toml").unwrap_err();
    assert!(matches!(error, EngineError::UntrackedRole { .. }), "{error}");

    let device = WindowConfig { roles: [false, false, false, false, true, false, false], ..WindowConfig::default() };
    let mut engine =
        Engine::with_model_and_tracked_roles(device, RULES, "r.toml", FxTable::new(Currency::USD), model).unwrap();
    assert!(engine.tracked_roles()[4], "the device role is tracked: {:?}", engine.tracked_roles());
    assert!(engine.reload(&device_rules, "device.toml").is_ok());
    for (tx, _) in stream() {
        let a = engine.decide(&tx).unwrap();
        plain.decide(&tx).unwrap();
        assert_eq!(engine.model_scores(), plain.model_scores(), "{}: tracking more changes no score", tx.id);
        assert!(a.ruleset_version.starts_with("plain@"), "{}", a.ruleset_version);
    }
}
