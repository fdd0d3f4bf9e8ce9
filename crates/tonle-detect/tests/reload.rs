//! Hot reload: rule sets published from another thread while the engine decides a stream take over at one
//! transaction, decide exactly as a fresh engine with the same history would, and bad files are refused
//! while the running set keeps deciding.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use tonle_core::{FxTable, Transaction};
use tonle_detect::engine::{Engine, EngineError};
use tonle_detect::features::WindowConfig;
use tonle_detect::rules::decide::Outcome;
use tonle_sim::{Scenario, Simulation};

/// Accounts only; a structuring rule and a pass-through rule.
const RULES_A: &str = r#"name = "a"

[[rule]]
id = "structuring"
description = "A day's cash deposits just under a reporting threshold"
typology = "structuring"
score = 0.6
action = "review"
expression = 'channel == "cash-deposit" && creditor.in.sum_24h >= 7000.0 && creditor.in.sum_24h < 10000.0'

[[rule]]
id = "pass-through"
description = "Most of what came in within ten minutes goes straight out"
typology = "mule-network"
score = 0.5
action = "hold"
expression = 'debtor.in.sum_10m >= 50.0 && debtor.out.sum_10m >= 0.7 * debtor.in.sum_10m'
"#;

/// Accounts only, reading long windows (so decisions depend on the history before the switch).
const RULES_B: &str = r#"name = "b"

[[rule]]
id = "busy-payer"
description = "A payer with many payments this week"
score = 0.4
action = "review"
expression = 'debtor.out.count_7d >= 12'

[[rule]]
id = "many-payers"
description = "A payee paid by many accounts this month"
score = 0.3
action = "step-up"
expression = 'creditor.in.distinct_30d >= 8'
"#;

/// Accounts only, again different.
const RULES_C: &str = r#"name = "c"

[[rule]]
id = "big-after-quiet"
description = "A payment of 200 or more from an account quiet for a day"
score = 0.5
action = "hold"
expression = 'amount >= 200.0 && debtor.since_last > 24h'
"#;

/// A typo in a condition.
fn bad_rules() -> String {
    RULES_C.replace("debtor.since_last", "debtor.since_lsat")
}

/// Reads a role the engines here do not track.
const RULES_DEVICE: &str = r#"name = "device"

[[rule]]
id = "device-burst"
description = "Many payments from one device in an hour"
score = 0.5
action = "review"
expression = 'device.out.count_1h >= 5'
"#;

fn stream() -> (Vec<Transaction>, FxTable) {
    let text = "name = \"reload\"\nstart = \"2026-03-02\"\ndays = 12\n[population]\npersons = 400\nbusinesses = 10\n\
                merchants = 20\n[typologies.structuring]\ncount = 2\n[typologies.mule_network]\ncount = 2\n";
    let scenario = Scenario::from_toml(text, "reload").unwrap();
    let simulation = Simulation::new(&scenario, 7);
    let fx = simulation.fx_table();
    (simulation.map(|labelled| labelled.tx).collect(), fx)
}

/// Every outcome of a fresh engine with these rules over the whole stream.
/// An engine on accounts keeping every window (as `tonle score` and the server do), so that a set reading
/// other windows than the first may take over; a set reading other roles is still refused.
fn accounts_engine(rules: &str, origin: &str, fx: &FxTable) -> Engine {
    let accounts = WindowConfig { roles: [true, true, false, false, false, false, false], ..WindowConfig::default() };
    Engine::with_tracked_roles(accounts, rules, origin, fx.clone()).unwrap()
}

fn fresh(rules: &str, stream: &[Transaction], fx: &FxTable) -> Vec<Outcome> {
    let mut engine = Engine::new(WindowConfig::default(), rules, "fresh.toml", fx.clone()).unwrap();
    stream.iter().map(|tx| engine.decide(tx).unwrap()).collect()
}

/// Waits, without sleeping, until `done` reaches `count`; panics after a generous bound.
fn wait_for(done: &AtomicUsize, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while done.load(Ordering::Acquire) < count {
        assert!(Instant::now() < deadline, "the decider stalled at {}", done.load(Ordering::Acquire));
        std::thread::yield_now();
    }
}

#[test]
fn sets_published_mid_stream_take_over_at_one_transaction_with_the_state_carried_over() {
    let (stream, fx) = stream();
    let n = stream.len();
    assert!(n > 3_000, "{n} transactions");
    // B is published once N1 transactions are decided, C once N2 are; the decider waits for each only when it
    // reaches its gate, so the switch lands anywhere in [N1, gate] depending on the threads' timing.
    let (n1, gate_b, n2, gate_c) = (n / 4, n / 4 + n / 10, n * 3 / 5, n * 3 / 5 + n / 10);

    let mut engine = accounts_engine(RULES_A, "a.toml", &fx);
    let version_a = engine.ruleset_version().to_owned();
    let reloader = engine.reloader();
    let decided = Arc::new(AtomicUsize::new(0));
    let (published, gate) = mpsc::channel::<String>();

    let decider = {
        let decided = Arc::clone(&decided);
        let stream = stream.clone();
        std::thread::spawn(move || {
            let mut out = Vec::with_capacity(stream.len());
            for (index, tx) in stream.iter().enumerate() {
                if index == gate_b || index == gate_c {
                    gate.recv_timeout(Duration::from_secs(60)).expect("the publisher published");
                }
                let outcome = engine.decide(tx).unwrap();
                out.push((tx.id.to_string(), engine.ruleset_version().to_owned(), outcome));
                decided.store(index + 1, Ordering::Release);
            }
            out
        })
    };

    let publisher = {
        let decided = Arc::clone(&decided);
        std::thread::spawn(move || {
            wait_for(&decided, n1);
            let version_b = reloader.publish(RULES_B, "b.toml").unwrap();
            published.send(version_b.clone()).unwrap();
            // Refused while B may still be parked: neither touches what decides.
            let error = reloader.publish(&bad_rules(), "rules/c.toml").unwrap_err().to_string();
            assert!(error.starts_with("rules/c.toml:") && error.contains("rule \"big-after-quiet\""), "{error}");
            let error = reloader.publish(RULES_DEVICE, "device.toml").unwrap_err();
            assert!(matches!(error, EngineError::UntrackedRole { .. }), "{error}");
            let error = error.to_string();
            assert!(error.contains("device.toml") && error.contains("\"device-burst\"") && error.contains("device"));
            wait_for(&decided, n2);
            assert_eq!(reloader.active_version(), version_b, "B took over before N2 and is still deciding");
            let version_c = reloader.publish(RULES_C, "c.toml").unwrap();
            published.send(version_c.clone()).unwrap();
            (version_b, version_c)
        })
    };

    let (version_b, version_c) = publisher.join().unwrap();
    let decisions = decider.join().unwrap();

    // Every transaction decided exactly once, in input order.
    assert_eq!(decisions.len(), n);
    assert!(decisions.iter().zip(&stream).all(|(d, tx)| d.0 == tx.id.as_str()));
    // Versions change at one transaction each and never go back.
    let mut runs: Vec<(&str, usize)> = Vec::new();
    for (index, (_, version, _)) in decisions.iter().enumerate() {
        if runs.last().is_none_or(|(v, _)| *v != version) {
            runs.push((version, index));
        }
    }
    let versions: Vec<&str> = runs.iter().map(|(v, _)| *v).collect();
    assert_eq!(versions, [version_a.as_str(), version_b.as_str(), version_c.as_str()]);
    let (b, c) = (runs[1].1, runs[2].1);
    assert!((n1..=gate_b).contains(&b) && (n2..=gate_c).contains(&c), "switches at {b} and {c}");

    // Each set decided exactly as a fresh engine with it would have over the same history.
    let outcomes: Vec<&Outcome> = decisions.iter().map(|d| &d.2).collect();
    let (fresh_a, fresh_b, fresh_c) =
        (fresh(RULES_A, &stream, &fx), fresh(RULES_B, &stream, &fx), fresh(RULES_C, &stream, &fx));
    assert!(outcomes[..b].iter().zip(&fresh_a[..b]).all(|(got, want)| *got == want));
    assert!(outcomes[b..c].iter().zip(&fresh_b[b..c]).all(|(got, want)| *got == want));
    assert!(outcomes[c..].iter().zip(&fresh_c[c..]).all(|(got, want)| *got == want));
    // And the comparison has teeth: the sets disagree after each switch, and B's rules fire on history from
    // before it took over.
    assert!((b..c).any(|i| fresh_a[i] != fresh_b[i]) && (c..n).any(|i| fresh_b[i] != fresh_c[i]));
    assert!(outcomes[b..c].iter().any(|o| !o.reasons.is_empty()), "B fired after the switch");
}

#[test]
fn a_refused_file_leaves_the_running_set_deciding() {
    let (stream, fx) = stream();
    let mut engine = accounts_engine(RULES_A, "a.toml", &fx);
    let version_a = engine.ruleset_version().to_owned();
    let reloader = engine.reloader();
    for tx in &stream[..100] {
        engine.decide(tx).unwrap();
    }
    let error = reloader.publish(&bad_rules(), "rules/c.toml").unwrap_err().to_string();
    assert!(error.starts_with("rules/c.toml:") && error.contains("rule \"big-after-quiet\""), "{error}");
    assert!(error.contains("debtor.since_lsat"), "{error}");
    let error = reloader.publish("name = \"x\"\n[[rule]]\nid = 3\n", "syntax.toml").unwrap_err().to_string();
    assert!(error.starts_with("syntax.toml:"), "{error}");
    let error = reloader.publish(RULES_DEVICE, "device.toml").unwrap_err().to_string();
    assert!(
        error.starts_with("device.toml: rule \"device-burst\" reads `device.out.count_1h`")
            && error.contains("no history for these roles: device;"),
        "{error}"
    );
    assert!(!reloader.pending());
    let fresh_a = fresh(RULES_A, &stream[..200], &fx);
    for (index, tx) in stream[100..200].iter().enumerate() {
        assert_eq!(engine.decide(tx).unwrap(), fresh_a[100 + index]);
        assert_eq!(engine.ruleset_version(), version_a);
    }
    assert_eq!(reloader.active_version(), version_a);
    // A set published while an earlier one is parked supersedes it: only the later one ever decides.
    reloader.publish(RULES_B, "b.toml").unwrap();
    let version_c = reloader.publish(RULES_C, "c.toml").unwrap();
    assert!(reloader.pending());
    engine.decide(&stream[200]).unwrap();
    assert_eq!(
        (engine.ruleset_version(), reloader.active_version().as_str()),
        (version_c.as_str(), version_c.as_str())
    );
    assert!(!reloader.pending());
    // The owner can also switch at once.
    let version_b = engine.reload(RULES_B, "b.toml").unwrap().to_owned();
    assert!(version_b.starts_with("b@") && engine.rules().rules[0].id == "busy-payer");
    assert!(engine.reload(&bad_rules(), "c.toml").is_err());
    assert_eq!(engine.ruleset_version(), version_b);
}

#[test]
fn tracked_roles_are_those_read_or_those_asked_for() {
    let fx = FxTable::new(tonle_core::Currency::USD);
    let engine = Engine::new(WindowConfig::default(), RULES_A, "a.toml", fx.clone()).unwrap();
    assert_eq!(engine.tracked_roles(), [true, true, false, false, false, false, false]);
    assert_eq!(engine.reloader().tracked_roles(), engine.tracked_roles());

    // `windows.roles` caps Engine::new: a rule outside it is refused, not silently read as never seen.
    let no_accounts = WindowConfig { roles: [false, false, true, true, true, true, true], ..WindowConfig::default() };
    let error = Engine::new(no_accounts.clone(), RULES_A, "a.toml", fx.clone()).err().unwrap().to_string();
    assert!(error.contains("rule \"structuring\"") && error.contains("debtor, creditor"), "{error}");
    let debtor_only =
        WindowConfig { roles: [true, false, false, false, false, false, false], ..WindowConfig::default() };
    let error = Engine::new(debtor_only.clone(), RULES_A, "a.toml", fx.clone()).err().unwrap().to_string();
    assert!(error.contains("these roles: creditor;"), "{error}");

    // with_tracked_roles adds them: a device named up front lets a later set read devices; naming one account
    // role tracks both.
    let device = WindowConfig { roles: [false, false, false, false, true, false, false], ..WindowConfig::default() };
    let mut engine = Engine::with_tracked_roles(device, RULES_A, "a.toml", fx.clone()).unwrap();
    assert_eq!(engine.tracked_roles(), [true, true, false, false, true, false, false]);
    assert!(engine.reload(RULES_DEVICE, "device.toml").unwrap().starts_with("device@"));
    let engine = Engine::with_tracked_roles(debtor_only, RULES_DEVICE, "device.toml", fx).unwrap();
    assert_eq!(engine.tracked_roles(), [true, true, false, false, true, false, false]);
}

#[test]
fn maxima_kept_are_those_read_or_those_asked_for() {
    let fx = FxTable::new(tonle_core::Currency::USD);
    let reads_max = RULES_A
        .replace("name = \"a\"", "name = \"max\"")
        .replace("creditor.in.sum_24h < 10000.0", "creditor.in.sum_24h < 10000.0 && creditor.in.max_7d < 10000.0");
    let mut engine = Engine::new(WindowConfig::default(), RULES_A, "a.toml", fx.clone()).unwrap();
    assert_eq!(engine.tracked().maxima, [[false; 2]; 5], "RULES_A reads no maximum");
    let error = engine.reload(&reads_max, "max.toml").unwrap_err();
    assert!(matches!(error, EngineError::UntrackedMaximum { .. }), "{error}");
    assert!(error.to_string().contains("creditor.in.max_7d"), "{error}");
    assert!(engine.ruleset_version().starts_with("a@"), "the running set stays");

    let engine = Engine::new(WindowConfig::default(), &reads_max, "max.toml", fx.clone()).unwrap();
    let mut seven_days_in = [[false; 2]; 5];
    seven_days_in[3][1] = true;
    assert_eq!(engine.tracked().maxima, seven_days_in);

    // Asked for up front (the default configuration keeps every maximum), a later set may read any.
    let mut engine = Engine::with_tracked_roles(WindowConfig::default(), RULES_A, "a.toml", fx).unwrap();
    assert_eq!(engine.tracked().maxima, [[true; 2]; 5]);
    assert!(engine.reload(&reads_max, "max.toml").unwrap().starts_with("max@"));
}

#[test]
fn windows_kept_are_those_read_or_those_asked_for() {
    let fx = FxTable::new(tonle_core::Currency::USD);
    // RULES_A reads the 10-minute and 24-hour windows (and no maximum).
    let mut engine = Engine::new(WindowConfig::default(), RULES_A, "a.toml", fx.clone()).unwrap();
    assert_eq!(engine.tracked().windows, [true, false, true, false, false]);
    let error = engine.reload(RULES_B, "b.toml").unwrap_err();
    assert!(matches!(error, EngineError::UntrackedWindow { .. }), "{error}");
    let text = error.to_string();
    assert!(text.starts_with("b.toml: rule \"busy-payer\" reads `debtor.out.count_7d`"), "{text}");
    assert!(engine.ruleset_version().starts_with("a@"), "the running set stays");

    // A window whose maximum alone is read is not counted.
    let reads_max = "name = \"m\"\n[[rule]]\nid = \"m\"\ndescription = \"d\"\nscore = 0.5\naction = \"review\"\n\
                     expression = \"creditor.in.max_7d > 100.0\"\n";
    let engine = Engine::new(WindowConfig::default(), reads_max, "m.toml", fx.clone()).unwrap();
    assert_eq!(engine.tracked().windows, [false; 5]);

    // Capped by the configuration: a window it does not keep is refused at once.
    let no_day = WindowConfig { counted: [true, true, false, true, true], ..WindowConfig::default() };
    let error = Engine::new(no_day, RULES_A, "a.toml", fx.clone()).err().unwrap();
    assert!(matches!(error, EngineError::UntrackedWindow { .. }), "{error}");

    // Asked for up front (the default configuration keeps every window), a later set may read any, and
    // decides as a fresh engine would.
    let mut engine = Engine::with_tracked_roles(WindowConfig::default(), RULES_A, "a.toml", fx).unwrap();
    assert_eq!(engine.tracked().windows, [true; 5]);
    assert!(engine.reload(RULES_B, "b.toml").unwrap().starts_with("b@"));
}
