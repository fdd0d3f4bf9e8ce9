//! The ISO 20022 readers against the fixtures in `tests/fixtures/iso20022` (see its README): every value of every
//! good transaction, record errors with their XML path, line and field, fatal errors for malformed XML, and no
//! panic on mangled input.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use proptest::prelude::*;
use tonle_core::{Channel, LabelledTransaction, Party, Transaction};
use tonle_formats::iso20022::{open_pacs008, open_pain001, Iso20022Reader, Message};
use tonle_formats::{ReadError, Records};

type Item = Result<LabelledTransaction, ReadError>;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iso20022").join(name)
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

fn read_file(open: fn(&Path) -> Result<Records, ReadError>, name: &str) -> Vec<Item> {
    open(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}")).collect()
}

fn read_bytes(message: Message, bytes: impl Into<Vec<u8>>) -> Result<Vec<Item>, ReadError> {
    Ok(Iso20022Reader::new(Arc::from("test.xml"), Cursor::new(bytes.into()), message)?.collect())
}

fn ok(items: &[Item]) -> Vec<&Transaction> {
    items.iter().map(|item| &item.as_ref().unwrap_or_else(|e| panic!("{e}")).tx).collect()
}

/// What a side should hold: account, institution, party, name, country, phone.
type Side<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>, Option<&'a str>, Option<&'a str>);

fn check_side(what: &str, actual: &Party, expected: Side<'_>) {
    let (account, institution, party, name, country, phone) = expected;
    assert_eq!(actual.account.as_str(), account, "{what} account");
    assert_eq!(actual.institution.as_ref().map(|v| v.as_str()), institution, "{what} institution");
    assert_eq!(actual.party.as_ref().map(|v| v.as_str()), party, "{what} party");
    assert_eq!(actual.name.as_ref().map(|v| v.as_str()), name, "{what} name");
    assert_eq!(actual.country.as_ref().map(|v| v.as_str()), country, "{what} country");
    assert_eq!(actual.phone.as_ref().map(|v| v.as_str()), phone, "{what} phone");
}

/// Everything expected of one transaction.
struct Expected<'a> {
    id: &'a str,
    time: &'a str,
    amount: (i64, &'a str),
    received: Option<(i64, &'a str)>,
    debtor: Side<'a>,
    creditor: Side<'a>,
    purpose: Option<&'a str>,
    reference: Option<&'a str>,
    channel: Channel,
}

fn check(tx: &Transaction, e: Expected<'_>) {
    let id = e.id;
    assert_eq!(tx.id.as_str(), id);
    assert_eq!(tx.time.to_string(), e.time, "{id} time");
    assert_eq!((tx.amount.minor(), tx.amount.currency().code()), e.amount, "{id} amount");
    let received = tx.received.map(|m| (m.minor(), m.currency().to_string()));
    assert_eq!(received, e.received.map(|(minor, code)| (minor, code.to_owned())), "{id} received");
    check_side(&format!("{id} debtor"), &tx.debtor, e.debtor);
    check_side(&format!("{id} creditor"), &tx.creditor, e.creditor);
    assert_eq!(tx.purpose.as_ref().map(|v| v.as_str()), e.purpose, "{id} purpose");
    assert_eq!(tx.reference.as_ref().map(|v| v.as_str()), e.reference, "{id} reference");
    assert_eq!(tx.channel, e.channel, "{id} channel");
    assert_eq!(tx.device, None);
    assert_eq!(tx.ip, None);
}

fn check_labels_absent(items: &[Item]) {
    for item in items.iter().flatten() {
        assert!(item.label.is_none());
    }
}

const ABA_MEKONG: Side<'static> = (
    "000123456",
    Some("ABAAKHPP"),
    Some("K009-901234567"),
    Some("Mekong Garment Co., Ltd."),
    Some("KH"),
    Some("+85523123456"),
);

fn v08_tx1() -> Expected<'static> {
    Expected {
        id: "3f2b7c1e-9a4d-4e8b-8c21-5d6e7f809a1b",
        time: "2025-03-14T02:15:22.000Z",
        amount: (125050, "USD"),
        received: None,
        debtor: ABA_MEKONG,
        creditor: (
            "0001-01-234567-1-8",
            Some("ACLBKHPP"),
            Some("010203040"),
            Some("Sok Dara"),
            Some("KH"),
            Some("+85512345678"),
        ),
        purpose: Some("SALA"),
        reference: Some("Salary March 2025 - Sok Dara"),
        channel: Channel::BankTransfer,
    }
}

fn v08_tx2() -> Expected<'static> {
    Expected {
        id: "a1c9e4d2-7b3f-4c8a-9e15-0f2d3c4b5a69",
        time: "2025-03-14T03:02:45.000Z",
        amount: (400_000_000, "KHR"),
        received: Some((100_000, "USD")),
        debtor: (
            "000987654",
            Some("ABAAKHPP"),
            Some("100234567"),
            Some("Chan Sophea"),
            Some("KH"),
            Some("+85517888999"),
        ),
        creditor: (
            "1234567890",
            Some("BKKBTHBK"),
            Some("1103700012345"),
            Some("Somchai Srisuk"),
            Some("TH"),
            Some("+66812345678"),
        ),
        purpose: Some("FAMI"),
        reference: Some("Family support March"),
        channel: Channel::BankTransfer,
    }
}

fn v08_tx3() -> Expected<'static> {
    Expected {
        id: "5e7d9c3b-2a1f-4d6e-b8c7-9a0b1c2d3e4f",
        time: "2025-03-14T04:47:03.000Z",
        amount: (4_825_000, "USD"),
        received: None,
        debtor: (
            "001122334",
            Some("ABAAKHPP"),
            Some("K009-901234567"),
            Some("Mekong Garment Co., Ltd."),
            Some("KH"),
            Some("+85592555111"),
        ),
        creditor: (
            "DE89370400440532013000",
            Some("COBADEFFXXX"),
            None,
            Some("Rheinland Textilmaschinen GmbH"),
            Some("DE"),
            None,
        ),
        purpose: Some("GDDS"),
        reference: Some("Invoice RT-2025-0117 sewing machines"),
        channel: Channel::BankTransfer,
    }
}

#[test]
fn pacs008_v08_three_transactions() {
    let items = read_file(open_pacs008, "pacs008_v08_multi.xml");
    let txs = ok(&items);
    assert_eq!(txs.len(), 3);
    check(txs[0], v08_tx1());
    check(txs[1], v08_tx2());
    check(txs[2], v08_tx3());
    check_labels_absent(&items);
}

#[test]
fn pacs008_v10_proxies_and_group_settlement_date() {
    let items = read_file(open_pacs008, "pacs008_v10.xml");
    let txs = ok(&items);
    assert_eq!(txs.len(), 3);
    check(
        txs[0],
        Expected {
            id: "7c0e5a1b-3d2f-4a6c-9b8e-1f2a3b4c5d6e",
            time: "2025-06-02T01:05:00.000Z",
            amount: (15_000_000, "KHR"),
            received: None,
            debtor: (
                "+855-12345678",
                Some("ABAAKHPP"),
                Some("010203040"),
                Some("Sok Dara"),
                Some("KH"),
                Some("+85512345678"),
            ),
            creditor: ("+855-98765432", Some("CADIKHPP"), None, Some("Keo Malis"), Some("KH"), Some("+85598765432")),
            purpose: None,
            reference: Some("Rent June room 12B"),
            channel: Channel::BankTransfer,
        },
    );
    check(
        txs[1],
        Expected {
            id: "EDU-2025-S2-0042",
            time: "2025-06-02T00:00:00.000Z",
            amount: (235_000, "MYR"),
            received: Some((50_000, "USD")),
            debtor: (
                "000555777",
                Some("ABAAKHPP"),
                Some("N01234567"),
                Some("Heng Vannak"),
                Some("KH"),
                Some("+85511222333"),
            ),
            creditor: ("514012345678", Some("MBBEMYKL"), None, Some("Lim Wei Ling"), Some("MY"), Some("+60123456789")),
            purpose: Some("EDUC"),
            reference: Some("Tuition fee semester 2 - Lim Wei Ling"),
            channel: Channel::BankTransfer,
        },
    );
    check(
        txs[2],
        Expected {
            id: "e4f5a6b7-c8d9-4e0f-a1b2-c3d4e5f60718",
            time: "2025-06-02T08:20:11.000Z",
            amount: (1_500_000, "USD"),
            received: None,
            debtor: (
                "0721234567",
                Some("DBSSSGSG"),
                Some("201912345K"),
                Some("Lion City Trading Pte. Ltd."),
                Some("SG"),
                Some("+6562221111"),
            ),
            creditor: (
                "0001-01-876543-2-1",
                Some("ACLBKHPP"),
                None,
                Some("Kampot Pepper Export Co., Ltd."),
                Some("KH"),
                None,
            ),
            purpose: Some("SUPP"),
            reference: Some("PO 2025-044 Kampot pepper 2t"),
            channel: Channel::BankTransfer,
        },
    );
}

#[test]
fn pacs008_v12_notprovided_lei_and_two_remittance_lines() {
    let items = read_file(open_pacs008, "pacs008_v12.xml");
    let txs = ok(&items);
    assert_eq!(txs.len(), 3);
    check(
        txs[0],
        Expected {
            id: "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
            time: "2025-09-15T02:41:27.000Z",
            amount: (250_000_000, "KHR"),
            received: None,
            debtor: (
                "000123999",
                Some("ABAAKHPP"),
                Some("010203040"),
                Some("Sok Dara"),
                Some("KH"),
                Some("+85512345678"),
            ),
            creditor: ("+855-70111222", Some("ACLBKHPP"), None, Some("Pich Sreymom"), Some("KH"), Some("+85570111222")),
            purpose: Some("P2P"),
            reference: Some("Wedding gift"),
            channel: Channel::BankTransfer,
        },
    );
    check(
        txs[1],
        Expected {
            id: "FAST-20250915-000777",
            time: "2025-09-15T00:00:00.000Z",
            amount: (320_000, "USD"),
            received: None,
            debtor: (
                "0002-07-445566-1-3",
                Some("ACLBKHPP"),
                Some("5493001KJTIIGC8Y1R12"),
                Some("Angkor Rice Mill Co., Ltd."),
                Some("KH"),
                Some("+85563963000"),
            ),
            creditor: (
                "0123456789",
                Some("KASITHBK"),
                None,
                Some("Siam Agro Supply Co., Ltd."),
                Some("TH"),
                Some("+6622220000"),
            ),
            purpose: Some("SUPP"),
            reference: Some("INV TH-4471 Fertiliser shipment Sep"),
            channel: Channel::BankTransfer,
        },
    );
    check(
        txs[2],
        Expected {
            id: "9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5a",
            time: "2025-09-15T06:30:00.000Z",
            amount: (1_323_000, "SGD"),
            received: Some((980_000, "USD")),
            debtor: (
                "1200987654",
                Some("DBSSSGSG"),
                Some("S1234567D"),
                Some("Tan Mei Hua"),
                Some("SG"),
                Some("+6591234567"),
            ),
            creditor: (
                "0003-11-998877-1-5",
                Some("ACLBKHPP"),
                Some("020304050"),
                Some("Tan Sokha"),
                Some("KH"),
                Some("+85516777888"),
            ),
            purpose: Some("FAMI"),
            reference: Some("Monthly family support September"),
            channel: Channel::BankTransfer,
        },
    );
}

/// A pain.001 transaction: id, time, amount, debtor, creditor, purpose, reference.
type PainCase<'a> = (&'a str, &'a str, (i64, &'a str), Side<'a>, Side<'a>, &'a str, &'a str);

fn pain_expected(case: PainCase<'_>) -> Expected<'_> {
    let (id, time, amount, debtor, creditor, purpose, reference) = case;
    Expected {
        id,
        time,
        amount,
        received: None,
        debtor,
        creditor,
        purpose: Some(purpose),
        reference: Some(reference),
        channel: Channel::BankTransfer,
    }
}

#[test]
fn pain001_v03_debtor_shared_by_payment_information_block() {
    let items = read_file(open_pain001, "pain001_v03.xml");
    let txs = ok(&items);
    assert_eq!(txs.len(), 5);
    let usd_debtor: Side<'_> = (
        "000123456",
        Some("ABAAKHPP"),
        Some("K009-901234567"),
        Some("Mekong Garment Co., Ltd."),
        Some("KH"),
        Some("+85592555111"),
    );
    let khr_debtor: Side<'_> = (
        "0001-01-555666-7-8",
        Some("ACLBKHPP"),
        None,
        Some("Mekong Garment Co., Ltd."),
        Some("KH"),
        Some("+85523123456"),
    );
    let march_18 = "2025-03-18T00:00:00.000Z";
    let march_19 = "2025-03-19T00:00:00.000Z";
    let cases: [PainCase<'_>; 5] = [
        (
            "SAL-2025-03-0001",
            march_18,
            (32_000, "USD"),
            usd_debtor,
            (
                "0001-01-111222-3-4",
                Some("ACLBKHPP"),
                Some("030405060"),
                Some("Srey Pov"),
                Some("KH"),
                Some("+85512345678"),
            ),
            "SALA",
            "Salary March 2025",
        ),
        (
            "SAL-2025-03-0002",
            march_18,
            (29_550, "USD"),
            usd_debtor,
            ("000456789", Some("ABAAKHPP"), None, Some("Vann Rithy"), Some("KH"), Some("+85510999888")),
            "SALA",
            "Salary March 2025",
        ),
        (
            "INV-GB-2025-311",
            march_18,
            (1_280_000, "USD"),
            usd_debtor,
            ("GB29NWBK60161331926819", Some("NWBKGB2L"), None, Some("Albion Fabrics Ltd"), Some("GB"), None),
            "GDDS",
            "Invoice AF-311 cotton fabric",
        ),
        (
            "UTIL-EDC-2025-03",
            march_19,
            (185_000_000, "KHR"),
            khr_debtor,
            ("1000200030004", Some("CADIKHPP"), None, Some("Electricite du Cambodge"), Some("KH"), None),
            "ELEC",
            "Electricity bill Feb 2025 meter 55-0192",
        ),
        (
            "TAX-GDT-2025-02",
            march_19,
            (520_000_000, "KHR"),
            khr_debtor,
            ("0001-99-000001-0-1", Some("ACLBKHPP"), None, Some("General Department of Taxation"), Some("KH"), None),
            "TAXS",
            "Monthly tax Feb 2025 TIN K009-901234567",
        ),
    ];
    for (tx, case) in txs.into_iter().zip(cases) {
        check(tx, pain_expected(case));
    }
    check_labels_absent(&items);
}

#[test]
fn pain001_v09_requested_date_and_date_time() {
    let items = read_file(open_pain001, "pain001_v09.xml");
    let txs = ok(&items);
    assert_eq!(txs.len(), 4);
    let thai_debtor: Side<'_> = (
        "0123456789",
        Some("BKKBTHBK"),
        Some("0105551234567"),
        Some("Siam Agro Supply Co., Ltd."),
        Some("TH"),
        Some("+6622220000"),
    );
    let khmer_debtor: Side<'_> = (
        "0003-01-121212-9-9",
        Some("ACLBKHPP"),
        Some("K009-777888999"),
        Some("Siam Agro Supply Co., Ltd. Cambodia Branch"),
        Some("KH"),
        Some("+85512998877"),
    );
    let october_3 = "2025-10-03T00:00:00.000Z";
    let october_2_afternoon = "2025-10-02T08:00:00.000Z";
    let cases: [PainCase<'_>; 4] = [
        (
            "c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f",
            october_3,
            (2_235_000, "USD"),
            thai_debtor,
            (
                "0002-07-445566-1-3",
                Some("ACLBKHPP"),
                Some("K001-100200300"),
                Some("Angkor Rice Mill Co., Ltd."),
                Some("KH"),
                Some("+85563963000"),
            ),
            "GDDS",
            "PO 7781 jasmine rice 40t",
        ),
        (
            "SAS-PO-7782",
            october_3,
            (500_000, "USD"),
            thai_debtor,
            ("000777888", Some("ABAAKHPP"), Some("040506070"), Some("Chhim Bopha"), Some("KH"), Some("+85512345678")),
            "SCVE",
            "Field survey services Sep 2025",
        ),
        (
            "f0e1d2c3-b4a5-4968-8776-655443322110",
            october_2_afternoon,
            (140_000_000, "KHR"),
            khmer_debtor,
            ("1122334455", Some("WINGKHPP"), Some("050607080"), Some("Ly Channary"), Some("KH"), Some("+85589001122")),
            "SALA",
            "Wages September 2025",
        ),
        (
            "SAS-RENT-Q4",
            october_2_afternoon,
            (500_000_000, "KHR"),
            khmer_debtor,
            ("1000300040005", Some("CADIKHPP"), None, Some("Boeung Keng Kang Properties Co., Ltd."), Some("KH"), None),
            "RENT",
            "Warehouse rent Q4 2025",
        ),
    ];
    for (tx, case) in txs.into_iter().zip(cases) {
        check(tx, pain_expected(case));
    }
}

#[test]
fn moov_fedwire_sample() {
    let items = read_file(open_pacs008, "pacs008_fedwire_sample_moov.xml");
    let txs = ok(&items);
    assert_eq!(txs.len(), 1);
    check(
        txs[0],
        Expected {
            id: "8a562c67-ca16-48ba-b074-65581be6f011",
            time: "2025-04-01T00:00:00.000Z",
            amount: (51_000_074, "USD"),
            received: None,
            debtor: ("5647772655", Some("021040078"), None, Some("Corporation A"), Some("US"), None),
            creditor: ("567876543", Some("021040078"), None, Some("Corporation B"), Some("US"), None),
            purpose: None,
            reference: Some("INV34563"),
            channel: Channel::BankTransfer,
        },
    );
}

#[test]
fn envelope_prefixes_entities_cdata_and_fallbacks() {
    let items = read_file(open_pacs008, "pacs008_envelope_prefixed.xml");
    let txs = ok(&items);
    assert_eq!(txs.len(), 2);
    check(
        txs[0],
        Expected {
            id: "ABA-QR-0001",
            time: "2025-11-20T02:58:31.250Z",
            amount: (4_000_000, "KHR"),
            received: None,
            debtor: ("000111222", Some("ABAAKHPP"), Some("SOKSKHP1"), Some("Sok & Sons Trading"), Some("KH"), None),
            creditor: (
                "+855-96-555-0101",
                Some("ACLBKHPP"),
                None,
                Some("Street Noodle Stall 7"),
                None,
                Some("+855965550101"),
            ),
            purpose: None,
            reference: Some("QR order 7781 Noodles & tea <2 bowls>"),
            channel: Channel::Instant,
        },
    );
    check(
        txs[1],
        Expected {
            id: "ABAAKHPP20251120E0007/2",
            time: "2025-11-20T10:00:00.000Z",
            amount: (7_500, "USD"),
            received: None,
            debtor: (
                "000987654",
                Some("ABAAKHPP"),
                Some("100234567"),
                Some("Chan Sophea"),
                Some("KH"),
                Some("+85523999000"),
            ),
            creditor: ("0001-01-777888-9-0", Some("ACLBKHPP"), None, Some("Keo Malis"), Some("KH"), None),
            purpose: Some("FAMI"),
            reference: Some("RF18539007547034"),
            channel: Channel::BankTransfer,
        },
    );
}

#[test]
fn envelope_error_paths_start_at_the_root() {
    let text = fixture_text("pacs008_envelope_prefixed.xml");
    let xml = text.replacen(">75.00<", ">75,00<", 1);
    let items = read_bytes(Message::Pacs008, xml).unwrap();
    assert_eq!(items.len(), 2);
    let path = "/BusinessMessage/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]/IntrBkSttlmAmt";
    record_error(&items[1], path, "IntrBkSttlmAmt", 95);
}

/// The record error of an item, checked for its place.
fn record_error<'a>(item: &'a Item, path: &str, field: &str, line: u64) -> &'a ReadError {
    let error = item.as_ref().err().unwrap_or_else(|| panic!("expected an error at {path}"));
    assert!(!error.fatal, "{error}");
    assert_eq!(error.location.xml_path.as_deref(), Some(path), "{error}");
    assert_eq!(error.location.field.as_deref(), Some(field), "{error}");
    assert_eq!(error.location.line, Some(line), "{error}");
    error
}

const TX2: &str = "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]";

#[test]
fn bad_amount_spoils_only_its_transaction() {
    let items = read_file(open_pacs008, "pacs008_bad_amount.xml");
    assert_eq!(items.len(), 3);
    check(&items[0].as_ref().unwrap().tx, v08_tx1());
    let error = record_error(&items[1], &format!("{TX2}/IntrBkSttlmAmt"), "IntrBkSttlmAmt", 124);
    assert!(error.message.contains("12,50"), "{error}");
    assert!(error.location.file.ends_with("pacs008_bad_amount.xml"));
    check(&items[2].as_ref().unwrap().tx, v08_tx3());
}

#[test]
fn missing_creditor_account_is_a_record_error() {
    let items = read_file(open_pacs008, "pacs008_missing_creditor_account.xml");
    assert_eq!(items.len(), 3);
    check(&items[0].as_ref().unwrap().tx, v08_tx1());
    let error = record_error(&items[1], &format!("{TX2}/CdtrAcct"), "CdtrAcct", 116);
    assert!(error.message.contains("creditor account"), "{error}");
    check(&items[2].as_ref().unwrap().tx, v08_tx3());
}

#[test]
fn truncated_file_is_fatal_after_the_good_transactions() {
    let items = read_file(open_pacs008, "pacs008_truncated.xml");
    assert_eq!(items.len(), 2, "{items:?}");
    check(&items[0].as_ref().unwrap().tx, v08_tx1());
    let error = items[1].as_ref().unwrap_err();
    assert!(error.fatal, "{error}");
    assert_eq!(error.location.line, Some(179));
    assert_eq!(error.location.xml_path.as_deref(), Some("/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]/Cdtr/Nm"));
    assert!(error.message.contains("cut off"), "{error}");
}

/// pacs008_v08_multi.xml with one text replaced (the first occurrence after `after`).
fn v08_with(after: &str, from: &str, to: &str) -> String {
    let text = fixture_text("pacs008_v08_multi.xml");
    let start = text.find(after).unwrap();
    let at = start + text[start..].find(from).unwrap();
    format!("{}{}{}", &text[..at], to, &text[at + from.len()..])
}

/// Reads a variant of v08 whose second transaction is bad: the others must come through.
fn second_bad(xml: String) -> ReadError {
    let items = read_bytes(Message::Pacs008, xml).unwrap();
    assert_eq!(items.len(), 3);
    check(&items[0].as_ref().unwrap().tx, v08_tx1());
    check(&items[2].as_ref().unwrap().tx, v08_tx3());
    items[1].clone().unwrap_err()
}

const TX2_START: &str = "E2E-FAM-0002";

#[test]
fn bad_values_name_their_element() {
    let cases = [
        (r#"<IntrBkSttlmAmt Ccy="USD">1000.00<"#, r#"<IntrBkSttlmAmt>1000.00<"#, "IntrBkSttlmAmt", "Ccy", 122),
        (r#"Ccy="USD">1000.00<"#, r#"Ccy="XYZ">1000.00<"#, "IntrBkSttlmAmt", "Ccy", 122),
        ("1000.00<", "1000.005<", "IntrBkSttlmAmt", "IntrBkSttlmAmt", 122),
        ("1000.00<", "-1000.00<", "IntrBkSttlmAmt", "IntrBkSttlmAmt", 122),
        ("1000.00<", "1e3<", "IntrBkSttlmAmt", "IntrBkSttlmAmt", 122),
        (">4000000<", ">4,000,000<", "InstdAmt", "InstdAmt", 125),
        ("<Ctry>TH</Ctry>", "<Ctry>THA</Ctry>", "Cdtr/PstlAdr/Ctry", "Ctry", 181),
        ("+66-812345678", "call me", "Cdtr/CtctDtls/MobNb", "MobNb", 194),
        ("2025-03-14T10:02:45+07:00", "14/03/2025 10:02", "AccptncDtTm", "AccptncDtTm", 124),
        ("Chan Sophea", "Chan&nbsp;Sophea", "Dbtr/Nm", "Nm", 139),
    ];
    for (from, to, rel, field, line) in cases {
        let error = second_bad(v08_with(TX2_START, from, to));
        assert!(!error.fatal, "{to}: {error}");
        assert_eq!(error.location.xml_path.as_deref(), Some(format!("{TX2}/{rel}").as_str()), "{to}: {error}");
        assert_eq!(error.location.field.as_deref(), Some(field), "{to}: {error}");
        assert_eq!(error.location.line, Some(line), "{to}: {error}");
    }
}

#[test]
fn windows_line_ends_count_the_same_lines() {
    let xml = v08_with(TX2_START, "1000.00<", "12,50<").replace('\n', "\r\n");
    let error = second_bad(xml);
    assert_eq!(error.location.line, Some(122));
}

#[test]
fn mismatched_end_tag_is_fatal_after_the_good_transactions() {
    let xml = v08_with("E2E-INV-88231", "</BICFI>", "</BIC>");
    let items = read_bytes(Message::Pacs008, xml).unwrap();
    assert_eq!(items.len(), 3);
    check(&items[1].as_ref().unwrap().tx, v08_tx2());
    let error = items[2].as_ref().unwrap_err();
    assert!(error.fatal, "{error}");
    assert!(error.message.contains("expected </BICFI>, found </BIC>"), "{error}");
    assert_eq!(error.location.line, Some(228));
    assert_eq!(
        error.location.xml_path.as_deref(),
        Some("/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[3]/InstgAgt/FinInstnId/BICFI")
    );
}

#[test]
fn pain001_debtor_error_spoils_each_transaction_of_its_block() {
    let text = fixture_text("pain001_v09.xml");
    let xml = text.replacen(
        "<Ctry>KH</Ctry>\n\t\t\t\t</PstlAdr>\n\t\t\t\t<Id>\n\t\t\t\t\t<OrgId>",
        "<Ctry>Cambodia</Ctry>\n\t\t\t\t</PstlAdr>\n\t\t\t\t<Id>\n\t\t\t\t\t<OrgId>",
        1,
    );
    assert_ne!(xml, text);
    let items = read_bytes(Message::Pain001, xml).unwrap();
    assert_eq!(items.len(), 4);
    assert!(items[0].is_ok() && items[1].is_ok());
    for item in &items[2..] {
        record_error(item, "/Document/CstmrCdtTrfInitn/PmtInf[2]/Dbtr/PstlAdr/Ctry", "Ctry", 177);
    }
}

#[test]
fn pain001_transaction_paths_count_within_their_block() {
    let text = fixture_text("pain001_v03.xml");
    let xml = text.replacen(r#"<InstdAmt Ccy="KHR">5200000<"#, r#"<InstdAmt Ccy="KHR">52O0000<"#, 1);
    let items = read_bytes(Message::Pain001, xml).unwrap();
    assert_eq!(items.len(), 5);
    record_error(&items[4], "/Document/CstmrCdtTrfInitn/PmtInf[2]/CdtTrfTxInf[2]/Amt/InstdAmt", "InstdAmt", 249);
}

#[test]
fn every_supported_version_is_read_and_others_are_refused() {
    let text = fixture_text("pacs008_v08_multi.xml");
    for version in ["08", "09", "10", "11", "12"] {
        let xml = text.replace("pacs.008.001.08", &format!("pacs.008.001.{version}"));
        let items = read_bytes(Message::Pacs008, xml).unwrap();
        assert_eq!(ok(&items).len(), 3, "{version}");
    }
    for version in ["07", "13"] {
        let xml = text.replace("pacs.008.001.08", &format!("pacs.008.001.{version}"));
        let error = read_bytes(Message::Pacs008, xml).unwrap_err();
        assert!(error.fatal && error.message.contains(&format!("pacs.008.001.{version}")), "{error}");
    }
    let text = fixture_text("pain001_v03.xml");
    for version in 3..=12 {
        let xml = text.replace("pain.001.001.03", &format!("pain.001.001.{version:02}"));
        let items = read_bytes(Message::Pain001, xml).unwrap();
        assert_eq!(ok(&items).len(), 5, "{version}");
    }
}

#[test]
fn namespace_mismatch_names_the_message_found() {
    let error = open_pacs008(&fixture("pain001_v09.xml")).err().unwrap();
    assert!(error.fatal);
    assert!(error.message.contains("pain.001.001.09"), "{error}");
    assert!(error.message.contains("pacs.008.001.08 to .12"), "{error}");
    assert_eq!(error.location.xml_path.as_deref(), Some("/Document"));
    assert_eq!(error.location.line, Some(3));

    let error = open_pain001(&fixture("pacs008_v12.xml")).err().unwrap();
    assert!(error.message.contains("pacs.008.001.12"), "{error}");

    let no_namespace = "<Document><FIToFICstmrCdtTrf/></Document>";
    let error = read_bytes(Message::Pacs008, no_namespace).unwrap_err();
    assert!(error.message.contains("no namespace"), "{error}");

    let other_root =
        r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><FIToFIPmtStsRpt/></Document>"#;
    let error = read_bytes(Message::Pacs008, other_root).unwrap_err();
    assert!(error.message.contains("found <FIToFIPmtStsRpt>"), "{error}");
}

#[test]
fn empty_and_non_xml_inputs_are_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.xml");
    std::fs::write(&empty, "").unwrap();
    let error = open_pacs008(&empty).err().unwrap();
    assert!(error.fatal && error.message.contains("no XML element"), "{error}");

    let csv = dir.path().join("transactions.csv");
    std::fs::write(&csv, "id,time,amount\n1,2025-01-01T00:00:00Z,12.50\n").unwrap();
    let error = open_pain001(&csv).err().unwrap();
    assert!(error.fatal && error.message.contains("not XML"), "{error}");

    for input in ["   \n", "<?xml version=\"1.0\"?>\n<!-- nothing -->\n"] {
        let error = read_bytes(Message::Pacs008, input).unwrap_err();
        assert!(error.fatal && error.message.contains("no XML element"), "{input:?}: {error}");
    }
    let error = read_bytes(Message::Pacs008, "<html><body>hello</body></html>").unwrap_err();
    assert!(error.message.contains("no ISO 20022 <Document>"), "{error}");
    let error = read_bytes(Message::Pacs008, [0xff, 0xfe, 0x00, 0x3c, 0x00]).unwrap_err();
    assert!(error.fatal, "{error}");

    let missing = open_pacs008(&dir.path().join("missing.xml")).err().unwrap();
    assert!(missing.fatal && missing.message.contains("cannot read"), "{missing}");
}

#[test]
fn streams_many_transactions() {
    let text = fixture_text("pacs008_v08_multi.xml");
    let first = text.find("<CdtTrfTxInf>").unwrap();
    let body_end = text.find("</FIToFICstmrCdtTrf>").unwrap();
    let second = first + 1 + text[first + 1..].find("<CdtTrfTxInf>").unwrap();
    let (head, tx, tail) = (&text[..first], &text[first..second], &text[body_end..]);
    let count = 20_000;
    let input = Cursor::new(head.to_owned())
        .chain(Repeat { text: tx.as_bytes().to_vec(), left: count, at: 0 })
        .chain(Cursor::new(tail.to_owned()));
    let reader = Iso20022Reader::new(Arc::from("generated.xml"), std::io::BufReader::new(input), Message::Pacs008);
    let mut n = 0;
    for item in reader.unwrap() {
        assert_eq!(item.unwrap().tx.id.as_str(), "3f2b7c1e-9a4d-4e8b-8c21-5d6e7f809a1b");
        n += 1;
    }
    assert_eq!(n, count);
}

/// A reader yielding `text` `left` times, generated as it is read.
struct Repeat {
    text: Vec<u8>,
    left: usize,
    at: usize,
}

impl Read for Repeat {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let n = out.len().min(self.text.len() - self.at);
        out[..n].copy_from_slice(&self.text[self.at..self.at + n]);
        self.at += n;
        if self.at == self.text.len() {
            self.at = 0;
            self.left -= 1;
        }
        Ok(n)
    }
}

/// Reads mangled input to the end; a fatal error must be the last item.
fn read_to_end(message: Message, bytes: Vec<u8>) {
    let Ok(reader) = Iso20022Reader::new(Arc::from("mangled.xml"), Cursor::new(bytes), message) else { return };
    let mut fatal_seen = false;
    for item in reader.take(1_000) {
        assert!(!fatal_seen, "an item after a fatal error");
        if let Err(error) = item {
            fatal_seen = error.fatal;
            let _ = error.to_string();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn mangled_fixtures_never_panic(
        which in 0usize..4,
        cut in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 0..12),
    ) {
        let (name, message) = [
            ("pacs008_v08_multi.xml", Message::Pacs008),
            ("pacs008_v12.xml", Message::Pacs008),
            ("pain001_v03.xml", Message::Pain001),
            ("pacs008_envelope_prefixed.xml", Message::Pacs008),
        ][which];
        let mut bytes = std::fs::read(fixture(name)).unwrap();
        for (at, byte, kind) in edits {
            let at = at.index(bytes.len());
            match kind {
                0 => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ => {
                    bytes.remove(at);
                }
            }
        }
        // Cut the file short about half of the time.
        let len = bytes.len();
        let keep = cut.index(2 * len + 1);
        bytes.truncate(keep.min(len));
        read_to_end(message, bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        read_to_end(Message::Pacs008, bytes.clone());
        read_to_end(Message::Pain001, bytes);
    }
}
