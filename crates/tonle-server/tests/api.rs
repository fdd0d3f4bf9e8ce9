//! The API end to end over real HTTP, on SQLite and on PostgreSQL: every route, roles, the four-eyes rule,
//! tenant isolation, idempotency and audit verification. (Crash recovery, which needs a process to kill, is
//! tested on the `tonle serve` binary in the `tonle` crate.)

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::{json, Value};
use tonle_core::{Currency, FxTable};
use tonle_server::{EngineSetup, Running};
use tonle_store::{Role, Store};

/// The rules the tests decide with: a payment of 10,000 or more is reviewed, 50,000 or more held.
const RULES: &str = r#"name = "api-test"

[[rule]]
id = "large"
description = "A large payment"
score = 0.6
action = "review"
expression = 'amount >= 10000.0'

[[rule]]
id = "very-large"
description = "A very large payment"
score = 0.9
action = "hold"
expression = 'amount >= 50000.0'
"#;

/// A server under test, its keys, and what keeps it alive.
struct Server {
    address: SocketAddr,
    runtime: tokio::runtime::Runtime,
    running: Option<Running>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    keys: std::collections::HashMap<&'static str, String>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    fn start(url: Option<String>) -> Server {
        Server::start_with(url, None)
    }

    /// A server screening parties against lists loaded from `lists`.
    fn start_screening(url: Option<String>, lists: tonle_screen::ListSources) -> Server {
        let (matcher, reports) = lists.load().expect("the lists load");
        let watchlists = Arc::new(tonle_screen::Watchlists::new(matcher));
        let policy = tonle_detect::screening::ScreenPolicy::default();
        Server::start_with(url, Some(tonle_server::ScreeningSetup::new(watchlists, lists, policy, reports)))
    }

    fn start_with(url: Option<String>, screening: Option<tonle_server::ScreeningSetup>) -> Server {
        Server::start_tuned(url, screening, |_| {})
    }

    /// A server with its setup changed by `tune` first.
    fn start_tuned(
        url: Option<String>,
        screening: Option<tonle_server::ScreeningSetup>,
        tune: impl FnOnce(&mut EngineSetup),
    ) -> Server {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = url.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("tonle.db").display()));
        let mut keys = std::collections::HashMap::new();
        runtime.block_on(async {
            let store = Store::open(&url).await.expect("store");
            for (tenant, name) in [("bank-a", "Bank A"), ("bank-b", "Bank B")] {
                store.create_tenant(tenant, name, "test").await.expect("tenant");
            }
            for (who, tenant, user, role) in [
                ("ingest", "bank-a", "switch", Role::Ingest),
                ("analyst", "bank-a", "alice", Role::Analyst),
                ("supervisor", "bank-a", "sam", Role::Supervisor),
                ("supervisor2", "bank-a", "sue", Role::Supervisor),
                ("admin", "bank-a", "root", Role::Admin),
                ("auditor", "bank-a", "audrey", Role::Auditor),
                ("ingest-b", "bank-b", "switch-b", Role::Ingest),
                ("analyst-b", "bank-b", "bob", Role::Analyst),
            ] {
                keys.insert(who, store.create_key(tenant, user, role, "test").await.expect("key"));
            }
            store.close().await;
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let mut setup = EngineSetup {
            rules: (RULES.to_owned(), "api-test rules".to_owned()),
            fx: FxTable::new(Currency::USD),
            windows: Default::default(),
            model: None,
            snapshot_every: tonle_server::SNAPSHOT_EVERY,
            commit_interval: tonle_server::COMMIT_INTERVAL,
            max_ahead: tonle_server::MAX_AHEAD,
            screening,
            recent_answers: tonle_server::RECENT_ANSWERS,
        };
        tune(&mut setup);
        let running = runtime
            .block_on(tonle_server::start(&url, setup, "127.0.0.1:0".parse().expect("address"), async {
                let _ = stopped.await;
            }))
            .expect("server starts");
        Server { address: running.address, runtime, running: Some(running), stop: Some(stop), keys, _dir: Some(dir) }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder().http_status_as_error(false).build().into()
    }

    /// A request as `who` (a key name, or "" for none); the status and the JSON body (or the text as a string).
    fn call(&self, who: &str, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let agent = Server::agent();
        let url = self.url(path);
        let key = self.keys.get(who).cloned().unwrap_or_else(|| who.to_owned());
        let auth = format!("Bearer {key}");
        let response = match (method, body) {
            ("GET", _) => agent.get(&url).header("authorization", &auth).call(),
            ("DELETE", _) => agent.delete(&url).header("authorization", &auth).call(),
            (method, body) => {
                let request = match method {
                    "POST" => agent.post(&url),
                    "PUT" => agent.put(&url),
                    "PATCH" => agent.patch(&url),
                    other => panic!("method {other}"),
                };
                let request = request.header("authorization", &auth).header("content-type", "application/json");
                request.send(body.unwrap_or("").as_bytes())
            }
        };
        let mut response = response.expect("the server answers");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().expect("a text body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    fn get(&self, who: &str, path: &str) -> (u16, Value) {
        self.call(who, "GET", path, None)
    }

    fn post(&self, who: &str, path: &str, body: &Value) -> (u16, Value) {
        self.call(who, "POST", path, Some(&body.to_string()))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(running) = self.running.take() {
            let _ = self.runtime.block_on(running.task);
        }
    }
}

/// A server on SQLite, and one on PostgreSQL when the test server is configured.
fn servers() -> Vec<(&'static str, Server)> {
    let mut all = vec![("sqlite", Server::start(None))];
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    if let Some(url) = runtime.block_on(tonle_store::testing::postgres_database()) {
        all.push(("postgres", Server::start(Some(url))));
    }
    all
}

fn tx(id: &str, debtor: &str, amount: &str) -> Value {
    json!({
        "id": id, "time": "2026-03-01T08:00:00Z", "amount": amount, "currency": "USD", "channel": "bank-transfer",
        "debtor_account": debtor, "creditor_account": "KH-SHOP-1"
    })
}

#[test]
fn transactions_are_decided_once_with_reasons_and_bad_ones_are_named() {
    for (name, server) in servers() {
        let (status, small) = server.post("ingest", "/v1/transactions", &tx("T1", "ACC1", "25.00"));
        assert_eq!(status, 200, "{name}: {small}");
        assert_eq!(
            (small["decision"].as_str(), small["seq"].as_i64(), small["duplicate"].as_bool()),
            (Some("allow"), Some(1), Some(false))
        );
        assert!(small["ruleset_version"].as_str().is_some_and(|v| v.starts_with("api-test@")));
        let (status, large) = server.post("ingest", "/v1/transactions", &tx("T2", "ACC2", "12000.00"));
        assert_eq!(status, 200);
        assert_eq!(large["decision"], "review");
        assert_eq!(large["reasons"][0]["rule"], "large");
        assert_eq!(large["alert_id"], 1);
        // The same id again: the logged decision, not a second one.
        let (status, again) = server.post("ingest", "/v1/transactions", &tx("T2", "ACC2", "99.00"));
        assert_eq!(status, 200);
        assert_eq!(again["alert_id"], 1, "the alert it raised");
        assert_eq!(
            (again["decision"].as_str(), again["seq"].as_i64(), again["duplicate"].as_bool()),
            (Some("review"), Some(2), Some(true))
        );
        // A batch: good, bad (named field), a repeat within the batch, a repeat of the log.
        let mut bad = tx("T4", "ACC4", "10.00");
        bad["amount"] = json!("ten");
        let batch = json!([tx("T3", "ACC3", "60000.00"), bad, tx("T3", "ACC3", "1.00"), tx("T1", "ACC1", "1.00")]);
        let (status, answer) = server.post("ingest", "/v1/transactions", &batch);
        assert_eq!(status, 200, "{answer}");
        let decisions = answer["decisions"].as_array().expect("decisions");
        assert_eq!(decisions.len(), 4);
        assert_eq!((decisions[0]["decision"].as_str(), decisions[0]["seq"].as_i64()), (Some("hold"), Some(3)));
        assert_eq!(
            (decisions[1]["index"].as_i64(), decisions[1]["error"]["field"].as_str()),
            (Some(1), Some("amount"))
        );
        assert_eq!((decisions[2]["seq"].as_i64(), decisions[2]["duplicate"].as_bool()), (Some(3), Some(true)));
        assert_eq!((decisions[3]["seq"].as_i64(), decisions[3]["duplicate"].as_bool()), (Some(1), Some(true)));
        // Malformed requests: JSON errors, nothing logged.
        let (status, error) = server.call("ingest", "POST", "/v1/transactions", Some("{\"id\": "));
        assert_eq!(status, 400, "{error}");
        assert!(error["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        let mut unknown = tx("T5", "ACC5", "1.00");
        unknown["colour"] = json!("red");
        let (status, error) = server.post("ingest", "/v1/transactions", &unknown);
        assert_eq!((status, error["error"]["status"].as_i64()), (422, Some(422)), "{error}");
        let mut missing = tx("T6", "ACC6", "1.00");
        missing.as_object_mut().expect("object").remove("debtor_account");
        let (status, error) = server.post("ingest", "/v1/transactions", &missing);
        assert_eq!((status, error["error"]["field"].as_str()), (422, Some("debtor_account")));
        assert_eq!(server.call("ingest", "POST", "/v1/transactions", Some("[]")).0, 422);
        assert_eq!(server.call("ingest", "POST", "/v1/transactions", Some("42")).0, 400);
        let too_many = Value::Array((0..10_001).map(|i| tx(&format!("B{i}"), "ACC9", "1.00")).collect());
        let (status, error) = server.post("ingest", "/v1/transactions", &too_many);
        assert_eq!((status, error["error"]["field"].as_str()), (422, Some("(body)")), "{error}");
        let (status, error) =
            server.call("ingest", "POST", "/v1/transactions", Some("{\"id\": \"T9\", \"amount\": \"1"));
        assert_eq!(status, 400, "truncated: {error}");
        // A time far ahead of the server's clock (a wrong year) is refused: the windows would move there and
        // every later transaction would be too late. A batch keeps its other items.
        let mut ahead = tx("T8", "ACC8", "1.00");
        ahead["time"] = json!("2099-03-01T08:00:00Z");
        let (status, error) = server.post("ingest", "/v1/transactions", &ahead);
        assert_eq!((status, error["error"]["field"].as_str()), (422, Some("time")), "{name}: {error}");
        let message = error["error"]["message"].as_str().expect("a message");
        assert!(message.contains("ahead of this server's clock") && message.contains("at most 5m"), "{message}");
        let (status, answer) = server.post("ingest", "/v1/transactions", &json!([ahead, tx("T3", "ACC3", "1.00")]));
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["decisions"][0]["error"]["field"], "time", "{answer}");
        assert_eq!(answer["decisions"][1]["duplicate"], true, "{answer}");
        // The log holds three transactions.
        let (status, logged) = server.get("analyst", "/v1/transactions/T3");
        assert_eq!(
            (status, logged["seq"].as_i64(), logged["transaction"]["amount"].as_str()),
            (200, Some(3), Some("60000.00"))
        );
        assert_eq!(server.get("analyst", "/v1/transactions/T5").0, 404);
        // Keys: none, unknown, the wrong role.
        assert_eq!(server.post("", "/v1/transactions", &tx("T7", "A", "1.00")).0, 401);
        assert_eq!(server.post("tonle_bogus", "/v1/transactions", &tx("T7", "A", "1.00")).0, 401);
        assert_eq!(server.post("analyst", "/v1/transactions", &tx("T7", "A", "1.00")).0, 403);
        assert_eq!(server.get("ingest", "/v1/alerts").0, 403);
        // The account's profile.
        let (status, account) = server.get("analyst", "/v1/accounts/ACC3");
        assert_eq!(status, 200, "{account}");
        assert_eq!(
            (account["activity"]["paid"].as_i64(), account["open_alerts"].as_array().map(Vec::len)),
            (Some(1), Some(1))
        );
        assert_eq!(account["recent"][0]["decision"]["decision"], "hold");
        // These rules read no account windows, so the engine keeps none to show.
        assert!(account["features"].is_null(), "{account}");
        assert_eq!(server.get("analyst", "/v1/accounts/NOBODY").0, 404);
    }
}

#[test]
fn analysts_work_alerts_and_cases() {
    for (name, server) in servers() {
        for (i, amount) in ["15000.00", "20000.00", "30000.00"].iter().enumerate() {
            server.post("ingest", "/v1/transactions", &tx(&format!("T{i}"), &format!("ACC{i}"), amount));
        }
        let (status, list) = server.get("analyst", "/v1/alerts?status=open");
        assert_eq!(status, 200, "{name}: {list}");
        assert_eq!(list["alerts"].as_array().map(Vec::len), Some(3));
        assert_eq!(server.get("analyst", "/v1/alerts?status=maybe").0, 422);
        // An empty value is no filter.
        assert_eq!(server.get("analyst", "/v1/alerts?status=&decision=").1["alerts"].as_array().map(Vec::len), Some(3));
        assert_eq!(server.get("analyst", "/v1/alerts?limit=99999999999999999999").0, 400);
        assert_eq!(server.get("analyst", "/v1/alerts?limit=0").1["error"]["field"], "limit");
        assert_eq!(server.get("analyst", "/v1/alerts?colour=red").0, 400);
        let (status, one) = server.get("analyst", "/v1/alerts/1");
        assert_eq!((status, one["decision"]["decision"].as_str()), (200, Some("review")));
        assert_eq!(server.get("analyst", "/v1/alerts/abc").0, 422);
        assert_eq!(server.get("analyst", "/v1/alerts/99").0, 404);
        let (status, assigned) = server.post("analyst", "/v1/alerts/1/assign", &json!({"assignee": "alice"}));
        assert_eq!((status, assigned["assignee"].as_str()), (200, Some("alice")));
        assert_eq!(server.get("analyst", "/v1/alerts?assignee=alice").1["alerts"].as_array().map(Vec::len), Some(1));
        let (status, closed) =
            server.post("analyst", "/v1/alerts/1/close", &json!({"disposition": "false-positive", "comment": "rent"}));
        assert_eq!((status, closed["status"].as_str()), (200, Some("closed")));
        assert_eq!(server.post("analyst", "/v1/alerts/1/close", &json!({"disposition": "benign"})).0, 409);
        assert_eq!(server.post("analyst", "/v1/alerts/2/close", &json!({"disposition": "meh"})).0, 422);
        assert_eq!(server.post("analyst", "/v1/alerts/2/close", &json!({"verdict": "benign"})).0, 422);
        assert_eq!(server.post("auditor", "/v1/alerts/2/assign", &json!({"assignee": "x"})).0, 403);

        let (status, case) =
            server.post("analyst", "/v1/cases", &json!({"title": "Structuring around ACC1", "alerts": [2]}));
        assert_eq!((status, case["id"].as_i64(), case["status"].as_str()), (201, Some(1), Some("open")), "{case}");
        let (status, case) = server.post("analyst", "/v1/cases/1/alerts", &json!({"alerts": [3]}));
        assert_eq!((status, case["alerts"].as_array().map(Vec::len)), (200, Some(2)));
        assert_eq!(server.post("analyst", "/v1/cases/1/notes", &json!({"body": "Called the branch."})).0, 201);
        assert_eq!(server.post("analyst", "/v1/cases/1/evidence", &json!({"body": "KYC file sha256:ab12"})).0, 201);
        assert_eq!(server.call("analyst", "PATCH", "/v1/cases/1", Some(r#"{"status": "reported"}"#)).0, 409);
        let (status, case) =
            server.call("analyst", "PATCH", "/v1/cases/1", Some(r#"{"status": "investigating", "assignee": "alice"}"#));
        assert_eq!(
            (status, case["status"].as_str(), case["assignee"].as_str()),
            (200, Some("investigating"), Some("alice"))
        );
        let (status, case) = server.get("analyst", "/v1/cases/1");
        assert_eq!((status, case["entries"].as_array().map(Vec::len)), (200, Some(2)));
        assert_eq!(
            server.get("analyst", "/v1/cases?status=investigating").1["cases"].as_array().map(Vec::len),
            Some(1)
        );
        assert_eq!(server.get("analyst", "/v1/cases?status=dreaming").0, 422);
        // Another tenant sees none of it.
        assert_eq!(server.get("analyst-b", "/v1/alerts").1["alerts"].as_array().map(Vec::len), Some(0));
        assert_eq!(server.get("analyst-b", "/v1/alerts/2").0, 404);
        assert_eq!(server.get("analyst-b", "/v1/cases/1").0, 404);
        assert_eq!(server.get("analyst-b", "/v1/transactions/T1").0, 404);
        assert_eq!(server.get("analyst-b", "/v1/accounts/ACC1").0, 404);
        // The same transaction id at another tenant is its own transaction.
        let (status, other) = server.post("ingest-b", "/v1/transactions", &tx("T1", "B-ACC", "5.00"));
        assert_eq!((status, other["seq"].as_i64(), other["duplicate"].as_bool()), (200, Some(1), Some(false)));
    }
}

#[test]
fn a_freeze_takes_two_people_and_blocks_the_next_debit() {
    for (name, server) in servers() {
        assert_eq!(server.post("ingest", "/v1/transactions", &tx("T1", "MULE-1", "10.00")).1["decision"], "allow");
        let (status, request) =
            server.post("analyst", "/v1/freezes", &json!({"account": "MULE-1", "reason": "court order 7/2026"}));
        assert_eq!((status, request["status"].as_str()), (201, Some("pending")), "{name}: {request}");
        // Not yet: pending.
        assert_eq!(server.post("ingest", "/v1/transactions", &tx("T2", "MULE-1", "10.00")).1["decision"], "allow");
        // An analyst may not approve; the requester may not approve their own.
        assert_eq!(server.post("analyst", "/v1/freezes/1/approve", &json!({})).0, 403);
        let (status, own) =
            server.post("supervisor", "/v1/freezes", &json!({"account": "MULE-2", "reason": "fraud report"}));
        assert_eq!(status, 201);
        let (status, error) = server.post("supervisor", &format!("/v1/freezes/{}/approve", own["id"]), &json!({}));
        assert_eq!(status, 409, "{error}");
        assert!(error["error"]["message"].as_str().is_some_and(|m| m.contains("four-eyes")));
        assert_eq!(
            server.post("supervisor2", &format!("/v1/freezes/{}/reject", own["id"]), &json!({})).1["status"],
            "rejected"
        );
        // A second person approves: the very next debit is blocked, with the freeze as its reason.
        let (status, approved) = server.post("supervisor", "/v1/freezes/1/approve", &json!({}));
        assert_eq!((status, approved["decided_by"].as_str()), (200, Some("sam")));
        let (_, blocked) = server.post("ingest", "/v1/transactions", &tx("T3", "MULE-1", "10.00"));
        assert_eq!(
            (blocked["decision"].as_str(), blocked["reasons"][0]["rule"].as_str()),
            (Some("block"), Some("account-frozen")),
            "{blocked}"
        );
        assert_eq!(blocked["reasons"][0]["facts"]["freeze_request"], "1");
        // Credits into it still pass; other accounts are untouched.
        let mut credit = tx("T4", "ACC9", "10.00");
        credit["creditor_account"] = json!("MULE-1");
        assert_eq!(server.post("ingest", "/v1/transactions", &credit).1["decision"], "allow");
        let (_, account) = server.get("analyst", "/v1/accounts/MULE-1");
        assert_eq!(account["frozen"]["freeze_request"], 1);
        assert_eq!(server.get("analyst", "/v1/freezes?status=approved").1["freezes"].as_array().map(Vec::len), Some(1));
        assert_eq!(server.get("analyst", "/v1/freezes/1").1["account"], "MULE-1");
        assert_eq!(server.get("analyst", "/v1/freezes?status=maybe").0, 422);
        // Unfreezing takes two people too.
        let (status, lift) = server.post(
            "analyst",
            "/v1/freezes",
            &json!({"account": "MULE-1", "action": "unfreeze", "reason": "order lifted"}),
        );
        assert_eq!(status, 201);
        assert_eq!(server.post("ingest", "/v1/transactions", &tx("T5", "MULE-1", "10.00")).1["decision"], "block");
        assert_eq!(server.post("supervisor2", &format!("/v1/freezes/{}/approve", lift["id"]), &json!({})).0, 200);
        assert_eq!(server.post("ingest", "/v1/transactions", &tx("T6", "MULE-1", "10.00")).1["decision"], "allow");
        // Another tenant's supervisor cannot touch bank-a's requests.
        assert_eq!(server.get("analyst-b", "/v1/freezes/1").0, 404);
    }
}

#[test]
fn rule_sets_keys_and_the_audit_log() {
    for (name, server) in servers() {
        server.post("ingest", "/v1/transactions", &tx("T1", "ACC1", "12000.00"));
        // Upload a stricter set and make it live: the next decision is its.
        let stricter = RULES.replace("api-test", "api-test-strict").replace("10000.0", "100.0");
        let (status, uploaded) = server.call("admin", "POST", "/v1/rulesets", Some(&stricter));
        assert_eq!(status, 201, "{name}: {uploaded}");
        let version = uploaded["version"].as_str().expect("version").to_owned();
        assert!(version.starts_with("api-test-strict@"));
        assert_eq!(server.call("analyst", "POST", "/v1/rulesets", Some(&stricter)).0, 403);
        let (status, error) = server.call("admin", "POST", "/v1/rulesets", Some("name = \"x\"\n[[rule]]\nid = \"bad\"\ndescription = \"d\"\nscore = 0.5\naction = \"review\"\nexpression = 'amount >= \"a lot\"'\n"));
        assert_eq!(status, 422, "{error}");
        assert_eq!(server.post("ingest", "/v1/transactions", &tx("T2", "ACC2", "500.00")).1["decision"], "allow");
        let (status, switched) =
            server.call("admin", "PUT", &format!("/v1/rulesets/{version}/mode"), Some(r#"{"mode": "live"}"#));
        assert_eq!((status, switched["deciding"].as_str()), (200, Some(version.as_str())), "{switched}");
        let (_, strict) = server.post("ingest", "/v1/transactions", &tx("T3", "ACC3", "500.00"));
        assert_eq!(
            (strict["decision"].as_str(), strict["ruleset_version"].as_str()),
            (Some("review"), Some(version.as_str()))
        );
        // A shadow set is reported beside the live one and never acts.
        let shadow = RULES.replace("api-test", "api-test-shadow").replace("10000.0", "1.0").replace("50000.0", "2.0");
        let (_, uploaded) = server.call("admin", "POST", "/v1/rulesets", Some(&shadow));
        let shadow_version = uploaded["version"].as_str().expect("version").to_owned();
        let (status, answer) =
            server.call("admin", "PUT", &format!("/v1/rulesets/{shadow_version}/mode"), Some(r#"{"mode": "shadow"}"#));
        assert_eq!(status, 200, "{answer}");
        let (_, decided) = server.post("ingest", "/v1/transactions", &tx("T4", "ACC4", "50.00"));
        assert_eq!(decided["decision"], "allow", "{decided}");
        let shadows: Vec<&Value> =
            decided["reasons"].as_array().expect("reasons").iter().filter(|r| r["shadow"] == true).collect();
        assert_eq!(shadows.len(), 2, "{decided}");
        assert!(shadows[0]["rule"].as_str().is_some_and(|r| r.starts_with("shadow:")));
        let (_, sets) = server.get("analyst", "/v1/rulesets");
        let modes: Vec<&str> =
            sets["rulesets"].as_array().expect("sets").iter().map(|s| s["mode"].as_str().expect("mode")).collect();
        assert_eq!(
            (modes.iter().filter(|m| **m == "live").count(), modes.iter().filter(|m| **m == "shadow").count()),
            (1, 1)
        );
        assert_eq!(server.call("admin", "PUT", "/v1/rulesets/nope@1/mode", Some(r#"{"mode": "live"}"#)).0, 404);
        assert_eq!(
            server.call("admin", "PUT", &format!("/v1/rulesets/{version}/mode"), Some(r#"{"mode": "loud"}"#)).0,
            422
        );

        // Keys: made, listed, revoked.
        let (status, made) = server.post("admin", "/v1/keys", &json!({"user": "carol", "role": "analyst"}));
        assert_eq!(status, 201, "{made}");
        let key = made["key"].as_str().expect("key").to_owned();
        assert_eq!(server.get(&key, "/v1/alerts").0, 200);
        assert_eq!(server.post("admin", "/v1/keys", &json!({"user": "x", "role": "overlord"})).0, 422);
        assert_eq!(server.post("analyst", "/v1/keys", &json!({"user": "x", "role": "admin"})).0, 403);
        let (_, keys) = server.get("admin", "/v1/keys");
        assert!(keys["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .all(|k| k.get("key").is_none() && k["prefix"].as_str().is_some_and(|p| p.len() == 12)));
        assert_eq!(server.call("admin", "DELETE", &format!("/v1/keys/{}", &key[..12]), None).0, 200);
        assert_eq!(server.get(&key, "/v1/alerts").0, 401);
        assert_eq!(server.call("admin", "DELETE", &format!("/v1/keys/{}", &key[..12]), None).0, 404);
        // A prefix that is not a key's (many-byte characters) is refused, not a crash.
        assert_eq!(
            server.call("admin", "DELETE", "/v1/keys/%E1%9E%91%E1%9E%93%E1%9F%92%E1%9E%9B%E1%9F%81", None).0,
            409
        );

        // The audit log: what happened, intact; an edit is found.
        assert_eq!(server.get("analyst", "/v1/audit").0, 403);
        let (status, audit) = server.get("auditor", "/v1/audit?limit=1000");
        assert_eq!(status, 200);
        let actions: Vec<&str> = audit["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| e["action"].as_str().expect("action"))
            .collect();
        for expected in ["tenant.create", "key.create", "ruleset.upload", "ruleset.mode", "key.revoke"] {
            assert!(actions.contains(&expected), "{expected} in {actions:?}");
        }
        let (status, report) = server.get("auditor", "/v1/audit/verify");
        assert_eq!((status, report["intact"].as_bool()), (200, Some(true)), "{report}");
        let state = &server.running.as_ref().expect("running").state;
        server.runtime.block_on(async {
            sqlx::query("UPDATE transactions SET decision = 'allow' WHERE tenant = 'bank-a' AND tx_id = 'T3'")
                .execute(state.store.pool())
                .await
                .expect("tamper");
        });
        let (_, report) = server.get("auditor", "/v1/audit/verify");
        assert_eq!(report["intact"], false, "{report}");
        assert_eq!(report["problems"][0]["chain"], "transactions");
    }
}

#[test]
fn every_documented_route_is_routed_and_the_system_routes_answer() {
    let server = Server::start(None);
    let (status, health) = server.get("", "/healthz");
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
    server.post("ingest", "/v1/transactions", &tx("T1", "ACC1", "12000.00"));
    let (status, metrics) = server.get("", "/metrics");
    assert_eq!(status, 200);
    let metrics = metrics.as_str().expect("text").to_owned();
    assert!(metrics.contains("tonle_decisions_total{decision=\"review\"} 1"), "{metrics}");
    assert!(
        metrics.contains("tonle_http_requests_total{method=\"POST\",route=\"/v1/transactions\",status=\"200\"} 1"),
        "{metrics}"
    );
    let (status, spec) = server.get("", "/openapi.json");
    assert_eq!((status, spec["openapi"].as_str()), (200, Some("3.1.0")));
    let paths = spec["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("operations") {
            operations += 1;
            assert!(operation["operationId"].is_string() && operation["responses"].is_object());
            let concrete = path.replace("{id}", "1").replace("{version}", "v1").replace("{prefix}", "tonle_000000000");
            let (status, body) = server.call("auditor", &method.to_uppercase(), &concrete, Some("{}"));
            let fallback = body["error"]["message"].as_str().is_some_and(|m| m.starts_with("no such route"));
            assert!(!fallback && status != 405, "{method} {path} is documented but not routed ({status} {body})");
        }
    }
    assert_eq!(operations, 33);
    let (status, body) = server.get("auditor", "/v1/nothing-here");
    assert_eq!((status, body["error"]["status"].as_i64()), (404, Some(404)));
    let _ = Arc::clone(&server.running.as_ref().expect("running").state);
}

#[test]
fn a_failed_write_accepts_nothing_and_the_engine_is_rebuilt_from_the_log() {
    let server = Server::start(None);
    let pool = server.running.as_ref().expect("running").state.store.pool().clone();
    let sql = |statement: &'static str| {
        server.runtime.block_on(async { sqlx::query(statement).execute(&pool).await.expect("statement") });
    };
    assert_eq!(server.post("ingest", "/v1/transactions", &tx("T1", "ACC1", "20000.00")).1["seq"], 1);
    // The log refuses every write (as a full disk would).
    sql("CREATE TRIGGER refuse BEFORE INSERT ON transactions BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    let (status, error) = server.post("ingest", "/v1/transactions", &tx("T2", "ACC1", "20000.00"));
    assert_eq!(status, 503, "{error}");
    assert!(error["error"]["message"].as_str().is_some_and(|m| m.contains("nothing of this request was accepted")));
    let (status, _) = server.post("ingest", "/v1/transactions", &tx("T3", "ACC1", "20000.00"));
    assert_eq!(status, 503);
    sql("DROP TRIGGER refuse");
    // Nothing of the failed requests was kept: T2 is decided now, as new, right after T1.
    let (status, again) = server.post("ingest", "/v1/transactions", &tx("T2", "ACC1", "20000.00"));
    assert_eq!((status, again["seq"].as_i64(), again["duplicate"].as_bool()), (200, Some(2), Some(false)), "{again}");
    let (_, account) = server.get("analyst", "/v1/accounts/ACC1");
    assert_eq!(account["activity"]["paid"], 2, "{account}");
    let (_, report) = server.get("auditor", "/v1/audit/verify");
    assert_eq!(report["intact"], true, "{report}");
}

/// The tenant's velocity rule set for the restart test: a third payment out within the hour is reviewed.
const VELOCITY: &str = r#"name = "velocity"

[[rule]]
id = "busy"
description = "Three or more payments out of the account within the hour"
score = 0.6
action = "review"
expression = 'debtor.out.count_1h >= 3'
"#;

fn paid(id: &str, debtor: &str, minute: u32) -> Value {
    json!({
        "id": id, "time": format!("2026-03-01T08:{minute:02}:00Z"), "amount": "25.00", "currency": "USD",
        "channel": "bank-transfer", "debtor_account": debtor, "creditor_account": format!("SHOP-{minute}")
    })
}

/// A counter's value since the server started, from /metrics (`name` without `tonle_` and `_total`).
fn counter(server: &Server, name: &str) -> u64 {
    let (_, text) = server.get("", "/metrics");
    let text = text.as_str().expect("metrics are text").to_owned();
    let prefix = format!("tonle_{name}_total ");
    let line = text.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("the counter {name}"));
    line.split_whitespace().nth(1).expect("a value").parse().expect("a number")
}

/// Replayed log entries since the server started.
fn replayed(server: &Server) -> u64 {
    counter(server, "replayed_transactions")
}

#[test]
fn a_server_keeping_no_recent_answers_reads_every_repeat_from_the_log() {
    let server = Server::start_tuned(None, None, |setup| setup.recent_answers = 0);
    let (status, first) = server.post("ingest", "/v1/transactions", &paid("R1", "ACC1", 1));
    assert_eq!((status, first["duplicate"].as_bool()), (200, Some(false)), "{first}");
    let (status, again) = server.post("ingest", "/v1/transactions", &paid("R1", "ACC1", 1));
    assert_eq!((status, again["duplicate"].as_bool(), again["seq"].as_i64()), (200, Some(true), first["seq"].as_i64()));
    assert_eq!(again["decision"], first["decision"], "{again}");
    assert_eq!((counter(&server, "duplicates"), counter(&server, "duplicates_read")), (1, 1));
}

#[test]
fn a_stopped_server_snapshots_and_comes_back_from_its_snapshot() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut urls = vec![("sqlite", format!("sqlite://{}", dir.path().join("restart.db").display()))];
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    if let Some(url) = runtime.block_on(tonle_store::testing::postgres_database()) {
        urls.push(("postgres", url));
    }
    for (name, url) in urls {
        let server = Server::start(Some(url.clone()));
        let (status, uploaded) = server.call("admin", "POST", "/v1/rulesets", Some(VELOCITY));
        assert_eq!(status, 201, "{name}: {uploaded}");
        let version = uploaded["version"].as_str().expect("version").to_owned();
        let (status, _) =
            server.call("admin", "PUT", &format!("/v1/rulesets/{version}/mode"), Some(r#"{"mode": "live"}"#));
        assert_eq!(status, 200);
        let mut batch: Vec<Value> = (0..30).map(|i| paid(&format!("B{i}"), &format!("ACC{}", i % 4), i)).collect();
        batch.push(paid("W1", "WATCHED", 40));
        batch.push(paid("W2", "WATCHED", 41));
        let (status, answer) = server.post("ingest", "/v1/transactions", &Value::Array(batch));
        assert_eq!(status, 200, "{name}: {answer}");
        // A repeat answered from the answers kept in memory, not read back from the store.
        let (_, recent) = server.post("ingest", "/v1/transactions", &paid("B7", "ACC3", 7));
        assert_eq!((recent["duplicate"].as_bool(), recent["seq"].as_i64()), (Some(true), Some(8)), "{name}: {recent}");
        assert_eq!((counter(&server, "duplicates"), counter(&server, "duplicates_read")), (1, 0), "{name}");
        drop(server);

        let stored = runtime.block_on(async {
            let store = Store::open(&url).await.expect("store");
            let snapshot = store.snapshot("bank-a").await.expect("read");
            store.close().await;
            snapshot
        });
        let stored = stored.unwrap_or_else(|| panic!("{name}: a snapshot was taken when the server stopped"));
        assert_eq!(stored.through_seq, 32, "{name}");

        let server = Server::start(Some(url.clone()));
        assert_eq!(replayed(&server), 0, "{name}: the restart restored the snapshot and replayed nothing");
        let (_, watched) = server.get("analyst", "/v1/accounts/WATCHED");
        assert_eq!(watched["features"]["windows"]["1h"]["out"]["count"], 2, "{name}: {watched}");
        let (_, third) = server.post("ingest", "/v1/transactions", &paid("W3", "WATCHED", 42));
        assert_eq!((third["decision"].as_str(), third["seq"].as_i64()), (Some("review"), Some(33)), "{name}: {third}");
        // The same repeat after the restart: read back from the store, the same answer.
        let (_, again) = server.post("ingest", "/v1/transactions", &paid("B7", "ACC3", 7));
        assert_eq!(again, recent, "{name}");
        assert_eq!(counter(&server, "duplicates_read"), 1, "{name}");
        drop(server);

        // An altered snapshot is not trusted: the whole log is replayed, with the same result.
        runtime.block_on(async {
            let store = Store::open(&url).await.expect("store");
            match store.snapshot_dir() {
                Some(dir) => {
                    for entry in std::fs::read_dir(dir).expect("the snapshot files") {
                        let path = entry.expect("entry").path();
                        let mut bytes = std::fs::read(&path).expect("read");
                        let last = bytes.len() - 1;
                        bytes[last] ^= 0x55;
                        std::fs::write(&path, bytes).expect("alter");
                    }
                }
                None => {
                    let edit = sqlx::query("UPDATE snapshots SET bytes = $1").bind(&b"altered"[..]);
                    edit.execute(store.pool()).await.expect("edit");
                }
            }
            store.close().await;
        });
        let server = Server::start(Some(url.clone()));
        assert_eq!(replayed(&server), 33, "{name}: the whole log was replayed");
        let (_, fourth) = server.post("ingest", "/v1/transactions", &paid("W4", "WATCHED", 43));
        assert_eq!(fourth["decision"], "review", "{name}: {fourth}");
    }
}

/// A payment from a named payer to a named payee.
fn named(id: &str, minute: u32, (debtor, debtor_name): (&str, &str), (creditor, creditor_name): (&str, &str)) -> Value {
    json!({
        "id": id, "time": format!("2026-03-01T08:{minute:02}:00Z"), "amount": "120.00", "currency": "USD",
        "channel": "bank-transfer", "debtor_account": debtor, "debtor_name": debtor_name,
        "creditor_account": creditor, "creditor_name": creditor_name
    })
}

const WATCHLIST_HEADER: &str = "id,name,schema,aliases,birth_date,country,program\n";

#[test]
fn parties_are_screened_as_they_pay_and_a_list_update_rescreens_known_ones() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let list = dir.path().join("watch.csv");
    std::fs::write(&list, format!("{WATCHLIST_HEADER}1,CHEN Zhi,person,Vincent Chen,,KH,scam compound\n"))
        .expect("list");
    let sources = tonle_screen::ListSources { paths: vec![list.clone()], threshold: 0.85, allow: None };
    let mut urls = vec![None];
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    urls.extend(runtime.block_on(tonle_store::testing::postgres_database()).map(Some));
    for url in urls {
        std::fs::write(&list, format!("{WATCHLIST_HEADER}1,CHEN Zhi,person,Vincent Chen,,KH,scam compound\n"))
            .expect("list");
        let server = Server::start_screening(url.clone(), sources.clone());
        let backend = if url.is_some() { "postgres" } else { "sqlite" };

        // A payment to a listed name is held, its reason naming the entity and how the names matched.
        let (status, held) =
            server.post("ingest", "/v1/transactions", &named("S1", 0, ("KH-A", "Sok Dara"), ("KH-B", "Zhi Chen")));
        assert_eq!((status, held["decision"].as_str()), (200, Some("hold")), "{backend}: {held}");
        let reason = &held["reasons"][0];
        assert_eq!(reason["rule"], "screen:creditor-name", "{backend}: {held}");
        assert_eq!(reason["facts"]["screen.creditor.name.listed"], "CHEN Zhi");
        let entity = reason["facts"]["screen.creditor.name.entity"].as_str().expect("entity").to_owned();
        assert!(entity.starts_with("csv:") && entity.contains("watch.csv"), "{entity}");
        let (_, clean) =
            server.post("ingest", "/v1/transactions", &named("S2", 1, ("KH-A", "Sok Dara"), ("KH-C", "Prak Vanna")));
        assert_eq!(clean["decision"], "allow", "{backend}: {clean}");

        // The lists in use, and a name screened on demand.
        let (status, lists) = server.get("analyst", "/v1/screening/lists");
        assert_eq!((status, lists["entities"].as_i64(), lists["name_action"].as_str()), (200, Some(1), Some("hold")));
        let (status, matched) = server.post("analyst", "/v1/screening/match", &json!({"name": "vincent chen"}));
        assert_eq!((status, matched["matches"][0]["entity_id"].as_str()), (200, Some(entity.as_str())), "{matched}");
        let (status, _) = server.post("analyst", "/v1/screening/match", &json!({"name": "x", "schema": "ship"}));
        assert_eq!(status, 422);

        // Only an administrator reloads the lists; a list that no longer loads leaves the old ones in use.
        let (status, _) = server.post("analyst", "/v1/screening/lists/reload", &json!({}));
        assert_eq!(status, 403);
        std::fs::remove_file(&list).expect("remove");
        let (status, refused) = server.post("admin", "/v1/screening/lists/reload", &json!({}));
        assert_eq!(status, 422, "{refused}");
        assert!(refused["error"]["message"].as_str().unwrap().contains("watch.csv"), "{refused}");

        // The payee of S2 is listed now: the reload finds that known party and raises an alert on its latest
        // transaction; the payer and the payee already listed are not raised again.
        std::fs::write(
            &list,
            format!(
                "{WATCHLIST_HEADER}1,CHEN Zhi,person,Vincent Chen,,KH,scam compound\n2,PRAK Vanna,person,,,,mule\n"
            ),
        )
        .expect("list");
        let (status, reloaded) = server.post("admin", "/v1/screening/lists/reload", &json!({}));
        assert_eq!(status, 200, "{backend}: {reloaded}");
        assert_eq!(reloaded["entities"], 2);
        assert_eq!(reloaded["rescreened"]["parties"], 3, "{reloaded}");
        let hits = reloaded["new_hits"].as_array().expect("hits");
        assert_eq!(hits.len(), 1, "{backend}: {reloaded}");
        assert_eq!((hits[0]["account"].as_str(), hits[0]["by"].as_str()), (Some("KH-C"), Some("name")));
        assert_eq!(hits[0]["listed"], "PRAK Vanna");
        let alert = hits[0]["alert"].as_i64().expect("an alert");
        let (_, raised) = server.get("analyst", &format!("/v1/alerts/{alert}"));
        let raised = if raised["alert"].is_object() { raised["alert"].clone() } else { raised };
        assert_eq!(raised["account"], "KH-C", "{raised}");
        assert_eq!(raised["transaction_id"], "S2", "{raised}");
        assert_eq!(raised["decision"], "hold");
        assert!(raised["rules"][0].as_str().unwrap().starts_with("rescreen:csv:"), "{raised}");
        let (_, audit) = server.get("auditor", "/v1/audit");
        let entries = audit["entries"].as_array().or(audit.as_array()).expect("entries").clone();
        assert!(entries.iter().any(|e| e["action"] == "screening.reload"), "{audit}");
        let (_, verified) = server.get("auditor", "/v1/audit/verify");
        assert_eq!(verified["intact"], true, "{verified}");

        // The next payment to that payee is held; a second reload finds nothing new.
        let (_, next) =
            server.post("ingest", "/v1/transactions", &named("S3", 2, ("KH-A", "Sok Dara"), ("KH-C", "Prak Vanna")));
        assert_eq!(next["decision"], "hold", "{next}");
        let (_, metrics) = server.get("", "/metrics");
        let metrics = metrics.as_str().expect("text").to_owned();
        assert!(metrics.contains("tonle_screening_hits_total{hit=\"creditor-name\"} 2"), "{metrics}");
        let (_, again) = server.post("admin", "/v1/screening/lists/reload", &json!({}));
        assert_eq!(again["new_hits"].as_array().map(Vec::len), Some(0), "{again}");
        // Alerts raised by decisions keep their numbers after the ones the reload raised.
        let (_, after) =
            server.post("ingest", "/v1/transactions", &named("S4", 3, ("KH-A", "Sok Dara"), ("KH-B", "Zhi Chen")));
        assert_eq!(after["decision"], "hold", "{after}");
        let (_, all) = server.get("analyst", "/v1/alerts");
        let all = all["alerts"].as_array().or(all.as_array()).expect("alerts").clone();
        let s4 = all.iter().find(|a| a["transaction_id"] == "S4").expect("S4's alert");
        assert!(s4["id"].as_i64().expect("id") > alert, "{all:?}");
        let mut ids: Vec<i64> = all.iter().filter_map(|a| a["id"].as_i64()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "alert numbers are unique");
    }
}
