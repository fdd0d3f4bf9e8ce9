//! Criterion: transactions generated per second on one thread (population built outside the timing).
//!
//! `cargo bench -p tonle-sim`. The whole-pipeline figure, with a 10-million-transaction scenario and peak
//! memory, is `tonle bench simulate --scenario large`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use tonle_sim::{Scenario, Simulation};

fn scenario() -> Scenario {
    let mut scenario = Scenario::preset("demo").expect("demo preset");
    // Ten days of the demo population: about 240,000 transactions with every typology planned.
    scenario.days = 10;
    scenario.typologies.dormant_reactivation.count = 0;
    scenario
}

fn generate(c: &mut Criterion) {
    let scenario = scenario();
    let transactions = Simulation::new(&scenario, 1).count() as u64;
    let mut group = c.benchmark_group("simulate");
    group.throughput(Throughput::Elements(transactions));
    group.sample_size(10);
    group.bench_function("demo population, 10 days", |b| {
        b.iter_batched(
            || Simulation::new(&scenario, 1),
            |simulation| {
                let mut count = 0u64;
                for transaction in simulation {
                    std::hint::black_box(&transaction);
                    count += 1;
                }
                count
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("population and plans", |b| b.iter(|| Simulation::new(&scenario, 1)));
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
