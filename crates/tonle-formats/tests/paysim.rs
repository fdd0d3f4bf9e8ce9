//! The PaySim reader: both headers, located errors, and no panics on any input.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use proptest::prelude::*;
use tonle_core::{Channel, Currency, EventTime, LabelledTransaction, Typology};
use tonle_formats::paysim::{self, PaySimReader, Variant, KAGGLE_HEADER, PAYSIM2_HEADER};
use tonle_formats::{ReadError, ReadOptions};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/paysim").join(name)
}

fn read_all(path: &Path, options: &ReadOptions) -> Vec<Result<LabelledTransaction, ReadError>> {
    match paysim::open(path, options) {
        Ok(records) => records.collect(),
        Err(error) => panic!("cannot open {}: {error}", path.display()),
    }
}

fn open_error(path: &Path) -> ReadError {
    match paysim::open(path, &ReadOptions::default()) {
        Ok(_) => panic!("{} opened", path.display()),
        Err(error) => error,
    }
}

fn ok(records: Vec<Result<LabelledTransaction, ReadError>>) -> Vec<LabelledTransaction> {
    records.into_iter().map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect()
}

/// `id time debtor -> creditor amount channel purpose illicit typology`
fn summary(record: &LabelledTransaction) -> String {
    let tx = &record.tx;
    let label = record.label.as_ref().expect("PaySim rows are labelled");
    assert!(tx.debtor.institution.is_none() && tx.creditor.institution.is_none() && tx.received.is_none());
    assert!(label.scenario.is_none());
    format!(
        "{} {} {} -> {} {} {} {} {} {}",
        tx.id,
        tx.time,
        tx.debtor.account,
        tx.creditor.account,
        tx.amount,
        tx.channel,
        tx.purpose.as_ref().map_or("-", |p| p.as_str()),
        label.illicit,
        label.typology.as_ref().map_or("-", |t| t.as_str()),
    )
}

#[test]
fn kaggle_rows() {
    let records = ok(read_all(&fixture("PS_tiny_log.csv"), &ReadOptions::default()));
    let got: Vec<_> = records.iter().map(summary).collect();
    assert_eq!(
        got,
        [
            "PS_tiny_log:2 2025-01-01T01:00:00.000Z C1231006815 -> M1979787155 9839.64 USD mobile-wallet PAYMENT false -",
            "PS_tiny_log:3 2025-01-01T01:00:00.000Z C1666544295 -> M2044282225 1864.28 USD mobile-wallet PAYMENT false -",
            "PS_tiny_log:4 2025-01-01T01:00:00.000Z C1305486145 -> C553264065 181.00 USD mobile-wallet TRANSFER true \
             account-takeover",
            "PS_tiny_log:5 2025-01-01T01:00:00.000Z C840083671 -> C38997010 181.00 USD cash-withdrawal CASH_OUT true \
             account-takeover",
            "PS_tiny_log:6 2025-01-01T01:00:00.000Z C1265012928 -> M1176932104 4024.36 USD mobile-wallet PAYMENT false -",
            "PS_tiny_log:7 2025-01-01T01:00:00.000Z C712410124 -> C195600860 5337.77 USD bank-transfer DEBIT false -",
        ]
    );
    assert_eq!(records[0].tx.amount.minor(), 983_964);
    assert_eq!(records[2].tx.amount.minor(), 18_100);
    assert_eq!(records[2].label.as_ref().unwrap().typology, Some(Typology::AccountTakeover));
}

#[test]
fn paysim2_rows_with_crlf_and_options() {
    let path = fixture("PS_20250101000000_42_rawLog.csv");
    let records = ok(read_all(&path, &ReadOptions::default()));
    let got: Vec<_> = records.iter().map(summary).collect();
    let id = "PS_20250101000000_42_rawLog";
    assert_eq!(
        got,
        [
            format!("{id}:2 2025-01-01T00:00:00.000Z C1093826151 -> M0457113389 152.07 USD mobile-wallet PAYMENT false -"),
            format!(
                "{id}:3 2025-01-01T00:00:00.000Z C0392847561 -> CC8812093345 70000.00 USD mobile-wallet TRANSFER true \
                 account-takeover"
            ),
            format!(
                "{id}:4 2025-01-01T01:00:00.000Z CC8812093345 -> M0000000001 70000.00 USD cash-withdrawal CASH_OUT true \
                 account-takeover"
            ),
            format!("{id}:5 2025-01-01T02:00:00.000Z C1093826151 -> M0457113389 250.50 USD cash-deposit CASH_IN false -"),
            format!("{id}:6 2025-01-01T05:00:00.000Z C1093826151 -> B0123456789 1000.00 USD bank-transfer DEBIT false -"),
            format!("{id}:7 2025-01-31T23:00:00.000Z C0392847561 -> B0123456789 12.34 USD cash-deposit DEPOSIT false -"),
        ]
    );

    let options = ReadOptions {
        currency: Currency::KHR,
        start: "2017-01-01T00:00:00Z".parse::<EventTime>().unwrap(),
        ..ReadOptions::default()
    };
    let records = ok(read_all(&path, &options));
    assert_eq!(records[5].tx.time.to_string(), "2017-01-31T23:00:00.000Z");
    assert_eq!(records[5].tx.amount.to_string(), "12.34 KHR");
    assert_eq!(records[5].tx.channel, Channel::CashDeposit);
}

#[test]
fn the_header_tells_the_variant() {
    let kaggle = format!("{}\n", KAGGLE_HEADER.join(","));
    let reader = PaySimReader::new(Arc::from("k"), "k", Cursor::new(kaggle), &ReadOptions::default()).unwrap();
    assert_eq!(reader.variant(), Variant::Kaggle);
    let paysim2 = format!("\u{feff}{}\r\n", PAYSIM2_HEADER.join(","));
    let reader = PaySimReader::new(Arc::from("p"), "p", Cursor::new(paysim2), &ReadOptions::default()).unwrap();
    assert_eq!(reader.variant(), Variant::PaySim2);
}

#[test]
fn bad_rows_are_located_and_good_rows_still_come_through() {
    let records = read_all(&fixture("bad_log.csv"), &ReadOptions::default());
    let good: Vec<_> = records.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.tx.id.to_string()).collect();
    assert_eq!(good, ["bad_log:2", "bad_log:9"]);
    let errors: Vec<_> = records.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(errors.iter().all(|e| !e.fatal && e.location.file.ends_with("bad_log.csv")));
    let located: Vec<_> = errors.iter().map(|e| (e.location.line.unwrap(), e.location.field.as_deref())).collect();
    assert_eq!(
        located,
        [
            (3, Some("step")),
            (4, Some("type")),
            (5, Some("amount")),
            (6, Some("isFraud")),
            (7, None),
            (8, Some("nameOrig"))
        ]
    );
    let message = |line: u64| errors.iter().find(|e| e.location.line == Some(line)).unwrap().message.clone();
    assert!(message(3).contains("\"x\" is not a step"), "{}", message(3));
    assert!(message(4).contains("\"WIRE\"") && message(4).contains("CASH_IN, CASH_OUT"), "{}", message(4));
    assert!(message(5).contains("\"18x1.0\""), "{}", message(5));
    assert!(message(6).contains("\"yes\" is not 0 or 1"), "{}", message(6));
    assert_eq!(message(7), "has 10 fields; expected 11");
    assert!(message(8).contains("empty"), "{}", message(8));
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_missing_or_unknown_header_is_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let error = open_error(&write(dir.path(), "empty.csv", ""));
    assert!(error.fatal && error.message.contains("empty"), "{error}");

    let headless =
        write(dir.path(), "headless.csv", "1,PAYMENT,9839.64,C1231006815,170136.0,160296.36,M1979787155,0.0,0.0,0,0\n");
    let error = open_error(&headless);
    assert!(error.fatal && error.location.line == Some(1), "{error}");
    assert_eq!(error.location.field.as_deref(), Some("step"));

    let mixed = KAGGLE_HEADER.join(",").replace("type", "action");
    let error = open_error(&write(dir.path(), "mixed.csv", &format!("{mixed}\n")));
    assert_eq!(error.location.field.as_deref(), Some("type"), "{error}");
    assert!(error.message.contains("column 2 is \"action\""), "{error}");

    // A PaySim 2 row under a Kaggle header: the field count is wrong, the file is not.
    let text = format!(
        "{}\n0,PAYMENT,152.07,C1093826151,4015.22,3863.15,M0457113389,0.00,152.07,0,0,0\n",
        KAGGLE_HEADER.join(",")
    );
    let records = read_all(&write(dir.path(), "wrong.csv", &text), &ReadOptions::default());
    assert_eq!(records.len(), 1);
    let error = records[0].as_ref().unwrap_err();
    assert!(!error.fatal && error.message == "has 12 fields; expected 11", "{error}");
}

/// Good rows, with the amount each must read as (minor units).
const GOOD: [(&str, i64); 3] = [
    ("1,PAYMENT,9839.64,C1231006815,170136.0,160296.36,M1979787155,0.0,0.0,0,0", 983_964),
    ("1,TRANSFER,181.0,C1305486145,181.0,0.0,C553264065,0.0,0.0,1,0", 18_100),
    ("743,CASH_OUT,92445516.64,C840083671,181.0,0.0,C38997010,21182.0,0.0,1,0", 9_244_551_664),
];

#[derive(Debug, Clone)]
enum Line {
    Good(usize),
    Garbage(Vec<u8>),
}

fn line_strategy() -> impl Strategy<Value = Line> {
    let no_newline = |bytes: Vec<u8>| bytes.into_iter().map(|b| if b == b'\n' { b',' } else { b }).collect();
    prop_oneof![
        (0..GOOD.len()).prop_map(Line::Good),
        prop::collection::vec(any::<u8>(), 0..120).prop_map(move |b| Line::Garbage(no_newline(b))),
        "[0-9A-Z_,.-]{0,100}".prop_map(|s| Line::Garbage(s.into_bytes())),
        (0..GOOD.len(), any::<prop::sample::Index>(), any::<u8>()).prop_map(move |(row, at, byte)| {
            let mut bytes = GOOD[row].0.as_bytes().to_vec();
            let at = at.index(bytes.len());
            bytes[at] = byte;
            Line::Garbage(no_newline(bytes))
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_lines_never_panic_and_good_rows_still_read(lines in prop::collection::vec(line_strategy(), 0..40)) {
        let mut text = format!("{}\n", KAGGLE_HEADER.join(",")).into_bytes();
        for line in &lines {
            match line {
                Line::Good(i) => text.extend_from_slice(GOOD[*i].0.as_bytes()),
                Line::Garbage(bytes) => text.extend_from_slice(bytes),
            }
            text.push(b'\n');
        }
        let reader = PaySimReader::new(Arc::from("fuzz.csv"), "fuzz", Cursor::new(text), &ReadOptions::default()).unwrap();
        let records: Vec<_> = reader.collect();
        let expected = lines.iter().filter(|l| !matches!(l, Line::Garbage(b) if b.is_empty() || b == b"\r")).count();
        prop_assert_eq!(records.len(), expected);
        for (i, line) in lines.iter().enumerate() {
            let number = i as u64 + 2;
            let id = format!("fuzz:{number}");
            let found = records.iter().find(|r| match r {
                Ok(r) => r.tx.id.as_str() == id,
                Err(e) => e.location.line == Some(number),
            });
            match line {
                Line::Good(g) => {
                    let record = found.unwrap().as_ref().unwrap();
                    prop_assert_eq!(record.tx.amount.minor(), GOOD[*g].1);
                }
                Line::Garbage(_) => {
                    if let Some(Err(error)) = found {
                        prop_assert!(!error.fatal);
                    }
                }
            }
        }
    }

    #[test]
    fn any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), header in 0..3usize) {
        let mut text = match header {
            0 => format!("{}\n", KAGGLE_HEADER.join(",")).into_bytes(),
            1 => format!("{}\r\n", PAYSIM2_HEADER.join(",")).into_bytes(),
            _ => Vec::new(),
        };
        text.extend_from_slice(&bytes);
        let options = ReadOptions { start: EventTime::MAX, ..ReadOptions::default() };
        if let Ok(reader) = PaySimReader::new(Arc::from("fuzz.csv"), "fuzz", Cursor::new(text), &options) {
            for record in reader {
                if let Err(error) = record {
                    prop_assert!(!error.fatal);
                }
            }
        }
    }
}
