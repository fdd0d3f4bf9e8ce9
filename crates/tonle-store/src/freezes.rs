//! Asset freezes under the four-eyes rule: one person requests a freeze (or an unfreeze) of an account, a
//! second person approves or rejects it; never the same person. An approved freeze makes the account frozen
//! until an approved unfreeze.

use serde::Serialize;

use crate::{audit, check_name, next_number, now_millis, stored, Result, Store, StoreError};

/// Freeze or unfreeze.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreezeAction {
    /// Block the account's debits.
    Freeze,
    /// Lift a freeze.
    Unfreeze,
}

stored_names!(FreezeAction, "freeze action", { Freeze => "freeze", Unfreeze => "unfreeze" });

/// Where a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreezeStatus {
    /// Waiting for a second person.
    Pending,
    /// Approved: in force (or, for an unfreeze, the freeze is lifted).
    Approved,
    /// Rejected.
    Rejected,
}

stored_names!(FreezeStatus, "freeze status", { Pending => "pending", Approved => "approved", Rejected => "rejected" });

/// A request to freeze or unfreeze an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Freeze {
    /// Its number in the tenant.
    pub id: i64,
    /// The account.
    pub account: String,
    /// Freeze or unfreeze.
    pub action: FreezeAction,
    /// Why (the legal basis, the case).
    pub reason: String,
    /// Pending, approved or rejected.
    pub status: FreezeStatus,
    /// Who asked.
    pub requested_by: String,
    /// When (UTC ms).
    pub requested_at: i64,
    /// Who approved or rejected it.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<i64>,
}

type FreezeRow = (i64, String, String, String, String, String, i64, Option<String>, Option<i64>);
const FREEZE_COLUMNS: &str = "id, account, action, reason, status, requested_by, requested_at, decided_by, decided_at";

fn freeze(
    (id, account, action, reason, status, requested_by, requested_at, decided_by, decided_at): FreezeRow,
) -> Result<Freeze> {
    Ok(Freeze {
        id,
        account,
        action: stored("freeze action", &action)?,
        reason,
        status: stored("freeze status", &status)?,
        requested_by,
        requested_at,
        decided_by,
        decided_at,
    })
}

/// One request, read through a pool or inside a write.
async fn get_in<'e>(executor: impl sqlx::Executor<'e, Database = sqlx::Any>, tenant: &str, id: i64) -> Result<Freeze> {
    let row: Option<FreezeRow> =
        sqlx::query_as(&format!("SELECT {FREEZE_COLUMNS} FROM freezes WHERE tenant = $1 AND id = $2"))
            .bind(tenant)
            .bind(id)
            .fetch_optional(executor)
            .await?;
    row.map(freeze).transpose()?.ok_or_else(|| StoreError::NotFound(format!("freeze request {id}")))
}

async fn frozen_in(tx: &mut sqlx::Transaction<'_, sqlx::Any>, tenant: &str, account: &str) -> Result<Option<i64>> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT freeze_id FROM frozen_accounts WHERE tenant = $1 AND account = $2")
            .bind(tenant)
            .bind(account)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(id,)| id))
}

impl Store {
    /// Asks for an account to be frozen or unfrozen; a second person must approve.
    pub async fn request_freeze(
        &self,
        tenant: &str,
        account: &str,
        action: FreezeAction,
        reason: &str,
        actor: &str,
    ) -> Result<Freeze> {
        check_name("account", account)?;
        if reason.trim().is_empty() || reason.len() > 10_000 {
            return Err(StoreError::Conflict("a freeze request needs a reason (at most 10,000 characters)".into()));
        }
        let _writing = self.writer.lock().await;
        let mut tx = self.begin_write().await?;
        let frozen = frozen_in(&mut tx, tenant, account).await?;
        match (action, frozen) {
            (FreezeAction::Freeze, Some(id)) => {
                return Err(StoreError::Conflict(format!("account {account:?} is already frozen (freeze {id})")))
            }
            (FreezeAction::Unfreeze, None) => {
                return Err(StoreError::Conflict(format!("account {account:?} is not frozen")))
            }
            _ => {}
        }
        let pending: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM freezes WHERE tenant = $1 AND account = $2 AND status = 'pending'")
                .bind(tenant)
                .bind(account)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((id,)) = pending {
            return Err(StoreError::Conflict(format!("request {id} for account {account:?} is still pending")));
        }
        let id = next_number(&mut tx, "freezes", "id", tenant).await?;
        let now = now_millis();
        sqlx::query(
            "INSERT INTO freezes (tenant, id, account, action, reason, status, requested_by, requested_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)",
        )
        .bind(tenant)
        .bind(id)
        .bind(account)
        .bind(action.as_str())
        .bind(reason)
        .bind(actor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            tenant,
            now,
            actor,
            &format!("{}.request", action.as_str()),
            &format!("account/{account}"),
            &serde_json::json!({"request": id, "reason": reason}),
        )
        .await?;
        let made = get_in(&mut *tx, tenant, id).await?;
        tx.commit().await?;
        Ok(made)
    }

    /// Approves (or rejects) a pending request. The approver must not be the requester. An approved freeze
    /// makes the account frozen, an approved unfreeze lifts it, in the same database transaction.
    pub async fn decide_freeze(&self, tenant: &str, id: i64, approve: bool, actor: &str) -> Result<Freeze> {
        let _writing = self.writer.lock().await;
        let mut tx = self.begin_write().await?;
        let request = get_in(&mut *tx, tenant, id).await?;
        if request.status != FreezeStatus::Pending {
            return Err(StoreError::Conflict(format!("request {id} is already {}", request.status.as_str())));
        }
        if request.requested_by == actor {
            return Err(StoreError::Conflict(format!(
                "request {id} was made by {actor}: a second person must decide it (four-eyes rule)"
            )));
        }
        let now = now_millis();
        let status = if approve { FreezeStatus::Approved } else { FreezeStatus::Rejected };
        sqlx::query("UPDATE freezes SET status = $1, decided_by = $2, decided_at = $3 WHERE tenant = $4 AND id = $5")
            .bind(status.as_str())
            .bind(actor)
            .bind(now)
            .bind(tenant)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if approve {
            match request.action {
                FreezeAction::Freeze => {
                    sqlx::query(
                        "INSERT INTO frozen_accounts (tenant, account, freeze_id, since) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(tenant)
                    .bind(&request.account)
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                FreezeAction::Unfreeze => {
                    sqlx::query("DELETE FROM frozen_accounts WHERE tenant = $1 AND account = $2")
                        .bind(tenant)
                        .bind(&request.account)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        audit::record(
            &mut tx,
            tenant,
            now,
            actor,
            &format!("{}.{}", request.action.as_str(), if approve { "approve" } else { "reject" }),
            &format!("account/{}", request.account),
            &serde_json::json!({"request": id, "requested_by": request.requested_by}),
        )
        .await?;
        let decided = get_in(&mut *tx, tenant, id).await?;
        tx.commit().await?;
        Ok(decided)
    }

    /// One request.
    pub async fn freeze(&self, tenant: &str, id: i64) -> Result<Freeze> {
        get_in(&self.pool, tenant, id).await
    }

    /// The tenant's requests, newest first, optionally in one status.
    pub async fn freezes(&self, tenant: &str, status: Option<FreezeStatus>) -> Result<Vec<Freeze>> {
        let rows: Vec<FreezeRow> = sqlx::query_as(&format!(
            "SELECT {FREEZE_COLUMNS} FROM freezes WHERE tenant = $1 AND ($2 = '' OR status = $2) ORDER BY id DESC LIMIT 1000"
        ))
        .bind(tenant)
        .bind(status.map(FreezeStatus::as_str).unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(freeze).collect()
    }

    /// The tenant's frozen accounts: (account, the approved freeze request).
    pub async fn frozen_accounts(&self, tenant: &str) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as("SELECT account, freeze_id FROM frozen_accounts WHERE tenant = $1 ORDER BY account")
            .bind(tenant)
            .fetch_all(&self.pool)
            .await?)
    }
}
