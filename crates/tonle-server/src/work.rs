//! The analysts' routes: alerts, cases and four-eyes freezes.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tonle_store::{AlertFilter, CaseStatus, Disposition, FreezeAction, FreezeStatus};

use crate::auth::{Caller, Permission};
use crate::error::ApiError;
use crate::AppState;

/// A JSON request body whose rejections are JSON errors too.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(ApiError::new(rejection.status(), rejection.body_text())),
        }
    }
}

/// Query parameters whose rejections are JSON errors too.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Params(value)),
            Err(rejection) => Err(ApiError::new(rejection.status(), rejection.body_text())),
        }
    }
}

/// A numeric id from the path.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(text) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::new(rejection.status(), rejection.body_text()))?;
        text.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Id)
            .ok_or_else(|| ApiError::invalid("id", format!("{text:?} is not an id (a positive whole number)")))
    }
}

/// A query parameter, with an empty value (`?status=`) taken as not given.
fn given(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

/// Refuses an integer query parameter outside `low..=high`.
pub fn bounded(field: &str, value: Option<i64>, low: i64, high: i64) -> Result<Option<i64>, ApiError> {
    match value {
        Some(v) if v < low || v > high => Err(ApiError::invalid(field, format!("{v} is outside {low} to {high}"))),
        other => Ok(other),
    }
}

fn parse<T>(
    field: &str,
    value: &str,
    parse: impl Fn(&str) -> Result<T, tonle_store::StoreError>,
) -> Result<T, ApiError> {
    parse(value).map_err(|e| ApiError::invalid(field, e.to_string()))
}

/// The alert list's filters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    status: Option<String>,
    assignee: Option<String>,
    account: Option<String>,
    decision: Option<String>,
    case: Option<i64>,
    after: Option<i64>,
    limit: Option<i64>,
}

/// `GET /v1/alerts`.
pub async fn list_alerts(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Params(query): Params<AlertQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let principal = caller.require(Permission::Read)?;
    let query = AlertQuery {
        status: given(query.status),
        assignee: given(query.assignee),
        account: given(query.account),
        decision: given(query.decision),
        ..query
    };
    bounded("limit", query.limit, 1, 1000)?;
    bounded("after", query.after, 0, i64::MAX)?;
    bounded("case", query.case, 1, i64::MAX)?;
    if let Some(status) = &query.status {
        if status != "open" && status != "closed" {
            return Err(ApiError::invalid("status", format!("{status:?}: expected open or closed")));
        }
    }
    if let Some(decision) = &query.decision {
        decision.parse::<tonle_core::Decision>().map_err(|e| ApiError::invalid("decision", e.to_string()))?;
    }
    let filter = AlertFilter {
        status: query.status,
        assignee: query.assignee,
        account: query.account,
        decision: query.decision,
        case_id: query.case,
        after: query.after,
        limit: query.limit,
    };
    let alerts = state.store.alerts(&principal.tenant, &filter).await?;
    Ok(Json(serde_json::json!({ "alerts": alerts })))
}

/// `GET /v1/alerts/{id}`: the alert with its transaction's logged decision.
pub async fn get_alert(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<serde_json::Value>, ApiError> {
    let principal = caller.require(Permission::Read)?;
    let alert = state.store.alert(&principal.tenant, id).await?;
    let decision = state
        .store
        .transaction(&principal.tenant, &alert.transaction_id)
        .await?
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t.logged.outcome).ok());
    Ok(Json(serde_json::json!({ "alert": alert, "decision": decision })))
}

/// `POST /v1/alerts/{id}/assign`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    assignee: String,
}

/// `POST /v1/alerts/{id}/assign`.
pub async fn assign_alert(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Id(id): Id,
    Body(body): Body<AssignBody>,
) -> Result<Json<tonle_store::Alert>, ApiError> {
    let principal = caller.require(Permission::Work)?;
    Ok(Json(state.store.assign_alert(&principal.tenant, id, &body.assignee, &principal.user).await?))
}

/// `POST /v1/alerts/{id}/close`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    disposition: String,
    #[serde(default)]
    comment: String,
}

/// `POST /v1/alerts/{id}/close`.
pub async fn close_alert(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Id(id): Id,
    Body(body): Body<CloseBody>,
) -> Result<Json<tonle_store::Alert>, ApiError> {
    let principal = caller.require(Permission::Work)?;
    let disposition: Disposition = parse("disposition", &body.disposition, str::parse)?;
    Ok(Json(state.store.close_alert(&principal.tenant, id, disposition, &body.comment, &principal.user).await?))
}

/// `GET /v1/cases`'s filters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    status: Option<String>,
    limit: Option<i64>,
}

/// `GET /v1/cases`: newest first.
pub async fn list_cases(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Params(query): Params<CaseQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let principal = caller.require(Permission::Read)?;
    bounded("limit", query.limit, 1, 1000)?;
    let status = given(query.status).map(|s| parse("status", &s, str::parse::<CaseStatus>)).transpose()?;
    let cases = state.store.cases(&principal.tenant, status, query.limit.unwrap_or(100)).await?;
    Ok(Json(serde_json::json!({ "cases": cases })))
}

/// `POST /v1/cases`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseBody {
    title: String,
    #[serde(default)]
    alerts: Vec<i64>,
}

/// `POST /v1/cases`.
pub async fn create_case(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Body(body): Body<CaseBody>,
) -> Result<(axum::http::StatusCode, Json<tonle_store::Case>), ApiError> {
    let principal = caller.require(Permission::Work)?;
    let case = state.store.create_case(&principal.tenant, &body.title, &body.alerts, &principal.user).await?;
    Ok((axum::http::StatusCode::CREATED, Json(case)))
}

/// `GET /v1/cases/{id}`.
pub async fn get_case(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<tonle_store::Case>, ApiError> {
    let principal = caller.require(Permission::Read)?;
    Ok(Json(state.store.case(&principal.tenant, id).await?))
}

/// `PATCH /v1/cases/{id}`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseUpdate {
    status: Option<String>,
    assignee: Option<String>,
}

/// `PATCH /v1/cases/{id}`: move along the workflow, assign.
pub async fn update_case(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Id(id): Id,
    Body(body): Body<CaseUpdate>,
) -> Result<Json<tonle_store::Case>, ApiError> {
    let principal = caller.require(Permission::Work)?;
    let status = body.status.as_deref().map(|s| parse("status", s, str::parse::<CaseStatus>)).transpose()?;
    let case =
        state.store.update_case(&principal.tenant, id, status, body.assignee.as_deref(), &principal.user).await?;
    Ok(Json(case))
}

/// `POST /v1/cases/{id}/alerts`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsBody {
    alerts: Vec<i64>,
}

/// `POST /v1/cases/{id}/alerts`.
pub async fn add_case_alerts(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Id(id): Id,
    Body(body): Body<AlertsBody>,
) -> Result<Json<tonle_store::Case>, ApiError> {
    let principal = caller.require(Permission::Work)?;
    Ok(Json(state.store.add_case_alerts(&principal.tenant, id, &body.alerts, &principal.user).await?))
}

/// A note's or evidence's body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryBody {
    body: String,
}

async fn add_entry(
    state: &AppState,
    caller: &Caller,
    id: i64,
    kind: &str,
    body: &str,
) -> Result<(axum::http::StatusCode, Json<tonle_store::CaseEntry>), ApiError> {
    let principal = caller.require(Permission::Work)?;
    let entry = state.store.add_case_entry(&principal.tenant, id, kind, body, &principal.user).await?;
    Ok((axum::http::StatusCode::CREATED, Json(entry)))
}

/// `POST /v1/cases/{id}/notes`.
pub async fn add_case_note(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Id(id): Id,
    Body(body): Body<EntryBody>,
) -> Result<(axum::http::StatusCode, Json<tonle_store::CaseEntry>), ApiError> {
    add_entry(&state, &caller, id, "note", &body.body).await
}

/// `POST /v1/cases/{id}/evidence`.
pub async fn add_case_evidence(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Id(id): Id,
    Body(body): Body<EntryBody>,
) -> Result<(axum::http::StatusCode, Json<tonle_store::CaseEntry>), ApiError> {
    add_entry(&state, &caller, id, "evidence", &body.body).await
}

/// `GET /v1/freezes`'s filter.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreezeQuery {
    status: Option<String>,
}

/// `GET /v1/freezes`: newest first.
pub async fn list_freezes(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Params(query): Params<FreezeQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let principal = caller.require(Permission::Read)?;
    let status = match given(query.status).as_deref() {
        None => None,
        Some("pending") => Some(FreezeStatus::Pending),
        Some("approved") => Some(FreezeStatus::Approved),
        Some("rejected") => Some(FreezeStatus::Rejected),
        Some(other) => {
            return Err(ApiError::invalid("status", format!("{other:?}: expected pending, approved or rejected")))
        }
    };
    let freezes = state.store.freezes(&principal.tenant, status).await?;
    Ok(Json(serde_json::json!({ "freezes": freezes })))
}

/// `GET /v1/freezes/{id}`.
pub async fn get_freeze(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<tonle_store::Freeze>, ApiError> {
    let principal = caller.require(Permission::Read)?;
    Ok(Json(state.store.freeze(&principal.tenant, id).await?))
}

/// `POST /v1/freezes`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreezeBody {
    account: String,
    #[serde(default = "freeze_action")]
    action: String,
    reason: String,
}

fn freeze_action() -> String {
    "freeze".into()
}

/// `POST /v1/freezes`: ask for an account to be frozen (or unfrozen); a supervisor other than the requester
/// must approve.
pub async fn request_freeze(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Body(body): Body<FreezeBody>,
) -> Result<(axum::http::StatusCode, Json<tonle_store::Freeze>), ApiError> {
    let principal = caller.require(Permission::Work)?;
    let action = match body.action.as_str() {
        "freeze" => FreezeAction::Freeze,
        "unfreeze" => FreezeAction::Unfreeze,
        other => return Err(ApiError::invalid("action", format!("{other:?}: expected freeze or unfreeze"))),
    };
    let request =
        state.store.request_freeze(&principal.tenant, &body.account, action, &body.reason, &principal.user).await?;
    Ok((axum::http::StatusCode::CREATED, Json(request)))
}

async fn decide_freeze(
    state: &AppState,
    caller: &Caller,
    id: i64,
    approve: bool,
) -> Result<Json<tonle_store::Freeze>, ApiError> {
    let principal = caller.require(Permission::Approve)?;
    let decided = state.store.decide_freeze(&principal.tenant, id, approve, &principal.user).await?;
    if approve {
        // The freeze is in the store; make the pipeline see it before answering, so that the very next
        // payment from the account is blocked.
        let frozen = (decided.action == FreezeAction::Freeze).then_some(decided.id);
        let pipeline = state.pipeline(&principal.tenant).await?;
        pipeline.set_frozen(&decided.account, frozen).await.map_err(|e| ApiError::unavailable(e.to_string()))?;
    }
    Ok(Json(decided))
}

/// `POST /v1/freezes/{id}/approve` (supervisor, not the requester).
pub async fn approve_freeze(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<tonle_store::Freeze>, ApiError> {
    decide_freeze(&state, &caller, id, true).await
}

/// `POST /v1/freezes/{id}/reject` (supervisor, not the requester).
pub async fn reject_freeze(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<tonle_store::Freeze>, ApiError> {
    decide_freeze(&state, &caller, id, false).await
}
