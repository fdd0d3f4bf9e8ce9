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
    group.bench_function("demo population, 20 days, 5 horizons", |b| {
        b.iter_batched(
            || FeatureStore::new(WindowConfig::default()).expect("default config"),
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

criterion_group!(benches, features);
criterion_main!(benches);
