//! Any bytes into the native CSV and JSON Lines readers: never a panic, and good rows among bad ones are kept.

use std::io::Cursor;
use std::sync::Arc;

use proptest::collection::vec;
use proptest::prelude::*;
use tonle_formats::native::csv::CsvReader;
use tonle_formats::native::jsonl::JsonlReader;

const CSV_HEADER: &str = "id,time,amount,currency,debtor_account,creditor_account,illicit,typology";
const CSV_GOOD: &str = "good,2025-03-01T08:15:00.250Z,12.50,KHR,A,B,true,fan-in";
const JSON_GOOD: &str = r#"{"id":"good","time":"2025-03-01T08:15:00.250Z","amount":"12.50","currency":"KHR","debtor_account":"A","creditor_account":"B","illicit":true,"typology":"fan-in"}"#;

/// Lines that are mostly wrong, some close to right.
fn junk_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..80),
        "[a-z0-9,\"\\.: -]{0,60}".prop_map(String::into_bytes),
        Just(CSV_GOOD.replace("12.50", "12.505").into_bytes()),
        Just(JSON_GOOD.replace("12.50", "1e400").into_bytes()),
        Just(b"\"unclosed,quote".to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn csv_never_panics(bytes in vec(any::<u8>(), 0..400)) {
        if let Ok(reader) = CsvReader::new(Arc::from("fuzz.csv"), Cursor::new(bytes)) {
            for _ in reader {}
        }
    }

    #[test]
    fn jsonl_never_panics(bytes in vec(any::<u8>(), 0..400)) {
        for _ in JsonlReader::new(Arc::from("fuzz.jsonl"), Cursor::new(bytes)) {}
    }

    /// Junk lines between good JSON lines: every good line is read (a JSON line ends at its newline, so no
    /// junk can swallow a good line).
    #[test]
    fn jsonl_keeps_every_good_line(junk in vec(junk_line(), 0..6)) {
        let mut text = Vec::new();
        for line in &junk {
            text.extend_from_slice(JSON_GOOD.as_bytes());
            text.push(b'\n');
            text.extend(line.iter().copied().filter(|&b| b != b'\n'));
            text.push(b'\n');
        }
        text.extend_from_slice(JSON_GOOD.as_bytes());
        let good = JsonlReader::new(Arc::from("fuzz.jsonl"), Cursor::new(text)).filter(Result::is_ok).count();
        prop_assert_eq!(good, junk.len() + 1);
    }

    /// Junk rows without quotes between good CSV rows: every good row is read.
    #[test]
    fn csv_keeps_every_good_row(junk in vec(junk_line(), 0..6)) {
        let mut text = format!("{CSV_HEADER}\n").into_bytes();
        for line in &junk {
            text.extend_from_slice(CSV_GOOD.as_bytes());
            text.push(b'\n');
            // A quote would open a field that runs on over the next lines, as CSV defines.
            text.extend(line.iter().copied().filter(|&b| b != b'\n' && b != b'\r' && b != b'"'));
            text.push(b'\n');
        }
        text.extend_from_slice(CSV_GOOD.as_bytes());
        let reader = CsvReader::new(Arc::from("fuzz.csv"), Cursor::new(text)).expect("the header is good");
        let good = reader.filter(Result::is_ok).count();
        prop_assert_eq!(good, junk.len() + 1);
    }
}
