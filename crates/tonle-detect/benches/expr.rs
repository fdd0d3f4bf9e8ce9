//! Criterion: the rule-expression language, 20 sample rules evaluated per transaction over 30 slots.
//!
//! `cargo bench -p tonle-detect --bench expr`. Reports transactions/s; divide the time per transaction by 20
//! for the time per rule.

#[path = "shared/sample_rules.rs"]
mod sample_rules;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sample_rules::{CHANNELS, COUNTRIES, CURRENCIES, PURPOSES, SAMPLE_RULES, SAMPLE_VARS};
use tonle_detect::rules::expr::{compile, Expr, Schema, Ty, Value};

fn rules(c: &mut Criterion) {
    let mut schema = Schema::new();
    let country = schema.domain("country", &COUNTRIES);
    let currency = schema.domain("currency", &CURRENCIES);
    let channel = schema.domain("channel", &CHANNELS);
    let purpose = schema.domain("purpose", &PURPOSES);
    for (name, ty) in SAMPLE_VARS {
        let ty = match ty {
            "money" => Ty::Money,
            "number" => Ty::Number,
            "integer" => Ty::Integer,
            "bool" => Ty::Bool,
            "currency" => currency,
            "channel" => channel,
            "purpose" => purpose,
            _ => country,
        };
        schema.var(name, ty);
    }
    let rules: Vec<Expr> =
        SAMPLE_RULES.iter().map(|src| compile(&schema, src).expect("sample rule compiles")).collect();
    // 1,024 synthetic transactions' slots, filled once: the benchmark times evaluation.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let transactions: Vec<Vec<Value>> = (0..1024)
        .map(|_| {
            SAMPLE_VARS
                .iter()
                .map(|(_, ty)| match *ty {
                    "money" | "number" => Value::num((next() % 20_000) as f64),
                    "integer" => Value::int((next() % 30) as i64),
                    "bool" => Value::bool(next() % 3 == 0),
                    _ => Value::code((next() % 4) as u32),
                })
                .collect()
        })
        .collect();
    let mut group = c.benchmark_group("rules");
    group.throughput(Throughput::Elements(transactions.len() as u64));
    group.bench_function("20 sample rules", |b| {
        b.iter(|| {
            let mut fired = 0u32;
            for slots in &transactions {
                for rule in &rules {
                    fired += rule.eval(slots) as u32;
                }
            }
            fired
        })
    });
    group.finish();
}

criterion_group!(benches, rules);
criterion_main!(benches);
