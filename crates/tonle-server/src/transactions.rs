//! Submitting transactions for a decision, reading a logged one back, and an account's profile.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::value::RawValue;
use tonle_core::{EventTime, LabelledTransaction};
use tonle_formats::native::jsonl::decode_object;

use crate::auth::{Caller, Permission};
use crate::error::ApiError;
use crate::pipeline::{Item, ItemError};
use crate::AppState;

/// The most transactions in one request.
pub const MAX_BATCH: usize = 10_000;

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn item_error_json(error: &ItemError) -> String {
    let mut object = serde_json::json!({"status": error.status, "message": error.message});
    if let Some(field) = &error.field {
        object["field"] = serde_json::Value::String(field.clone());
    }
    object.to_string()
}

/// Decodes one transaction of a request; a bad one is that item's error.
fn item(raw: &RawValue) -> Item {
    decode_object(raw.get()).map_err(|e| ItemError {
        status: if e.column == "(json)" { 400 } else { 422 },
        message: if e.column.starts_with('(') { e.message } else { format!("field {:?}: {}", e.column, e.message) },
        field: (!e.column.starts_with('(')).then(|| e.column.to_owned()),
    })
}

/// A transaction whose event time is at most `max_ahead` ms ahead of `now` (the server's clock, UTC ms);
/// else that item's 422, naming the field.
fn not_ahead(labelled: LabelledTransaction, now: i64, max_ahead: i64) -> Item {
    let time = labelled.tx.time.millis();
    if time.saturating_sub(now) <= max_ahead {
        return Ok(labelled);
    }
    Err(ItemError {
        status: 422,
        message: format!(
            "field \"time\": {} is {} ahead of this server's clock ({}); at most {} is allowed (tonle serve \
             --max-ahead): a time that far ahead would hold up every later transaction as too late",
            labelled.tx.time,
            tonle_core::time::span_text(time - now),
            EventTime::from_millis(now).map_or_else(|_| now.to_string(), |t| t.to_string()),
            tonle_core::time::span_text(max_ahead)
        ),
        field: Some("time".into()),
    })
}

/// `POST /v1/transactions`: a JSON object (one transaction: its decision, or an error status) or a JSON array
/// (a batch: `{"decisions": [...]}` in order, each a decision or `{"index", "error"}`).
pub async fn submit(State(state): State<Arc<AppState>>, caller: Caller, body: Bytes) -> Result<Response, ApiError> {
    let principal = caller.require(Permission::Ingest)?;
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::bad_request("the body is not UTF-8"))?;
    let trimmed = text.trim_start();
    let batch = trimmed.starts_with('[');
    let items: Vec<Item> = if batch {
        let raws: Vec<&RawValue> = serde_json::from_str(text)
            .map_err(|e| ApiError::bad_request(format!("the body is not a JSON array of transactions: {e}")))?;
        if raws.is_empty() || raws.len() > MAX_BATCH {
            return Err(ApiError::invalid(
                "(body)",
                format!("a batch holds 1 to {MAX_BATCH} transactions, not {}", raws.len()),
            ));
        }
        raws.into_iter().map(item).collect()
    } else if trimmed.starts_with('{') {
        let raw: &RawValue = serde_json::from_str(text)
            .map_err(|e| ApiError::bad_request(format!("the body is not a JSON object: {e}")))?;
        vec![item(raw)]
    } else {
        return Err(ApiError::bad_request(
            "send one transaction as a JSON object, or a batch as a JSON array of objects (native fields, docs/formats.md)",
        ));
    };
    let now = crate::now_millis();
    let items = items.into_iter().map(|item| item.and_then(|labelled| not_ahead(labelled, now, state.setup.max_ahead)));
    let pipeline = state.pipeline(&principal.tenant).await?;
    let answers = pipeline.decide(items.collect()).await.map_err(|e| ApiError::unavailable(e.to_string()))?;
    if !batch {
        let answer = answers.into_iter().next().expect("one answer per item");
        return Ok(match answer {
            Ok(decided) => json_response(StatusCode::OK, decided.json),
            Err(error) => {
                let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
                json_response(status, format!(r#"{{"error":{}}}"#, item_error_json(&error)))
            }
        });
    }
    let mut out = String::with_capacity(answers.len() * 256 + 16);
    out.push_str(r#"{"decisions":["#);
    for (index, answer) in answers.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        match answer {
            Ok(decided) => out.push_str(&decided.json),
            Err(error) => out.push_str(&format!(r#"{{"index":{index},"error":{}}}"#, item_error_json(error))),
        }
    }
    out.push_str("]}");
    Ok(json_response(StatusCode::OK, out))
}

/// `GET /v1/transactions/{id}`: a logged transaction and its decision.
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let principal = caller.require(Permission::Read)?;
    let stored = state
        .store
        .transaction(&principal.tenant, &id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("transaction {id:?} is not in the log")))?;
    let body = serde_json::json!({
        "seq": stored.seq,
        "received_at": stored.received_at,
        "transaction": raw(&stored.logged.body)?,
        "decision": raw(&stored.logged.outcome)?,
    });
    Ok(json_response(StatusCode::OK, body.to_string()))
}

fn raw(text: &str) -> Result<serde_json::Value, ApiError> {
    serde_json::from_str(text)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("corrupt log entry: {e}")))
}

/// `GET /v1/accounts/{id}`: what is known of an account: frozen or not (and pending requests), how many
/// transactions it paid and received and when (first and last event time), its open alerts, and its latest
/// decisions (at most 16, newest first).
pub async fn account(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let principal = caller.require(Permission::Read)?;
    let tenant = &principal.tenant;
    let store = &state.store;
    let pipeline = state.pipeline(tenant).await?;
    let known = pipeline.account(&id).await.map_err(|e| ApiError::unavailable(e.to_string()))?;
    let frozen = store.frozen_accounts(tenant).await?.into_iter().find(|(account, _)| *account == id);
    let pending: Vec<_> = store
        .freezes(tenant, Some(tonle_store::FreezeStatus::Pending))
        .await?
        .into_iter()
        .filter(|f| f.account == id)
        .collect();
    if known.is_none() && frozen.is_none() && pending.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("account {id:?} has no transactions, freezes or requests"),
        ));
    }
    let recent = match &known {
        Some(view) => store.transactions_at(tenant, &view.recent).await?,
        None => Vec::new(),
    };
    let alerts = store
        .alerts(
            tenant,
            &tonle_store::AlertFilter {
                account: Some(id.clone()),
                status: Some("open".into()),
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await?;
    let recent: Vec<serde_json::Value> = recent
        .iter()
        .map(|s| {
            Ok(serde_json::json!({"seq": s.seq, "transaction": raw(&s.logged.body)?, "decision": raw(&s.logged.outcome)?}))
        })
        .collect::<Result<_, ApiError>>()?;
    let body = serde_json::json!({
        "account": id,
        "frozen": frozen.map(|(_, request)| serde_json::json!({"freeze_request": request})),
        "pending_requests": pending,
        "activity": known.as_ref().map(|view| serde_json::json!({
            "first_seen": view.first_seen, "last_seen": view.last_seen, "paid": view.paid, "received": view.received
        })),
        "features": known.and_then(|view| view.features),
        "open_alerts": alerts,
        "recent": recent,
    });
    Ok(json_response(StatusCode::OK, body.to_string()))
}
