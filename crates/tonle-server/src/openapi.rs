//! The OpenAPI 3.1 document at `/openapi.json`. Written out here rather than derived, so that it reads as the
//! API's reference; a test holds it to the router (every route documented, nothing documented that is not
//! routed).

use axum::Json;
use serde_json::{json, Value};

/// One documented operation (see [`OPERATIONS`]).
pub type Operation = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
    u16,
    &'static str,
);

/// Every documented operation: (method, path, operation id, permission needed, summary, request body schema,
/// success status, success schema). `None` permission: no key needed.
pub const OPERATIONS: &[Operation] = &[
    ("get", "/healthz", "healthz", None, "Whether the server and its store answer.", None, 200, "Health"),
    ("get", "/metrics", "metrics", None, "Prometheus metrics (text format).", None, 200, "Text"),
    ("get", "/openapi.json", "openapi", None, "This document.", None, 200, "Object"),
    (
        "post",
        "/v1/transactions",
        "submitTransactions",
        Some("ingest"),
        "Decide one transaction (a native JSON object) or a batch (an array of up to 10,000). Each is written to the durable log before the answer; an id already logged is answered with its logged decision (`duplicate: true`). A batch answers `{\"decisions\": [...]}` in order, a failed item as `{\"index\", \"error\"}`.",
        Some("TransactionOrBatch"),
        200,
        "DecisionOrBatch",
    ),
    ("get", "/v1/transactions/{id}", "getTransaction", Some("read"), "A logged transaction and its decision.", None, 200, "LoggedTransaction"),
    (
        "get",
        "/v1/accounts/{id}",
        "getAccount",
        Some("read"),
        "An account's profile: frozen or not, pending freeze requests, transactions paid and received with the first and last event time, open alerts, the latest 16 decisions.",
        None,
        200,
        "Account",
    ),
    ("get", "/v1/alerts", "listAlerts", Some("read"), "Alerts, filtered by status, assignee, account, decision, case; paged by `after` and `limit`.", None, 200, "AlertList"),
    ("get", "/v1/alerts/{id}", "getAlert", Some("read"), "An alert and its transaction's decision.", None, 200, "AlertWithDecision"),
    ("post", "/v1/alerts/{id}/assign", "assignAlert", Some("work"), "Assign an open alert.", Some("Assign"), 200, "Alert"),
    ("post", "/v1/alerts/{id}/close", "closeAlert", Some("work"), "Close an open alert with a disposition.", Some("Close"), 200, "Alert"),
    ("get", "/v1/cases", "listCases", Some("read"), "Cases, newest first, optionally in one status.", None, 200, "CaseList"),
    ("post", "/v1/cases", "createCase", Some("work"), "Open a case over alerts.", Some("NewCase"), 201, "Case"),
    ("get", "/v1/cases/{id}", "getCase", Some("read"), "A case with its alerts, notes and evidence.", None, 200, "Case"),
    (
        "patch",
        "/v1/cases/{id}",
        "updateCase",
        Some("work"),
        "Move a case along its workflow (open, investigating, escalated, reported, closed) and/or assign it.",
        Some("CaseUpdate"),
        200,
        "Case",
    ),
    ("post", "/v1/cases/{id}/alerts", "addCaseAlerts", Some("work"), "Add alerts to a case.", Some("AlertIds"), 200, "Case"),
    ("post", "/v1/cases/{id}/notes", "addCaseNote", Some("work"), "Add a note to a case.", Some("Entry"), 201, "CaseEntry"),
    ("post", "/v1/cases/{id}/evidence", "addCaseEvidence", Some("work"), "Add evidence (what and where it is kept) to a case.", Some("Entry"), 201, "CaseEntry"),
    ("get", "/v1/freezes", "listFreezes", Some("read"), "Freeze and unfreeze requests, newest first.", None, 200, "FreezeList"),
    ("post", "/v1/freezes", "requestFreeze", Some("work"), "Ask for an account to be frozen or unfrozen; a second person, a supervisor, must approve.", Some("FreezeRequest"), 201, "Freeze"),
    ("get", "/v1/freezes/{id}", "getFreeze", Some("read"), "A freeze request.", None, 200, "Freeze"),
    (
        "post",
        "/v1/freezes/{id}/approve",
        "approveFreeze",
        Some("approve"),
        "Approve a pending request (a supervisor other than the requester). An approved freeze blocks the account's very next debit.",
        None,
        200,
        "Freeze",
    ),
    ("post", "/v1/freezes/{id}/reject", "rejectFreeze", Some("approve"), "Reject a pending request (a supervisor other than the requester).", None, 200, "Freeze"),
    ("get", "/v1/rulesets", "listRulesets", Some("read"), "Stored rule-set versions and their modes.", None, 200, "RuleSetList"),
    ("post", "/v1/rulesets", "uploadRuleset", Some("administer"), "Upload a rule file (TOML body); it is compiled and stored inactive under its version.", Some("RuleFile"), 201, "RuleSet"),
    (
        "put",
        "/v1/rulesets/{version}/mode",
        "setRulesetMode",
        Some("administer"),
        "Make a stored set live, shadow (reported beside the live set, never acting) or inactive; the engine takes it before the answer.",
        Some("Mode"),
        200,
        "Object",
    ),
    ("get", "/v1/keys", "listKeys", Some("administer"), "The tenant's API keys (prefixes, never the keys).", None, 200, "KeyList"),
    ("post", "/v1/keys", "createKey", Some("administer"), "Make an API key for a user; shown once.", Some("NewKey"), 201, "NewKeyAnswer"),
    ("delete", "/v1/keys/{prefix}", "revokeKey", Some("administer"), "Revoke the keys starting with a prefix (at least 12 characters).", None, 200, "Object"),
    ("get", "/v1/audit", "listAudit", Some("audit"), "The tenant's hash-chained audit entries, oldest first.", None, 200, "AuditList"),
    ("get", "/v1/audit/verify", "verifyAudit", Some("audit"), "Verify the tenant's audit and transaction chains: edited, reordered or deleted entries.", None, 200, "VerifyReport"),
    ("get", "/v1/screening/lists", "listScreeningLists", Some("read"), "The sanctions and watch lists every transaction's parties are screened against: files, entities, threshold, actions (404 when the server screens none).", None, 200, "ScreeningLists"),
    ("post", "/v1/screening/match", "screenName", Some("read"), "Screen one name (with entity type, birth date, country) or crypto address against the lists; every match explained, best first.", Some("ScreeningQuery"), 200, "ScreeningMatches"),
    ("post", "/v1/screening/lists/reload", "reloadScreeningLists", Some("administer"), "Load the lists again from their files and, if they load, screen with them from the next transaction; every tenant's known parties are re-screened, and each party newly found listed gets an alert on its latest transaction and an audit entry.", None, 200, "ScreeningReload"),
];

fn object(properties: Value) -> Value {
    json!({"type": "object", "properties": properties})
}

fn schemas() -> Value {
    let text = json!({"type": "string"});
    let int = json!({"type": "integer", "format": "int64"});
    let ints = json!({"type": "array", "items": {"type": "integer", "format": "int64", "minimum": 1}});
    let nullable_text = json!({"type": ["string", "null"]});
    let nullable_int = json!({"type": ["integer", "null"]});
    let transaction = json!({
        "type": "object",
        "description": "A transaction in tonle's native form (docs/formats.md): every value a string.",
        "required": ["id", "time", "amount", "currency", "channel", "debtor_account", "creditor_account"],
        "properties": {
            "id": text, "time": {"type": "string", "description": "RFC 3339, UTC"},
            "amount": {"type": "string", "description": "decimal in the currency's units, e.g. \"12.50\""},
            "currency": {"type": "string", "description": "ISO 4217 (or USDT, USDC, TRX, BTC)"},
            "received_amount": text, "received_currency": text, "channel": text,
            "debtor_account": text, "debtor_institution": text, "debtor_party": text, "debtor_name": text,
            "debtor_country": text, "debtor_phone": text, "creditor_account": text, "creditor_institution": text,
            "creditor_party": text, "creditor_name": text, "creditor_country": text, "creditor_phone": text,
            "device": text, "ip": text, "purpose": text, "reference": text
        },
        "additionalProperties": false
    });
    let reason = object(json!({
        "rule": text, "typology": nullable_text, "score": {"type": "number"}, "action": text, "shadow": {"type": "boolean"},
        "condition": text, "facts": {"type": "object", "additionalProperties": {"type": "string"}},
        "evidence": {"type": "array", "items": text}
    }));
    let decision = object(json!({
        "transaction_id": text,
        "decision": {"type": "string", "enum": ["allow", "review", "step-up", "hold", "block"]},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "reasons": {"type": "array", "items": {"$ref": "#/components/schemas/Reason"}},
        "ruleset_version": text, "seq": int, "alert_id": nullable_int, "duplicate": {"type": "boolean"}
    }));
    let alert = object(json!({
        "id": int, "tx_seq": int, "transaction_id": text, "account": text, "created_at": int, "decision": text,
        "score": {"type": "number"}, "rules": {"type": "array", "items": text}, "status": {"type": "string", "enum": ["open", "closed"]},
        "assignee": nullable_text, "disposition": nullable_text, "closed_by": nullable_text, "closed_at": nullable_int, "case_id": nullable_int
    }));
    let entry = object(
        json!({"id": int, "kind": {"type": "string", "enum": ["note", "evidence"]}, "author": text, "at": int, "body": text}),
    );
    let case = object(json!({
        "id": int, "title": text, "status": {"type": "string", "enum": ["open", "investigating", "escalated", "reported", "closed"]},
        "assignee": nullable_text, "created_by": text, "created_at": int, "updated_at": int,
        "alerts": {"type": "array", "items": {"$ref": "#/components/schemas/Alert"}},
        "entries": {"type": "array", "items": {"$ref": "#/components/schemas/CaseEntry"}}
    }));
    let freeze = object(json!({
        "id": int, "account": text, "action": {"type": "string", "enum": ["freeze", "unfreeze"]}, "reason": text,
        "status": {"type": "string", "enum": ["pending", "approved", "rejected"]}, "requested_by": text, "requested_at": int,
        "decided_by": nullable_text, "decided_at": nullable_int
    }));
    let error = object(json!({"error": object(json!({"status": int, "message": text, "field": text}))}));
    let mut schemas = serde_json::Map::new();
    schemas.insert("Transaction".into(), json!(transaction));
    schemas.insert("TransactionOrBatch".into(), json!({"oneOf": [{"$ref": "#/components/schemas/Transaction"}, {"type": "array", "items": {"$ref": "#/components/schemas/Transaction"}, "minItems": 1, "maxItems": 10000}]}));
    schemas.insert("Reason".into(), json!(reason));
    schemas.insert("Decision".into(), json!(decision));
    schemas.insert("DecisionOrBatch".into(), json!({"oneOf": [{"$ref": "#/components/schemas/Decision"}, object(json!({"decisions": {"type": "array", "items": {"oneOf": [{"$ref": "#/components/schemas/Decision"}, object(json!({"index": int, "error": {"$ref": "#/components/schemas/Error/properties/error"}}))]}}}))]}));
    schemas.insert("LoggedTransaction".into(), json!(object(json!({"seq": int, "received_at": int, "transaction": {"$ref": "#/components/schemas/Transaction"}, "decision": {"$ref": "#/components/schemas/Decision"}}))));
    schemas.insert("Account".into(), json!(object(json!({"account": text, "frozen": {"type": ["object", "null"]}, "pending_requests": {"type": "array", "items": {"$ref": "#/components/schemas/Freeze"}}, "features": {"type": ["object", "null"], "description": "the engine's window features of the account now, per horizon and side (null when its rules read no account windows)"}, "activity": object(json!({"first_seen": int, "last_seen": int, "paid": int, "received": int})), "open_alerts": {"type": "array", "items": {"$ref": "#/components/schemas/Alert"}}, "recent": {"type": "array", "items": {"$ref": "#/components/schemas/LoggedTransaction"}}}))));
    schemas.insert("Alert".into(), json!(alert));
    schemas.insert(
        "AlertList".into(),
        json!(object(json!({"alerts": {"type": "array", "items": {"$ref": "#/components/schemas/Alert"}}}))),
    );
    schemas.insert("AlertWithDecision".into(), json!(object(json!({"alert": {"$ref": "#/components/schemas/Alert"}, "decision": {"$ref": "#/components/schemas/Decision"}}))));
    schemas.insert("Assign".into(), json!({"type": "object", "required": ["assignee"], "properties": {"assignee": text}, "additionalProperties": false}));
    schemas.insert("Close".into(), json!({"type": "object", "required": ["disposition"], "properties": {"disposition": {"type": "string", "enum": ["true-positive", "false-positive", "benign", "duplicate"]}, "comment": text}, "additionalProperties": false}));
    schemas.insert("CaseEntry".into(), json!(entry));
    schemas.insert("Case".into(), json!(case));
    schemas.insert(
        "CaseList".into(),
        json!(object(json!({"cases": {"type": "array", "items": {"$ref": "#/components/schemas/Case"}}}))),
    );
    schemas.insert("NewCase".into(), json!({"type": "object", "required": ["title"], "properties": {"title": text, "alerts": ints}, "additionalProperties": false}));
    schemas.insert(
        "CaseUpdate".into(),
        json!({"type": "object", "properties": {"status": text, "assignee": text}, "additionalProperties": false}),
    );
    schemas.insert("AlertIds".into(), json!({"type": "object", "required": ["alerts"], "properties": {"alerts": ints}, "additionalProperties": false}));
    schemas.insert(
        "Entry".into(),
        json!({"type": "object", "required": ["body"], "properties": {"body": text}, "additionalProperties": false}),
    );
    schemas.insert("Freeze".into(), json!(freeze));
    schemas.insert(
        "FreezeList".into(),
        json!(object(json!({"freezes": {"type": "array", "items": {"$ref": "#/components/schemas/Freeze"}}}))),
    );
    schemas.insert("FreezeRequest".into(), json!({"type": "object", "required": ["account", "reason"], "properties": {"account": text, "action": {"type": "string", "enum": ["freeze", "unfreeze"], "default": "freeze"}, "reason": text}, "additionalProperties": false}));
    let list = object(
        json!({"path": text, "entities": int, "skipped": int, "skipped_examples": {"type": "array", "items": text}}),
    );
    let lists = json!({"generation": int, "loaded_at": int, "threshold": {"type": "number"}, "name_action": text, "wallet_action": text, "entities": int, "names": int, "lists": {"type": "array", "items": list}});
    schemas.insert("ScreeningLists".into(), object(lists.clone()));
    schemas.insert("ScreeningQuery".into(), json!({"type": "object", "properties": {"name": text, "schema": {"type": "string", "enum": ["person", "organization", "vessel", "aircraft"]}, "birth_date": {"type": "string", "description": "YYYY, YYYY-MM or YYYY-MM-DD"}, "country": {"type": "string", "description": "ISO 3166-1 alpha-2"}, "address": text, "threshold": {"type": "number", "minimum": 0, "maximum": 1}}, "additionalProperties": false}));
    schemas.insert("ScreeningMatches".into(), object(json!({"matches": {"type": "array", "items": object(json!({"entity_id": text, "score": {"type": "number"}, "explanation": {"type": "object", "description": "the listed name matched, its kind, each aligned name part with its score and how it matched, unmatched parts, qualifiers (docs/screening.md)"}}))}})));
    let hit = object(
        json!({"account": text, "name": nullable_text, "by": {"type": "string", "enum": ["name", "wallet"]}, "entity": text, "listed": text, "score": {"type": "number"}, "match": text, "before": nullable_text, "alert": nullable_int}),
    );
    let mut reload = lists;
    reload["load_seconds"] = json!({"type": "number"});
    reload["rescreened"] = object(json!({"parties": int, "names": int, "alerts": int, "seconds": {"type": "number"}}));
    reload["new_hits"] = json!({"type": "array", "items": hit});
    schemas.insert("ScreeningReload".into(), object(reload));
    schemas.insert("RuleFile".into(), json!({"type": "string", "description": "A rule file (TOML), docs/engine.md"}));
    schemas.insert("RuleSet".into(), json!(object(json!({"version": text, "mode": {"type": "string", "enum": ["live", "shadow", "inactive"]}, "uploaded_by": text, "uploaded_at": int}))));
    schemas.insert(
        "RuleSetList".into(),
        json!(object(
            json!({"rulesets": {"type": "array", "items": {"$ref": "#/components/schemas/RuleSet"}}, "default": text})
        )),
    );
    schemas.insert("Mode".into(), json!({"type": "object", "required": ["mode"], "properties": {"mode": {"type": "string", "enum": ["live", "shadow", "inactive"]}}, "additionalProperties": false}));
    schemas.insert("KeyList".into(), json!(object(json!({"keys": {"type": "array", "items": object(json!({"prefix": text, "user": text, "role": text, "created_at": int, "revoked_at": nullable_int}))}}))));
    schemas.insert("NewKey".into(), json!({"type": "object", "required": ["user", "role"], "properties": {"user": text, "role": {"type": "string", "enum": ["ingest", "analyst", "supervisor", "admin", "auditor"]}}, "additionalProperties": false}));
    schemas
        .insert("NewKeyAnswer".into(), json!(object(json!({"key": text, "tenant": text, "user": text, "role": text}))));
    schemas.insert("AuditList".into(), json!(object(json!({"entries": {"type": "array", "items": object(json!({"seq": int, "at": int, "actor": text, "action": text, "object": text, "details": {}, "prev_hash": text, "hash": text}))}}))));
    schemas.insert("VerifyReport".into(), json!(object(json!({"intact": {"type": "boolean"}, "entries": int, "problems": {"type": "array", "items": object(json!({"tenant": text, "chain": text, "seq": int, "problem": text}))}}))));
    schemas.insert("Health".into(), json!(object(json!({"status": text}))));
    schemas.insert("Text".into(), json!({"type": "string"}));
    schemas.insert("Object".into(), json!({"type": "object"}));
    schemas.insert("Error".into(), json!(error));
    Value::Object(schemas)
}

/// The document.
pub fn spec() -> Value {
    let mut paths = serde_json::Map::new();
    for &(method, path, id, permission, summary, request, status, response) in OPERATIONS {
        let mut operation = json!({
            "operationId": id,
            "summary": summary,
            "responses": {
                status.to_string(): {
                    "description": "success",
                    "content": {
                        if response == "Text" { "text/plain" } else { "application/json" }: {"schema": {"$ref": format!("#/components/schemas/{response}")}}
                    }
                },
                "4XX": {"description": "a bad request, a missing or unknown key, a role without the permission, or a conflict with the state", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "5XX": {"description": "the store is unavailable", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        });
        match permission {
            None => operation["security"] = json!([]),
            Some(permission) => {
                operation["description"] =
                    Value::String(format!("Needs the `{permission}` permission ({}).", roles_with(permission)));
            }
        }
        if let Some(request) = request {
            let media = if request == "RuleFile" { "application/toml" } else { "application/json" };
            operation["requestBody"] = json!({"required": true, "content": {media: {"schema": {"$ref": format!("#/components/schemas/{request}")}}}});
        }
        let parameters: Vec<Value> = path
            .split('/')
            .filter_map(|part| part.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
            .map(|name| {
                let numeric = name == "id" && !path.contains("transactions") && !path.contains("accounts");
                let schema = if numeric {
                    json!({"type": "integer", "format": "int64", "minimum": 1})
                } else {
                    json!({"type": "string", "minLength": 1})
                };
                json!({"name": name, "in": "path", "required": true, "schema": schema})
            })
            .chain(query_parameters(id))
            .collect();
        if !parameters.is_empty() {
            operation["parameters"] = Value::Array(parameters);
        }
        let item = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        item[method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "tonle",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Real-time scam and money-laundering detection: decisions with reasons, alerts, cases, four-eyes asset freezes, rule sets and a hash-chained audit log. Every /v1 route needs an API key (`Authorization: Bearer KEY`) of one tenant and one role.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}
        },
        "servers": [{"url": "/"}],
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer", "description": "An API key made by `tonle keys create` or POST /v1/keys"}},
            "schemas": schemas()
        }
    })
}

fn roles_with(permission: &str) -> &'static str {
    match permission {
        "ingest" => "role ingest",
        "read" => "roles analyst, supervisor, admin, auditor",
        "work" => "roles analyst, supervisor",
        "approve" => "role supervisor",
        "administer" => "role admin",
        _ => "roles admin, auditor",
    }
}

fn query_parameters(operation: &str) -> Vec<Value> {
    let status = |values: &[&str]| json!({"type": "string", "enum": values});
    let text = json!({"type": "string"});
    let id = json!({"type": "integer", "format": "int64", "minimum": 1});
    let after = json!({"type": "integer", "format": "int64", "minimum": 0});
    let limit = json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": 1000});
    let names: Vec<(&str, Value)> = match operation {
        "listAlerts" => vec![
            ("status", status(&["open", "closed"])),
            ("assignee", text.clone()),
            ("account", text),
            ("decision", status(&["allow", "review", "step-up", "hold", "block"])),
            ("case", id),
            ("after", after),
            ("limit", limit),
        ],
        "listCases" => {
            vec![("status", status(&["open", "investigating", "escalated", "reported", "closed"])), ("limit", limit)]
        }
        "listFreezes" => vec![("status", status(&["pending", "approved", "rejected"]))],
        "listAudit" => vec![("after", after), ("limit", limit)],
        _ => Vec::new(),
    };
    names
        .into_iter()
        .map(|(name, schema)| json!({"name": name, "in": "query", "required": false, "schema": schema}))
        .collect()
}

/// `GET /openapi.json`.
pub async fn document() -> Json<Value> {
    Json(spec())
}
