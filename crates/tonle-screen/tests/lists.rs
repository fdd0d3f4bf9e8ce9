//! List loaders on the real published files (facts looked up in them), on hand-made fixtures, on bad input,
//! and under property tests (no parser panics; the own CSV format round-trips).

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use tonle_screen::lists::{
    addresses, crypto, csv, detect, ftm, load, ofac, ofac_xml, un, ListFormat, LoadError, Loaded, Skipped,
};
use tonle_screen::{Chain, ListEntity, ListName, NameKind, PartialDate, Schema};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn entity<'a>(loaded: &'a Loaded, id: &str) -> &'a ListEntity {
    loaded.entities.iter().find(|e| e.id == id).unwrap_or_else(|| panic!("no entity {id}"))
}

fn names(e: &ListEntity, kind: NameKind) -> Vec<&str> {
    e.names.iter().filter(|n| n.kind == kind).map(|n| n.text.as_str()).collect()
}

fn date(year: i32, month: Option<u8>, day: Option<u8>) -> PartialDate {
    PartialDate { year, month, day }
}

fn ofac_real() -> Loaded {
    load(&fixture("ofac_sdn.csv")).expect("loads")
}

fn un_real() -> Loaded {
    load(&fixture("un_consolidated.xml")).expect("loads")
}

// ---- format detection ----

#[test]
fn detects_every_fixture_format() {
    for (file, format) in [
        ("ofac_sdn.csv", ListFormat::OfacCsv),
        ("ofac_sdn_sample.xml", ListFormat::OfacXml),
        ("un_consolidated.xml", ListFormat::UnXml),
        ("opensanctions_sample.ftm.json", ListFormat::FtmJson),
        ("watchlist.csv", ListFormat::Csv),
        ("ofac_sanctioned_addresses_USDT.txt", ListFormat::Addresses),
    ] {
        assert_eq!(detect(&fixture(file)).expect("detects"), format, "{file}");
    }
    // The alias file alone is no list.
    assert!(matches!(detect(&fixture("ofac_alt.csv")), Err(LoadError::UnknownFormat { .. })));
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let err = load(&fixture("no_such_list.csv")).expect_err("missing");
    assert!(matches!(err, LoadError::Io { .. }));
    assert!(err.to_string().contains("no_such_list.csv"), "{err}");
}

// ---- OFAC SDN CSV, real file ----

#[test]
fn ofac_csv_reads_every_row_of_the_real_file() {
    let loaded = ofac_real();
    assert_eq!(loaded.entities.len(), 14_965);
    let count = |s: Schema| loaded.entities.iter().filter(|e| e.schema == s).count();
    assert_eq!(count(Schema::Person), 6_854);
    assert_eq!(count(Schema::Organization), 6_884);
    assert_eq!(count(Schema::Vessel), 851);
    assert_eq!(count(Schema::Aircraft), 376);
    assert!(loaded.entities.iter().all(|e| e.source == "OFAC SDN" && e.id.starts_with("ofac:")));
    // The alias file is newer than the sdn file: 906 alias rows name ent_nums the sdn file lacks.
    let orphans = loaded.skipped.iter().filter(|s| s.reason.contains("not in the sdn file")).count();
    assert_eq!(orphans, 906);
    assert!(loaded.skipped.iter().all(|s| s.file == "ofac_sdn.csv" || s.file == "ofac_alt.csv"));
    // The rest are remarks OFAC's export cut at 1000 characters (and one address with no address).
    let remarks: Vec<&Skipped> = loaded.skipped.iter().filter(|s| s.field.as_deref() == Some("Remarks")).collect();
    assert_eq!(remarks.len(), 13, "{remarks:#?}");
    assert_eq!(orphans + remarks.len(), loaded.skipped.len());
}

#[test]
fn ofac_csv_banco_nacional_de_cuba() {
    let loaded = ofac_real();
    let bnc = entity(&loaded, "ofac:306");
    assert_eq!(bnc.schema, Schema::Organization);
    assert_eq!(bnc.names[0], ListName { text: "BANCO NACIONAL DE CUBA".into(), kind: NameKind::Primary });
    // alt.csv holds the strong alias; the remarks' quoted a.k.a. is OFAC's weak alias.
    assert_eq!(names(bnc, NameKind::Alias), ["NATIONAL BANK OF CUBA"]);
    assert_eq!(names(bnc, NameKind::Weak), ["BNC"]);
    assert_eq!(bnc.programs, ["CUBA"]);
}

#[test]
fn ofac_csv_individual_with_birth_date_nationality_and_aliases() {
    let loaded = ofac_real();
    let e = entity(&loaded, "ofac:2677");
    assert_eq!(e.schema, Schema::Person);
    assert_eq!(e.names[0].text, "AL-ZOMOR, Abboud Abdul Latif Hassan");
    assert_eq!(names(e, NameKind::Alias).len(), 5);
    assert!(names(e, NameKind::Alias).contains(&"AL-ZUMAR, Abbud"));
    assert_eq!(e.birth_dates, [date(1947, Some(4), Some(19))]);
    assert_eq!(e.countries, ["EG"]);
    assert_eq!(e.programs, ["SDGT"]);
}

#[test]
fn ofac_csv_digital_currency_addresses_and_their_chains() {
    let loaded = ofac_real();
    let yan = entity(&loaded, "ofac:25308");
    assert_eq!(yan.addresses.len(), 6);
    assert!(yan.addresses.iter().all(|a| a.chain == Chain::Bitcoin));
    assert_eq!(yan.addresses[0].address, "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h");
    assert_eq!(yan.countries, ["CN"]); // "citizen China"
    assert_eq!(names(yan, NameKind::Weak), ["ZHOU, William", "YAN, Steven"]);

    let rusich = entity(&loaded, "ofac:38665");
    let chains: Vec<&Chain> = rusich.addresses.iter().map(|a| &a.chain).collect();
    assert_eq!(chains, [&Chain::Bitcoin, &Chain::Bitcoin, &Chain::Ethereum, &Chain::Ethereum, &Chain::Tron]);
    assert_eq!(rusich.addresses[0].address, "bc1ql7dlyh8xz6tpqk92vztrhqh88dmjvcwrmsemrm");

    let all = loaded.entities.iter().flat_map(|e| &e.addresses);
    let count = |c: Chain| all.clone().filter(|a| a.chain == c).count();
    assert_eq!(count(Chain::Bitcoin), 196);
    assert_eq!(count(Chain::Ethereum), 53);
    assert_eq!(count(Chain::Tron), 15);
    assert_eq!(count(Chain::EthereumClassic), 1);
    assert_eq!(count(Chain::Monero), 3);
}

#[test]
fn ofac_csv_vessel_flag_and_cut_remarks() {
    let loaded = ofac_real();
    let vessel = entity(&loaded, "ofac:4238");
    assert_eq!(vessel.schema, Schema::Vessel);
    assert_eq!(vessel.countries, ["CU"]);
    // Remarks cut short in the middle of an address: a note naming the file, line, record and field.
    let note =
        loaded.skipped.iter().find(|s| s.record.as_deref() == Some("ent_num 29703")).expect("a note on ent_num 29703");
    assert_eq!(note.file, "ofac_sdn.csv");
    assert_eq!(note.line, Some(7514));
    assert_eq!(note.field.as_deref(), Some("Remarks"));
    assert!(note.to_string().starts_with("ofac_sdn.csv:7514: record ent_num 29703: field Remarks: "), "{note}");
    assert!(!entity(&loaded, "ofac:29703").names.is_empty());
}

#[test]
fn ofac_csv_birth_date_forms() {
    let loaded = ofac_real();
    // "DOB 1960 to 1962"-style ranges give one date a year; "circa" gives the year.
    let ranged = loaded.entities.iter().filter(|e| e.birth_dates.len() >= 3).count();
    assert!(ranged > 0);
    let with_dob = loaded.entities.iter().filter(|e| !e.birth_dates.is_empty()).count();
    assert!(with_dob > 6_000, "{with_dob}");
}

// ---- UN consolidated list, real file ----

#[test]
fn un_reads_every_record_of_the_real_file() {
    let loaded = un_real();
    assert_eq!(loaded.entities.len(), 1_003);
    assert_eq!(loaded.entities.iter().filter(|e| e.schema == Schema::Person).count(), 730);
    assert_eq!(loaded.entities.iter().filter(|e| e.schema == Schema::Organization).count(), 273);
    assert!(loaded.entities.iter().all(|e| e.source == "UN SC" && e.id.starts_with("un:")));
    // The one note: a nationality that is no country today.
    assert_eq!(loaded.skipped.len(), 1, "{:#?}", loaded.skipped);
    assert_eq!(loaded.skipped[0].record.as_deref(), Some("QDi.290"));
    assert!(loaded.skipped[0].reason.contains("former Soviet Union"));
    let kinds = |k: NameKind| loaded.entities.iter().flat_map(|e| &e.names).filter(|n| n.kind == k).count();
    assert_eq!(kinds(NameKind::Weak), 615);
    // 378 NAME_ORIGINAL_SCRIPT values; one (QDe.164) repeats its primary name and is kept once, as primary.
    assert_eq!(kinds(NameKind::Original), 377);
}

#[test]
fn un_individual_with_original_script_and_low_quality_alias() {
    let loaded = un_real();
    let e = entity(&loaded, "un:IQi.001");
    assert_eq!(e.schema, Schema::Person);
    assert_eq!(e.names[0].text, "SADDAM HUSSEIN AL-TIKRITI");
    assert_eq!(names(e, NameKind::Original), ["صدام حسين التكريتي"]);
    assert_eq!(names(e, NameKind::Weak), ["Abu Ali"]);
    assert_eq!(e.birth_dates, [date(1937, Some(4), Some(28))]);
    assert_eq!(e.countries, ["IQ"]);
    assert_eq!(e.programs, ["Iraq"]);
}

#[test]
fn un_dates_countries_and_entities() {
    let loaded = un_real();
    // FIRST_NAME and SECOND_NAME joined; nationality and address country.
    let badege = entity(&loaded, "un:CDi.001");
    assert_eq!(badege.names[0].text, "ERIC BADEGE");
    assert_eq!(badege.birth_dates, [date(1971, None, None)]);
    assert_eq!(badege.countries, ["CD", "RW"]);
    // BETWEEN 1973 and 1974.
    let between = entity(&loaded, "un:CDi.030");
    assert!(between.birth_dates.contains(&date(1973, None, None)));
    assert!(between.birth_dates.contains(&date(1974, None, None)));
    // An entity: `&amp;` resolved, the reference number trimmed, an a.k.a. in Chinese.
    let chang_an = entity(&loaded, "un:KPe.055");
    assert_eq!(chang_an.schema, Schema::Organization);
    assert_eq!(chang_an.names[0].text, "CHANG AN SHIPPING & TECHNOLOGY");
    assert!(names(chang_an, NameKind::Alias).contains(&"長安海連技術有限公司"));
    assert_eq!(chang_an.programs, ["DPRK"]);
}

// ---- address lists, real files ----

#[test]
fn address_lists_counts_and_chains() {
    let count = |l: &Loaded, c: Chain| l.entities.iter().filter(|e| e.addresses[0].chain == c).count();
    let xbt = load(&fixture("ofac_sanctioned_addresses_XBT.txt")).expect("loads");
    assert_eq!(xbt.entities.len(), 435);
    // One line of the XBT file is a Tron address (T + 33 base58): the format wins over the tag.
    assert_eq!(count(&xbt, Chain::Bitcoin), 434);
    assert_eq!(count(&xbt, Chain::Tron), 1);
    assert!(xbt.skipped.is_empty());
    assert_eq!(xbt.entities[0].source, "OFAC addresses (XBT)");
    assert_eq!(xbt.entities[0].id, "address:bitcoin:123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX");
    assert_eq!(xbt.entities[0].schema, Schema::Unknown);
    assert!(xbt.entities[0].names.is_empty());

    let eth = load(&fixture("ofac_sanctioned_addresses_ETH.txt")).expect("loads");
    assert_eq!(eth.entities.len(), 152);
    assert_eq!(count(&eth, Chain::Ethereum), 152);
    // Ids hold the lower-case form; the address keeps the list's case.
    assert_eq!(eth.entities[0].id, "address:ethereum:0x01e2919679362dfbc9ee1644ba9c6da6d6245bb1");
    assert_eq!(eth.entities[0].addresses[0].address, "0x01e2919679362dFBC9ee1644Ba9C6da6D6245BB1");

    let usdt = load(&fixture("ofac_sanctioned_addresses_USDT.txt")).expect("loads");
    assert_eq!(usdt.entities.len(), 26);
    assert_eq!(count(&usdt, Chain::Tron), 11);
    assert_eq!(count(&usdt, Chain::Ethereum), 8);
    assert_eq!(count(&usdt, Chain::Bitcoin), 7); // Omni layer addresses
    assert_eq!(usdt.entities[0].source, "OFAC addresses (USDT)");

    let trx = load(&fixture("ofac_sanctioned_addresses_TRX.txt")).expect("loads");
    assert_eq!(trx.entities.len(), 6);
    assert_eq!(count(&trx, Chain::Tron), 6);
}

#[test]
fn address_list_bad_lines() {
    let data = b"0x175d44451403Edf28469dF03A9280c1197ADb92c\n\nnot an address!\n\xff\xfe\n# comment\n0x175D44451403EDF28469DF03A9280C1197ADB92C\n";
    let loaded = addresses::parse_addresses(data, Some("ETH"), "eth.txt");
    assert_eq!(loaded.entities.len(), 1);
    let lines: Vec<Option<u64>> = loaded.skipped.iter().map(|s| s.line).collect();
    assert_eq!(lines, [Some(3), Some(4), Some(6)], "{:#?}", loaded.skipped);
    assert!(loaded.skipped.iter().all(|s| s.file == "eth.txt"));
}

// ---- list load speed ----

#[test]
fn full_ofac_and_un_load_without_quadratic_work() {
    let start = std::time::Instant::now();
    let n = ofac_real().entities.len() + un_real().entities.len();
    let elapsed = start.elapsed();
    assert_eq!(n, 15_968);
    // Generous for a debug build on a busy machine; a release build takes a fraction of this.
    assert!(elapsed.as_secs() < 20, "{elapsed:?}");
}

// ---- OFAC SDN XML, hand-made fixture ----

#[test]
fn ofac_xml_fixture() {
    let loaded = load(&fixture("ofac_sdn_sample.xml")).expect("loads");
    assert!(loaded.skipped.is_empty(), "{:#?}", loaded.skipped);
    assert_eq!(loaded.entities.len(), 3);
    let yan = entity(&loaded, "ofac:25308");
    assert_eq!(yan.schema, Schema::Person);
    assert_eq!(yan.source, "OFAC SDN");
    assert_eq!(yan.names[0].text, "YAN, Xiaobing");
    assert_eq!(names(yan, NameKind::Weak), ["ZHOU, William", "YAN, Steven"]);
    assert_eq!(yan.birth_dates, [date(1977, Some(3), Some(25))]);
    assert_eq!(yan.countries, ["CN"]);
    assert_eq!(yan.programs, ["SDNTK"]);
    assert_eq!(yan.addresses.len(), 2);
    assert!(yan.addresses.iter().all(|a| a.chain == Chain::Bitcoin));
    let bnc = entity(&loaded, "ofac:306");
    assert_eq!(bnc.schema, Schema::Organization);
    assert_eq!(names(bnc, NameKind::Alias), ["NATIONAL BANK OF CUBA"]);
    assert_eq!(names(bnc, NameKind::Weak), ["BNC"]);
    let vessel = entity(&loaded, "ofac:4238");
    assert_eq!(vessel.schema, Schema::Vessel);
    assert_eq!(vessel.countries, ["CU"]);
}

#[test]
fn ofac_xml_and_csv_agree_on_the_same_entries() {
    let csv = ofac_real();
    let xml = load(&fixture("ofac_sdn_sample.xml")).expect("loads");
    for id in ["ofac:25308", "ofac:306", "ofac:4238"] {
        let (a, b) = (entity(&csv, id), entity(&xml, id));
        assert_eq!(a.schema, b.schema, "{id}");
        assert_eq!(a.names[0], b.names[0], "{id}");
        assert_eq!(a.programs, b.programs, "{id}");
        assert_eq!(a.birth_dates, b.birth_dates, "{id}");
        assert_eq!(a.countries, b.countries, "{id}");
    }
}

#[test]
fn ofac_xml_broken_in_the_middle_keeps_the_other_entries() {
    let data = br#"<sdnList>
<sdnEntry><uid>1</uid><lastName>FIRST</lastName><sdnType>Entity</sdnType></sdnEntry>
<sdnEntry><uid>2</uid><lastName>BRO<<KEN</lastName><sdnType>Entity</sdnType></sdnEntry>
<sdnEntry><uid>3</uid><lastName>THIRD</lastName><sdnType>Individual</sdnType></sdnEntry>
</sdnList>"#;
    let loaded = ofac_xml::parse_sdn_xml(data, "sdn.xml");
    let ids: Vec<&str> = loaded.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["ofac:1", "ofac:3"]);
    assert_eq!(loaded.skipped.len(), 1, "{:#?}", loaded.skipped);
    assert_eq!(loaded.skipped[0].line, Some(3));
    assert_eq!(loaded.skipped[0].record.as_deref(), Some("uid 2"));
}

// ---- OpenSanctions FtM, hand-made fixture ----

#[test]
fn ftm_fixture() {
    let loaded = load(&fixture("opensanctions_sample.ftm.json")).expect("loads");
    let ids: Vec<&str> = loaded.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "os:NK-sample-person-1",
            "os:NK-sample-company-1",
            "os:NK-sample-vessel-1",
            "os:NK-sample-airplane-1",
            "os:NK-sample-body-1",
            "os:NK-sample-person-2",
            "os:NK-sample-wallet-2",
        ]
    );
    let putin = entity(&loaded, "os:NK-sample-person-1");
    assert_eq!(putin.schema, Schema::Person);
    assert_eq!(putin.source, "OpenSanctions");
    assert_eq!(names(putin, NameKind::Alias), ["Владимир Владимирович Путин", "Vladimir Putin"]);
    assert_eq!(names(putin, NameKind::Weak), ["Vova"]);
    assert_eq!(putin.birth_dates, [date(1952, Some(10), Some(7))]);
    assert_eq!(putin.countries, ["RU"]);
    let company = entity(&loaded, "os:NK-sample-company-1");
    assert_eq!(company.schema, Schema::Organization);
    assert_eq!(names(company, NameKind::Alias), ["GARANTEX"]);
    assert_eq!(company.countries, ["RU", "EE"]);
    // The Sanction's programme and the wallet whose holder is in the file.
    assert!(company.programs.contains(&"CYBER2".to_string()));
    assert_eq!(company.addresses.len(), 1);
    assert_eq!(company.addresses[0].chain, Chain::Ethereum);
    // A wallet whose holder is not in the file stands alone.
    let wallet = entity(&loaded, "os:NK-sample-wallet-2");
    assert_eq!(wallet.schema, Schema::Unknown);
    assert_eq!(wallet.addresses[0].chain, Chain::Tron);
    assert_eq!(entity(&loaded, "os:NK-sample-airplane-1").schema, Schema::Aircraft);
    assert_eq!(entity(&loaded, "os:NK-sample-vessel-1").schema, Schema::Vessel);
    let petrov = entity(&loaded, "os:NK-sample-person-2");
    assert_eq!(petrov.names[0].text, "Ivan Petrov");
    assert_eq!(petrov.birth_dates, [date(1970, Some(5), None), date(1971, None, None)]);
    assert_eq!(petrov.countries, ["UA"]);
    // The non-target person and the Address entity are counted in one note each.
    assert_eq!(loaded.skipped.len(), 2, "{:#?}", loaded.skipped);
    assert!(loaded.skipped[0].reason.starts_with("1 entity marked \"target\": false"), "{}", loaded.skipped[0]);
    assert!(loaded.skipped[1].reason.contains("schema Address"), "{}", loaded.skipped[1]);
}

#[test]
fn ftm_bad_lines_are_skipped_with_their_line() {
    let mut data = Vec::new();
    data.extend_from_slice(br#"{"id": "a", "schema": "Person", "properties": {"name": ["Good One"]}}"#);
    data.extend_from_slice(b"\nthis is not json\n");
    data.extend_from_slice(
        b"{\"id\": \"b\", \"schema\": \"Person\", \"properties\": {\"name\": [\"Bad \xff UTF-8\"]}}\n",
    );
    data.extend_from_slice(br#"{"id": "c", "schema": "Person", "properties": {"birthDate": ["1960"]}}"#);
    data.extend_from_slice(b"\n");
    data.extend_from_slice(br#"{"id": "d", "schema": "Company", "properties": {"name": ["Good Two"], "birthDate": ["someday"], "country": ["Atlantis"]}}"#);
    let loaded = ftm::parse_ftm_json(&data, "os.json");
    let ids: Vec<&str> = loaded.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["os:a", "os:d"]);
    let notes: Vec<(Option<u64>, Option<&str>)> = loaded.skipped.iter().map(|s| (s.line, s.field.as_deref())).collect();
    assert_eq!(
        notes,
        [
            (Some(2), None),
            (Some(3), None),
            (Some(4), Some("name")),
            (Some(5), Some("birthDate")),
            (Some(5), Some("country"))
        ],
        "{:#?}",
        loaded.skipped
    );
    assert!(loaded.skipped.iter().all(|s| s.file == "os.json"));
}

// ---- an institution's own CSV ----

#[test]
fn own_csv_fixture() {
    let loaded = load(&fixture("watchlist.csv")).expect("loads");
    assert!(loaded.skipped.is_empty(), "{:#?}", loaded.skipped);
    assert_eq!(loaded.entities.len(), 4);
    let doe = entity(&loaded, "csv:watchlist.csv:17");
    assert_eq!(doe.source, "watchlist.csv");
    assert_eq!(doe.schema, Schema::Person);
    assert_eq!(doe.names[0].text, "DOE, John");
    assert_eq!(names(doe, NameKind::Alias), ["Johnny Doe", "J. Doe"]);
    assert_eq!(doe.birth_dates, [date(1960, Some(1), Some(12))]);
    assert_eq!(doe.countries, ["US", "CA"]);
    assert_eq!(doe.programs, ["internal fraud"]);
    assert_eq!(entity(&loaded, "csv:watchlist.csv:18").countries, ["KY"]);
    assert_eq!(entity(&loaded, "csv:watchlist.csv:19").schema, Schema::Vessel);
    assert_eq!(entity(&loaded, "csv:watchlist.csv:20").schema, Schema::Unknown);
}

#[test]
fn own_csv_bad_rows() {
    let data = b"name,id,country\nGood,1,FR\nNo Id,,\n,3,\nBad \xff,4,\nGood Two,5,Atlantis\nShort\nGood Three,1,\n";
    let loaded = csv::parse_csv(data, "mine.csv");
    let ids: Vec<&str> = loaded.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["csv:mine.csv:1", "csv:mine.csv:5"]);
    let notes: Vec<(Option<u64>, Option<&str>)> = loaded.skipped.iter().map(|s| (s.line, s.field.as_deref())).collect();
    assert_eq!(
        notes,
        [
            (Some(3), Some("id")),
            (Some(4), Some("name")),
            (Some(5), Some("name")),
            (Some(5), Some("name")),
            (Some(6), Some("country")),
            (Some(7), Some("id")),
            (Some(8), Some("id")),
        ],
        "{:#?}",
        loaded.skipped
    );
    // No header with id and name: nothing read, one note.
    let loaded = csv::parse_csv(b"a,b\n1,2\n", "x.csv");
    assert!(loaded.entities.is_empty());
    assert_eq!(loaded.skipped.len(), 1);
}

// ---- OFAC CSV bad input ----

#[test]
fn ofac_csv_bad_rows_keep_the_good_ones() {
    let sdn = b"36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\
x7,\"BAD NUMBER\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\
40,\"SHORT ROW\",\"individual\"\r\n\
41,\"BAD \xff UTF-8\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\
42,\"GOOD\",\"individual\",\"SDGT] [IFSR\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 32 Foo 19; nationality Iran\"\r\n\
36,\"REPEATED\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a";
    let alt = b"ent_num,alt_num,alt_type,alt_name,alt_remarks\r\n36,12,aka,AERO-CARIBBEAN,-0- \r\n99,13,aka,ORPHAN,-0- \r\nabc,14,aka,X,-0- \r\n42,15,weak aka,NICK,-0- \r\n\x1a,,,,\r\n";
    let add = b"42,1,\"Street 1\",\"Tehran\",\"Iran\",-0- \r\n42,2,-0- ,-0- ,\"Narnia\",-0- \r\n";
    let loaded = ofac::parse_sdn_csv(sdn, Some(alt), Some(add), "my_sdn.csv");
    let ids: Vec<&str> = loaded.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["ofac:36", "ofac:40", "ofac:42"]);
    let good = entity(&loaded, "ofac:42");
    assert_eq!(good.programs, ["SDGT", "IFSR"]);
    assert_eq!(good.countries, ["IR"]);
    assert_eq!(names(good, NameKind::Weak), ["NICK"]);
    assert_eq!(names(entity(&loaded, "ofac:36"), NameKind::Alias), ["AERO-CARIBBEAN"]);
    let notes: Vec<String> = loaded.skipped.iter().map(ToString::to_string).collect();
    let expected = [
        "my_sdn.csv:2: field ent_num: ent_num \"x7\" is not a number",
        "my_sdn.csv:3: record ent_num 40: field Program: row has 3 of 12 columns; the missing ones are read as empty",
        "my_sdn.csv:4: record ent_num 41: field SDN_Name: name is not valid UTF-8",
        "my_sdn.csv:5: record ent_num 42: field Remarks: cannot read birth date \"DOB 32 Foo 19\"",
        "my_sdn.csv:6: record ent_num 36: ent_num repeats an earlier row",
        "my_alt.csv:3: record ent_num 99 alt_num 13: field ent_num: alias of an ent_num that is not in the sdn file",
        "my_alt.csv:4: field ent_num: ent_num \"abc\" is not a number",
        "my_add.csv:2: record ent_num 42: field country: unknown country \"Narnia\"",
    ];
    assert_eq!(notes, expected);
}

// ---- UN bad input ----

#[test]
fn un_broken_xml_and_bad_utf8_keep_the_good_records() {
    let mut data = Vec::new();
    data.extend_from_slice(
        b"<CONSOLIDATED_LIST><INDIVIDUALS>\n\
<INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>GOOD</FIRST_NAME><SECOND_NAME>ONE</SECOND_NAME><REFERENCE_NUMBER>QDi.1</REFERENCE_NUMBER></INDIVIDUAL>\n\
<INDIVIDUAL><DATAID>2</DATAID><FIRST_NAME>BROKEN</FIRST_NAME><REFERENCE_NUMBER>QDi.2</REFERENCE_NUMBER><NATIONALITY <<<></INDIVIDUAL>\n\
<INDIVIDUAL><DATAID>3</DATAID><FIRST_NAME>GOOD TWO</FIRST_NAME><THIRD_NAME>BAD \xff</THIRD_NAME><REFERENCE_NUMBER>QDi.3</REFERENCE_NUMBER>\
<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1960-13-45</DATE></INDIVIDUAL_DATE_OF_BIRTH></INDIVIDUAL>\n\
<INDIVIDUAL><DATAID>4</DATAID><REFERENCE_NUMBER>QDi.4</REFERENCE_NUMBER></INDIVIDUAL>\n\
</INDIVIDUALS><ENTITIES>\n\
<ENTITY><DATAID>5</DATAID><FIRST_NAME>AN ENTITY</FIRST_NAME><ENTITY_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>ENT</ALIAS_NAME></ENTITY_ALIAS></ENTITY>\n\
</ENTITIES></CONSOLIDATED_LIST>",
    );
    let loaded = un::parse_un_xml(&data, "un.xml");
    let ids: Vec<&str> = loaded.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["un:QDi.1", "un:QDi.3", "un:5"]);
    assert_eq!(loaded.entities[1].names[0].text, "GOOD TWO");
    assert_eq!(names(&loaded.entities[2], NameKind::Weak), ["ENT"]);
    let notes: Vec<(Option<u64>, Option<&str>, Option<&str>)> =
        loaded.skipped.iter().map(|s| (s.line, s.record.as_deref(), s.field.as_deref())).collect();
    assert_eq!(
        notes,
        [
            (Some(3), Some("QDi.2"), None),
            (Some(4), Some("QDi.3"), Some("THIRD_NAME")),
            (Some(4), Some("QDi.3"), Some("INDIVIDUAL_DATE_OF_BIRTH")),
            (Some(5), Some("QDi.4"), Some("FIRST_NAME")),
        ],
        "{:#?}",
        loaded.skipped
    );
    assert!(loaded.skipped.iter().all(|s| s.file == "un.xml"));
}

#[test]
fn un_truncated_file_keeps_what_came_before() {
    let data = fixture("un_consolidated.xml");
    let bytes = std::fs::read(data).expect("readable");
    let cut = &bytes[..bytes.len() / 2];
    let loaded = un::parse_un_xml(cut, "un.xml");
    assert!(loaded.entities.len() > 300, "{}", loaded.entities.len());
    let last = loaded.skipped.last().expect("a note");
    assert!(last.reason.contains("file ends inside a record"), "{last}");
}

// ---- crypto ----

#[test]
fn chains_by_format_then_tag() {
    assert_eq!(crypto::infer_chain("0x175d44451403Edf28469dF03A9280c1197ADb92c", Some("ETC")), Chain::EthereumClassic);
    assert_eq!(crypto::infer_chain("0x175d44451403Edf28469dF03A9280c1197ADb92c", Some("USDT")), Chain::Ethereum);
    assert_eq!(crypto::infer_chain("TX5GV4DyfxNB3rPkzZJhmqZ1efVmL4rEqG", Some("USDT")), Chain::Tron);
    assert_eq!(crypto::infer_chain("whatever", Some("XVG")), Chain::Other("XVG".into()));
    assert_eq!(
        crypto::normalize_address(&Chain::Ethereum, "0x175d44451403Edf28469dF03A9280c1197ADb92c"),
        "0x175d44451403edf28469df03a9280c1197adb92c"
    );
}

// ---- property tests ----

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn no_parser_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = ofac::parse_sdn_csv(&bytes, Some(&bytes), Some(&bytes), "sdn.csv");
        let _ = ofac_xml::parse_sdn_xml(&bytes, "sdn.xml");
        let _ = un::parse_un_xml(&bytes, "un.xml");
        let _ = ftm::parse_ftm_json(&bytes, "os.json");
        let _ = csv::parse_csv(&bytes, "mine.csv");
        let _ = addresses::parse_addresses(&bytes, Some("USDT"), "a.txt");
    }

    #[test]
    fn no_parser_panics_on_arbitrary_text(text in "\\PC{0,400}") {
        let bytes = text.as_bytes();
        let _ = ofac::parse_sdn_csv(bytes, Some(bytes), Some(bytes), "sdn.csv");
        let _ = ofac_xml::parse_sdn_xml(bytes, "sdn.xml");
        let _ = un::parse_un_xml(bytes, "un.xml");
        let _ = ftm::parse_ftm_json(bytes, "os.json");
        let _ = csv::parse_csv(bytes, "mine.csv");
        let _ = addresses::parse_addresses(bytes, None, "a.txt");
        let _ = crypto::infer_chain(&text, Some(&text));
        let _ = crypto::normalize_address(&Chain::Bitcoin, &text);
        let _ = tonle_screen::lists::countries::lookup(&text);
        let _ = tonle_screen::lists::dates::parse_ofac(&text);
    }

    #[test]
    fn no_parser_panics_on_list_shaped_text(
        rows in proptest::collection::vec(("[0-9a-z]{0,4}", "[A-Za-z ,;'\"<>&\\.]{0,30}", "(-0- |individual|vessel|x)", "(DOB |nationality |a\\.k\\.a\\. '|Digital Currency Address - XBT )[A-Za-z0-9 ']{0,20}"), 0..8)
    ) {
        let sdn: String = rows.iter().map(|(n, name, t, r)| format!("{n},\"{name}\",{t},\"SDGT\",,,,,,,,\"{r}\"\n")).collect();
        let _ = ofac::parse_sdn_csv(sdn.as_bytes(), None, None, "sdn.csv");
        let xml: String = rows.iter().map(|(n, name, _, r)| format!("<INDIVIDUAL><DATAID>{n}</DATAID><FIRST_NAME>{name}</FIRST_NAME><INDIVIDUAL_DATE_OF_BIRTH><YEAR>{r}</YEAR></INDIVIDUAL_DATE_OF_BIRTH>")).collect();
        let _ = un::parse_un_xml(xml.as_bytes(), "un.xml");
        let _ = ofac_xml::parse_sdn_xml(xml.replace("INDIVIDUAL", "sdnEntry").as_bytes(), "sdn.xml");
    }

    #[test]
    fn own_csv_round_trips(entries in proptest::collection::vec(own_entity(), 0..12)) {
        // Unique ids, as the format requires.
        let mut entities: Vec<ListEntity> = Vec::new();
        for (i, mut e) in entries.into_iter().enumerate() {
            e.id = format!("csv:gen.csv:{i}");
            entities.push(e);
        }
        let bytes = csv::write_csv(&entities).expect("writes");
        let loaded = csv::parse_csv(&bytes, "gen.csv");
        prop_assert!(loaded.skipped.is_empty(), "{:#?}", loaded.skipped);
        prop_assert_eq!(loaded.entities, entities);
    }
}

/// An entity the own CSV format can hold exactly.
fn own_entity() -> impl Strategy<Value = ListEntity> {
    let text = "[A-Za-z0-9][A-Za-z0-9 ,.'\"-]{0,18}[A-Za-z0-9]";
    let schema = prop_oneof![
        Just(Schema::Person),
        Just(Schema::Organization),
        Just(Schema::Vessel),
        Just(Schema::Aircraft),
        Just(Schema::Unknown),
    ];
    let date =
        (1900i32..2020, proptest::option::of((1u8..=12, proptest::option::of(1u8..=28)))).prop_map(
            |(y, md)| match md {
                Some((m, d)) => PartialDate { year: y, month: Some(m), day: d },
                None => PartialDate { year: y, month: None, day: None },
            },
        );
    let country = prop_oneof![Just("FR"), Just("IR"), Just("KP"), Just("RU"), Just("US"), Just("KH")];
    (
        text,
        schema,
        proptest::collection::vec(text, 0..3),
        proptest::collection::vec(date, 0..3),
        proptest::collection::vec(country, 0..3),
        proptest::collection::vec(text, 0..3),
    )
        .prop_map(|(name, schema, aliases, dates, countries, programs)| {
            let mut names = vec![ListName { text: name, kind: NameKind::Primary }];
            for a in aliases {
                let alias = ListName { text: a, kind: NameKind::Alias };
                if !names.iter().any(|n| n.text == alias.text) {
                    names.push(alias);
                }
            }
            let mut birth_dates = Vec::new();
            for d in dates {
                if !birth_dates.contains(&d) {
                    birth_dates.push(d);
                }
            }
            let mut cs: Vec<String> = Vec::new();
            for c in countries {
                if !cs.iter().any(|x| x == c) {
                    cs.push(c.to_string());
                }
            }
            let mut ps: Vec<String> = Vec::new();
            for p in programs {
                if !ps.contains(&p) {
                    ps.push(p);
                }
            }
            ListEntity {
                id: String::new(),
                source: "gen.csv".into(),
                schema,
                names,
                birth_dates,
                countries: cs,
                programs: ps,
                addresses: Vec::new(),
            }
        })
}

// ---- loading from files ----

#[test]
fn load_finds_the_alias_and_address_files_beside_the_sdn_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sdn = dir.path().join("my_sdn.csv");
    std::fs::write(&sdn, b"7,\"ACME\",-0- ,\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"a.k.a. 'ACME'.\"\r\n")
        .expect("write");
    std::fs::write(dir.path().join("my_alt.csv"), b"7,1,aka,ACME TRADING,-0- \r\n7,2,aka,ACME,-0- \r\n")
        .expect("write");
    std::fs::write(dir.path().join("my_add.csv"), b"7,1,-0- ,\"Pyongyang\",\"Korea, North\",-0- \r\n").expect("write");
    assert_eq!(detect(&sdn).expect("detects"), ListFormat::OfacCsv);
    let loaded = load(&sdn).expect("loads");
    assert!(loaded.skipped.is_empty(), "{:#?}", loaded.skipped);
    let acme = entity(&loaded, "ofac:7");
    // The weak alias in the remarks repeats the primary name: one name, the stronger kind.
    assert_eq!(
        acme.names,
        [
            ListName { text: "ACME".into(), kind: NameKind::Primary },
            ListName { text: "ACME TRADING".into(), kind: NameKind::Alias },
        ]
    );
    assert_eq!(acme.countries, ["KP"]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn load_never_panics_on_arbitrary_files(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        name in prop_oneof![
            Just("sdn.csv"), Just("sdn.xml"), Just("un.xml"), Just("os.json"), Just("mine.csv"), Just("a_ETH.txt"), Just("x.bin")
        ],
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).expect("write");
        match load(&path) {
            Ok(_) | Err(LoadError::UnknownFormat { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}
