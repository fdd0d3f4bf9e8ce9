//! The IBM AMLworld reader: real rows, patterns matching, located errors, and no panics on any input.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use proptest::prelude::*;
use tonle_core::{Channel, LabelledTransaction, Typology};
use tonle_formats::amlworld::{self, AmlWorldReader, Patterns};
use tonle_formats::{ReadError, ReadOptions};

const HEADER: &str = "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,\
                      Payment Currency,Payment Format,Is Laundering";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/amlworld").join(name)
}

fn read_all(path: &Path, options: &ReadOptions) -> Vec<Result<LabelledTransaction, ReadError>> {
    match amlworld::open(path, options) {
        Ok(records) => records.collect(),
        Err(error) => panic!("cannot open {}: {error}", path.display()),
    }
}

fn open_error(path: &Path, options: &ReadOptions) -> ReadError {
    match amlworld::open(path, options) {
        Ok(_) => panic!("{} opened", path.display()),
        Err(error) => error,
    }
}

fn ok(records: Vec<Result<LabelledTransaction, ReadError>>) -> Vec<LabelledTransaction> {
    records.into_iter().map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect()
}

/// (id, time, debtor bank, debtor account, creditor bank, creditor account, amount, received, channel, purpose)
fn summary(record: &LabelledTransaction) -> String {
    let tx = &record.tx;
    let institution = |p: &tonle_core::Party| p.institution.as_ref().map_or("-".to_owned(), |i| i.to_string());
    format!(
        "{} {} {}/{} -> {}/{} {} {} {} {}",
        tx.id,
        tx.time,
        institution(&tx.debtor),
        tx.debtor.account,
        institution(&tx.creditor),
        tx.creditor.account,
        tx.amount,
        tx.received.map_or("-".to_owned(), |m| m.to_string()),
        tx.channel,
        tx.purpose.as_ref().map_or("-", |p| p.as_str()),
    )
}

/// (illicit, typology, scenario)
fn label(record: &LabelledTransaction) -> (bool, Option<String>, Option<String>) {
    let label = record.label.as_ref().expect("AMLworld rows are labelled");
    (label.illicit, label.typology.as_ref().map(|t| t.to_string()), label.scenario.as_ref().map(|s| s.to_string()))
}

fn labelled(illicit: bool, typology: &str, scenario: &str) -> (bool, Option<String>, Option<String>) {
    (illicit, Some(typology.to_owned()), Some(scenario.to_owned()))
}

const UNTYPED_LICIT: (bool, Option<String>, Option<String>) = (false, None, None);
const UNTYPED_ILLICIT: (bool, Option<String>, Option<String>) = (true, None, None);

#[test]
fn real_rows_read_exactly_with_the_patterns_beside_them() {
    let records = ok(read_all(&fixture("HI-Tiny_Trans.csv"), &ReadOptions::default()));
    assert_eq!(records.len(), 26);
    let by_line =
        |line: u64| records.iter().find(|r| r.tx.id.as_str() == format!("HI-Tiny_Trans:{line}")).expect("line present");

    // The first four data lines of HI-Small.
    assert_eq!(
        summary(by_line(2)),
        "HI-Tiny_Trans:2 2022-09-01T00:20:00.000Z 010/8000EBD30 -> 010/8000EBD30 3697.34 USD - internal Reinvestment"
    );
    assert_eq!(
        summary(by_line(3)),
        "HI-Tiny_Trans:3 2022-09-01T00:20:00.000Z 03208/8000F4580 -> 001/8000F5340 0.01 USD - cheque Cheque"
    );
    assert_eq!(by_line(3).tx.amount.minor(), 1);
    assert_eq!(
        summary(by_line(4)),
        "HI-Tiny_Trans:4 2022-09-01T00:00:00.000Z 03209/8000F4670 -> 03209/8000F4670 14675.57 USD - internal \
         Reinvestment"
    );
    assert_eq!(by_line(4).tx.amount.minor(), 1_467_557);
    assert_eq!(by_line(5).tx.time.to_string(), "2022-09-01T00:02:00.000Z");
    for line in 2..=5 {
        assert_eq!(label(by_line(line)), UNTYPED_LICIT, "line {line}");
    }

    // Laundering rows: the typology and scenario of the attempt listing them.
    assert_eq!(
        summary(by_line(6)),
        "HI-Tiny_Trans:6 2022-09-01T00:06:00.000Z 021174/800737690 -> 012/80011F990 2848.96 EUR - bank-transfer ACH"
    );
    assert_eq!(label(by_line(6)), labelled(true, "fan-out", "fan-out-1"));
    assert_eq!(by_line(6).label.as_ref().unwrap().typology, Some(Typology::FanOut));
    assert_eq!(label(by_line(7)), labelled(true, "fan-out", "fan-out-1"));
    assert_eq!(
        summary(by_line(8)),
        "HI-Tiny_Trans:8 2022-09-02T08:44:00.000Z 0217/80FD27570 -> 0024856/8090E8EB0 10621.24 ILS - bank-transfer ACH"
    );
    assert_eq!(label(by_line(8)), labelled(true, "random", "random-5"));

    // Cross-currency: the amount paid, and the amount received beside it; in no attempt.
    let cross = by_line(9);
    assert_eq!(
        summary(cross),
        "HI-Tiny_Trans:9 2022-09-01T00:05:00.000Z 0134266/814167590 -> 0036925/810E343A0 18264.20 EUR 132713.46 CNY \
         bank-transfer ACH"
    );
    assert_eq!(cross.tx.amount.minor(), 1_826_420);
    assert_eq!(cross.tx.received.unwrap().minor(), 13_271_346);
    assert_eq!(label(cross), UNTYPED_ILLICIT);

    for line in 10..=14 {
        assert_eq!(label(by_line(line)), labelled(true, "cycle", "cycle-2"), "line {line}");
    }
    assert_eq!(by_line(10).tx.amount.to_string(), "101883.33 CNY");
    assert_eq!(by_line(13).tx.amount.to_string(), "13436.63 USD");

    // Yen: written with 2 decimals, rounded half to even to whole yen.
    let yen: Vec<i64> = (15..=17).map(|line| by_line(line).tx.amount.minor()).collect();
    assert_eq!(yen, [362_289, 353_026, 257_268]);
    assert_eq!(by_line(15).tx.amount.to_string(), "362289 JPY");
    assert!(by_line(15).tx.received.is_none());
    for line in 15..=17 {
        assert_eq!(label(by_line(line)), labelled(true, "stack", "stack-3"), "line {line}");
    }

    // The patterns write these with dashes and unpadded banks: matched by value.
    for line in 18..=21 {
        assert_eq!(label(by_line(line)), labelled(true, "gather-scatter", "gather-scatter-4"), "line {line}");
    }
    assert_eq!(by_line(18).tx.debtor.institution.as_ref().unwrap().as_str(), "0074695");
    assert_eq!(by_line(21).tx.amount.minor(), 150_361_996);

    // Duplicates of line 6: the licit one takes nothing, the illicit one the next attempt listing the row.
    assert_eq!(label(by_line(22)), UNTYPED_LICIT);
    assert_eq!(label(by_line(23)), labelled(true, "random", "random-5"));

    // The other formats and currencies.
    assert_eq!(
        summary(by_line(24)),
        "HI-Tiny_Trans:24 2022-09-01T00:22:00.000Z 0217/80FD27570 -> 0217/80FD27570 0.02585200 BTC - on-chain Bitcoin"
    );
    assert_eq!(by_line(24).tx.amount.minor(), 2_585_200);
    assert_eq!(
        summary(by_line(25)),
        "HI-Tiny_Trans:25 2022-09-01T00:11:00.000Z 001/8000F5340 -> 03208/8000F4580 87.15 GBP - card Credit Card"
    );
    assert_eq!(by_line(26).tx.channel, Channel::CashDeposit);
    assert_eq!(by_line(26).tx.amount.to_string(), "1200.00 INR");
    assert_eq!(by_line(27).tx.channel, Channel::BankTransfer);
    assert_eq!(by_line(27).tx.amount.to_string(), "5000.50 CHF");
    assert_eq!(by_line(27).tx.purpose.as_ref().unwrap().as_str(), "Wire");
}

#[test]
fn patterns_file_is_parsed_into_attempts() {
    let patterns = Patterns::open(&fixture("HI-Tiny_Patterns.txt")).unwrap();
    let attempts: Vec<_> =
        patterns.attempts().iter().map(|a| (a.scenario.to_string(), a.description.clone(), a.line, a.rows)).collect();
    assert_eq!(
        attempts,
        [
            ("fan-out-1".to_owned(), Some("Max 2-degree Fan-Out".to_owned()), 1, 2),
            ("cycle-2".to_owned(), Some("Max 5 hops".to_owned()), 6, 5),
            ("stack-3".to_owned(), None, 14, 3),
            ("gather-scatter-4".to_owned(), Some("Max 2-degree Fan-In".to_owned()), 20, 4),
            ("random-5".to_owned(), Some("Max 3 hops".to_owned()), 27, 2),
        ]
    );
    assert_eq!(patterns.rows(), 16);
    assert_eq!(patterns.unmatched(), 16);

    // Read through the Trans file, every listed row has been matched once.
    let file = std::fs::File::open(fixture("HI-Tiny_Trans.csv")).unwrap();
    let mut reader = AmlWorldReader::new(Arc::from("t"), "t", std::io::BufReader::new(file), Some(patterns)).unwrap();
    assert_eq!(reader.by_ref().filter(Result::is_ok).count(), 26);
    assert_eq!(reader.patterns().map(Patterns::unmatched), Some(0));
}

#[test]
fn patterns_can_be_named_and_are_optional() {
    let dir = tempfile::tempdir().unwrap();
    let trans = dir.path().join("trans.csv");
    std::fs::copy(fixture("HI-Tiny_Trans.csv"), &trans).unwrap();

    // No patterns beside `trans.csv`: labels without typologies.
    let records = ok(read_all(&trans, &ReadOptions::default()));
    assert_eq!(records.len(), 26);
    assert!(records.iter().all(|r| r.label.as_ref().unwrap().typology.is_none()));
    assert_eq!(records.iter().filter(|r| r.label.as_ref().unwrap().illicit).count(), 17);
    assert_eq!(records[0].tx.id.as_str(), "trans:2");

    // Named in the options.
    let options = ReadOptions { patterns: Some(fixture("HI-Tiny_Patterns.txt")), ..ReadOptions::default() };
    let records = ok(read_all(&trans, &options));
    let typed = records.iter().filter(|r| r.label.as_ref().unwrap().typology.is_some()).count();
    assert_eq!(typed, 16);

    // Named but missing: fatal.
    let options = ReadOptions { patterns: Some(dir.path().join("nope.txt")), ..ReadOptions::default() };
    let error = open_error(&trans, &options);
    assert!(error.fatal);
    assert!(error.location.file.ends_with("nope.txt"), "{error}");
}

#[test]
fn bad_rows_are_located_and_good_rows_still_come_through() {
    let records = read_all(&fixture("Bad_Trans.csv"), &ReadOptions::default());
    let good: Vec<_> = records.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.tx.id.to_string()).collect();
    assert_eq!(good, ["Bad_Trans:2", "Bad_Trans:9", "Bad_Trans:13"]);
    let errors: Vec<_> = records.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(errors.iter().all(|e| !e.fatal && e.location.file.ends_with("Bad_Trans.csv")));
    let located: Vec<_> = errors.iter().map(|e| (e.location.line.unwrap(), e.location.field.clone())).collect();
    let field = |name: &str| Some(name.to_owned());
    assert_eq!(
        located,
        [
            (3, field("Timestamp")),
            (4, field("Amount Received")),
            (5, field("Receiving Currency")),
            (6, None),
            (7, field("Is Laundering")),
            (8, field("Payment Format")),
            (11, field("Account (column 5)")),
            (12, field("Amount Paid")),
        ]
    );
    let message = |line: u64| errors.iter().find(|e| e.location.line == Some(line)).unwrap().message.clone();
    assert!(message(3).contains("\"2022/13/01 00:20\"") && message(3).contains("YYYY/MM/DD HH:MM"), "{}", message(3));
    assert!(message(4).contains("\"14675.5x\"") && message(4).contains("expected a decimal"), "{}", message(4));
    assert!(message(5).contains("\"Shekels\"") && message(5).contains("US Dollar"), "{}", message(5));
    assert_eq!(message(6), "has 10 fields; expected 11");
    assert!(message(7).contains("\"2\" is not 0 or 1"), "{}", message(7));
    assert!(message(8).contains("\"Credit Cards\"") && message(8).contains("Credit Card,"), "{}", message(8));
    assert!(message(11).contains("empty"), "{}", message(11));
    assert!(message(12).contains("\"-5000.50\"") && message(12).contains("is negative"), "{}", message(12));
    let shown = errors[0].to_string();
    assert!(shown.contains("Bad_Trans.csv:3, field \"Timestamp\""), "{shown}");
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_missing_or_different_header_is_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let options = ReadOptions::default();

    let empty = write(dir.path(), "Empty_Trans.csv", "");
    let error = open_error(&empty, &options);
    assert!(error.fatal && error.location.line == Some(1) && error.message.contains("empty"), "{error}");

    let headless = write(
        dir.path(),
        "Headless_Trans.csv",
        "2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0\n",
    );
    let error = open_error(&headless, &options);
    assert!(error.fatal && error.location.field.as_deref() == Some("Timestamp"), "{error}");

    let pandas =
        write(dir.path(), "Pandas_Trans.csv", &format!("{}\n", HEADER.replacen("Account,To", "Account.1,To", 1)));
    let error = open_error(&pandas, &options);
    assert_eq!(error.location.field.as_deref(), Some("Account"), "{error}");
    assert!(error.message.contains("column 3 is \"Account.1\""), "{error}");

    let short = write(dir.path(), "Short_Trans.csv", "Timestamp,From Bank\n");
    let error = open_error(&short, &options);
    assert!(error.fatal && error.message.contains("has 2 columns"), "{error}");
}

#[test]
fn crlf_byte_order_mark_and_dashed_times() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "\u{feff}{HEADER}\r\n2022-09-01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,\
         Reinvestment,0\r\n\r\n2022/09/01 00:20:59,010,8000EBD30,010,8000EBD30,1,Euro,1,Euro,Reinvestment,0\r\n"
    );
    let path = write(dir.path(), "Crlf_Trans.csv", &text);
    let records = ok(read_all(&path, &ReadOptions::default()));
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].tx.time.to_string(), "2022-09-01T00:20:00.000Z");
    assert_eq!(records[0].tx.amount.minor(), 369_734);
    assert_eq!(records[1].tx.id.as_str(), "Crlf_Trans:4");
    assert_eq!(records[1].tx.time.to_string(), "2022-09-01T00:20:59.000Z");
    assert_eq!(records[1].tx.purpose.as_ref().unwrap().as_str(), "Reinvestment");
}

#[test]
fn text_that_is_not_utf8_names_its_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("{HEADER}\n").into_bytes();
    text.extend_from_slice(b"2022/09/01 00:20,010,8000EBD30,010,8000\xffBD30,1,Euro,1,Euro,Reinvestment,0\n");
    text.extend_from_slice(b"2022/09/01 00:20,010,8000EBD30,010,8000EBD30,1,Euro,1,Euro,Reinvestment,0\n");
    let path = dir.path().join("Latin_Trans.csv");
    std::fs::write(&path, text).unwrap();
    let records = read_all(&path, &ReadOptions::default());
    let error = records[0].as_ref().unwrap_err();
    assert_eq!((error.location.line, error.location.field.as_deref()), (Some(2), Some("Account (column 5)")));
    assert!(error.message.contains("not UTF-8"), "{error}");
    assert_eq!(records[1].as_ref().unwrap().tx.id.as_str(), "Latin_Trans:3");
}

fn patterns_error(text: &str) -> ReadError {
    let dir = tempfile::tempdir().unwrap();
    let trans = write(dir.path(), "X_Trans.csv", &format!("{HEADER}\n"));
    write(dir.path(), "X_Patterns.txt", text);
    open_error(&trans, &ReadOptions::default())
}

#[test]
fn patterns_errors_name_the_patterns_file_and_line() {
    let row = "2022/09/01 00:06,021174,800737690,012,80011F990,2848.96,Euro,2848.96,Euro,ACH,1";
    let cases = [
        (format!("BEGIN LAUNDERING ATTEMPT - CYCLE:  Max 2 hops\n{row}\n"), 2, "ends inside"),
        (format!("BEGIN LAUNDERING ATTEMPT - CYCLE\n{row}\nEND LAUNDERING ATTEMPT - STACK\n"), 3, "ends \"STACK\""),
        (format!("{row}\n"), 1, "neither"),
        ("\nEND LAUNDERING ATTEMPT - CYCLE\n".to_owned(), 2, "not begun"),
        (
            format!("BEGIN LAUNDERING ATTEMPT - CYCLE\nBEGIN LAUNDERING ATTEMPT - STACK\n{row}\n"),
            2,
            "before the attempt begun on line 1",
        ),
        ("BEGIN LAUNDERING ATTEMPT - :  Max 2 hops\n".to_owned(), 1, "no typology"),
        (
            format!(
                "BEGIN LAUNDERING ATTEMPT - CYCLE\n{}\nEND LAUNDERING ATTEMPT - CYCLE\n",
                row.replace("Euro,ACH", "Euros,ACH")
            ),
            2,
            "\"Euros\" is not a currency name",
        ),
    ];
    for (text, line, message) in cases {
        let error = patterns_error(&text);
        assert!(error.fatal, "{error}");
        assert!(error.location.file.ends_with("X_Patterns.txt"), "{error}");
        assert_eq!(error.location.line, Some(line), "{error}");
        assert!(error.message.contains(message), "{error} (wanted {message:?})");
    }
    let error = patterns_error(&format!(
        "BEGIN LAUNDERING ATTEMPT - CYCLE\n{}\nEND LAUNDERING ATTEMPT - CYCLE\n",
        row.replace("2848.96,Euro,ACH", "2848.96,Euro,Wire transfer")
    ));
    assert_eq!(error.location.field.as_deref(), Some("Payment Format"), "{error}");
}

/// Good rows of different kinds, with the amount each must read as (minor units).
const GOOD: [(&str, i64); 4] = [
    ("2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0", 369_734),
    ("2022/09/01 00:05,0134266,814167590,0036925,810E343A0,132713.46,Yuan,18264.20,Euro,ACH,1", 1_826_420),
    ("2022/08/09 12:30,005,80C1F0980,023,811AF7CE0,362288.79,Yen,362288.79,Yen,ACH,1", 362_289),
    ("2022/09/01 00:22,0217,80FD27570,0217,80FD27570,0.025852,Bitcoin,0.025852,Bitcoin,Bitcoin,0", 2_585_200),
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
        "[0-9/:, .A-Za-z-]{0,100}".prop_map(|s| Line::Garbage(s.into_bytes())),
        // A good row with one byte changed.
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
        let mut text = format!("{HEADER}\n").into_bytes();
        for line in &lines {
            match line {
                Line::Good(i) => text.extend_from_slice(GOOD[*i].0.as_bytes()),
                Line::Garbage(bytes) => text.extend_from_slice(bytes),
            }
            text.push(b'\n');
        }
        let reader = AmlWorldReader::new(Arc::from("fuzz.csv"), "fuzz", Cursor::new(text), None).unwrap();
        let records: Vec<_> = reader.collect();
        // One result per line that is not blank (a lone `\r` is a blank CRLF line).
        let expected: usize = lines
            .iter()
            .filter(|l| !matches!(l, Line::Garbage(b) if b.is_empty() || b == b"\r"))
            .count();
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
    fn any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), with_header in any::<bool>()) {
        let mut text = if with_header { format!("{HEADER}\n").into_bytes() } else { Vec::new() };
        text.extend_from_slice(&bytes);
        if let Ok(reader) = AmlWorldReader::new(Arc::from("fuzz.csv"), "fuzz", Cursor::new(text), None) {
            for record in reader {
                if let Err(error) = record {
                    prop_assert!(!error.fatal);
                }
            }
        }
    }

    #[test]
    fn any_patterns_never_panic(lines in prop::collection::vec(line_strategy(), 0..20), end in any::<bool>()) {
        let mut text = b"BEGIN LAUNDERING ATTEMPT - FAN-IN:  Max 3-degree Fan-In\n".to_vec();
        for line in &lines {
            match line {
                Line::Good(i) => text.extend_from_slice(GOOD[*i].0.as_bytes()),
                Line::Garbage(bytes) => text.extend_from_slice(bytes),
            }
            text.push(b'\n');
        }
        if end {
            text.extend_from_slice(b"END LAUNDERING ATTEMPT - FAN-IN\n");
        }
        match Patterns::from_reader(Arc::from("fuzz.txt"), Cursor::new(text)) {
            Ok(patterns) => prop_assert!(patterns.rows() <= lines.len()),
            Err(error) => prop_assert!(error.fatal && error.location.line.is_some()),
        }
    }
}
