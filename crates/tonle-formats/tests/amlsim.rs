//! The IBM AMLSim reader: columns by name, side files, located errors, and no panics on any input.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use proptest::prelude::*;
use tonle_core::{Channel, Currency, LabelledTransaction, Typology};
use tonle_formats::amlsim::{self, AccountBanks, Alerts, AmlSimReader};
use tonle_formats::{ReadError, ReadOptions};

const HEADER: &str = "tran_id,orig_acct,bene_acct,tx_type,base_amt,tran_timestamp,is_sar,alert_id";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/amlsim").join(name)
}

fn read_all(path: &Path, options: &ReadOptions) -> Vec<Result<LabelledTransaction, ReadError>> {
    match amlsim::open(path, options) {
        Ok(records) => records.collect(),
        Err(error) => panic!("cannot open {}: {error}", path.display()),
    }
}

fn open_error(path: &Path) -> ReadError {
    match amlsim::open(path, &ReadOptions::default()) {
        Ok(_) => panic!("{} opened", path.display()),
        Err(error) => error,
    }
}

fn ok(records: Vec<Result<LabelledTransaction, ReadError>>) -> Vec<LabelledTransaction> {
    records.into_iter().map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect()
}

/// `id time debtor@bank -> creditor@bank amount channel purpose`
fn summary(record: &LabelledTransaction) -> String {
    let tx = &record.tx;
    let side = |p: &tonle_core::Party| match &p.institution {
        Some(institution) => format!("{}@{institution}", p.account),
        None => p.account.to_string(),
    };
    format!(
        "{} {} {} -> {} {} {} {}",
        tx.id,
        tx.time,
        side(&tx.debtor),
        side(&tx.creditor),
        tx.amount,
        tx.channel,
        tx.purpose.as_ref().map_or("-", |p| p.as_str())
    )
}

fn label(record: &LabelledTransaction) -> (bool, Option<String>, Option<String>) {
    let label = record.label.as_ref().expect("AMLSim rows are labelled");
    (label.illicit, label.typology.as_ref().map(|t| t.to_string()), label.scenario.as_ref().map(|s| s.to_string()))
}

fn some(text: &str) -> Option<String> {
    Some(text.to_owned())
}

#[test]
fn rows_with_alerts_and_banks_from_the_side_files() {
    let records = ok(read_all(&fixture("sim/transactions.csv"), &ReadOptions::default()));
    let got: Vec<_> = records.iter().map(|r| (summary(r), label(r))).collect();
    let expected = [
        (
            "1 2017-01-01T00:00:00.000Z 1001@bank_a -> 2001@bank_b 150.50 USD bank-transfer TRANSFER",
            (false, None, None),
        ),
        (
            "2 2017-01-02T00:00:00.000Z 2001@bank_b -> 3001@bank_c 2750.00 USD bank-transfer TRANSFER",
            (true, some("cycle"), some("alert-10")),
        ),
        ("3 2017-01-01T00:00:00.000Z 712 -> 455 532.71 USD bank-transfer TRANSFER", (false, None, None)),
        (
            "5 2017-01-03T00:00:00.000Z 89 -> 1021 12345000.00 USD bank-transfer TRANSFER",
            (true, some("fan-out"), some("alert-3")),
        ),
        (
            "7 2017-01-04T00:00:00.000Z 2001@bank_b -> 1001@bank_a 100.00 USD bank-transfer WIRE",
            (false, some("gather-scatter"), some("alert-99")),
        ),
        (
            "8 2017-01-05T00:00:00.000Z 3001@bank_c -> 2001@bank_b 123.45 USD cheque CHECK",
            (true, some("cycle"), some("alert-10")),
        ),
        ("9 2017-01-05T00:00:00.000Z 1001@bank_a -> 3001@bank_c 100.00 USD bank-transfer CREDIT", (false, None, None)),
        ("11 2017-01-06T00:00:00.000Z 2001@bank_b -> 1001@bank_a 0.00 USD cash-deposit DEPOSIT", (false, None, None)),
        (
            "12 2017-01-06T00:00:00.000Z 3001@bank_c -> 1001@bank_a 400.00 USD cash-withdrawal CASH-OUT",
            (true, None, some("alert-42")),
        ),
        ("13 2017-01-07T00:00:00.000Z 1001@bank_a -> 2001@bank_b 10.00 USD bank-transfer MYSTERY", (false, None, None)),
    ];
    assert_eq!(got.len(), expected.len());
    for ((summary, label), (want_summary, want_label)) in got.iter().zip(expected) {
        assert_eq!(summary, want_summary);
        assert_eq!(label, &want_label, "{summary}");
    }
    assert_eq!(records[3].tx.amount.minor(), 1_234_500_000);
    assert_eq!(records[0].tx.amount.minor(), 15_050);
    assert_eq!(records[1].label.as_ref().unwrap().typology, Some(Typology::Cycle));
    assert!(records.iter().all(|r| r.tx.received.is_none()));
}

#[test]
fn older_schema_without_side_files_in_another_currency() {
    let options = ReadOptions { currency: Currency::KHR, ..ReadOptions::default() };
    let records = ok(read_all(&fixture("old_schema/transactions.csv"), &options));
    assert_eq!(records.len(), 2);
    assert_eq!(summary(&records[0]), "1 2017-01-01T00:00:00.000Z 712 -> 455 532.71 KHR bank-transfer WIRE");
    assert_eq!(label(&records[0]), (false, None, None));
    assert_eq!(summary(&records[1]), "4 2017-01-02T00:00:00.000Z 455 -> 712 1000.00 KHR bank-transfer CREDIT");
    // Alert 0 is an alert; without alert_accounts.csv it has no typology.
    assert_eq!(label(&records[1]), (true, None, some("alert-0")));
}

#[test]
fn bad_rows_are_located_and_good_rows_still_come_through() {
    let records = read_all(&fixture("bad/transactions.csv"), &ReadOptions::default());
    let good: Vec<_> = records.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.tx.id.to_string()).collect();
    assert_eq!(good, ["1", "9"]);
    let errors: Vec<_> = records.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(errors.iter().all(|e| !e.fatal && e.location.file.ends_with("transactions.csv")));
    let located: Vec<_> = errors.iter().map(|e| (e.location.line.unwrap(), e.location.field.as_deref())).collect();
    assert_eq!(
        located,
        [
            (3, Some("tran_timestamp")),
            (4, Some("base_amt")),
            (5, Some("is_sar")),
            (6, None),
            (7, Some("alert_id")),
            (8, Some("orig_acct")),
            (9, Some("base_amt")),
        ]
    );
    let message = |line: u64| errors.iter().find(|e| e.location.line == Some(line)).unwrap().message.clone();
    assert!(message(3).contains("\"2017-13-02T00:00:00Z\"") && message(3).contains("RFC 3339"), "{}", message(3));
    assert!(message(4).contains("\"5x2.71\"") && message(4).contains("expected a decimal"), "{}", message(4));
    assert!(message(5).contains("\"Maybe\" is not True, False, 1 or 0"), "{}", message(5));
    assert_eq!(message(6), "has 7 fields; expected 8");
    assert!(message(7).contains("\"-7\"") && message(7).contains("-1 or a whole number"), "{}", message(7));
    assert!(message(8).contains("empty"), "{}", message(8));
    assert!(message(9).contains("negative"), "{}", message(9));
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_missing_header_or_column_is_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "transactions.csv", "");
    let error = open_error(&empty);
    assert!(error.fatal && error.location.line == Some(1) && error.message.contains("empty"), "{error}");

    let no_time =
        write(dir.path(), "transactions.csv", "tran_id,orig_acct,bene_acct,tx_type,base_amt,is_sar,alert_id\n");
    let error = open_error(&no_time);
    assert!(error.fatal, "{error}");
    assert_eq!(error.location.field.as_deref(), Some("tran_timestamp"));

    let no_flag =
        write(dir.path(), "transactions.csv", "tran_id,orig_acct,bene_acct,tx_type,base_amt,tran_timestamp,alert_id\n");
    let error = open_error(&no_flag);
    assert!(error.message.contains("is_sar or is_fraud"), "{error}");

    // Any order and any case; extra columns ignored.
    let shuffled = write(
        dir.path(),
        "transactions.csv",
        "\u{feff}ALERT_ID,extra,Tran_Id,orig_acct,bene_acct,tx_type,base_amt,tran_timestamp,IS_SAR\n\
         -1,x,17,1,2,TRANSFER,5,2017-01-01,true\n",
    );
    let records = ok(read_all(&shuffled, &ReadOptions::default()));
    assert_eq!(summary(&records[0]), "17 2017-01-01T00:00:00.000Z 1 -> 2 5.00 USD bank-transfer TRANSFER");
    assert_eq!(label(&records[0]), (true, None, None));
}

#[test]
fn side_file_errors_are_fatal_and_name_the_side_file() {
    let dir = tempfile::tempdir().unwrap();
    let transactions = write(dir.path(), "transactions.csv", &format!("{HEADER}\n"));

    write(dir.path(), "alert_accounts.csv", "alert_id,alert_type,acct_id\n1,cycle,5\n1,fan_out,6\n");
    let error = open_error(&transactions);
    assert!(error.fatal && error.location.file.ends_with("alert_accounts.csv"), "{error}");
    assert_eq!((error.location.line, error.location.field.as_deref()), (Some(3), Some("alert_type")));
    assert!(error.message.contains("alert 1 is fan-out here but cycle on line 2"), "{error}");

    write(dir.path(), "alert_accounts.csv", "alert_id,alert_type\n-1,cycle\n");
    let error = open_error(&transactions);
    assert_eq!((error.location.line, error.location.field.as_deref()), (Some(2), Some("alert_id")), "{error}");

    write(dir.path(), "alert_accounts.csv", "alert_type,acct_id\ncycle,5\n");
    let error = open_error(&transactions);
    assert_eq!((error.location.line, error.location.field.as_deref()), (Some(1), Some("alert_id")), "{error}");

    std::fs::remove_file(dir.path().join("alert_accounts.csv")).unwrap();
    write(dir.path(), "accounts.csv", "acct_id,bank_id\n1,bank_a\n2\n");
    let error = open_error(&transactions);
    assert!(error.fatal && error.location.file.ends_with("accounts.csv"), "{error}");
    assert_eq!(error.location.line, Some(3));
    assert!(error.message.contains("has 1 fields; expected 2"), "{error}");

    write(dir.path(), "accounts.csv", "acct_id,bank_id\n1,bank_a\n1,bank_b\n");
    let error = open_error(&transactions);
    assert!(error.message.contains("account 1 is at bank_b here but at bank_a above"), "{error}");

    // Without bank_id (older schema): no institutions, not an error.
    write(dir.path(), "accounts.csv", "acct_id,dsply_nm\n1,C_1\n");
    let records = ok(read_all(&transactions, &ReadOptions::default()));
    assert!(records.is_empty());
}

#[test]
fn side_files_can_be_given_directly() {
    let alerts = Alerts::open(&fixture("sim/alert_accounts.csv")).unwrap();
    assert_eq!(alerts.len(), 3);
    assert_eq!(alerts.typology(99), Some(&Typology::GatherScatter));
    let banks = AccountBanks::open(&fixture("sim/accounts.csv")).unwrap();
    assert_eq!(banks.len(), 3);
    assert_eq!(banks.get("3001").map(|b| b.as_str()), Some("bank_c"));
    let input = format!("{HEADER}\r\n1,3001,9,CASH_IN,1,2017-01-01T00:00:00Z,False,99\r\n");
    let reader =
        AmlSimReader::new(Arc::from("t.csv"), Cursor::new(input), Currency::USD, Some(alerts), Some(banks)).unwrap();
    let records = ok(reader.collect());
    assert_eq!(summary(&records[0]), "1 2017-01-01T00:00:00.000Z 3001@bank_c -> 9 1.00 USD cash-deposit CASH_IN");
    assert_eq!(records[0].tx.channel, Channel::CashDeposit);
    assert_eq!(label(&records[0]), (false, some("gather-scatter"), some("alert-99")));
}

#[test]
fn quotes_line_breaks_and_lines() {
    let input = format!(
        "{HEADER}\n\n\"1\",\"10\"\"01\",2001,\"CASH,\nOUT\",1,2017-01-01,False,-1\r\n\n2,1,2,5\"x,1,2017-01-01,False,-1\n\
         3,1,2,TRANSFER,1,2017-01-01,False,-1\n4,\"1,2,TRANSFER,1,2017-01-01,False,-1\n"
    );
    let reader = AmlSimReader::new(Arc::from("q.csv"), Cursor::new(input), Currency::USD, None, None).unwrap();
    let records: Vec<_> = reader.collect();
    assert_eq!(records.len(), 4);
    let first = records[0].as_ref().unwrap();
    assert_eq!(first.tx.debtor.account.as_str(), "10\"01");
    assert_eq!(first.tx.purpose.as_ref().unwrap().as_str(), "CASH,\nOUT");
    // A quote inside an unquoted field is kept as written.
    assert_eq!(records[1].as_ref().unwrap().tx.purpose.as_ref().unwrap().as_str(), "5\"x");
    assert_eq!(records[2].as_ref().unwrap().tx.id.as_str(), "3");
    // A quote never closed: an error on the line where its record begins.
    let error = records[3].as_ref().unwrap_err();
    assert_eq!(error.location.line, Some(8), "{error}");
    assert!(!error.fatal && error.message.contains("never closed"), "{error}");
}

/// Good rows, with the amount each must read as (minor units).
const GOOD: [(&str, i64); 3] = [
    ("1,1001,2001,TRANSFER,150.50,2017-01-01T00:00:00Z,False,-1", 15_050),
    ("5,89,1021,TRANSFER,1.2345E7,2017-01-03T00:00:00Z,True,3", 1_234_500_000),
    ("8,3001,2001,CHECK,123.45,2017-01-05T00:00:00Z,TRUE,10", 12_345),
];

#[derive(Debug, Clone)]
enum Line {
    Good(usize),
    Garbage(Vec<u8>),
}

/// Garbage has no quote (an unclosed quote runs on over the following lines, as CSV says) and no line break.
fn clean(bytes: Vec<u8>) -> Vec<u8> {
    bytes.into_iter().map(|b| if matches!(b, b'\n' | b'\r' | b'"') { b',' } else { b }).collect()
}

fn line_strategy() -> impl Strategy<Value = Line> {
    prop_oneof![
        (0..GOOD.len()).prop_map(Line::Good),
        prop::collection::vec(any::<u8>(), 0..100).prop_map(|b| Line::Garbage(clean(b))),
        "[0-9a-zA-Z:,. -]{0,80}".prop_map(|s| Line::Garbage(s.into_bytes())),
        (0..GOOD.len(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(row, at, byte)| {
            let mut bytes = GOOD[row].0.as_bytes().to_vec();
            let at = at.index(bytes.len());
            bytes[at] = byte;
            Line::Garbage(clean(bytes))
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_lines_never_panic_and_good_rows_still_read(
        lines in prop::collection::vec(line_strategy(), 0..40),
        crlf in any::<bool>(),
    ) {
        let end: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        let mut text = HEADER.as_bytes().to_vec();
        text.extend_from_slice(end);
        for line in &lines {
            match line {
                Line::Good(i) => text.extend_from_slice(GOOD[*i].0.as_bytes()),
                Line::Garbage(bytes) => text.extend_from_slice(bytes),
            }
            text.extend_from_slice(end);
        }
        let reader = AmlSimReader::new(Arc::from("fuzz.csv"), Cursor::new(text), Currency::USD, None, None).unwrap();
        let records: Vec<_> = reader.collect();
        let expected = lines.iter().filter(|l| !matches!(l, Line::Garbage(b) if b.is_empty())).count();
        prop_assert_eq!(records.len(), expected);
        let mut results = records.iter();
        for (i, line) in lines.iter().enumerate() {
            let number = i as u64 + 2;
            match line {
                Line::Garbage(bytes) if bytes.is_empty() => continue,
                Line::Good(g) => {
                    let record = results.next().unwrap().as_ref().unwrap();
                    prop_assert_eq!(record.tx.amount.minor(), GOOD[*g].1);
                    prop_assert_eq!(record.tx.id.as_str(), GOOD[*g].0.split(',').next().unwrap());
                }
                Line::Garbage(_) => {
                    if let Err(error) = results.next().unwrap() {
                        prop_assert!(!error.fatal);
                        prop_assert_eq!(error.location.line, Some(number));
                    }
                }
            }
        }
    }

    #[test]
    fn any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), with_header in any::<bool>()) {
        let mut text = if with_header { format!("{HEADER}\n").into_bytes() } else { Vec::new() };
        text.extend_from_slice(&bytes);
        if let Ok(reader) = AmlSimReader::new(Arc::from("fuzz.csv"), Cursor::new(text.clone()), Currency::USD, None, None) {
            for _ in reader {}
        }
        let _ = Alerts::from_reader(Arc::from("alerts.csv"), Cursor::new(text.clone()));
        let _ = AccountBanks::from_reader(Arc::from("accounts.csv"), Cursor::new(text));
    }
}
