//! Criterion: transactions/s through the window features (five horizons, 10 minutes to 30 days) on
//! simulated traffic: the demo population over 20 days, amounts converted to US cents.
//!
//! `cargo bench -p tonle-detect`. It also prints the store's memory after the run.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use tonle_core::LabelledTransaction;
use tonle_detect::features::{FeatureStore, Snapshot, WindowConfig};
use tonle_sim::{Scenario, Simulation};

fn traffic() -> (Vec<LabelledTransaction>, Vec<i64>) {
    let mut scenario = Scenario::preset("demo").expect("demo preset");
    scenario.days = 20;
    scenario.typologies.dormant_reactivation.count = 0;
    let simulation = Simulation::new(&scenario, 1);
    let rates: Vec<_> = simulation.rates().to_vec();
    let transactions: Vec<LabelledTransaction> = simulation.collect();
    let cents = transactions
        .iter()
        .map(|t| {
            let per_usd = rates.iter().find(|(c, _)| *c == t.tx.amount.currency()).map(|(_, r)| *r).unwrap_or(1.0);
            let major = t.tx.amount.minor() as f64 / t.tx.amount.currency().minor_per_major() as f64;
            (major / per_usd * 100.0).round() as i64
        })
        .collect();
    (transactions, cents)
}

fn features(c: &mut Criterion) {
    let (transactions, cents) = traffic();
    let mut group = c.benchmark_group("features");
    group.throughput(Throughput::Elements(transactions.len() as u64));
    group.sample_size(10);
    let accounts_only =
        WindowConfig { roles: [true, true, false, false, false, false, false], ..WindowConfig::default() };
    for (name, config) in [
        ("demo population, 20 days, 5 horizons", WindowConfig::default()),
        ("demo population, 20 days, 5 horizons, accounts only", accounts_only),
    ] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || FeatureStore::new(config.clone()).expect("valid config"),
                |mut store| {
                    let mut snapshot = Snapshot::default();
                    for (t, amount) in transactions.iter().zip(&cents) {
                        store.observe_transaction(&t.tx, *amount, &mut snapshot).expect("in order");
                        std::hint::black_box(&snapshot);
                    }
                    store
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
    let mut store = FeatureStore::new(WindowConfig::default()).expect("default config");
    let mut snapshot = Snapshot::default();
    for (t, amount) in transactions.iter().zip(&cents) {
        store.observe_transaction(&t.tx, *amount, &mut snapshot).expect("in order");
    }
    let memory = store.memory();
    eprintln!(
        "{} transactions: {} entities, {:.0} bytes of state per entity on average (largest {}), reservoir {} events in {:.1} MiB",
        transactions.len(),
        memory.entities,
        memory.entity_bytes as f64 / memory.entities as f64,
        memory.entity_bytes_max,
        memory.events,
        memory.reservoir_bytes as f64 / 1048576.0
    );
}

/// State per active account with 30-day windows at ten transactions per account per day (the memory
/// figure): 10,000 accounts, each paying ten times a day for 31 days, mostly to its own 15 regular payees
/// (shops, family, bills) and sometimes to anyone. Only accounts are keyed (no party, device or phone). Two
/// configurations: what the default rule set needs (five horizons, four maxima), and every maximum kept. After
/// 31 days no housekeeping pass has run yet (nothing is older than the memory); after 61 days passes have run
/// for a month (every 262,144 events, about 2.6 days here), forgetting old counterparties and giving spare
/// room back.
fn memory_at_ten_a_day(_: &mut Criterion) {
    let mut default_rules = [[false; 2]; 5];
    default_rules[2][1] = true; // creditor.in.max_24h
    default_rules[3][1] = true; // creditor.in.max_7d
    default_rules[4] = [true, true]; // debtor.in.max_30d, debtor.out.max_30d
    for (name, maxima, days) in [
        ("the default rule set's maxima", default_rules, 31),
        ("every maximum", [[true; 2]; 5], 31),
        ("the default rule set's maxima", default_rules, 61),
    ] {
        let config = WindowConfig { maxima, ..WindowConfig::default() };
        let memory = ten_a_day(config, days);
        let per = |bytes: usize| bytes as f64 / memory.entities as f64;
        let fixed = memory.entity_bytes - memory.counterparty_bytes - memory.maxima_bytes - memory.index_bytes;
        eprintln!(
            "ten a day for {days} days, {name}: {} accounts, {:.0} bytes of state per account on average (largest {}): {:.0} counterparty table ({:.1} counterparties), {:.0} maxima ({:.1} candidates), {:.0} key index, {:.0} fixed; reservoir {} events, {:.0} bytes per event",
            memory.entities,
            per(memory.entity_bytes),
            memory.entity_bytes_max,
            per(memory.counterparty_bytes),
            memory.counterparties as f64 / memory.entities as f64,
            per(memory.maxima_bytes),
            per(memory.maxima_candidates),
            per(memory.index_bytes),
            per(fixed),
            memory.events,
            memory.reservoir_bytes as f64 / memory.events.max(1) as f64
        );
    }
}

fn ten_a_day(config: WindowConfig, days: i64) -> tonle_detect::features::MemoryReport {
    const ACCOUNTS: u64 = 10_000;
    let mut store = FeatureStore::new(config).expect("valid config");
    let mut snapshot = Snapshot::default();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let names: Vec<String> = (0..ACCOUNTS * 2).map(|i| format!("ACC{i:08}")).collect();
    let start = 1_767_225_600_000i64;
    let per_day = 10 * ACCOUNTS;
    for day in 0..days {
        for i in 0..per_day {
            let payer = (next() % ACCOUNTS) as usize;
            let payee = if next() % 10 < 8 {
                ACCOUNTS as usize + (payer * 15 + (next() % 15) as usize) % ACCOUNTS as usize
            } else {
                (next() % (2 * ACCOUNTS)) as usize
            };
            let time = start + day * 86_400_000 + (i as i64 * 86_400_000) / per_day as i64;
            let keys = tonle_detect::features::EventKeys {
                time,
                amount: (next() % 50_000) as i64 + 100,
                keys: [Some(&names[payer]), Some(&names[payee]), None, None, None, None, None],
            };
            store.observe(&keys, &mut snapshot).expect("in order");
        }
    }
    store.memory()
}

criterion_group!(benches, features, memory_at_ten_a_day);
criterion_main!(benches);
