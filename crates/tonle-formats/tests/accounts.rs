//! The accounts file: records round-trip exactly, bad rows are located and skipped, any bytes are safe.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use tonle_core::{
    AccountId, AccountKind, AccountRecord, AccountRole, CountryCode, Currency, DeviceId, EventTime, InstitutionId,
    PartyId, PhoneNumber, ScenarioId, Text,
};
use tonle_formats::accounts::{read_accounts, AccountsReader, AccountsWriter, ACCOUNT_COLUMNS};
use tonle_formats::{ReadError, WriteError};

const HEADER: &str = "account,institution,party,name,kind,country,currency,opened,phone,device,role,scenarios";

fn full() -> AccountRecord {
    AccountRecord {
        account: AccountId::new("KH-0001").expect("not empty"),
        institution: Some(InstitutionId::new("ABAAKHPP").expect("not empty")),
        party: Some(PartyId::new("P-17").expect("not empty")),
        name: Some(Text::new("Sok, \"Dara\" សុខ ដារ៉ា\nline two").expect("not empty")),
        kind: AccountKind::Person,
        country: Some(CountryCode::new("KH").expect("valid")),
        currency: Currency::KHR,
        opened: Some(EventTime::parse_rfc3339("2024-05-01T07:30:15.250Z").expect("valid")),
        phone: Some(PhoneNumber::new("+855-12-345-678").expect("valid")),
        device: Some(DeviceId::new("d-9").expect("not empty")),
        role: AccountRole::CashOut,
        scenarios: vec![
            ScenarioId::new("pig-butchering-3").expect("not empty"),
            ScenarioId::new("mule network 7").expect("not empty"),
        ],
    }
}

fn bare() -> AccountRecord {
    AccountRecord {
        account: AccountId::new("0xdeadbeef").expect("not empty"),
        institution: None,
        party: None,
        name: None,
        kind: AccountKind::Wallet,
        country: None,
        currency: Currency::USDT,
        opened: None,
        phone: None,
        device: None,
        role: AccountRole::Normal,
        scenarios: Vec::new(),
    }
}

/// Writes records into memory and returns the file's text.
fn write_text(records: &[AccountRecord]) -> Vec<u8> {
    let mut writer = AccountsWriter::new(Path::new("accounts.csv"), Vec::new()).expect("header");
    for record in records {
        writer.write(record).expect("write");
    }
    writer.into_inner().expect("flush")
}

fn read_text(bytes: Vec<u8>) -> Vec<Result<AccountRecord, ReadError>> {
    match AccountsReader::new(Arc::from("accounts.csv"), Cursor::new(bytes)) {
        Ok(reader) => reader.collect(),
        Err(error) => panic!("header refused: {error}"),
    }
}

fn ok(results: Vec<Result<AccountRecord, ReadError>>) -> Vec<AccountRecord> {
    results.into_iter().map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect()
}

#[test]
fn every_field_and_no_optional_field_round_trip_through_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("accounts.csv");
    let mut records = vec![full(), bare()];
    let roles: Vec<_> = AccountRole::all().collect();
    for (i, kind) in AccountKind::all().enumerate() {
        let role = roles[i % roles.len()];
        records.push(AccountRecord {
            kind,
            role,
            account: AccountId::new(format!("A{i}")).expect("not empty"),
            ..bare()
        });
    }
    let mut writer = AccountsWriter::create(&path).expect("create");
    for record in &records {
        writer.write(record).expect("write");
    }
    writer.finish().expect("finish");

    let text = std::fs::read_to_string(&path).expect("read");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(HEADER));
    assert_eq!(ACCOUNT_COLUMNS.join(","), HEADER);
    assert!(text.contains(",cash-out,pig-butchering-3;mule network 7\n"), "{text}");
    assert!(text.contains(",+85512345678,"), "{text}");
    assert!(text.contains("\n0xdeadbeef,,,,wallet,,USDT,,,,normal,\n"), "{text}");

    let read = ok(read_accounts(&path).expect("open").collect());
    assert_eq!(read, records);
}

#[test]
fn a_scenario_holding_the_separator_is_refused() {
    let mut record = bare();
    record.scenarios = vec![ScenarioId::new("a;b").expect("not empty")];
    let mut writer = AccountsWriter::new(Path::new("accounts.csv"), Vec::new()).expect("header");
    let error = writer.write(&record).expect_err("refused");
    assert!(matches!(error, WriteError::Encode { .. }), "{error}");
    assert!(error.to_string().contains("\"a;b\""), "{error}");
    // Nothing was written for it: the next record still reads back alone.
    writer.write(&bare()).expect("write");
    assert_eq!(ok(read_text(writer.into_inner().expect("flush"))), [bare()]);
}

#[test]
fn bad_rows_are_located_and_good_rows_still_come_through() {
    let good = "A1,,,,person,,USD,,,,victim,";
    let text = [
        HEADER,
        good,
        "A2,,,,person,,USD,,,,smurf,",
        "A3,,,,person,,USD,2024-05-01 07:30,,,mule,",
        "A4,,,,person,,US$,,,,mule,",
        good,
        "A5,,,,person,,USD,,,,mule",
        "A6,,,,robot,,USD,,,,mule,",
        ",,,,person,,USD,,,,mule,",
        "A7,,,,person,KHM,USD,,,,mule,",
        "A8,,,,person,,USD,,call me,,mule,",
        "A9,,,,person,,USD,,,,mule,s1;;s2",
        "A10,,,,person,,,,,,mule,",
        "\"A11\nstill A11\",,,,business,,VND,,,,scammer,s1",
    ]
    .join("\n");
    let results = read_text(text.into_bytes());
    let good: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.account.to_string()).collect();
    assert_eq!(good, ["A1", "A1", "A11\nstill A11"]);
    let errors: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(errors.iter().all(|e| !e.fatal && &*e.location.file == "accounts.csv"), "{errors:?}");
    let located: Vec<_> = errors.iter().map(|e| (e.location.line.unwrap_or(0), e.location.field.as_deref())).collect();
    assert_eq!(
        located,
        [
            (3, Some("role")),
            (4, Some("opened")),
            (5, Some("currency")),
            (7, None),
            (8, Some("kind")),
            (9, Some("account")),
            (10, Some("country")),
            (11, Some("phone")),
            (12, Some("scenarios")),
            (13, Some("currency")),
        ]
    );
    let message = |line: u64| errors.iter().find(|e| e.location.line == Some(line)).expect("error").to_string();
    assert!(
        message(3).contains("accounts.csv:3, field \"role\"") && message(3).contains("\"smurf\""),
        "{}",
        message(3)
    );
    assert!(message(3).contains("cash-out"), "{}", message(3));
    assert!(message(4).contains("RFC 3339"), "{}", message(4));
    assert!(message(5).contains("\"US$\""), "{}", message(5));
    assert!(message(7).contains("has 11 fields"), "{}", message(7));
    assert!(message(9).contains("required"), "{}", message(9));
    assert!(message(12).contains("empty scenario id"), "{}", message(12));
    assert!(message(13).contains("required"), "{}", message(13));
}

#[test]
fn crlf_lines_and_a_byte_order_mark_are_read_with_the_right_line_numbers() {
    let text = format!("\u{feff}{HEADER}\r\nA1,,,,person,,USD,,,,victim,\r\nA2,,,,person,,USD,,,,smurf,\r\n");
    let results = read_text(text.into_bytes());
    assert_eq!(results[0].as_ref().map(|r| r.role).ok(), Some(AccountRole::Victim));
    let error = results[1].as_ref().expect_err("bad role");
    assert_eq!((error.location.line, error.location.field.as_deref()), (Some(3), Some("role")));
}

#[test]
fn a_missing_or_different_header_is_fatal_and_says_what_was_expected() {
    let open = |text: &str| match AccountsReader::new(Arc::from("accounts.csv"), Cursor::new(text.to_owned())) {
        Ok(_) => panic!("{text:?} was accepted"),
        Err(error) => error,
    };
    let error = open("");
    assert!(error.fatal && error.message.contains("empty") && error.message.contains(HEADER), "{error}");

    let error = open("account,institution,party,name,type,country\n");
    assert!(error.fatal, "{error}");
    assert_eq!((error.location.line, error.location.field.as_deref()), (Some(1), Some("kind")));
    assert!(error.message.contains("column 5 is \"type\"") && error.message.contains(HEADER), "{error}");

    let error = open("account,institution,party\nA1,,\n");
    assert!(error.fatal && error.message.contains("has 3 columns") && error.message.contains(HEADER), "{error}");

    let error = open(&format!("{HEADER},extra\n"));
    assert!(error.fatal && error.message.contains("has 13 columns"), "{error}");

    let error = match read_accounts(Path::new("/nonexistent/tonle/accounts.csv")) {
        Ok(_) => panic!("opened"),
        Err(error) => error,
    };
    assert!(error.fatal && error.message.contains("cannot read"), "{error}");
}

#[test]
fn text_that_is_not_utf8_spoils_only_its_row() {
    let mut text = format!("{HEADER}\n").into_bytes();
    text.extend_from_slice(b"A1,,,S\xffk,person,,USD,,,,victim,\nA2,,,,person,,USD,,,,victim,\n");
    let results = read_text(text);
    assert_eq!(results.len(), 2);
    let error = results[0].as_ref().expect_err("not UTF-8");
    assert!(!error.fatal && error.location.line == Some(2), "{error}");
    assert_eq!(results[1].as_ref().map(|r| r.account.to_string()).ok().as_deref(), Some("A2"));
}

// ---------------------------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------------------------

/// Characters that trouble CSV, and the scripts tonle's users write.
fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::char::range('a', 'z'),
        1 => proptest::char::range('A', 'Z'),
        1 => proptest::char::range('0', '9'),
        4 => select(vec![',', '"', '\'', '\n', '\r', ' ', '\t', '\\', '\u{feff}', '\0']),
        2 => proptest::char::range('\u{1780}', '\u{17FF}'), // Khmer
        2 => proptest::char::range('\u{0E00}', '\u{0E7F}'), // Thai
        2 => proptest::char::range('\u{4E00}', '\u{9FFF}'), // CJK unified ideographs
        1 => any::<char>(),
    ]
}

/// A non-empty text, sometimes padded with spaces.
fn text() -> impl Strategy<Value = String> {
    (vec(text_char(), 1..20), any::<bool>()).prop_map(|(chars, pad)| {
        let text: String = chars.into_iter().collect();
        if pad {
            format!(" {text} ")
        } else {
            text
        }
    })
}

fn id<T: std::str::FromStr + std::fmt::Debug>() -> impl Strategy<Value = T>
where
    T::Err: std::fmt::Debug,
{
    text().prop_map(|t| t.parse::<T>().expect("a non-empty text is a valid id"))
}

fn phone() -> impl Strategy<Value = PhoneNumber> {
    let digit = (proptest::char::range('0', '9'), select(vec!["", "", "-", " ", "(", ")"]));
    (any::<bool>(), vec(digit, 3..=20)).prop_map(|(plus, digits)| {
        let mut text = String::from(if plus { "+" } else { "" });
        for (digit, separator) in digits {
            text.push(digit);
            text.push_str(separator);
        }
        PhoneNumber::new(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    })
}

fn currency() -> impl Strategy<Value = Currency> {
    select(vec!["USD", "KHR", "THB", "MYR", "SGD", "VND", "JPY", "BHD", "USDT", "USDC", "BTC", "TRX"])
        .prop_map(|code| Currency::from_code(code).expect("known"))
}

fn time() -> impl Strategy<Value = EventTime> {
    prop_oneof![
        Just(EventTime::MIN),
        Just(EventTime::MAX),
        (EventTime::MIN.millis()..=EventTime::MAX.millis()).prop_map(|m| EventTime::from_millis(m).expect("in range")),
    ]
}

fn record() -> impl Strategy<Value = AccountRecord> {
    let scenario = text()
        .prop_filter_map("holds the separator", |t| (!t.contains(';')).then(|| ScenarioId::new(t).expect("not empty")));
    (
        (id::<AccountId>(), option::of(id::<InstitutionId>()), option::of(id::<PartyId>()), option::of(id::<Text>())),
        select(AccountKind::all().collect::<Vec<_>>()),
        option::of("[a-zA-Z]{2}".prop_map(|c| CountryCode::new(&c).expect("two letters"))),
        currency(),
        option::of(time()),
        option::of(phone()),
        option::of(id::<DeviceId>()),
        select(AccountRole::all().collect::<Vec<_>>()),
        vec(scenario, 0..4),
    )
        .prop_map(
            |((account, institution, party, name), kind, country, currency, opened, phone, device, role, scenarios)| {
                AccountRecord {
                    account,
                    institution,
                    party,
                    name,
                    kind,
                    country,
                    currency,
                    opened,
                    phone,
                    device,
                    role,
                    scenarios,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_records_round_trip(records in vec(record(), 0..16)) {
        prop_assert_eq!(ok(read_text(write_text(&records))), records);
    }

    #[test]
    fn any_bytes_never_panic(bytes in vec(any::<u8>(), 0..400), header in any::<bool>()) {
        let mut input = if header { format!("{HEADER}\n").into_bytes() } else { Vec::new() };
        input.extend(bytes);
        if let Ok(reader) = AccountsReader::new(Arc::from("fuzz.csv"), Cursor::new(input)) {
            let results: Vec<_> = reader.collect();
            // A fatal error, if any, is the last item.
            if let Some(at) = results.iter().position(|r| r.as_ref().is_err_and(|e| e.fatal)) {
                prop_assert_eq!(at + 1, results.len());
            }
        }
    }

    /// Junk rows (without quotes, which could swallow the rows after them) between good rows: every good row is
    /// read.
    #[test]
    fn good_rows_survive_junk(junk in vec("[a-z0-9,;: .+-]{0,60}", 0..8)) {
        // Upper case, which no junk line holds, so a junk line that happens to be a good row is not counted.
        let good = "GOOD,,,,person,,USD,2024-05-01T00:00:00.000Z,,,victim,s1;s2";
        let mut text = format!("{HEADER}\n");
        for line in &junk {
            text.push_str(good);
            text.push('\n');
            text.push_str(line);
            text.push('\n');
        }
        text.push_str(good);
        let good_rows = read_text(text.into_bytes())
            .into_iter()
            .filter(|r| r.as_ref().is_ok_and(|r| r.account.as_str() == "GOOD"))
            .count();
        prop_assert_eq!(good_rows, junk.len() + 1);
    }
}
