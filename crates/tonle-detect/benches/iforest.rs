//! Criterion: the isolation forest, training on 100,000 rows of 40 behaviour features and scoring one row.
//!
//! `cargo bench -p tonle-detect --bench iforest`. Training is timed whole (100 trees of 256 rows, including the
//! pass over all rows for the non-finite stand-ins); scoring reports rows/s over 4,096 distinct rows, so the
//! time per row is the time per iteration divided by 4,096.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tonle_detect::models::iforest::{train, IsolationForestParams};
use tonle_detect::models::Matrix;

/// Rows like an account's behaviour: 10 counts, 10 sums, 10 ages in seconds (a fifth +inf, never), 10 flags.
fn behaviour(rows: usize) -> Matrix {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut unit = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut m = Matrix::new(40);
    let mut row = [0f32; 40];
    for _ in 0..rows {
        for (j, x) in row.iter_mut().enumerate() {
            let u = unit();
            *x = match j / 10 {
                0 => (-u.max(1e-12).ln() * 3.0).floor() as f32,
                1 => (u * 12.0).exp() as f32,
                2 if u < 0.2 => f32::INFINITY,
                2 => (-unit().max(1e-12).ln() * 86_400.0) as f32,
                _ => f32::from(u < 0.1),
            };
        }
        m.push_row(&row);
    }
    m
}

fn iforest(c: &mut Criterion) {
    let data = behaviour(100_000);
    let params = IsolationForestParams::default();
    let mut group = c.benchmark_group("iforest");
    group.sample_size(10);
    group.bench_function("train 100k x 40, 100 trees of 256", |b| b.iter(|| train(black_box(&data), params)));
    group.finish();

    let forest = train(&data, params).expect("valid parameters and data");
    let rows = data.select(&(0..4096).map(|i| i * 24).collect::<Vec<_>>());
    let mut group = c.benchmark_group("iforest");
    group.throughput(Throughput::Elements(rows.len() as u64));
    group.bench_function("score 100 trees", |b| {
        b.iter(|| rows.rows().map(|row| forest.score(black_box(row))).sum::<f64>())
    });
    group.finish();
}

criterion_group!(benches, iforest);
criterion_main!(benches);
