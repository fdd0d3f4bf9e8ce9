//! Who is calling: the API key in `Authorization: Bearer KEY` (or `X-Api-Key: KEY`), looked up in the store,
//! and what each role may do.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use tonle_store::{Principal, Role};

use crate::error::ApiError;
use crate::AppState;

/// What a request does, for the role check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Submit transactions.
    Ingest,
    /// Read alerts, cases, accounts, freezes, rule sets.
    Read,
    /// Work alerts and cases, request freezes.
    Work,
    /// Approve or reject freezes.
    Approve,
    /// Manage keys and rule sets.
    Administer,
    /// Read the audit log and verify it.
    Audit,
}

/// Whether a role has a permission.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Ingest => permission == Ingest,
        Role::Analyst => matches!(permission, Read | Work),
        Role::Supervisor => matches!(permission, Read | Work | Approve),
        Role::Admin => matches!(permission, Read | Administer | Audit),
        Role::Auditor => matches!(permission, Read | Audit),
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl Caller {
    /// Refuses the request unless the caller's role has the permission.
    pub fn require(&self, permission: Permission) -> Result<&Principal, ApiError> {
        if allows(self.0.role, permission) {
            Ok(&self.0)
        } else {
            Err(ApiError::forbidden(format!(
                "a key with role {} may not do this (it needs {:?} permission)",
                self.0.role, permission
            )))
        }
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        let key = header("authorization")
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .or_else(|| header("x-api-key"))
            .map(str::trim)
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "no API key: send `Authorization: Bearer KEY`"))?;
        match state.authenticate(key).await? {
            Some(principal) => Ok(Caller(principal)),
            None => Err(ApiError::new(StatusCode::UNAUTHORIZED, "unknown or revoked API key")),
        }
    }
}
