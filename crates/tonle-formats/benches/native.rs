//! Writing and reading 100,000 transactions through native Parquet, CSV and JSON Lines, in rows per second.
//!
//! `cargo bench -p tonle-formats --bench native`; each benchmark is short (10 samples, a few seconds).

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use tonle_core::{
    AccountId, Channel, CountryCode, Currency, DeviceId, EventTime, InstitutionId, Label, LabelledTransaction, Money,
    Party, PartyId, PhoneNumber, Text, Transaction, TxId, Typology,
};
use tonle_formats::native::csv::{CsvReader, CsvWriter};
use tonle_formats::native::jsonl::{JsonlReader, JsonlWriter};
use tonle_formats::parquet::{ParquetReader, ParquetWriter};
use tonle_formats::{ReadError, RecordWriter};

/// Rows per file.
const ROWS: usize = 100_000;

/// A small deterministic generator (xorshift), so every run measures the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const INSTITUTIONS: [&str; 8] =
    ["ABAAKHPP", "ACLBKHPP", "CADIKHPP", "WINGKHPP", "BKKBTHBK", "MBBEMYKL", "DBSSSGSG", "BFTVVNVX"];
const COUNTRIES: [&str; 6] = ["KH", "TH", "MY", "SG", "VN", "CN"];
const NAMES: [&str; 6] = ["Sok Dara", "Chan Sophea", "สมชาย ใจดี", "Nguyễn Văn An", "李伟", "Tan Wei Ming"];

/// Transactions shaped like a bank's export: a few currencies and institutions, most optional fields filled.
fn generate(rows: usize) -> Vec<LabelledTransaction> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let start = 1_735_689_600_000; // 2025-01-01T00:00:00Z
    let currencies = [Currency::USD, Currency::USD, Currency::KHR, Currency::THB, Currency::USDT];
    (0..rows)
        .map(|i| {
            let party = |rng: &mut Rng| {
                let account = format!("{:012}", rng.below(200_000));
                let mut party = Party::account(AccountId::new(account).expect("not empty"));
                party.institution = Some(InstitutionId::new(INSTITUTIONS[rng.below(8) as usize]).expect("not empty"));
                party.country = Some(CountryCode::new(COUNTRIES[rng.below(6) as usize]).expect("valid"));
                if rng.chance(60) {
                    party.name = Some(Text::new(NAMES[rng.below(6) as usize]).expect("not empty"));
                    party.party = Some(PartyId::new(format!("C{:08}", rng.below(100_000))).expect("not empty"));
                }
                if rng.chance(40) {
                    party.phone = Some(PhoneNumber::new(&format!("+855{:08}", rng.below(100_000_000))).expect("valid"));
                }
                party
            };
            let debtor = party(&mut rng);
            let creditor = party(&mut rng);
            let currency = currencies[rng.below(currencies.len() as u64) as usize];
            let amount = Money::from_minor(rng.below(10_000_000) as i64 + 1, currency);
            let time = EventTime::from_millis(start + i as i64 * 300 + rng.below(300) as i64).expect("in range");
            let channel = Channel::ALL[rng.below(Channel::ALL.len() as u64) as usize];
            let mut tx = Transaction::new(
                TxId::new(format!("tx-{i:09}")).expect("not empty"),
                time,
                debtor,
                creditor,
                amount,
                channel,
            );
            if rng.chance(10) {
                tx.received = Some(Money::from_minor(rng.below(1_000_000_000) as i64, Currency::KHR));
            }
            if rng.chance(50) {
                tx.device = Some(DeviceId::new(format!("dev-{:06x}", rng.below(50_000))).expect("not empty"));
                tx.ip = Some(IpAddr::V4(Ipv4Addr::from((rng.next() >> 32) as u32)));
            }
            if rng.chance(30) {
                tx.purpose =
                    Some(Text::new(["SALA", "GDDS", "SUPP", "CASH"][rng.below(4) as usize]).expect("not empty"));
                tx.reference =
                    Some(Text::new(format!("INV-{:07} payment, thanks", rng.below(10_000_000))).expect("not empty"));
            }
            let label = match rng.below(20) {
                0 => Some(Label::illicit(Some(Typology::MuleNetwork))),
                1 => Some(Label::illicit(None)),
                2..=9 => Some(Label::licit()),
                _ => None,
            };
            LabelledTransaction { tx, label }
        })
        .collect()
}

/// The formats measured, by file extension.
const FORMATS: [&str; 3] = ["parquet", "csv", "jsonl"];

fn write(format: &str, path: &Path, records: &[LabelledTransaction]) {
    let mut writer: Box<dyn RecordWriter> = match format {
        "parquet" => Box::new(ParquetWriter::create(path).expect("create")),
        "csv" => Box::new(CsvWriter::create(path).expect("create")),
        _ => Box::new(JsonlWriter::create(path).expect("create")),
    };
    for record in records {
        writer.write(record).expect("write");
    }
    writer.finish().expect("finish");
}

fn read(format: &str, path: &Path) -> usize {
    let reader: Box<dyn Iterator<Item = Result<LabelledTransaction, ReadError>>> = match format {
        "parquet" => Box::new(ParquetReader::open(path).expect("open")),
        "csv" => Box::new(CsvReader::open(path).expect("open")),
        _ => Box::new(JsonlReader::open(path).expect("open")),
    };
    let mut rows = 0;
    for record in reader {
        black_box(record.expect("a valid record"));
        rows += 1;
    }
    rows
}

fn native(c: &mut Criterion) {
    let records = generate(ROWS);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut group = c.benchmark_group("native");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(ROWS as u64));
    for format in FORMATS {
        let path = dir.path().join(format!("bench.{format}"));
        group.bench_function(format!("write/{format}"), |b| b.iter(|| write(format, &path, black_box(&records))));
        write(format, &path, &records);
        if let Ok(metadata) = std::fs::metadata(&path) {
            eprintln!("{format}: {ROWS} rows in {:.1} MB", metadata.len() as f64 / 1e6);
        }
        assert_eq!(read(format, &path), ROWS);
        group.bench_function(format!("read/{format}"), |b| b.iter(|| read(format, &path)));
    }
    group.finish();
}

criterion_group!(benches, native);
criterion_main!(benches);
