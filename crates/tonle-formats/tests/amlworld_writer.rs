//! The AMLworld writer: what it writes reads back through the AMLworld reader with every field the format keeps.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use tonle_core::{
    AccountId, Channel, Currency, EventTime, InstitutionId, Label, LabelledTransaction, Money, Party, ScenarioId, Text,
    Transaction, TxId, Typology,
};
use tonle_formats::amlworld::{self, currency_name, AmlWorldWriter, Patterns, PaymentFormat, UNKNOWN_BANK};
use tonle_formats::{ReadOptions, RecordWriter, WriteError};

const HEADER: &str = "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,\
                      Payment Currency,Payment Format,Is Laundering";

/// The files of one written bundle.
struct Bundle {
    _dir: tempfile::TempDir,
    trans: PathBuf,
    patterns: PathBuf,
}

impl Bundle {
    fn new() -> Bundle {
        let dir = tempfile::tempdir().expect("tempdir");
        let trans = dir.path().join("Sim_Trans.csv");
        let patterns = dir.path().join("Sim_Patterns.txt");
        Bundle { _dir: dir, trans, patterns }
    }

    fn write(&self, records: &[LabelledTransaction]) {
        let mut writer: Box<dyn RecordWriter> =
            Box::new(AmlWorldWriter::create(&self.trans, Some(&self.patterns)).expect("create"));
        for record in records {
            writer.write(record).expect("write");
        }
        writer.finish().expect("finish");
    }

    fn read(&self) -> Vec<LabelledTransaction> {
        let options = ReadOptions { patterns: Some(self.patterns.clone()), ..ReadOptions::default() };
        let records = amlworld::open(&self.trans, &options).unwrap_or_else(|e| panic!("open: {e}"));
        records.map(|r| r.unwrap_or_else(|e| panic!("read: {e}"))).collect()
    }

    fn trans_text(&self) -> String {
        std::fs::read_to_string(&self.trans).expect("read")
    }

    fn patterns_text(&self) -> String {
        std::fs::read_to_string(&self.patterns).expect("read")
    }
}

fn time(text: &str) -> EventTime {
    EventTime::parse_rfc3339(text).expect("valid time")
}

fn side(account: &str, bank: Option<&str>) -> Party {
    Party::at(AccountId::new(account).expect("not empty"), bank.map(|b| InstitutionId::new(b).expect("not empty")))
}

fn money(amount: &str, code: &str) -> Money {
    Money::parse_exact(amount, Currency::from_code(code).expect("known")).expect("exact")
}

fn label(illicit: bool, typology: Option<Typology>, scenario: Option<&str>) -> Option<Label> {
    Some(Label { illicit, typology, scenario: scenario.map(|s| ScenarioId::new(s).expect("not empty")) })
}

#[allow(clippy::too_many_arguments)]
fn record(
    id: &str,
    at: &str,
    debtor: Party,
    creditor: Party,
    amount: Money,
    received: Option<Money>,
    channel: Channel,
    label: Option<Label>,
) -> LabelledTransaction {
    let mut tx = Transaction::new(TxId::new(id).expect("not empty"), time(at), debtor, creditor, amount, channel);
    tx.received = received;
    LabelledTransaction { tx, label }
}

/// Labelled transactions of several currencies, channels and typologies, with illicit and licit rows mixed.
fn sample() -> Vec<LabelledTransaction> {
    let aba = Some("ABAAKHPP");
    let acleda = Some("ACLBKHPP");
    let exchange = Some("HUIONE-EX");
    vec![
        // Licit salary in riel, KHQR, with seconds and milliseconds to drop.
        record(
            "t1",
            "2025-03-01T08:15:42.250Z",
            side("KH-100", aba),
            side("KH-200", acleda),
            money("40000000.00", "KHR"),
            None,
            Channel::Khqr,
            label(false, None, None),
        ),
        // Pig butchering: the victim pays a mule, the mule buys USDT, the USDT goes on chain.
        record(
            "t2",
            "2025-03-01T09:00:59.999Z",
            side("KH-victim", aba),
            side("KH-mule", acleda),
            money("1500.00", "USD"),
            None,
            Channel::BankTransfer,
            label(true, Some(Typology::PigButchering), Some("pb-1")),
        ),
        // Fan-out from a launderer, interleaved with the pig butchering.
        record(
            "t3",
            "2025-03-01T09:01:00.000Z",
            side("L-1", None),
            side("F-1", None),
            money("250.00", "USD"),
            None,
            Channel::MobileWallet,
            label(true, Some(Typology::FanOut), Some("fo-7")),
        ),
        record(
            "t4",
            "2025-03-01T09:05:00.000Z",
            side("KH-mule", acleda),
            side("EX-hot", exchange),
            money("1495.00", "USD"),
            Some(money("1490.123456", "USDT")),
            Channel::CryptoOnRamp,
            label(true, Some(Typology::PigButchering), Some("pb-1")),
        ),
        record(
            "t5",
            "2025-03-01T09:06:00.000Z",
            side("L-1", None),
            side("F-2", None),
            money("250.00", "USD"),
            None,
            Channel::Card,
            label(true, Some(Typology::FanOut), Some("fo-7")),
        ),
        record(
            "t6",
            "2025-03-01T09:30:00.000Z",
            side("EX-hot", exchange),
            side("TXYZ1234", None),
            money("1490.123456", "USDT"),
            None,
            Channel::OnChain,
            label(true, Some(Typology::PigButchering), Some("pb-1")),
        ),
        // A cycle in dong and baht.
        record(
            "t7",
            "2025-03-02T00:00:00.000Z",
            side("C-1", Some("VCB")),
            side("C-2", Some("KBANK")),
            money("25000000", "VND"),
            Some(money("35000.00", "THB")),
            Channel::Instant,
            label(true, Some(Typology::Cycle), Some("cy-3")),
        ),
        record(
            "t8",
            "2025-03-02T00:10:00.000Z",
            side("C-2", Some("KBANK")),
            side("C-1", Some("VCB")),
            money("34000.00", "THB"),
            Some(money("24000000", "VND")),
            Channel::PromptPay,
            label(true, Some(Typology::Cycle), Some("cy-3")),
        ),
        // Illicit without a typology: in no attempt.
        record(
            "t9",
            "2025-03-02T01:00:00.000Z",
            side("X-1", aba),
            side("X-2", aba),
            money("9999.99", "USD"),
            None,
            Channel::CashDeposit,
            label(true, None, Some("loose")),
        ),
        // Licit, unlabelled, other channels and AMLworld-named currencies.
        record(
            "t10",
            "2025-03-02T02:00:00.000Z",
            side("S-1", Some("DBSSSGSG")),
            side("S-1", Some("DBSSSGSG")),
            money("100.50", "SGD"),
            None,
            Channel::Internal,
            label(false, None, None),
        ),
        record(
            "t11",
            "2025-03-02T03:00:00.000Z",
            side("J-1", Some("MUFG")),
            side("J-2", Some("MIZUHO")),
            money("362289", "JPY"),
            None,
            Channel::Cheque,
            None,
        ),
        record(
            "t12",
            "2025-03-02T04:00:00.000Z",
            side("M-1", Some("MAYBANK")),
            side("M-2", Some("CIMB")),
            money("88.00", "MYR"),
            None,
            Channel::CashWithdrawal,
            label(false, None, None),
        ),
        record(
            "t13",
            "2025-03-02T05:00:00.000Z",
            side("B-1", None),
            side("B-2", None),
            money("0.00010000", "BTC"),
            None,
            Channel::CryptoOffRamp,
            label(true, Some(Typology::FanOut), Some("fo-8")),
        ),
    ]
}

/// What AMLworld keeps of a record, in the form the reader gives it back: the time to the minute, banks
/// (absent ones as [`UNKNOWN_BANK`]), accounts, exact amounts, the channel the format reads as, the flag and
/// the typology of typed illicit rows.
#[derive(Debug, PartialEq, Eq)]
struct Kept {
    time: EventTime,
    debtor: (String, String),
    creditor: (String, String),
    amount: Money,
    received: Option<Money>,
    channel: Channel,
    illicit: bool,
    typology: Option<Typology>,
}

fn kept(record: &LabelledTransaction) -> Kept {
    let tx = &record.tx;
    let bank = |p: &Party| p.institution.as_ref().map_or(UNKNOWN_BANK.to_owned(), |i| i.to_string());
    let illicit = record.label.as_ref().is_some_and(|l| l.illicit);
    Kept {
        time: EventTime::from_millis(tx.time.millis().div_euclid(60_000) * 60_000).expect("in range"),
        debtor: (bank(&tx.debtor), tx.debtor.account.to_string()),
        creditor: (bank(&tx.creditor), tx.creditor.account.to_string()),
        amount: tx.amount,
        received: tx.received.filter(|r| *r != tx.amount),
        channel: PaymentFormat::for_channel(tx.channel).channel(),
        illicit,
        typology: record.label.as_ref().filter(|l| l.illicit).and_then(|l| l.typology.clone()),
    }
}

/// Checks that two records are in one attempt after reading exactly when they were in one scenario (of one
/// typology) before writing, and that the scenario read is `<typology>-<n>`.
fn assert_same_attempts(written: &[LabelledTransaction], read: &[LabelledTransaction]) {
    let mut seen: HashMap<(Option<ScenarioId>, Typology), ScenarioId> = HashMap::new();
    let mut taken: HashMap<ScenarioId, (Option<ScenarioId>, Typology)> = HashMap::new();
    for (before, after) in written.iter().zip(read) {
        let after_label = after.label.as_ref().expect("AMLworld rows are labelled");
        match before.label.as_ref().filter(|l| l.illicit).and_then(|l| l.typology.clone().map(|t| (l, t))) {
            Some((label, typology)) => {
                let scenario = after_label.scenario.clone().expect("a typed row has a scenario");
                assert!(scenario.as_str().starts_with(&format!("{typology}-")), "{scenario:?} of {typology}");
                let key = (label.scenario.clone(), typology);
                assert_eq!(seen.entry(key.clone()).or_insert_with(|| scenario.clone()), &scenario, "{key:?}");
                assert_eq!(taken.entry(scenario.clone()).or_insert_with(|| key.clone()), &key, "{scenario:?}");
            }
            None => assert_eq!(after_label.scenario, None, "{:?}", before.tx.id),
        }
    }
}

#[test]
fn labelled_transactions_read_back_with_what_amlworld_keeps() {
    let bundle = Bundle::new();
    let records = sample();
    bundle.write(&records);
    let read = bundle.read();
    assert_eq!(read.len(), records.len());
    for (i, (before, after)) in records.iter().zip(&read).enumerate() {
        assert_eq!(kept(after), kept(before), "{}", before.tx.id);
        assert_eq!(after.tx.id.as_str(), format!("Sim_Trans:{}", i + 2));
    }
    assert_same_attempts(&records, &read);

    // Exact amounts of every exponent, and time to the minute.
    assert_eq!(read[0].tx.amount.to_string(), "40000000.00 KHR");
    assert_eq!(read[0].tx.time.to_string(), "2025-03-01T08:15:00.000Z");
    assert_eq!(read[0].tx.channel, Channel::BankTransfer);
    assert_eq!(read[1].tx.time.to_string(), "2025-03-01T09:00:00.000Z");
    assert_eq!(read[3].tx.received.map(|m| m.to_string()).as_deref(), Some("1490.123456 USDT"));
    assert_eq!(read[5].tx.amount.minor(), 1_490_123_456);
    assert_eq!(read[6].tx.amount.to_string(), "25000000 VND");
    assert_eq!(read[12].tx.amount.to_string(), "0.00010000 BTC");
    // No institution: the placeholder bank.
    assert_eq!(read[2].tx.debtor.institution.as_ref().map(|i| i.as_str()), Some(UNKNOWN_BANK));

    // The labels read back.
    let labels: Vec<_> = read
        .iter()
        .map(|r| {
            let label = r.label.as_ref().expect("labelled");
            (
                label.illicit,
                label.typology.as_ref().map(|t| t.to_string()),
                label.scenario.as_ref().map(|s| s.to_string()),
            )
        })
        .collect();
    let typed = |typology: &str, scenario: &str| (true, Some(typology.to_owned()), Some(scenario.to_owned()));
    assert_eq!(
        labels,
        [
            (false, None, None),
            typed("pig-butchering", "pig-butchering-1"),
            typed("fan-out", "fan-out-2"),
            typed("pig-butchering", "pig-butchering-1"),
            typed("fan-out", "fan-out-2"),
            typed("pig-butchering", "pig-butchering-1"),
            typed("cycle", "cycle-3"),
            typed("cycle", "cycle-3"),
            (true, None, None),
            (false, None, None),
            (false, None, None),
            (false, None, None),
            typed("fan-out", "fan-out-4"),
        ]
    );

    // The files as written.
    let trans = bundle.trans_text();
    let lines: Vec<_> = trans.lines().collect();
    assert_eq!(lines[0], HEADER);
    assert_eq!(lines[1], "2025/03/01 08:15,ABAAKHPP,KH-100,ACLBKHPP,KH-200,40000000.00,KHR,40000000.00,KHR,ACH,0");
    assert_eq!(
        lines[4],
        "2025/03/01 09:05,ACLBKHPP,KH-mule,HUIONE-EX,EX-hot,1490.123456,USDT,1495.00,US Dollar,Bitcoin,1"
    );
    assert_eq!(lines[3], "2025/03/01 09:01,0,L-1,0,F-1,250.00,US Dollar,250.00,US Dollar,ACH,1");
    assert_eq!(lines[11], "2025/03/02 03:00,MUFG,J-1,MIZUHO,J-2,362289,Yen,362289,Yen,Cheque,0");
    let patterns = bundle.patterns_text();
    assert!(patterns.starts_with(&format!("BEGIN LAUNDERING ATTEMPT - PIG-BUTCHERING: scenario pb-1\n{}\n", lines[2])));
    assert!(patterns.contains(&format!("{}\nEND LAUNDERING ATTEMPT - PIG-BUTCHERING\n", lines[6])), "{patterns}");

    // The reader's view of the patterns file: the attempts, with the scenario ids as descriptions.
    let attempts = Patterns::open(&bundle.patterns).expect("patterns");
    let summary: Vec<_> = attempts
        .attempts()
        .iter()
        .map(|a| (a.typology.to_string(), a.scenario.to_string(), a.description.clone(), a.rows))
        .collect();
    let attempt = |typology: &str, scenario: &str, id: &str, rows: usize| {
        (typology.to_owned(), scenario.to_owned(), Some(format!("scenario {id}")), rows)
    };
    assert_eq!(
        summary,
        [
            attempt("pig-butchering", "pig-butchering-1", "pb-1", 3),
            attempt("fan-out", "fan-out-2", "fo-7", 2),
            attempt("cycle", "cycle-3", "cy-3", 2),
            attempt("fan-out", "fan-out-4", "fo-8", 1),
        ]
    );
}

#[test]
fn every_channel_is_written_as_its_nearest_payment_format() {
    let expected = [
        (Channel::BankTransfer, "ACH", Channel::BankTransfer),
        (Channel::Instant, "ACH", Channel::BankTransfer),
        (Channel::Khqr, "ACH", Channel::BankTransfer),
        (Channel::DuitNow, "ACH", Channel::BankTransfer),
        (Channel::PayNow, "ACH", Channel::BankTransfer),
        (Channel::PromptPay, "ACH", Channel::BankTransfer),
        (Channel::Card, "Credit Card", Channel::Card),
        (Channel::CashDeposit, "Cash", Channel::CashDeposit),
        (Channel::CashWithdrawal, "Cash", Channel::CashDeposit),
        (Channel::MobileWallet, "ACH", Channel::BankTransfer),
        (Channel::CryptoOnRamp, "Bitcoin", Channel::OnChain),
        (Channel::CryptoOffRamp, "Bitcoin", Channel::OnChain),
        (Channel::OnChain, "Bitcoin", Channel::OnChain),
        (Channel::Cheque, "Cheque", Channel::Cheque),
        (Channel::Internal, "Reinvestment", Channel::Internal),
    ];
    assert_eq!(expected.len(), Channel::ALL.len());
    let records: Vec<_> = expected
        .iter()
        .map(|(channel, _, _)| {
            record(
                channel.as_str(),
                "2025-03-01T00:00:00Z",
                side("A", None),
                side("B", None),
                money("1.00", "USD"),
                None,
                *channel,
                None,
            )
        })
        .collect();
    let bundle = Bundle::new();
    bundle.write(&records);
    let read = bundle.read();
    for ((channel, format, back), after) in expected.iter().zip(&read) {
        assert_eq!(PaymentFormat::for_channel(*channel).as_str(), *format, "{channel}");
        assert_eq!(after.tx.purpose.as_ref().map(|p| p.as_str()), Some(*format), "{channel}");
        assert_eq!(after.tx.channel, *back, "{channel}");
    }
}

#[test]
fn currencies_are_named_as_amlworld_names_them_or_by_code() {
    for (code, name) in [
        ("USD", "US Dollar"),
        ("EUR", "Euro"),
        ("CNY", "Yuan"),
        ("JPY", "Yen"),
        ("BTC", "Bitcoin"),
        ("XBT", "Bitcoin"),
        ("KHR", "KHR"),
        ("THB", "THB"),
        ("VND", "VND"),
        ("MYR", "MYR"),
        ("SGD", "SGD"),
        ("USDT", "USDT"),
    ] {
        assert_eq!(currency_name(&Currency::from_code(code).expect("known")), name, "{code}");
    }
}

/// AMLworld data read by tonle and written back reads the same, but for the attempts' numbering.
#[test]
fn amlworld_data_survives_a_round_trip() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/amlworld");
    let options = ReadOptions { patterns: Some(fixtures.join("HI-Tiny_Patterns.txt")), ..ReadOptions::default() };
    let original: Vec<_> = amlworld::open(&fixtures.join("HI-Tiny_Trans.csv"), &options)
        .expect("open")
        .map(|r| r.expect("fixture reads"))
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let trans = dir.path().join("HI-Tiny_Trans.csv");
    let patterns = dir.path().join("HI-Tiny_Patterns.txt");
    let mut writer: Box<dyn RecordWriter> = Box::new(AmlWorldWriter::create(&trans, Some(&patterns)).expect("create"));
    for record in &original {
        writer.write(record).expect("write");
    }
    writer.finish().expect("finish");
    // The patterns beside the Trans file are found without being named.
    let again: Vec<_> =
        amlworld::open(&trans, &ReadOptions::default()).expect("open").map(|r| r.expect("reads")).collect();
    assert_eq!(again.len(), original.len());
    let without_scenario = |record: &LabelledTransaction| {
        let mut record = record.clone();
        if let Some(label) = &mut record.label {
            label.scenario = None;
        }
        record
    };
    for (before, after) in original.iter().zip(&again) {
        // Everything, ids, purposes (`Wire` too) and received amounts included.
        assert_eq!(without_scenario(after), without_scenario(before));
    }
    assert_same_attempts(&original, &again);
    // The duplicate of line 6 still takes the second attempt listing it.
    let scenario = |i: usize| again[i].label.as_ref().and_then(|l| l.scenario.clone()).map(|s| s.to_string());
    assert_eq!(scenario(4).as_deref(), Some("fan-out-1"));
    assert_eq!(scenario(21).as_deref(), Some("random-2"));
    assert_eq!(scenario(6), scenario(21));
}

#[test]
fn what_amlworld_cannot_carry_is_refused_and_nothing_is_written_for_it() {
    let bundle = Bundle::new();
    let good = record(
        "ok",
        "2025-03-01T00:00:00Z",
        side("A", None),
        side("B", None),
        money("1.00", "USD"),
        None,
        Channel::Khqr,
        None,
    );
    let mut comma = good.clone();
    comma.tx.creditor.account = AccountId::new("B,1").expect("not empty");
    let mut newline = good.clone();
    newline.tx.debtor.institution = Some(InstitutionId::new("BANK\n2").expect("not empty"));
    let mut negative = good.clone();
    negative.tx.received = Some(money("-1.00", "USD"));
    let mut colon = good.clone();
    colon.label = label(true, Some(Typology::parse("trade: based").expect("not blank")), Some("s"));

    let mut writer: Box<dyn RecordWriter> =
        Box::new(AmlWorldWriter::create(&bundle.trans, Some(&bundle.patterns)).expect("create"));
    writer.write(&good).expect("write");
    for (bad, words) in [
        (&comma, "creditor account \"B,1\""),
        (&newline, "debtor institution"),
        (&negative, "negative"),
        (&colon, "\"TRADE:-BASED\""),
    ] {
        let error = writer.write(bad).expect_err("refused");
        assert!(matches!(error, WriteError::Encode { .. }), "{error}");
        assert!(error.to_string().contains(words) && error.to_string().contains("transaction \"ok\""), "{error}");
    }
    writer.write(&good).expect("write");
    writer.finish().expect("finish");
    assert_eq!(bundle.read().len(), 2);
    assert_eq!(bundle.patterns_text(), "");
    // Without a patterns file, typologies are not written, so none is refused.
    let mut writer: Box<dyn RecordWriter> = Box::new(AmlWorldWriter::create(&bundle.trans, None).expect("create"));
    writer.write(&colon).expect("write");
    writer.finish().expect("finish");
    assert_eq!(bundle.trans_text().lines().count(), 2);
}

#[test]
fn identical_rows_of_one_attempt_and_licit_twins_read_back() {
    let row = |label: Option<Label>| {
        record(
            "dup",
            "2025-03-01T00:00:30Z",
            side("A", Some("1")),
            side("B", Some("2")),
            money("9000.00", "USD"),
            None,
            Channel::CashDeposit,
            label,
        )
    };
    let structuring = || label(true, Some(Typology::Structuring), Some("st-1"));
    let records = vec![row(structuring()), row(label(false, None, None)), row(structuring()), row(None)];
    let bundle = Bundle::new();
    bundle.write(&records);
    let read = bundle.read();
    for (before, after) in records.iter().zip(&read) {
        assert_eq!(kept(after), kept(before));
    }
    assert_same_attempts(&records, &read);
}

// ---------------------------------------------------------------------------------------------------------------
// Any transactions: every field AMLworld keeps reads back.
// ---------------------------------------------------------------------------------------------------------------

/// Ids AMLworld can carry: no commas or line breaks; any script, spaces and quotes.
fn id_text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 _.\"'/#:\u{1780}-\u{17FF}\u{0E00}-\u{0E7F}\u{4E00}-\u{4E20}-]{1,12}"
}

fn currency() -> impl Strategy<Value = Currency> {
    select(vec![
        "USD", "KHR", "THB", "MYR", "SGD", "VND", "JPY", "CNY", "EUR", "GBP", "BHD", "CLF", "USDT", "USDC", "BTC",
        "TRX",
    ])
    .prop_map(|code| Currency::from_code(code).expect("known"))
}

fn amount() -> impl Strategy<Value = Money> {
    let minor = prop_oneof![Just(0i64), Just(i64::MAX), 0i64..1_000_000_000, 0i64..=i64::MAX];
    (minor, currency()).prop_map(|(minor, currency)| Money::from_minor(minor, currency))
}

fn event_time() -> impl Strategy<Value = EventTime> {
    prop_oneof![
        Just(EventTime::MIN.millis()),
        Just(EventTime::MAX.millis()),
        EventTime::MIN.millis()..=EventTime::MAX.millis(),
        1_600_000_000_000i64..1_900_000_000_000,
    ]
    .prop_map(|millis: i64| EventTime::from_millis(millis).expect("in range"))
}

fn typology() -> impl Strategy<Value = Typology> {
    prop_oneof![
        select(vec![
            Typology::FanIn,
            Typology::FanOut,
            Typology::GatherScatter,
            Typology::ScatterGather,
            Typology::Cycle,
            Typology::PigButchering,
            Typology::MuleNetwork,
            Typology::Structuring,
            Typology::Casino,
        ]),
        "[a-zA-Z][a-zA-Z0-9 _\u{1780}-\u{1790}-]{0,10}".prop_map(|name| Typology::parse(&name).expect("not blank")),
    ]
}

fn labelled() -> impl Strategy<Value = Option<Label>> {
    let scenario = option::of(select(vec!["s1", "s2", "s3", "pig butchering #4"]));
    option::of((any::<bool>(), option::of(typology()), scenario).prop_map(|(illicit, typology, scenario)| Label {
        illicit,
        typology,
        scenario: scenario.map(|s| ScenarioId::new(s).expect("not empty")),
    }))
}

fn transaction() -> impl Strategy<Value = LabelledTransaction> {
    (
        (id_text(), option::of(id_text()), id_text(), option::of(id_text())),
        event_time(),
        amount(),
        option::of(amount()),
        select(Channel::ALL.to_vec()),
        option::of(select(vec!["Wire", "ACH", "Cash", "SALA"])),
        labelled(),
    )
        .prop_map(
            |((debtor, debtor_bank, creditor, creditor_bank), time, amount, received, channel, purpose, label)| {
                let mut tx = Transaction::new(
                    TxId::new("t").expect("not empty"),
                    time,
                    side(&debtor, debtor_bank.as_deref()),
                    side(&creditor, creditor_bank.as_deref()),
                    amount,
                    channel,
                );
                tx.received = received;
                tx.purpose = purpose.map(|p| Text::new(p).expect("not empty"));
                LabelledTransaction { tx, label }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_transactions_read_back_with_what_amlworld_keeps(mut records in vec(transaction(), 0..24)) {
        // Rows made unique (the reader matches identical rows first in, first out, across attempts).
        for (i, record) in records.iter_mut().enumerate() {
            record.tx.debtor.account = AccountId::new(format!("{}#{i}", record.tx.debtor.account)).expect("not empty");
        }
        let bundle = Bundle::new();
        bundle.write(&records);
        let read = bundle.read();
        prop_assert_eq!(read.len(), records.len());
        for (before, after) in records.iter().zip(&read) {
            prop_assert_eq!(kept(after), kept(before));
            // Wire is kept when the purpose says so and the channel agrees.
            let wire = before.tx.purpose.as_ref().is_some_and(|p| p.as_str() == "Wire")
                && before.tx.channel == Channel::BankTransfer;
            prop_assert_eq!(after.tx.purpose.as_ref().is_some_and(|p| p.as_str() == "Wire"), wire);
        }
        assert_same_attempts(&records, &read);
    }
}
