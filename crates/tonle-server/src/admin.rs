//! The administrators' and auditors' routes: rule sets, API keys, the audit log and its verification.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use tonle_store::{Role, RuleSetMode};

use crate::auth::{Caller, Permission};
use crate::error::ApiError;
use crate::work::{Body, Params};
use crate::AppState;

/// `GET /v1/rulesets`: every stored version and its mode, and the version deciding now.
pub async fn list_rulesets(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    let principal = caller.require(Permission::Read)?;
    let sets = state.store.rulesets(&principal.tenant).await?;
    Ok(Json(serde_json::json!({ "rulesets": sets, "default": state.setup.rules.1 })))
}

/// `POST /v1/rulesets`: a rule file (TOML, as the body), checked by compiling it, stored inactive under its
/// version.
pub async fn upload_ruleset(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<tonle_store::StoredRuleSet>), ApiError> {
    let principal = caller.require(Permission::Administer)?;
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::bad_request("the rule file is not UTF-8"))?;
    let pipeline = state.pipeline(&principal.tenant).await?;
    let version = pipeline
        .check_rules(text, "the uploaded rule file")
        .await
        .map_err(|e| ApiError::unavailable(e.to_string()))?
        .map_err(|message| ApiError::invalid("(body)", message))?;
    let mut stored = state.store.add_ruleset(&principal.tenant, &version, text, &principal.user).await?;
    stored.body.clear();
    Ok((StatusCode::CREATED, Json(stored)))
}

/// `PUT /v1/rulesets/{version}/mode`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeBody {
    mode: String,
}

/// `PUT /v1/rulesets/{version}/mode`: make a stored set live (deciding), shadow (reported beside the live
/// one) or inactive. The tenant's engine takes it before the answer; if it cannot, the mode is put back.
pub async fn set_ruleset_mode(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(version): Path<String>,
    Body(body): Body<ModeBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let principal = caller.require(Permission::Administer)?;
    let tenant = &principal.tenant;
    let mode = body.mode.parse::<RuleSetMode>().map_err(|e| ApiError::invalid("mode", e.to_string()))?;
    let before = state.store.rulesets(tenant).await?;
    before
        .iter()
        .find(|s| s.version == version)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("rule set {version:?} is not stored")))?;
    state.store.set_ruleset_mode(tenant, &version, mode, &principal.user).await?;
    let pipeline = state.pipeline(tenant).await?;
    match pipeline.reload_rules().await.map_err(|e| ApiError::unavailable(e.to_string()))? {
        Ok(deciding) => Ok(Json(serde_json::json!({"version": version, "mode": mode, "deciding": deciding}))),
        Err(message) => {
            // Put back every mode that changed (demotions first, so that restoring a live or shadow set does
            // not demote another), then the engine as it was.
            let now = state.store.rulesets(tenant).await?;
            let mut changed: Vec<_> = before
                .iter()
                .filter(|old| now.iter().any(|new| new.version == old.version && new.mode != old.mode))
                .collect();
            changed.sort_by_key(|set| set.mode != RuleSetMode::Inactive);
            for set in changed {
                state.store.set_ruleset_mode(tenant, &set.version, set.mode, &principal.user).await?;
            }
            let _ = pipeline.reload_rules().await;
            Err(ApiError::invalid("mode", format!("the engine cannot take this set as {}: {message}", mode.as_str())))
        }
    }
}

/// `GET /v1/keys`: the tenant's keys (never the keys themselves).
pub async fn list_keys(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    let principal = caller.require(Permission::Administer)?;
    Ok(Json(serde_json::json!({ "keys": state.store.keys(&principal.tenant).await? })))
}

/// `POST /v1/keys`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyBody {
    user: String,
    role: String,
}

/// `POST /v1/keys`: a new key for a user of the caller's tenant; the answer is the only time it is shown.
pub async fn create_key(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Body(body): Body<KeyBody>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let principal = caller.require(Permission::Administer)?;
    let role: Role =
        body.role.parse().map_err(|e: tonle_store::StoreError| ApiError::invalid("role", e.to_string()))?;
    let key = state.store.create_key(&principal.tenant, &body.user, role, &principal.user).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"key": key, "tenant": principal.tenant, "user": body.user, "role": role})),
    ))
}

/// `DELETE /v1/keys/{prefix}`: revokes the tenant's keys starting with the prefix (at least 12 characters).
pub async fn revoke_key(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(prefix): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let principal = caller.require(Permission::Administer)?;
    let revoked = state.store.revoke_keys(&principal.tenant, &prefix, &principal.user).await?;
    state.forget_keys();
    if revoked == 0 {
        return Err(ApiError::new(StatusCode::NOT_FOUND, format!("no live key of this tenant starts with {prefix:?}")));
    }
    Ok(Json(serde_json::json!({ "revoked": revoked })))
}

/// `GET /v1/audit`'s paging.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    after: Option<i64>,
    limit: Option<i64>,
}

/// `GET /v1/audit`: the tenant's audit entries, oldest first.
pub async fn audit_entries(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Params(query): Params<AuditQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let principal = caller.require(Permission::Audit)?;
    let limit = crate::work::bounded("limit", query.limit, 1, 1000)?.unwrap_or(100);
    crate::work::bounded("after", query.after, 0, i64::MAX)?;
    let entries = state.store.audit_entries(&principal.tenant, query.after.unwrap_or(0), limit).await?;
    Ok(Json(serde_json::json!({ "entries": entries })))
}

/// `GET /v1/audit/verify`: checks the tenant's audit and transaction chains.
pub async fn audit_verify(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    let principal = caller.require(Permission::Audit)?;
    let report = state.store.verify(Some(&principal.tenant)).await?;
    Ok(Json(serde_json::json!({"intact": report.intact(), "entries": report.entries, "problems": report.problems})))
}
