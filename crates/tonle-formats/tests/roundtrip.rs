//! Every native format gives back exactly the records written to it, and bad input is reported where it is.

use std::fs::File;
use std::io::BufReader;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, DictionaryArray, Int64Array, LargeStringArray, StringArray, StringViewArray,
    TimestampMicrosecondArray, TimestampNanosecondArray,
};
use arrow::datatypes::{Field, Int16Type, Int8Type, Schema, UInt8Type};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::file::reader::{FileReader, SerializedFileReader};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use tonle_core::{
    AccountId, Channel, CountryCode, Currency, DeviceId, EventTime, InstitutionId, Label, LabelledTransaction, Money,
    Party, PartyId, PhoneNumber, ScenarioId, Text, Transaction, TxId, Typology,
};
use tonle_formats::native::csv::{CsvReader, CsvWriter};
use tonle_formats::native::jsonl::{JsonlReader, JsonlWriter};
use tonle_formats::native::COLUMNS;
use tonle_formats::parquet::{ParquetReader, ParquetWriter, BATCH_ROWS};
use tonle_formats::{ReadError, RecordWriter};

// ---------------------------------------------------------------------------------------------------------------
// Strategies: any LabelledTransaction.
// ---------------------------------------------------------------------------------------------------------------

/// Characters that trouble text formats, and the scripts tonle's users write.
fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::char::range('a', 'z'),
        1 => proptest::char::range('A', 'Z'),
        1 => proptest::char::range('0', '9'),
        4 => select(vec![',', '"', '\'', '\n', '\r', ' ', '\t', '\\', '{', '}', ':', '\u{feff}', '\u{2028}', '\0']),
        2 => proptest::char::range('\u{1780}', '\u{17FF}'), // Khmer
        2 => proptest::char::range('\u{0E00}', '\u{0E7F}'), // Thai
        2 => proptest::char::range('\u{4E00}', '\u{9FFF}'), // CJK unified ideographs
        2 => proptest::char::range('\u{1F300}', '\u{1F64F}'), // emoji
        1 => any::<char>(),
    ]
}

/// A non-empty text, sometimes with leading or trailing spaces, sometimes longer than the inline 24 bytes.
fn text() -> impl Strategy<Value = String> {
    (vec(text_char(), 1..30), any::<bool>(), any::<bool>()).prop_map(|(chars, lead, trail)| {
        let mut text = String::new();
        if lead {
            text.push(' ');
        }
        text.extend(chars);
        if trail {
            text.push_str("  ");
        }
        text
    })
}

/// A text made into one of the id types (never empty, so never refused).
fn id<T: std::str::FromStr + std::fmt::Debug>() -> impl Strategy<Value = T>
where
    T::Err: std::fmt::Debug,
{
    text().prop_map(|t| t.parse::<T>().expect("a non-empty text is a valid id"))
}

/// Institutions repeat across rows (dictionary encoded in Parquet), but may be any text.
fn institution() -> impl Strategy<Value = InstitutionId> {
    prop_oneof![
        select(vec!["ABAAKHPP", "ACLBKHPP", "Wing Bank (Cambodia) Plc", "ธนาคารกรุงเทพ", "中国银行"])
            .prop_map(|s| InstitutionId::new(s).expect("not empty")),
        id::<InstitutionId>(),
    ]
}

fn country() -> impl Strategy<Value = CountryCode> {
    (proptest::char::range('A', 'Z'), proptest::char::range('a', 'z'), any::<bool>()).prop_map(|(a, b, swap)| {
        let text: String = if swap { [b, a] } else { [a, b] }.iter().collect();
        CountryCode::new(&text).expect("two letters")
    })
}

/// Phone numbers as people write them: an optional `+`, 3 to 20 digits, separators between.
fn phone() -> impl Strategy<Value = PhoneNumber> {
    let digit = (proptest::char::range('0', '9'), select(vec!["", "", "", "-", " ", ".", "(", ")"]));
    (any::<bool>(), vec(digit, 3..=20)).prop_map(|(plus, digits)| {
        let mut text = String::from(if plus { "+" } else { "" });
        for (digit, separator) in digits {
            text.push(digit);
            text.push_str(separator);
        }
        PhoneNumber::new(&text).unwrap_or_else(|e| panic!("{text:?} should be a phone number: {e}"))
    })
}

fn party() -> impl Strategy<Value = Party> {
    (
        id::<AccountId>(),
        option::of(institution()),
        option::of(id::<PartyId>()),
        option::of(id::<Text>()),
        option::of(country()),
        option::of(phone()),
    )
        .prop_map(|(account, institution, party, name, country, phone)| Party {
            account,
            institution,
            party,
            name,
            country,
            phone,
        })
}

/// Currencies of every exponent: 0 (VND, JPY, ISK), 2, 3 (BHD, KWD), 4 (CLF, UYW), 6 (USDT, USDC, TRX), 8 (BTC).
const CURRENCIES: [&str; 17] = [
    "USD", "KHR", "THB", "MYR", "SGD", "CNY", "EUR", "VND", "JPY", "ISK", "BHD", "KWD", "CLF", "UYW", "USDT", "USDC",
    "BTC",
];

fn currency() -> impl Strategy<Value = Currency> {
    let mut all: Vec<Currency> = CURRENCIES.iter().map(|c| Currency::from_code(c).expect("known")).collect();
    all.push(Currency::TRX);
    select(all)
}

fn money() -> impl Strategy<Value = Money> {
    let minor = prop_oneof![
        1 => Just(i64::MIN),
        1 => Just(i64::MAX),
        1 => Just(0i64),
        1 => select(vec![-1i64, 1, 5, -5, 99, 100, 101, 10_000_000]),
        3 => -100_000_000i64..100_000_000,
        3 => any::<i64>(),
    ];
    (minor, currency()).prop_map(|(minor, currency)| Money::from_minor(minor, currency))
}

fn time() -> impl Strategy<Value = EventTime> {
    let millis = prop_oneof![
        1 => Just(EventTime::MIN.millis()),
        1 => Just(EventTime::MAX.millis()),
        1 => Just(0i64),
        1 => Just(-1i64),
        3 => EventTime::MIN.millis()..=EventTime::MAX.millis(),
        3 => 1_600_000_000_000i64..1_900_000_000_000,
    ];
    millis.prop_map(|m| EventTime::from_millis(m).expect("in range"))
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| IpAddr::V4(Ipv4Addr::from(b))),
        any::<[u16; 8]>().prop_map(|s| IpAddr::V6(Ipv6Addr::from(s))),
        any::<[u8; 4]>().prop_map(|b| IpAddr::V6(Ipv4Addr::from(b).to_ipv6_mapped())),
        any::<u16>().prop_map(|s| IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, s))),
        select(vec![
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            IpAddr::V4(Ipv4Addr::BROADCAST),
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ]),
    ]
}

const KNOWN_TYPOLOGIES: [Typology; 14] = [
    Typology::FanIn,
    Typology::FanOut,
    Typology::GatherScatter,
    Typology::ScatterGather,
    Typology::Cycle,
    Typology::Random,
    Typology::Bipartite,
    Typology::Stack,
    Typology::PigButchering,
    Typology::MuleNetwork,
    Typology::Structuring,
    Typology::DormantReactivation,
    Typology::Casino,
    Typology::AccountTakeover,
];

/// Every known typology, and any other built through `Typology::parse` (which refuses blank names).
fn typology() -> impl Strategy<Value = Typology> {
    prop_oneof![
        select(KNOWN_TYPOLOGIES.to_vec()),
        select(vec!["Romance_Scam", "TRADE BASED", "fan_in", "GATHER-SCATTER"])
            .prop_map(|name| Typology::parse(name).expect("not blank")),
        text().prop_filter_map("blank typology", |name| Typology::parse(&name).ok()),
    ]
}

fn label() -> impl Strategy<Value = Option<Label>> {
    option::of(
        (any::<bool>(), option::of(typology()), option::of(id::<ScenarioId>()))
            .prop_map(|(illicit, typology, scenario)| Label { illicit, typology, scenario }),
    )
}

fn transaction() -> impl Strategy<Value = Transaction> {
    (
        id::<TxId>(),
        time(),
        party(),
        party(),
        money(),
        option::of(money()),
        select(Channel::ALL.to_vec()),
        option::of(id::<DeviceId>()),
        option::of(ip()),
        option::of(id::<Text>()),
        option::of(id::<Text>()),
    )
        .prop_map(|(id, time, debtor, creditor, amount, received, channel, device, ip, purpose, reference)| {
            Transaction { id, time, debtor, creditor, amount, received, channel, device, ip, purpose, reference }
        })
}

fn record() -> impl Strategy<Value = LabelledTransaction> {
    (transaction(), label()).prop_map(|(tx, label)| LabelledTransaction { tx, label })
}

fn records() -> impl Strategy<Value = Vec<LabelledTransaction>> {
    vec(record(), 0..32)
}

// ---------------------------------------------------------------------------------------------------------------
// Round trips.
// ---------------------------------------------------------------------------------------------------------------

fn write_all(mut writer: Box<dyn RecordWriter>, records: &[LabelledTransaction]) {
    for record in records {
        writer.write(record).expect("write");
    }
    writer.finish().expect("finish");
}

/// Reads everything; any error fails the round trip with its location.
fn read_all(reader: impl Iterator<Item = Result<LabelledTransaction, ReadError>>) -> Vec<LabelledTransaction> {
    reader.map(|r| r.unwrap_or_else(|e| panic!("read error: {e}"))).collect()
}

fn csv_round_trip(records: &[LabelledTransaction]) -> Vec<LabelledTransaction> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("records.csv");
    write_all(Box::new(CsvWriter::create(&path).expect("create")), records);
    read_all(CsvReader::open(&path).expect("open"))
}

fn jsonl_round_trip(records: &[LabelledTransaction]) -> Vec<LabelledTransaction> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("records.jsonl");
    write_all(Box::new(JsonlWriter::create(&path).expect("create")), records);
    read_all(JsonlReader::open(&path).expect("open"))
}

fn parquet_round_trip(records: &[LabelledTransaction]) -> Vec<LabelledTransaction> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("records.parquet");
    write_all(Box::new(ParquetWriter::create(&path).expect("create")), records);
    read_all(ParquetReader::open(&path).expect("open"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn csv_is_lossless(records in records()) {
        prop_assert_eq!(csv_round_trip(&records), records);
    }

    #[test]
    fn jsonl_is_lossless(records in records()) {
        prop_assert_eq!(jsonl_round_trip(&records), records);
    }

    #[test]
    fn one_json_object_is_lossless(records in records()) {
        for record in &records {
            let text = tonle_formats::native::jsonl::encode_object(record);
            prop_assert!(!text.contains('\n'));
            prop_assert_eq!(&tonle_formats::native::jsonl::decode_object(&text).expect("decodes"), record);
        }
    }

    #[test]
    fn parquet_is_lossless(records in records()) {
        prop_assert_eq!(parquet_round_trip(&records), records);
    }
}

#[test]
fn one_json_object_names_its_bad_field() {
    use tonle_formats::native::jsonl::decode_object;
    let good = tonle_formats::native::jsonl::encode_object(&simple("T1", 1250, Currency::USD));
    assert_eq!(decode_object(&good).expect("good").tx.id.as_str(), "T1");
    let bad_amount = good.replace(r#""amount":"12.50""#, r#""amount":"12.5x""#);
    assert_eq!(decode_object(&bad_amount).expect_err("bad amount").column, "amount");
    let number = good.replace(r#""amount":"12.50""#, r#""amount":12.5"#);
    assert_eq!(decode_object(&number).expect_err("not a string").column, "amount");
    assert_eq!(decode_object(r#"{"id":"T1","colour":"red"}"#).expect_err("unknown").column, "(key)");
    assert_eq!(decode_object("[1, 2").expect_err("not JSON").column, "(json)");
    assert_eq!(decode_object(r#"{"id":"T1"}"#).expect_err("incomplete").message, "is required");
}

/// A simple valid record, for the tests below.
fn simple(id: &str, minor: i64, currency: Currency) -> LabelledTransaction {
    let account = |a: &str| Party::account(AccountId::new(a).expect("not empty"));
    let tx = Transaction::new(
        TxId::new(id).expect("not empty"),
        EventTime::parse_rfc3339("2025-03-01T08:15:00.250Z").expect("valid time"),
        account("A1"),
        account("B1"),
        Money::from_minor(minor, currency),
        Channel::Khqr,
    );
    LabelledTransaction { tx, label: None }
}

/// Extremes of every kind together, in each format.
#[test]
fn extremes_round_trip() {
    let mut records = Vec::new();
    for (i, code) in CURRENCIES.iter().enumerate() {
        let currency = Currency::from_code(code).expect("known");
        for minor in [i64::MIN, i64::MAX, 0, -1] {
            let mut record = simple(&format!("t{i}-{minor}"), minor, currency);
            record.tx.time = if minor < 0 { EventTime::MIN } else { EventTime::MAX };
            record.tx.received = Some(Money::from_minor(minor, Currency::BTC));
            record.label = Some(Label::illicit(Some(Typology::parse("Trade_Based ML").expect("not blank"))));
            records.push(record);
        }
    }
    assert_eq!(csv_round_trip(&records), records);
    assert_eq!(jsonl_round_trip(&records), records);
    assert_eq!(parquet_round_trip(&records), records);
}

/// More rows than one batch: batches, row groups and row numbers line up.
#[test]
fn parquet_spans_batches() {
    let channels = Channel::ALL;
    let records: Vec<_> = (0..(BATCH_ROWS as i64 * 2 + 1234))
        .map(|i| {
            let mut record =
                simple(&format!("tx-{i}"), i * 7 - 1000, if i % 3 == 0 { Currency::KHR } else { Currency::USD });
            record.tx.channel = channels[i as usize % channels.len()];
            record.tx.debtor.institution = Some(InstitutionId::new(format!("BANK{}", i % 50)).expect("not empty"));
            record.tx.creditor.country = Some(CountryCode::new(["KH", "TH", "VN"][i as usize % 3]).expect("valid"));
            record.label = (i % 5 == 0).then(|| Label::illicit(Some(Typology::MuleNetwork)));
            record
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("many.parquet");
    write_all(Box::new(ParquetWriter::create(&path).expect("create")), &records);
    let read = read_all(ParquetReader::open(&path).expect("open"));
    assert_eq!(read.len(), records.len());
    assert!(read == records, "records differ");

    let metadata = SerializedFileReader::new(File::open(&path).expect("open")).expect("parquet").metadata().clone();
    let kv = metadata.file_metadata().key_value_metadata().expect("key-value metadata");
    assert!(kv.iter().any(|e| e.key == "tonle.schema" && e.value.as_deref() == Some("native-v1")));
}

// ---------------------------------------------------------------------------------------------------------------
// Bad input: CSV.
// ---------------------------------------------------------------------------------------------------------------

const CSV_HEADER: &str = "id,time,amount,currency,channel,debtor_account,creditor_account,illicit";

fn csv(text: &str) -> Result<Vec<Result<LabelledTransaction, ReadError>>, ReadError> {
    Ok(CsvReader::new(Arc::from("in.csv"), text.as_bytes())?.collect())
}

/// A CSV row of [`CSV_HEADER`] for `simple(id, ..)`.
fn csv_row(id: &str) -> String {
    format!("{id},2025-03-01T08:15:00.250Z,12.50,USD,khqr,A1,B1,")
}

/// Asserts a record error at a line and field, then the good records around it.
fn assert_record_error(result: &Result<LabelledTransaction, ReadError>, line: u64, field: Option<&str>) -> String {
    let error = result.as_ref().expect_err("a record error");
    assert!(!error.fatal, "{error}");
    assert_eq!(error.location.line, Some(line), "{error}");
    assert_eq!(error.location.field.as_deref(), field, "{error}");
    error.to_string()
}

#[test]
fn csv_missing_required_column_is_fatal_and_named() {
    let error = csv("id,time,amount,debtor_account,creditor_account\n").expect_err("fatal");
    assert!(error.fatal);
    assert_eq!(error.location.field.as_deref(), Some("currency"));
    assert!(error.to_string().contains("currency"), "{error}");
}

#[test]
fn csv_bad_fields_spoil_only_their_row() {
    let good = |id| simple(id, 1250, Currency::USD);
    let cases: [(&str, Option<&str>, &str); 7] = [
        ("x,2025-03-01T08:15:00.250Z,12.50,USD,khqr,A1,B1", None, "fields"),
        ("x,2025-03-01T08:15:00.250Z,12.505,USD,khqr,A1,B1,", Some("amount"), "decimal places"),
        ("x,2025-03-01T08:15:00.250Z,12.50,XYZ,khqr,A1,B1,", Some("currency"), "XYZ"),
        ("x,2025-03-01T08:15:00.250Z,12.50,XAU,khqr,A1,B1,", Some("currency"), "minor unit"),
        ("x,2025-03-01 08:15,12.50,USD,khqr,A1,B1,", Some("time"), "RFC 3339"),
        ("x,2025-03-01T08:15:00.250Z,12.50,USD,wire,A1,B1,", Some("channel"), "wire"),
        ("x,2025-03-01T08:15:00.250Z,12.50,USD,khqr,A1,B1,maybe", Some("illicit"), "maybe"),
    ];
    for (bad, field, said) in cases {
        let text = format!("{CSV_HEADER}\n{}\n{bad}\n{}\n", csv_row("a"), csv_row("b"));
        let results = csv(&text).expect("header is fine");
        assert_eq!(results.len(), 3, "{bad}");
        assert_eq!(results[0].as_ref().ok(), Some(&good("a")), "{bad}");
        let message = assert_record_error(&results[1], 3, field);
        assert!(message.contains(said), "{bad}: {message}");
        assert_eq!(results[2].as_ref().ok(), Some(&good("b")), "{bad}");
    }
}

#[test]
fn csv_line_numbers_in_crlf_files_and_multi_line_fields() {
    let header = CSV_HEADER.replace(",illicit", ",illicit,reference");
    let row = |id: &str, reference: &str| format!("{},{reference}", csv_row(id));
    for newline in ["\n", "\r\n"] {
        // Line 1 header, 2 good, 3-4 a good row whose reference spans two lines, 5 bad, 6 good.
        let reference = format!("two{newline}lines");
        let quoted = format!("\"{reference}\"");
        let lines = [header.clone(), row("a", ""), row("b", &quoted), row("c", "").replace("USD", "XYZ")];
        let text = format!("{}{newline}{}{newline}", lines.join(newline), row("d", ""));
        let results = csv(&text).expect("header is fine");
        assert_eq!(results.len(), 4, "{newline:?}");
        assert!(results[0].is_ok() && results[3].is_ok(), "{newline:?}");
        let b = results[1].as_ref().expect("good");
        assert_eq!(b.tx.reference.as_ref().map(Text::as_str), Some(reference.as_str()), "{newline:?}");
        assert_record_error(&results[2], 5, Some("currency"));

        let first_bad = format!("{header}{newline}{}{newline}", row("e", "").replace("khqr", "wire"));
        let results = csv(&first_bad).expect("header is fine");
        assert_record_error(&results[0], 2, Some("channel"));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Bad input: JSON Lines.
// ---------------------------------------------------------------------------------------------------------------

fn jsonl(text: &str) -> Vec<Result<LabelledTransaction, ReadError>> {
    JsonlReader::new(Arc::from("in.jsonl"), BufReader::new(text.as_bytes())).collect()
}

fn json_line(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","time":"2025-03-01T08:15:00.250Z","amount":"12.50","currency":"USD","channel":"khqr","debtor_account":"A1","creditor_account":"B1"}}"#
    )
}

#[test]
fn jsonl_invalid_line_in_the_middle() {
    let text = format!("{}\n{{\"id\": \"x\", broken\n\n{}\n", json_line("a"), json_line("b"));
    let results = jsonl(&text);
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().ok(), Some(&simple("a", 1250, Currency::USD)));
    let message = assert_record_error(&results[1], 2, None);
    assert!(message.contains("invalid JSON"), "{message}");
    // The blank line 3 is skipped; line numbers still count it.
    assert_eq!(results[2].as_ref().ok(), Some(&simple("b", 1250, Currency::USD)));
}

#[test]
fn jsonl_bad_fields_spoil_only_their_line() {
    let good = json_line("g");
    let cases: [(&str, &str, Option<&str>, &str); 8] = [
        (r#""amount":"12.50""#, r#""amount":"12.50","colour":"red""#, Some("(key)"), "unknown key \"colour\""),
        (r#""amount":"12.50""#, r#""amount":"12.505""#, Some("amount"), "decimal places"),
        (r#""currency":"USD""#, r#""currency":"XYZ""#, Some("currency"), "XYZ"),
        (r#","currency":"USD""#, "", Some("currency"), "required"),
        (r#""time":"2025-03-01T08:15:00.250Z""#, r#""time":"yesterday""#, Some("time"), "RFC 3339"),
        (r#""channel":"khqr""#, r#""channel":"wire""#, Some("channel"), "wire"),
        (r#""amount":"12.50""#, r#""amount":12.5"#, Some("amount"), "not a JSON string"),
        (r#""channel":"khqr""#, r#""channel":"khqr","illicit":"maybe""#, Some("illicit"), "not a JSON boolean"),
    ];
    for (from, to, field, said) in cases {
        let bad = good.replace(from, to);
        assert_ne!(bad, good);
        let results = jsonl(&format!("{good}\n{bad}\n{good}\n"));
        assert_eq!(results.len(), 3, "{bad}");
        assert_eq!(results[0].as_ref().ok(), Some(&simple("g", 1250, Currency::USD)));
        let message = assert_record_error(&results[1], 2, field);
        assert!(message.contains(said), "{bad}: {message}");
        assert_eq!(results[2].as_ref().ok(), Some(&simple("g", 1250, Currency::USD)));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Bad input: Parquet.
// ---------------------------------------------------------------------------------------------------------------

/// Writes a Parquet file of the given columns, as another tool might.
fn write_foreign(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let fields: Vec<Field> =
        columns.iter().map(|(name, array)| Field::new(*name, array.data_type().clone(), true)).collect();
    let batch =
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns.into_iter().map(|(_, array)| array).collect())
            .expect("batch");
    let mut writer = ArrowWriter::try_new(File::create(path).expect("create"), batch.schema(), None).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
}

fn strings(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

/// The required columns for `n` rows, every value valid.
fn required_columns(n: usize) -> Vec<(&'static str, ArrayRef)> {
    let ids: Vec<String> = (1..=n).map(|i| format!("t{i}")).collect();
    vec![
        ("id", Arc::new(StringArray::from(ids)) as ArrayRef),
        // 2025-03-01T08:15:00.250Z, in microseconds as pandas and polars write it, plus 999 µs truncated.
        ("time", Arc::new(TimestampMicrosecondArray::from(vec![1_740_816_900_250_999; n]).with_timezone("+07:00"))),
        ("amount", Arc::new(Int64Array::from(vec![1250; n]))),
        ("currency", strings(&vec![Some("USD"); n])),
        ("debtor_account", strings(&vec![Some("A1"); n])),
        ("creditor_account", strings(&vec![Some("B1"); n])),
    ]
}

fn replace(columns: &mut Vec<(&'static str, ArrayRef)>, name: &'static str, array: ArrayRef) {
    columns.retain(|(n, _)| *n != name);
    columns.push((name, array));
}

fn parquet_error(path: &Path) -> ReadError {
    match ParquetReader::open(path) {
        Ok(_) => panic!("{} should not open", path.display()),
        Err(error) => error,
    }
}

#[test]
fn parquet_missing_or_mistyped_column_is_fatal_and_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.parquet");

    let mut columns = required_columns(2);
    columns.retain(|(name, _)| *name != "currency");
    write_foreign(&path, columns);
    let error = parquet_error(&path);
    assert!(error.fatal);
    assert_eq!(error.location.field.as_deref(), Some("currency"), "{error}");
    assert!(error.message.contains("missing"), "{error}");

    let mut columns = required_columns(2);
    replace(&mut columns, "amount", strings(&[Some("12.50"), Some("1")]));
    write_foreign(&path, columns);
    let error = parquet_error(&path);
    assert!(error.fatal);
    assert_eq!(error.location.field.as_deref(), Some("amount"), "{error}");
    assert!(error.message.contains("Int64"), "{error}");

    let mut columns = required_columns(2);
    columns.push(("colour", strings(&[Some("red"), None])));
    write_foreign(&path, columns);
    let error = parquet_error(&path);
    assert_eq!(error.location.field.as_deref(), Some("colour"), "{error}");
}

#[test]
fn parquet_from_another_tool_reads_and_bad_values_spoil_only_their_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("foreign.parquet");
    let mut columns = required_columns(8);
    replace(
        &mut columns,
        "currency",
        strings(&[Some("USD"), Some("XYZ"), Some("USD"), Some("XAU"), Some("USD"), Some("USD"), None, Some("usd")]),
    );
    replace(&mut columns, "amount", Arc::new(Int64Array::from(vec![Some(1250); 8])));
    columns.push((
        "channel",
        strings(&[Some("khqr"), Some("khqr"), Some("wire"), Some("khqr"), Some("khqr"), None, Some("khqr"), None]),
    ));
    columns.push(("illicit", Arc::new(BooleanArray::from(vec![None, None, None, None, None, None, None, Some(true)]))));
    columns.push(("typology", strings(&[None, None, None, None, Some("fan-out"), None, None, Some("FAN_OUT")])));
    write_foreign(&path, columns);

    let results: Vec<_> = ParquetReader::open(&path).expect("open").collect();
    assert_eq!(results.len(), 8);
    assert_eq!(results[0].as_ref().ok(), Some(&simple("t1", 1250, Currency::USD)));
    assert!(assert_record_error(&results[1], 2, Some("currency")).contains("XYZ"));
    assert!(assert_record_error(&results[2], 3, Some("channel")).contains("wire"));
    assert!(assert_record_error(&results[3], 4, Some("currency")).contains("minor unit"));
    assert!(assert_record_error(&results[4], 5, Some("illicit")).contains("typology"));
    let mut bank_transfer = simple("t6", 1250, Currency::USD);
    bank_transfer.tx.channel = Channel::BankTransfer;
    assert_eq!(results[5].as_ref().ok(), Some(&bank_transfer), "a null channel is a bank transfer");
    assert!(assert_record_error(&results[6], 7, Some("currency")).contains("required"));
    let mut labelled = simple("t8", 1250, Currency::USD);
    labelled.tx.channel = Channel::BankTransfer;
    labelled.label = Some(Label::illicit(Some(Typology::FanOut)));
    assert_eq!(results[7].as_ref().ok(), Some(&labelled));
}

#[test]
fn parquet_other_arrow_text_and_time_types_read_the_same() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("types.parquet");
    let mut columns = required_columns(2);
    replace(&mut columns, "id", Arc::new(StringViewArray::from(vec!["t1", "t2"])));
    // 1969-12-31T23:59:59.998999999Z: below the millisecond truncated towards the past, to ...59.998Z.
    replace(&mut columns, "time", Arc::new(TimestampNanosecondArray::from(vec![-1_000_001, 0]).with_timezone("UTC")));
    let currency: DictionaryArray<Int16Type> = vec!["USD", "VND"].into_iter().collect();
    replace(&mut columns, "currency", Arc::new(currency));
    columns.push(("debtor_institution", Arc::new(LargeStringArray::from(vec![Some("ABAAKHPP"), None]))));
    let country: DictionaryArray<Int8Type> = vec![Some("kh"), None].into_iter().collect();
    columns.push(("debtor_country", Arc::new(country)));
    let channel: DictionaryArray<UInt8Type> = vec!["promptpay", "card"].into_iter().collect();
    columns.push(("channel", Arc::new(channel)));
    write_foreign(&path, columns);

    let read = read_all(ParquetReader::open(&path).expect("open"));
    let mut first = simple("t1", 1250, Currency::USD);
    first.tx.time = EventTime::from_millis(-2).expect("in range");
    first.tx.channel = Channel::PromptPay;
    first.tx.debtor.institution = Some(InstitutionId::new("ABAAKHPP").expect("not empty"));
    first.tx.debtor.country = Some(CountryCode::new("KH").expect("valid"));
    let mut second = simple("t2", 1250, Currency::VND);
    second.tx.time = EventTime::from_millis(0).expect("in range");
    second.tx.channel = Channel::Card;
    assert_eq!(read, vec![first, second]);

    let mut columns = required_columns(1);
    replace(&mut columns, "time", Arc::new(TimestampMicrosecondArray::from(vec![0])));
    write_foreign(&path, columns);
    let error = parquet_error(&path);
    assert_eq!(error.location.field.as_deref(), Some("time"), "{error}");
    assert!(error.message.contains("time zone"), "{error}");
}

#[test]
fn parquet_bad_times_and_amounts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("times.parquet");
    let mut columns = required_columns(3);
    let max_micros = EventTime::MAX.millis() * 1000;
    replace(
        &mut columns,
        "time",
        Arc::new(
            TimestampMicrosecondArray::from(vec![Some(max_micros + 999), Some(max_micros + 1000), None])
                .with_timezone("UTC"),
        ),
    );
    replace(&mut columns, "amount", Arc::new(Int64Array::from(vec![Some(i64::MIN), Some(1), Some(1)])));
    write_foreign(&path, columns);
    let results: Vec<_> = ParquetReader::open(&path).expect("open").collect();
    let mut latest = simple("t1", i64::MIN, Currency::USD);
    latest.tx.time = EventTime::MAX;
    latest.tx.channel = Channel::BankTransfer;
    assert_eq!(results[0].as_ref().ok(), Some(&latest));
    assert!(assert_record_error(&results[1], 2, Some("time")).contains("outside"));
    assert!(assert_record_error(&results[2], 3, Some("time")).contains("required"));

    let mut columns = required_columns(2);
    replace(&mut columns, "amount", Arc::new(Int64Array::from(vec![None, Some(7)])));
    write_foreign(&path, columns);
    let results: Vec<_> = ParquetReader::open(&path).expect("open").collect();
    assert!(assert_record_error(&results[0], 1, Some("amount")).contains("required"));
    assert!(results[1].is_ok());
}

#[test]
fn parquet_row_numbers_count_across_batches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("long.parquet");
    let n = BATCH_ROWS + 10;
    let mut columns = required_columns(n);
    let mut currencies = vec![Some("KHR"); n];
    currencies[BATCH_ROWS + 4] = Some("???");
    replace(&mut columns, "currency", strings(&currencies));
    write_foreign(&path, columns);
    let errors: Vec<_> = ParquetReader::open(&path).expect("open").filter_map(Result::err).collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].location.line, Some(BATCH_ROWS as u64 + 5));
    assert_eq!(errors[0].location.field.as_deref(), Some("currency"));
}

#[test]
fn parquet_other_schema_version_is_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v2.parquet");
    let batch = RecordBatch::try_from_iter(required_columns(1)).expect("batch");
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_key_value_metadata(Some(vec![parquet::file::metadata::KeyValue::new(
            "tonle.schema".to_owned(),
            "native-v2".to_owned(),
        )]))
        .build();
    let mut writer =
        ArrowWriter::try_new(File::create(&path).expect("create"), batch.schema(), Some(properties)).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
    let error = parquet_error(&path);
    assert!(error.fatal && error.message.contains("native-v2"), "{error}");
}

#[test]
fn parquet_garbage_and_truncated_files_are_fatal_without_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.parquet");
    let records: Vec<_> = (0..2000).map(|i| simple(&format!("t{i}"), i, Currency::THB)).collect();
    write_all(Box::new(ParquetWriter::create(&good).expect("create")), &records);
    let bytes = std::fs::read(&good).expect("read");

    let bad = dir.path().join("bad.parquet");
    for (what, content) in [
        ("empty", Vec::new()),
        ("garbage", b"id,time\nthis is not parquet at all".to_vec()),
        ("magic only", b"PAR1PAR1".to_vec()),
        ("truncated", bytes[..bytes.len() / 2].to_vec()),
        ("footer cut", bytes[..bytes.len() - 3].to_vec()),
    ] {
        std::fs::write(&bad, content).expect("write");
        let error = parquet_error(&bad);
        assert!(error.fatal, "{what}: {error}");
        assert_eq!(error.location.line, None, "{what}");
        assert!(error.to_string().contains("bad.parquet"), "{what}: {error}");
    }

    // Data pages overwritten, footer intact: whatever comes out, no panic, and a fatal error ends reading.
    for start in [bytes.len() / 5, bytes.len() / 3, bytes.len() / 2] {
        let mut corrupt = bytes.clone();
        for byte in &mut corrupt[start..start + 64] {
            *byte ^= 0x5a;
        }
        std::fs::write(&bad, corrupt).expect("write");
        read_without_panic(&bad).unwrap_or_else(|problem| panic!("overwritten at {start}: {problem}"));
    }
}

/// Reads a file to the end, catching any panic: whatever the input, a reader must not panic, and a fatal error
/// must be its last item.
fn read_without_panic(path: &Path) -> Result<(), String> {
    let results = std::panic::catch_unwind(|| match ParquetReader::open(path) {
        Ok(reader) => reader.collect::<Vec<_>>(),
        Err(error) => vec![Err(error)],
    })
    .map_err(|panic| format!("panicked: {:?}", panic.downcast_ref::<&str>()))?;
    match results.iter().position(|r| r.as_ref().is_err_and(|e| e.fatal)) {
        Some(at) if at + 1 != results.len() => Err(format!("fatal error at item {at} of {}", results.len())),
        _ => Ok(()),
    }
}

/// The records of the corruption tests: a few row groups' worth of pages, every kind of column.
fn corruption_records() -> Vec<LabelledTransaction> {
    (0..3000i64)
        .map(|i| {
            let account = |a: String| Party::account(AccountId::new(a).expect("not empty"));
            let currency = if i % 3 == 0 { Currency::KHR } else { Currency::USD };
            let mut tx = Transaction::new(
                TxId::new(format!("t{i}")).expect("not empty"),
                EventTime::from_millis(i * 1000).expect("in range"),
                account(format!("A{}", i % 97)),
                account(format!("B{}", i % 13)),
                Money::from_minor(i * 37, currency),
                Channel::ALL[(i % 15) as usize],
            );
            if i % 2 == 0 {
                tx.debtor.institution = Some(InstitutionId::new(format!("BANK{}", i % 7)).expect("not empty"));
                tx.debtor.country = Some(CountryCode::new("KH").expect("valid"));
            }
            if i % 5 == 0 {
                tx.reference = Some(Text::new(format!("ref {i}")).expect("not empty"));
            }
            let label = (i % 4 == 0).then(|| Label::illicit(Some(Typology::Cycle)));
            LabelledTransaction { tx, label }
        })
        .collect()
}

#[test]
fn parquet_corrupted_pages_never_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.parquet");
    write_all(Box::new(ParquetWriter::create(&good).expect("create")), &corruption_records());
    let bytes = std::fs::read(&good).expect("read");
    let bad = dir.path().join("bad.parquet");
    // Found by fuzzing: the Parquet decoder panicked ("offset + len out of bounds") on this byte of this file.
    let mut cases = vec![vec![(43_273, 55u8)]];
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut random = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..150 {
        let flips = 1 + random() % 6;
        cases.push((0..flips).map(|_| (random() as usize % bytes.len(), random() as u8)).collect());
    }
    for flips in cases {
        let mut corrupt = bytes.clone();
        for &(at, value) in &flips {
            if let Some(byte) = corrupt.get_mut(at) {
                *byte = value;
            }
        }
        std::fs::write(&bad, corrupt).expect("write");
        if let Err(problem) = read_without_panic(&bad) {
            panic!("{flips:?}: {problem}");
        }
    }
}

#[test]
fn parquet_missing_file_is_fatal() {
    let error = parquet_error(Path::new("/nonexistent/tonle/x.parquet"));
    assert!(error.fatal && error.message.contains("cannot read"), "{error}");
}

#[test]
fn native_columns_are_the_parquet_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.parquet");
    write_all(Box::new(ParquetWriter::create(&path).expect("create")), &[]);
    let reader = SerializedFileReader::new(File::open(&path).expect("open")).expect("parquet");
    let schema = reader.metadata().file_metadata().schema_descr();
    let names: Vec<_> = schema.columns().iter().map(|c| c.name().to_owned()).collect();
    assert_eq!(names, COLUMNS);
    assert_eq!(ParquetReader::open(&path).expect("open").count(), 0);
}
