//! The store on SQLite and on PostgreSQL: keys, the transaction log and its idempotency, alerts, cases,
//! four-eyes freezes, rule sets, and the audit chains' verification against edits, reordering and deletion.

mod support;

use support::stores;
use tonle_store::alerts::NewAlert;
use tonle_store::{
    AlertFilter, CaseStatus, Disposition, FreezeAction, FreezeStatus, LoggedTransaction, Role, RuleSetMode, Store,
    StoreError,
};

fn logged(id: &str, debtor: &str, decision: &str) -> LoggedTransaction {
    LoggedTransaction {
        tx_id: id.into(),
        event_time: 1_767_225_600_000,
        debtor_account: debtor.into(),
        creditor_account: "KH-CREDITOR".into(),
        body: format!(r#"{{"id":"{id}","amount":"10.00","currency":"USD"}}"#),
        decision: decision.into(),
        score: if decision == "allow" { 0.0 } else { 0.7 },
        outcome: format!(r#"{{"transaction_id":"{id}","decision":"{decision}"}}"#),
    }
}

fn alert_for(debtor: &str) -> NewAlert {
    NewAlert {
        account: debtor.into(),
        decision: "review".into(),
        score: 0.7,
        rules: "rapid-pass-through,fan-in".into(),
    }
}

async fn with_tenant(store: &Store) {
    store.create_tenant("bank-a", "Bank A", "cli").await.expect("tenant a");
    store.create_tenant("bank-b", "Bank B", "cli").await.expect("tenant b");
}

/// Logs three transactions for bank-a, the second and third alerted; returns the alert ids.
async fn three_logged(store: &Store) -> Vec<i64> {
    let appended = store
        .append(
            "bank-a",
            1000,
            &[
                (logged("t1", "ACC1", "allow"), None),
                (logged("t2", "ACC2", "review"), Some(alert_for("ACC2"))),
                (logged("t3", "ACC3", "review"), Some(alert_for("ACC3"))),
            ],
        )
        .await
        .expect("append");
    assert_eq!(appended.iter().map(|a| a.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    appended.iter().filter_map(|a| a.alert).collect()
}

#[tokio::test]
async fn keys_authenticate_their_tenant_and_role_until_revoked() {
    for t in stores().await {
        let store = &t.store;
        with_tenant(store).await;
        let key = store.create_key("bank-a", "alice", Role::Analyst, "cli").await.expect("key");
        assert!(key.starts_with("tonle_") && key.len() == 70, "{}", t.name);
        let who = store.authenticate(&key).await.expect("lookup").expect("known key");
        assert_eq!((who.tenant.as_str(), who.user.as_str(), who.role), ("bank-a", "alice", Role::Analyst));
        assert_eq!(store.authenticate("tonle_00").await.expect("lookup"), None);
        assert!(matches!(store.create_key("nobody", "x", Role::Admin, "cli").await, Err(StoreError::NotFound(_))));
        // Only the hash is stored.
        let (stored,): (String,) =
            sqlx::query_as("SELECT key_hash FROM api_keys").fetch_one(store.pool()).await.expect("row");
        assert_ne!(stored, key);
        assert_eq!(store.revoke_keys("bank-a", &key[..12], "cli").await.expect("revoke"), 1);
        assert_eq!(store.authenticate(&key).await.expect("lookup"), None, "{}", t.name);
        assert!(store.keys("bank-a").await.expect("list")[0].revoked_at.is_some());
        // A prefix of many-byte characters is refused, not cut inside a character.
        assert!(matches!(store.revoke_keys("bank-a", "ទន្លេទន្លេ", "cli").await, Err(StoreError::Conflict(_))));
    }
}

#[tokio::test]
async fn the_log_keeps_order_refuses_a_second_id_and_raises_alerts() {
    for t in stores().await {
        let store = &t.store;
        with_tenant(store).await;
        let alerts = three_logged(store).await;
        assert_eq!(alerts, vec![1, 2]);
        let again = store
            .append("bank-a", 2000, &[(logged("t4", "ACC4", "allow"), None), (logged("t2", "ACC2", "allow"), None)])
            .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{}: {again:?}", t.name);
        // Nothing of the refused batch was written.
        assert_eq!(store.logged("bank-a").await.expect("count"), 3);
        assert!(store.transaction("bank-a", "t4").await.expect("lookup").is_none());
        // The same id in another tenant is another transaction.
        store.append("bank-b", 2000, &[(logged("t2", "B1", "allow"), None)]).await.expect("other tenant");
        let page = store.log_page("bank-a", 1, 10).await.expect("page");
        assert_eq!(page.iter().map(|s| s.logged.tx_id.as_str()).collect::<Vec<_>>(), vec!["t2", "t3"]);
        let t2 = store.transaction("bank-a", "t2").await.expect("lookup").expect("logged");
        assert_eq!(t2.logged, logged("t2", "ACC2", "review"));
        assert_eq!(store.alert_for("bank-a", 2).await.expect("alert"), Some(1));
        assert_eq!(store.alert_for("bank-a", 1).await.expect("alert"), None);
        let at = store.transactions_at("bank-a", &[3, 1, 99]).await.expect("by seq");
        assert_eq!(at.iter().map(|s| s.logged.tx_id.as_str()).collect::<Vec<_>>(), vec!["t3", "t1"]);
        let open = store
            .alerts("bank-a", &AlertFilter { status: Some("open".into()), ..Default::default() })
            .await
            .expect("alerts");
        assert_eq!(open.len(), 2);
        assert_eq!(open[0].transaction_id, "t2");
        assert_eq!(open[0].rules, vec!["rapid-pass-through", "fan-in"]);
        assert!(store.alerts("bank-b", &AlertFilter::default()).await.expect("alerts").is_empty(), "tenants apart");
        // After a refused batch the log goes on where it was, numbering, alerts and chain intact: a write
        // from the head read back, one refused from the head the store remembers, one from that head again.
        let t4 = store.append("bank-a", 3000, &[(logged("t4", "ACC4", "allow"), None)]).await.expect("t4");
        assert_eq!(t4[0].seq, 4, "{}", t.name);
        let refused = store
            .append(
                "bank-a",
                3000,
                &[(logged("t5", "ACC5", "review"), Some(alert_for("ACC5"))), (logged("t1", "X", "allow"), None)],
            )
            .await;
        assert!(matches!(refused, Err(StoreError::Conflict(_))), "{}: {refused:?}", t.name);
        let t5 = store
            .append("bank-a", 3000, &[(logged("t5", "ACC5", "review"), Some(alert_for("ACC5")))])
            .await
            .expect("t5");
        assert_eq!((t5[0].seq, t5[0].alert), (5, Some(3)), "{}", t.name);
        let t6 = store.append("bank-a", 3000, &[(logged("t6", "ACC6", "allow"), None)]).await.expect("t6");
        assert_eq!(t6[0].seq, 6, "{}", t.name);
        assert!(store.verify(Some("bank-a")).await.expect("verify").intact(), "{}", t.name);
        // Another unique key refusing the batch (an alert number taken behind the store's back) is the
        // database's error, not a repeated transaction.
        let stray =
            "INSERT INTO alerts (tenant, id, tx_seq, tx_id, account, created_at, decision, score, rules, status) \
                     VALUES ('bank-a', 4, 1, 't1', 'X', 0, 'review', 0.5, '[]', 'open')";
        sqlx::query(stray).execute(store.pool()).await.expect("a stray alert");
        let taken = store.append("bank-a", 3000, &[(logged("t7", "ACC7", "review"), Some(alert_for("ACC7")))]).await;
        assert!(matches!(taken, Err(StoreError::Database(_))), "{}: {taken:?}", t.name);
        assert!(store.transaction("bank-a", "t7").await.expect("lookup").is_none(), "{}: nothing written", t.name);
    }
}

#[tokio::test]
async fn alerts_are_assigned_and_closed_once() {
    for t in stores().await {
        let store = &t.store;
        with_tenant(store).await;
        let alerts = three_logged(store).await;
        let assigned = store.assign_alert("bank-a", alerts[0], "bob", "alice").await.expect("assign");
        assert_eq!(assigned.assignee.as_deref(), Some("bob"));
        let mine = store
            .alerts("bank-a", &AlertFilter { assignee: Some("bob".into()), ..Default::default() })
            .await
            .expect("filter");
        assert_eq!(mine.len(), 1);
        let closed =
            store.close_alert("bank-a", alerts[0], Disposition::FalsePositive, "salary", "bob").await.expect("close");
        assert_eq!((closed.status.as_str(), closed.disposition.as_deref()), ("closed", Some("false-positive")));
        assert!(matches!(
            store.close_alert("bank-a", alerts[0], Disposition::Benign, "", "bob").await,
            Err(StoreError::Conflict(_))
        ));
        assert!(
            matches!(store.assign_alert("bank-b", alerts[1], "eve", "eve").await, Err(StoreError::NotFound(_))),
            "{}",
            t.name
        );
        assert!("maybe".parse::<Disposition>().is_err());
    }
}

#[tokio::test]
async fn cases_group_alerts_take_notes_and_follow_their_workflow() {
    for t in stores().await {
        let store = &t.store;
        with_tenant(store).await;
        let alerts = three_logged(store).await;
        let case = store.create_case("bank-a", "Mule ring around ACC2", &alerts[..1], "alice").await.expect("case");
        assert_eq!((case.id, case.status, case.alerts.len()), (1, CaseStatus::Open, 1));
        let case = store.add_case_alerts("bank-a", case.id, &alerts[1..], "alice").await.expect("add");
        assert_eq!(case.alerts.len(), 2);
        let other = store.create_case("bank-a", "Other", &alerts[..1], "alice").await;
        assert!(matches!(other, Err(StoreError::Conflict(_))), "{}: an alert is in one case", t.name);
        store.add_case_entry("bank-a", case.id, "note", "Called the branch.", "alice").await.expect("note");
        store.add_case_entry("bank-a", case.id, "evidence", "KYC file sha256:ab12", "alice").await.expect("evidence");
        assert!(store.add_case_entry("bank-a", case.id, "gossip", "x", "alice").await.is_err());
        let reported = store.update_case("bank-a", case.id, Some(CaseStatus::Reported), None, "alice").await;
        assert!(matches!(reported, Err(StoreError::Conflict(_))), "open cannot jump to reported");
        store
            .update_case("bank-a", case.id, Some(CaseStatus::Investigating), Some("bob"), "alice")
            .await
            .expect("move");
        let case = store.update_case("bank-a", case.id, Some(CaseStatus::Reported), None, "bob").await.expect("report");
        assert_eq!((case.status, case.assignee.as_deref(), case.entries.len()), (CaseStatus::Reported, Some("bob"), 2));
        assert_eq!(case.entries[1].kind, "evidence");
        assert_eq!(store.cases("bank-a", Some(CaseStatus::Reported), 10).await.expect("list").len(), 1);
        assert!(store.cases("bank-b", None, 10).await.expect("list").is_empty());
    }
}

#[tokio::test]
async fn a_freeze_needs_a_second_person_and_an_unfreeze_too() {
    for t in stores().await {
        let store = &t.store;
        with_tenant(store).await;
        let request = store
            .request_freeze("bank-a", "ACC2", FreezeAction::Freeze, "court order 12/2026", "alice")
            .await
            .expect("request");
        assert_eq!(request.status, FreezeStatus::Pending);
        assert!(store.frozen_accounts("bank-a").await.expect("frozen").is_empty(), "not before approval");
        let own = store.decide_freeze("bank-a", request.id, true, "alice").await;
        assert!(matches!(own, Err(StoreError::Conflict(ref m)) if m.contains("four-eyes")), "{}: {own:?}", t.name);
        let again = store.request_freeze("bank-a", "ACC2", FreezeAction::Freeze, "again", "carol").await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "one pending request per account");
        let approved = store.decide_freeze("bank-a", request.id, true, "sam").await.expect("approve");
        assert_eq!((approved.status, approved.decided_by.as_deref()), (FreezeStatus::Approved, Some("sam")));
        assert_eq!(store.frozen_accounts("bank-a").await.expect("frozen"), vec![("ACC2".to_owned(), request.id)]);
        assert!(store.frozen_accounts("bank-b").await.expect("frozen").is_empty());
        assert!(store.decide_freeze("bank-a", request.id, false, "sam").await.is_err(), "decided once");
        let lift = store
            .request_freeze("bank-a", "ACC2", FreezeAction::Unfreeze, "order lifted", "alice")
            .await
            .expect("unfreeze");
        let rejected = store.decide_freeze("bank-a", lift.id, false, "sam").await.expect("reject");
        assert_eq!(rejected.status, FreezeStatus::Rejected);
        assert_eq!(
            store.frozen_accounts("bank-a").await.expect("frozen").len(),
            1,
            "a rejected unfreeze lifts nothing"
        );
        let lift = store
            .request_freeze("bank-a", "ACC2", FreezeAction::Unfreeze, "order lifted", "alice")
            .await
            .expect("unfreeze");
        store.decide_freeze("bank-a", lift.id, true, "sam").await.expect("approve");
        assert!(store.frozen_accounts("bank-a").await.expect("frozen").is_empty());
        assert!(
            store.request_freeze("bank-a", "ACC2", FreezeAction::Unfreeze, "x", "alice").await.is_err(),
            "not frozen"
        );
        assert_eq!(store.freezes("bank-a", None).await.expect("list").len(), 3);
    }
}

#[tokio::test]
async fn one_ruleset_is_live_at_a_time() {
    for t in stores().await {
        let store = &t.store;
        with_tenant(store).await;
        store.add_ruleset("bank-a", "v1", "rules one", "root").await.expect("v1");
        store.add_ruleset("bank-a", "v2", "rules two", "root").await.expect("v2");
        assert!(store.add_ruleset("bank-a", "v1", "other rules", "root").await.is_err(), "a version is one text");
        store.set_ruleset_mode("bank-a", "v1", RuleSetMode::Live, "root").await.expect("live");
        store.set_ruleset_mode("bank-a", "v2", RuleSetMode::Live, "root").await.expect("live");
        let live = store.ruleset_in("bank-a", RuleSetMode::Live).await.expect("live").expect("one");
        assert_eq!((live.version.as_str(), live.body.as_str()), ("v2", "rules two"), "{}", t.name);
        let all = store.rulesets("bank-a").await.expect("list");
        assert_eq!(all.iter().filter(|r| r.mode == RuleSetMode::Live).count(), 1);
        assert!(store.ruleset_in("bank-b", RuleSetMode::Live).await.expect("none").is_none());
    }
}

#[tokio::test]
async fn verification_finds_edited_reordered_and_deleted_entries() {
    for t in stores().await {
        let store = &t.store;
        with_tenant(store).await;
        let alerts = three_logged(store).await;
        store.assign_alert("bank-a", alerts[0], "bob", "alice").await.expect("assign");
        store.close_alert("bank-a", alerts[1], Disposition::Benign, "ok", "bob").await.expect("close");
        let report = store.verify(None).await.expect("verify");
        assert!(report.intact(), "{}: {:?}", t.name, report.problems);
        // bank-a: tenant, assign, close = 3 audit entries and 3 transactions; bank-b: 1 audit entry.
        assert_eq!(report.entries, 7);
        let entries = store.audit_entries("bank-a", 0, 10).await.expect("entries");
        assert_eq!(
            entries.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            vec!["tenant.create", "alert.assign", "alert.close"]
        );

        let pool = store.pool();
        let broken = |sql: &'static str| async move {
            sqlx::query(sql).execute(pool).await.expect("tamper");
            store.verify(Some("bank-a")).await.expect("verify")
        };
        // Edited: an audit entry's actor.
        let report = broken("UPDATE audit SET actor = 'mallory' WHERE tenant = 'bank-a' AND seq = 2").await;
        assert!(
            report.problems.iter().any(|p| p.chain == "audit" && p.seq == 2 && p.problem.contains("edited")),
            "{}: {report:?}",
            t.name
        );
        sqlx::query("UPDATE audit SET actor = 'alice' WHERE tenant = 'bank-a' AND seq = 2")
            .execute(pool)
            .await
            .expect("undo");
        assert!(store.verify(None).await.expect("verify").intact());
        // Edited: a logged decision.
        let report = broken("UPDATE transactions SET decision = 'allow' WHERE tenant = 'bank-a' AND seq = 2").await;
        assert!(report.problems.iter().any(|p| p.chain == "transactions" && p.seq == 2), "{report:?}");
        sqlx::query("UPDATE transactions SET decision = 'review' WHERE tenant = 'bank-a' AND seq = 2")
            .execute(pool)
            .await
            .expect("undo");
        // Reordered: two audit entries swap places.
        sqlx::query("UPDATE audit SET seq = 100 WHERE tenant = 'bank-a' AND seq = 2")
            .execute(pool)
            .await
            .expect("swap");
        sqlx::query("UPDATE audit SET seq = 2 WHERE tenant = 'bank-a' AND seq = 3").execute(pool).await.expect("swap");
        let report = broken("UPDATE audit SET seq = 3 WHERE tenant = 'bank-a' AND seq = 100").await;
        assert!(report.problems.iter().any(|p| p.chain == "audit" && p.seq == 2), "{}: reordered {report:?}", t.name);
        // Deleted from the middle (after the swap the chain is broken anyway; start from a fresh tenant).
        store.create_tenant("bank-c", "Bank C", "cli").await.expect("tenant c");
        for (i, actor) in ["u1", "u2", "u3"].iter().enumerate() {
            store
                .audit("bank-c", actor, "test.step", &format!("step/{i}"), &serde_json::json!({}))
                .await
                .expect("entry");
        }
        assert!(store.verify(Some("bank-c")).await.expect("verify").intact());
        sqlx::query("DELETE FROM audit WHERE tenant = 'bank-c' AND seq = 2").execute(pool).await.expect("delete");
        let report = store.verify(Some("bank-c")).await.expect("verify");
        assert!(report.problems.iter().any(|p| p.seq == 3 && p.problem.contains("missing")), "{}: {report:?}", t.name);
        // Deleted from the end: the head says more.
        store
            .append("bank-b", 5, &[(logged("b1", "B1", "allow"), None), (logged("b2", "B2", "allow"), None)])
            .await
            .expect("log");
        assert!(store.verify(Some("bank-b")).await.expect("verify").intact());
        sqlx::query("DELETE FROM transactions WHERE tenant = 'bank-b' AND seq = 2")
            .execute(pool)
            .await
            .expect("delete");
        let report = store.verify(Some("bank-b")).await.expect("verify");
        assert!(
            report.problems.iter().any(|p| p.chain == "transactions" && p.problem.contains("cut off")),
            "{}: {report:?}",
            t.name
        );
    }
}

#[tokio::test]
async fn a_snapshot_is_replaced_whole_and_an_altered_one_is_refused() {
    for t in stores().await {
        let store = &t.store;
        with_tenant(store).await;
        assert!(store.snapshot("bank-a").await.expect("none yet").is_none(), "{}", t.name);
        store.save_snapshot("bank-a", 3, "rules v1", b"small").await.expect("save");
        // Over 16 MiB: stored in two parts.
        let large: Vec<u8> = (0..(17u32 << 20)).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        store.save_snapshot("bank-a", 40, "rules v2", &large).await.expect("save large");
        store.save_snapshot("bank-b", 7, "rules v1", b"").await.expect("save empty");
        let got = store.snapshot("bank-a").await.expect("read").expect("one");
        assert_eq!((got.through_seq, got.fingerprint.as_str()), (40, "rules v2"), "{}", t.name);
        assert!(got.bytes == large, "{}: the large snapshot comes back byte for byte", t.name);
        let empty = store.snapshot("bank-b").await.expect("read").expect("one");
        assert_eq!((empty.through_seq, empty.bytes.len()), (7, 0), "{}", t.name);

        match store.snapshot_dir() {
            // SQLite: a file per tenant, beside the database.
            Some(dir) => {
                let file = std::fs::read_dir(dir)
                    .expect("the snapshot directory")
                    .map(|entry| entry.expect("entry").path())
                    .find(|path| path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&hex("bank-a"))))
                    .expect("bank-a's file");
                let mut bytes = std::fs::read(&file).expect("read");
                let last = bytes.len() - 1;
                bytes[last] ^= 1;
                std::fs::write(&file, &bytes).expect("edit");
                let error = store.snapshot("bank-a").await.unwrap_err();
                assert!(matches!(&error, StoreError::Corrupt(m) if m.contains("digest")), "{}: {error}", t.name);
                std::fs::write(&file, &bytes[..bytes.len() / 2]).expect("cut");
                let error = store.snapshot("bank-a").await.unwrap_err();
                assert!(matches!(&error, StoreError::Corrupt(m) if m.contains("where its header says")), "{error}");
                std::fs::write(&file, &bytes[..20]).expect("cut");
                let error = store.snapshot("bank-a").await.unwrap_err();
                assert!(matches!(&error, StoreError::Corrupt(m) if m.contains("cut short")), "{error}");
            }
            // PostgreSQL: rows.
            None => {
                let pool = store.pool();
                sqlx::query("UPDATE snapshots SET bytes = $1 WHERE tenant = 'bank-a' AND part = 1")
                    .bind(&b"edited"[..])
                    .execute(pool)
                    .await
                    .expect("edit");
                let error = store.snapshot("bank-a").await.unwrap_err();
                assert!(matches!(&error, StoreError::Corrupt(m) if m.contains("digest")), "{}: {error}", t.name);
                let delete = "DELETE FROM snapshots WHERE tenant = 'bank-a' AND part = 0";
                sqlx::query(delete).execute(pool).await.expect("delete");
                let error = store.snapshot("bank-a").await.unwrap_err();
                assert!(matches!(&error, StoreError::Corrupt(m) if m.contains("part 0 is missing")), "{error}");
            }
        }
        // Saving again replaces whatever was left.
        store.save_snapshot("bank-a", 41, "rules v2", b"again").await.expect("save again");
        assert_eq!(store.snapshot("bank-a").await.expect("read").expect("one").bytes, b"again", "{}", t.name);
    }
}

/// A tenant id as snapshot files name it.
fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn an_sqlite_store_commits_to_disk_unless_its_url_says_sync_normal() {
    for (query, expected, sync) in [("", 2, tonle_store::Sync::Full), ("?sync=normal", 1, tonle_store::Sync::Normal)] {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}{query}", dir.path().join("tonle.db").display());
        let store = Store::open(&url).await.expect("open");
        assert_eq!(store.sync(), sync);
        // PRAGMA synchronous: 1 is NORMAL, 2 is FULL; every pooled connection has it, as has the log's own.
        let (level,): (i64,) = sqlx::query_as("PRAGMA synchronous").fetch_one(store.pool()).await.expect("pragma");
        assert_eq!(level, expected, "{url}");
        store.create_tenant("bank-a", "Bank A", "cli").await.expect("tenant");
        for (i, id) in ["t1", "t2"].into_iter().enumerate() {
            let appended = store.append("bank-a", 1, &[(logged(id, "ACC1", "allow"), None)]).await.expect("append");
            assert_eq!(appended[0].seq, i as i64 + 1);
        }
        assert_eq!(store.logged("bank-a").await.expect("count"), 2);
    }
}
