//! The matcher on hand-made entities: name parts aligned in any order, initials, missing middle names,
//! joined syllables, misspellings, other scripts, qualifiers, weak aliases, the allow list, crypto
//! addresses, and every hit explained.

use tonle_screen::matcher::PartHow;
use tonle_screen::{
    AllowList, Chain, CryptoAddress, Index, ListEntity, ListName, Matcher, NameKind, PartialDate, Query, Schema,
};

fn entity(id: &str, schema: Schema, names: &[(&str, NameKind)]) -> ListEntity {
    ListEntity {
        id: id.into(),
        source: "test".into(),
        schema,
        names: names.iter().map(|(text, kind)| ListName { text: (*text).into(), kind: *kind }).collect(),
        birth_dates: Vec::new(),
        countries: Vec::new(),
        programs: Vec::new(),
        addresses: Vec::new(),
    }
}

fn matcher() -> Matcher {
    let mut hun = entity("t:hun", Schema::Person, &[("HUN, Sen", NameKind::Primary), ("ហ៊ុន សែន", NameKind::Original)]);
    hun.birth_dates = vec![PartialDate { year: 1952, month: Some(8), day: Some(5) }];
    hun.countries = vec!["KH".into()];
    let mut xi = entity("t:xi", Schema::Person, &[("XI Jinping", NameKind::Primary)]);
    xi.countries = vec!["CN".into()];
    let mut putin = entity("t:putin", Schema::Person, &[("PUTIN, Vladimir Vladimirovich", NameKind::Primary)]);
    putin.birth_dates = vec![PartialDate { year: 1952, month: Some(10), day: Some(7) }];
    putin.names.push(ListName {
        text: "Владимир Владимирович Путин".into(), kind: NameKind::Original
    });
    let bank = entity(
        "t:bnc",
        Schema::Organization,
        &[("BANCO NACIONAL DE CUBA", NameKind::Primary), ("BNC", NameKind::Weak)],
    );
    let mut mule = entity("t:mule", Schema::Organization, &[("HUIONE PAY PLC", NameKind::Primary)]);
    mule.addresses = vec![CryptoAddress { chain: Chain::Tron, address: "TXyZ1234567890abcdefghijkLMNOPQRSt".into() }];
    let mut evm = entity("t:evm", Schema::Organization, &[("LAZARUS GROUP", NameKind::Primary)]);
    evm.addresses =
        vec![CryptoAddress { chain: Chain::Ethereum, address: "0x098B716B8Aaf21512996dC57EB0615e2383E2f96".into() }];
    let others: Vec<ListEntity> = (0..200)
        .map(|i| entity(&format!("t:o{i}"), Schema::Person, &[(&format!("SMITH, John {i}"), NameKind::Primary)]))
        .collect();
    let mut all = vec![hun, xi, putin, bank, mule, evm];
    all.extend(others);
    Matcher::new(Index::new(all))
}

fn query(name: &str) -> Query {
    Query { name: name.into(), ..Query::default() }
}

fn top(matcher: &Matcher, q: &Query) -> Option<(String, f64)> {
    matcher.screen(q).first().map(|hit| (hit.entity_id.clone(), hit.score))
}

#[test]
fn names_match_in_any_order_case_and_punctuation() {
    let m = matcher();
    for name in ["Hun Sen", "SEN HUN", "hun-sen", "Hun, Sen"] {
        let (id, score) = top(&m, &query(name)).unwrap_or_else(|| panic!("{name}: no hit"));
        assert_eq!(id, "t:hun", "{name}");
        assert!(score >= 0.99, "{name}: {score}");
    }
}

#[test]
fn a_missing_middle_name_a_misspelling_and_joined_syllables_still_match() {
    let m = matcher();
    let (id, score) = top(&m, &query("Vladimir Putin")).expect("missing patronymic");
    assert_eq!(id, "t:putin");
    assert!(score >= m.threshold() && score < 1.0, "{score}");
    let (id, _) = top(&m, &query("Vladimir Vladimirovich Puttin")).expect("misspelt");
    assert_eq!(id, "t:putin");
    let hits = m.screen(&query("Xi Jin Ping"));
    assert_eq!(hits[0].entity_id, "t:xi");
    let joined = &hits[0].explanation.parts.iter().find(|p| p.how == PartHow::Joined).expect("a joined part");
    assert_eq!((joined.query.as_str(), joined.listed.as_str()), ("jin ping", "jinping"));
}

#[test]
fn an_initial_counts_for_less_than_the_name() {
    let m = matcher();
    let full = top(&m, &query("Vladimir Vladimirovich Putin")).expect("full").1;
    let hits = m.with_threshold(0.5);
    let initial = top(&hits, &query("V. V. Putin")).expect("initials");
    assert_eq!(initial.0, "t:putin");
    assert!(initial.1 < full, "{} < {full}", initial.1);
}

#[test]
fn unrelated_names_sharing_a_common_part_do_not_match() {
    let m = matcher();
    assert!(m.screen(&query("John Lee")).iter().all(|h| !h.entity_id.starts_with("t:o")), "only 'john' is shared");
    assert!(m.screen(&query("Maria Fernandez")).is_empty());
    assert!(m.screen(&query("")).is_empty());
    assert!(m.screen(&query("  ,, ")).is_empty());
    // A name far longer than any real one is screened on its first 1,000 characters.
    let long = format!("Hun Sen {}", "x".repeat(2_000_000));
    assert_eq!(top(&m, &query(&long)).map(|h| h.0), None, "the long tail is one unknown token");
    let long = format!("{}Hun Sen", " ".repeat(990));
    assert_eq!(top(&m, &query(&long)).map(|h| h.0).as_deref(), Some("t:hun"));
}

#[test]
fn qualifiers_move_the_score_and_say_so() {
    let m = matcher();
    let plain = top(&m, &query("Hun Sen")).expect("hit").1;
    let born = Query { birth_date: Some(PartialDate { year: 1952, month: Some(8), day: Some(5) }), ..query("Hun Sen") };
    let hits = m.screen(&born);
    let qualifier = &hits[0].explanation.qualifiers[0];
    assert_eq!((qualifier.what, qualifier.effect), ("birth_date", 0.03));
    let other = Query { birth_date: Some(PartialDate { year: 1990, month: None, day: None }), ..query("Hun Sen") };
    let hits = m.with_threshold(0.0).screen(&other);
    let lowered = hits.iter().find(|h| h.entity_id == "t:hun").expect("still scored");
    assert!(lowered.score < plain - 0.1, "{} vs {plain}", lowered.score);
    let m = matcher().with_threshold(0.0);
    let company = Query { schema: Some(Schema::Organization), country: Some("TH".into()), ..query("Hun Sen") };
    let hit = m.screen(&company).into_iter().find(|h| h.entity_id == "t:hun").expect("scored");
    let whats: Vec<&str> = hit.explanation.qualifiers.iter().map(|q| q.what).collect();
    assert_eq!(whats, ["country", "schema"]);
    assert!((hit.score - (plain - 0.05 - 0.15)).abs() < 1e-9, "{}", hit.score);
}

#[test]
fn a_weak_alias_counts_for_less_and_the_explanation_names_it() {
    let m = matcher();
    let hits = m.with_threshold(0.0).screen(&query("BNC"));
    let hit = hits.iter().find(|h| h.entity_id == "t:bnc").expect("the weak alias");
    assert_eq!(hit.explanation.name_kind, NameKind::Weak);
    assert_eq!(hit.explanation.listed_name, "BNC");
    assert!(hit.score < 1.0 && hit.explanation.qualifiers[0].what == "weak_alias");
    let m = matcher();
    let hits = m.screen(&query("Banco Nacional de Cuba"));
    assert_eq!(hits[0].explanation.name_kind, NameKind::Primary);
}

#[test]
fn names_in_their_own_script_match_the_romanised_list() {
    let m = matcher();
    assert_eq!(top(&m, &query("Владимир Путин")).map(|h| h.0).as_deref(), Some("t:putin"));
    assert_eq!(top(&m, &query("ហ៊ុន សែន")).map(|h| h.0).as_deref(), Some("t:hun"));
}

#[test]
fn the_explanation_aligns_each_part() {
    let m = matcher();
    let hit = &m.screen(&query("Putin Vladimir Vladimirovich"))[0];
    let parts: Vec<(&str, &str)> =
        hit.explanation.parts.iter().map(|p| (p.query.as_str(), p.listed.as_str())).collect();
    assert_eq!(parts.len(), 3);
    assert!(parts.contains(&("putin", "putin")) && parts.contains(&("vladimir", "vladimir")));
    assert!(hit.explanation.unmatched_query.is_empty() && hit.explanation.unmatched_listed.is_empty());
    let json = serde_json::to_value(hit).expect("serialises");
    assert_eq!(json["explanation"]["parts"][0]["how"], "exact");
}

#[test]
fn an_allowed_pair_is_left_out_and_only_that_pair() {
    let mut allow = AllowList::default();
    allow.allow("sen hun", "t:hun");
    let m = matcher().with_allow_list(allow);
    assert!(m.screen(&query("Hun Sen")).is_empty(), "cleared in any order");
    let mut allow = AllowList::default();
    allow.allow("Sen, HUN", "t:hun");
    assert!(allow.allows("hun sen", "t:hun"));
    assert!(!allow.allows("hun sen", "t:putin"), "another entity for the same name is not cleared");
    assert!(!allow.allows("hun manet", "t:hun"), "another name for the same entity is not cleared");
    assert_eq!(top(&m, &query("Vladimir Putin")).map(|h| h.0).as_deref(), Some("t:putin"));
}

#[test]
fn crypto_addresses_match_exactly_and_hex_ones_in_any_case() {
    let m = matcher();
    let found: Vec<&str> =
        m.screen_address("TXyZ1234567890abcdefghijkLMNOPQRSt").iter().map(|e| e.id.as_str()).collect();
    assert_eq!(found, ["t:mule"]);
    assert!(m.screen_address("txyz1234567890abcdefghijklmnopqrst").is_empty(), "base58 is case-sensitive");
    let found: Vec<&str> =
        m.screen_address(" 0x098b716b8aaf21512996dc57eb0615e2383e2f96 ").iter().map(|e| e.id.as_str()).collect();
    assert_eq!(found, ["t:evm"]);
}
