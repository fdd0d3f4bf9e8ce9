//! Criterion: gradient-boosted trees on synthetic transaction-like features (200,000 rows of 60 features,
//! about 0.5% positives): training time, and per-row prediction and TreeSHAP latency.
//!
//! `cargo bench -p tonle-detect --bench gbdt`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use tonle_detect::models::gbdt::{self, GbdtParams, ShapScratch};
use tonle_detect::models::Matrix;

/// xorshift64*: the data from a seed.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// 60 features of the kinds tonle computes (counts with many zeros, amounts, durations that may be +infinity,
/// flags, missing values); the label depends noisily on six of them.
fn synthetic(rows: usize, seed: u64) -> (Matrix, Vec<bool>) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut m = Matrix::new(60);
    let mut labels = Vec::with_capacity(rows);
    let mut row = [0f32; 60];
    for _ in 0..rows {
        for (f, v) in row.iter_mut().enumerate() {
            let u = rng.uniform();
            *v = match f % 5 {
                0 => (u * 3.0).powi(3).floor(),
                1 => (u * 12.0).exp(),
                2 if u < 0.2 => f32::INFINITY,
                2 => u * 86_400.0,
                3 => f32::from(u < 0.1),
                _ if u < 0.1 => f32::NAN,
                _ => u,
            };
        }
        let logit = -8.0
            + 0.6 * row[0].min(8.0)
            + 2.0 * f32::from(row[1] > 1e4)
            + 2.5 * f32::from(row[2] < 600.0)
            + 1.5 * row[3]
            + 3.0 * f32::from(row[4] > 0.9)
            + 1.0 * f32::from(row[9] > 0.5);
        labels.push(rng.uniform() < 1.0 / (1.0 + (-logit).exp()));
        m.push_row(&row);
    }
    (m, labels)
}

fn gbdt(c: &mut Criterion) {
    let (train, labels) = synthetic(200_000, 1);
    let params = GbdtParams { rounds: 100, early_stopping_rounds: 0, ..GbdtParams::default() };
    let mut group = c.benchmark_group("gbdt");
    group.sample_size(10);
    group.bench_function("train 200k rows x 60 features, 100 trees of 31 leaves", |b| {
        b.iter(|| gbdt::train(black_box(&train), &labels, None, &params).expect("valid data"))
    });
    let model = gbdt::train(&train, &labels, None, &params).expect("valid data");
    let (test, _) = synthetic(4_096, 2);
    group.sample_size(50);
    group.bench_function("predict_raw, 100 trees, per row", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % test.len();
            model.predict_raw(black_box(test.row(i)))
        })
    });
    let mut out = vec![0.0; 61];
    let mut scratch = ShapScratch::new();
    group.bench_function("contributions, 100 trees, per row", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % test.len();
            model.contributions_with(black_box(test.row(i)), &mut out, &mut scratch);
            out[60]
        })
    });
    group.finish();
}

criterion_group!(benches, gbdt);
criterion_main!(benches);
