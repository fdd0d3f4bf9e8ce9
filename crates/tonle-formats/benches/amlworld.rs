//! Reading speed of the AMLworld reader: a generated `Bench_Trans.csv` of 1,000,000 rows (with a
//! `Bench_Patterns.txt` beside it listing the laundering rows), read end to end. Criterion reports the
//! throughput in rows (elements) per second.
//!
//! The file is generated deterministically (a fixed xorshift seed) in a temporary directory, in the exact
//! shape of the real `HI-Small_Trans.csv`: zero-padded bank ids, 9-character hex accounts, two-decimal amounts,
//! mostly US Dollar, about 5 % cross-currency rows and 0.1 % laundering rows.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tonle_formats::{amlworld, ReadOptions};

const ROWS: usize = 1_000_000;

const CURRENCIES: [&str; 15] = [
    "US Dollar",
    "Euro",
    "Yuan",
    "Yen",
    "UK Pound",
    "Rupee",
    "Ruble",
    "Canadian Dollar",
    "Australian Dollar",
    "Swiss Franc",
    "Mexican Peso",
    "Brazil Real",
    "Shekel",
    "Saudi Riyal",
    "Bitcoin",
];

const FORMATS: [&str; 7] = ["Cheque", "Credit Card", "ACH", "Cash", "Reinvestment", "Wire", "Bitcoin"];

const TYPOLOGIES: [&str; 8] =
    ["FAN-OUT", "FAN-IN", "CYCLE", "GATHER-SCATTER", "SCATTER-GATHER", "STACK", "BIPARTITE", "RANDOM"];

/// A fixed-seed xorshift64* generator: the same file on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn bank(rng: &mut Rng) -> String {
    let id = rng.below(40_000);
    let width = 3 + rng.below(5) as usize;
    format!("{id:0width$}")
}

fn account(rng: &mut Rng) -> String {
    format!("8{:07X}0", rng.below(0x1000_0000))
}

fn amount(rng: &mut Rng) -> String {
    let cents = 1 + rng.below(2_000_000);
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn currency(rng: &mut Rng) -> &'static str {
    // Mostly US Dollar and Euro, as in the real data.
    match rng.below(10) {
        0..=5 => CURRENCIES[0],
        6 | 7 => CURRENCIES[1],
        _ => CURRENCIES[rng.below(CURRENCIES.len() as u64) as usize],
    }
}

/// Writes `Bench_Trans.csv` and `Bench_Patterns.txt` into `dir`; returns the Trans path.
fn generate(dir: &Path, rows: usize) -> PathBuf {
    let trans_path = dir.join("Bench_Trans.csv");
    let mut trans = BufWriter::new(File::create(&trans_path).expect("create the Trans file"));
    writeln!(trans, "{}", amlworld::HEADER.join(",")).expect("write");
    let mut laundering = Vec::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..rows {
        let day = 1 + rng.below(18);
        let (hour, minute) = (rng.below(24), rng.below(60));
        let from_bank = bank(&mut rng);
        let from_account = account(&mut rng);
        let (to_bank, to_account) = if rng.below(8) == 0 {
            (from_bank.clone(), from_account.clone())
        } else {
            (bank(&mut rng), account(&mut rng))
        };
        let paid_currency = currency(&mut rng);
        let paid = amount(&mut rng);
        let (received, received_currency) =
            if rng.below(20) == 0 { (amount(&mut rng), currency(&mut rng)) } else { (paid.clone(), paid_currency) };
        let format = FORMATS[rng.below(FORMATS.len() as u64) as usize];
        let illicit = rng.below(1000) == 0;
        let row = format!(
            "2022/09/{day:02} {hour:02}:{minute:02},{from_bank},{from_account},{to_bank},{to_account},{received},\
             {received_currency},{paid},{paid_currency},{format},{}",
            u8::from(illicit)
        );
        writeln!(trans, "{row}").expect("write");
        if illicit {
            laundering.push(row);
        }
    }
    trans.flush().expect("flush");

    let mut patterns = BufWriter::new(File::create(dir.join("Bench_Patterns.txt")).expect("create the patterns"));
    for (n, attempt) in laundering.chunks(5).enumerate() {
        let typology = TYPOLOGIES[n % TYPOLOGIES.len()];
        writeln!(patterns, "BEGIN LAUNDERING ATTEMPT - {typology}").expect("write");
        for row in attempt {
            writeln!(patterns, "{row}").expect("write");
        }
        writeln!(patterns, "END LAUNDERING ATTEMPT - {typology}\n").expect("write");
    }
    patterns.flush().expect("flush");
    trans_path
}

fn read(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = generate(dir.path(), ROWS);
    let options = ReadOptions::default();

    let mut group = c.benchmark_group("amlworld");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(10);
    group.bench_function("read 1M rows", |b| {
        b.iter(|| {
            let records = amlworld::open(&path, &options).expect("open the generated file");
            let mut good = 0usize;
            let mut typed = 0usize;
            for record in records {
                let record = record.expect("every generated row is good");
                typed += usize::from(record.label.as_ref().is_some_and(|l| l.typology.is_some()));
                good += 1;
                black_box(&record);
            }
            assert_eq!(good, ROWS);
            black_box(typed)
        })
    });
    group.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);
