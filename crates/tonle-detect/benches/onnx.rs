//! Criterion: ONNX models run by tract, one row at a time and in batches of 1,024 rows, for each fixture of
//! `tests/fixtures/onnx` (9 features).
//!
//! `cargo bench -p tonle-detect --features onnx --bench onnx`. Before timing, it prints the heap allocations of
//! one `predict` and of one 1,024-row `predict_batch`, counted by a wrapper of the system allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tonle_detect::models::onnx::OnnxModel;
use tonle_detect::models::Matrix;

/// The system allocator, counting allocations and their bytes.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counters do not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        // SAFETY: the caller's contract for `realloc` is passed on as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations and bytes of one call of `f`.
fn allocations<T>(f: impl FnOnce() -> T) -> (u64, u64) {
    let (count, bytes) = (ALLOCATIONS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
    black_box(f());
    (ALLOCATIONS.load(Ordering::Relaxed) - count, BYTES.load(Ordering::Relaxed) - bytes)
}

const MODELS: [&str; 6] = ["logreg", "score", "forest", "gbc", "lightgbm", "xgboost"];

/// The fixture rows without missing values (the first 32 of `expected.csv`), repeated to 1,024.
fn rows(dir: &Path) -> Matrix {
    let text = std::fs::read_to_string(dir.join("expected.csv")).expect("fixtures/onnx/expected.csv");
    let mut rows = Matrix::new(9);
    let parsed: Vec<Vec<f32>> = text
        .lines()
        .skip(1)
        .map(|line| line.split(',').take(9).map(|c| c.parse().unwrap_or(f32::NAN)).collect())
        .filter(|row: &Vec<f32>| row.iter().all(|v| !v.is_nan()))
        .collect();
    for i in 0..1024 {
        rows.push_row(&parsed[i % parsed.len()]);
    }
    rows
}

fn onnx(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onnx");
    let rows = rows(&dir);
    for name in MODELS {
        let model = OnnxModel::load(dir.join(format!("{name}.toml"))).expect("the fixture loads");
        let (count, bytes) = allocations(|| model.predict(rows.row(0)).expect("a score"));
        let (batch_count, batch_bytes) = allocations(|| model.predict_batch(&rows).expect("scores"));
        println!(
            "onnx/{name}: one predict allocates {count} times ({bytes} bytes); one predict_batch of {} rows \
             {batch_count} times ({batch_bytes} bytes)",
            rows.len()
        );
        let mut group = c.benchmark_group(format!("onnx/{name}"));
        group.throughput(Throughput::Elements(1));
        let mut i = 0;
        group.bench_function("predict", |b| {
            b.iter(|| {
                i = (i + 1) % rows.len();
                model.predict(black_box(rows.row(i))).expect("a score")
            })
        });
        group.throughput(Throughput::Elements(rows.len() as u64));
        group.bench_function("predict_batch 1024", |b| {
            b.iter(|| model.predict_batch(black_box(&rows)).expect("scores"))
        });
        group.finish();
    }
}

criterion_group!(benches, onnx);
criterion_main!(benches);
