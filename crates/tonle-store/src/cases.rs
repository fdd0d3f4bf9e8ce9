//! Cases: alerts grouped for an investigation, with notes and evidence, through a status workflow.

use serde::Serialize;

use crate::alerts::Alert;
use crate::{audit, check_name, next_number, now_millis, stored, AlertFilter, Result, Store, StoreError};

/// Where a case is in its workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStatus {
    /// Made, not yet worked.
    Open,
    /// Being worked.
    Investigating,
    /// Handed up (to a supervisor, the MLRO).
    Escalated,
    /// Reported to the financial intelligence unit.
    Reported,
    /// Done.
    Closed,
}

stored_names!(CaseStatus, "case status", {
    Open => "open",
    Investigating => "investigating",
    Escalated => "escalated",
    Reported => "reported",
    Closed => "closed",
});

impl CaseStatus {
    /// The statuses a case may move to from this one.
    pub fn next(self) -> &'static [CaseStatus] {
        use CaseStatus::*;
        match self {
            Open => &[Investigating, Closed],
            Investigating => &[Escalated, Reported, Closed],
            Escalated => &[Investigating, Reported, Closed],
            Reported => &[Closed],
            Closed => &[Investigating],
        }
    }
}

/// A note or a piece of evidence on a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseEntry {
    /// Its number in the case.
    pub id: i64,
    /// `note` or `evidence`.
    pub kind: String,
    /// Who wrote it.
    pub author: String,
    /// When (UTC ms).
    pub at: i64,
    /// The text (for evidence: what it is and where it is kept).
    pub body: String,
}

/// A case with its alerts and entries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    /// Its number in the tenant.
    pub id: i64,
    /// What it is about.
    pub title: String,
    /// Where it is in the workflow.
    pub status: CaseStatus,
    /// Who works it.
    pub assignee: Option<String>,
    /// Who opened it.
    pub created_by: String,
    /// When (UTC ms).
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
    /// Its alerts.
    pub alerts: Vec<Alert>,
    /// Its notes and evidence, oldest first.
    pub entries: Vec<CaseEntry>,
}

type CaseRow = (i64, String, String, Option<String>, String, i64, i64);

async fn case_row(tx: &mut sqlx::Transaction<'_, sqlx::Any>, tenant: &str, id: i64) -> Result<CaseRow> {
    let row: Option<CaseRow> = sqlx::query_as(
        "SELECT id, title, status, assignee, created_by, created_at, updated_at FROM cases WHERE tenant = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.ok_or_else(|| StoreError::NotFound(format!("case {id}")))
}

/// Puts alerts into a case; each must exist in the tenant and be in no other case.
async fn attach(tx: &mut sqlx::Transaction<'_, sqlx::Any>, tenant: &str, case_id: i64, alerts: &[i64]) -> Result<()> {
    for &alert in alerts {
        let found = crate::alerts::get_in(&mut **tx, tenant, alert).await?;
        match found.case_id {
            Some(other) if other != case_id => {
                return Err(StoreError::Conflict(format!("alert {alert} is already in case {other}")));
            }
            _ => {}
        }
        sqlx::query("UPDATE alerts SET case_id = $1 WHERE tenant = $2 AND id = $3")
            .bind(case_id)
            .bind(tenant)
            .bind(alert)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Opens a case over some alerts.
    pub async fn create_case(&self, tenant: &str, title: &str, alerts: &[i64], actor: &str) -> Result<Case> {
        if title.trim().is_empty() || title.len() > 500 {
            return Err(StoreError::Conflict("a case's title must be 1 to 500 characters".into()));
        }
        let id = {
            let _writing = self.writer.lock().await;
            let mut tx = self.begin_write().await?;
            let id = next_number(&mut tx, "cases", "id", tenant).await?;
            let now = now_millis();
            sqlx::query(
                "INSERT INTO cases (tenant, id, title, status, created_by, created_at, updated_at) VALUES ($1, $2, $3, 'open', $4, $5, $5)",
            )
            .bind(tenant)
            .bind(id)
            .bind(title)
            .bind(actor)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            attach(&mut tx, tenant, id, alerts).await?;
            audit::record(
                &mut tx,
                tenant,
                now,
                actor,
                "case.create",
                &format!("case/{id}"),
                &serde_json::json!({"title": title, "alerts": alerts}),
            )
            .await?;
            tx.commit().await?;
            id
        };
        self.case(tenant, id).await
    }

    /// A case with its alerts and entries.
    pub async fn case(&self, tenant: &str, id: i64) -> Result<Case> {
        let mut tx = self.begin_write().await?;
        let (id, title, status, assignee, created_by, created_at, updated_at) = case_row(&mut tx, tenant, id).await?;
        let entries: Vec<(i64, String, String, i64, String)> = sqlx::query_as(
            "SELECT id, kind, author, at, body FROM case_entries WHERE tenant = $1 AND case_id = $2 ORDER BY id",
        )
        .bind(tenant)
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let alerts =
            self.alerts(tenant, &AlertFilter { case_id: Some(id), limit: Some(1000), ..Default::default() }).await?;
        Ok(Case {
            id,
            title,
            status: stored(&format!("case {id} status"), &status)?,
            assignee,
            created_by,
            created_at,
            updated_at,
            alerts,
            entries: entries
                .into_iter()
                .map(|(id, kind, author, at, body)| CaseEntry { id, kind, author, at, body })
                .collect(),
        })
    }

    /// The tenant's cases (without their alerts and entries), newest first, optionally in one status.
    pub async fn cases(&self, tenant: &str, status: Option<CaseStatus>, limit: i64) -> Result<Vec<Case>> {
        let rows: Vec<CaseRow> = sqlx::query_as(
            "SELECT id, title, status, assignee, created_by, created_at, updated_at FROM cases \
             WHERE tenant = $1 AND ($2 = '' OR status = $2) ORDER BY id DESC LIMIT $3",
        )
        .bind(tenant)
        .bind(status.map(CaseStatus::as_str).unwrap_or(""))
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, title, status, assignee, created_by, created_at, updated_at)| {
                Ok(Case {
                    id,
                    title,
                    status: stored(&format!("case {id} status"), &status)?,
                    assignee,
                    created_by,
                    created_at,
                    updated_at,
                    alerts: Vec::new(),
                    entries: Vec::new(),
                })
            })
            .collect()
    }

    /// Adds alerts to a case.
    pub async fn add_case_alerts(&self, tenant: &str, id: i64, alerts: &[i64], actor: &str) -> Result<Case> {
        {
            let _writing = self.writer.lock().await;
            let mut tx = self.begin_write().await?;
            case_row(&mut tx, tenant, id).await?;
            attach(&mut tx, tenant, id, alerts).await?;
            let now = now_millis();
            sqlx::query("UPDATE cases SET updated_at = $1 WHERE tenant = $2 AND id = $3")
                .bind(now)
                .bind(tenant)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            audit::record(
                &mut tx,
                tenant,
                now,
                actor,
                "case.add-alerts",
                &format!("case/{id}"),
                &serde_json::json!({"alerts": alerts}),
            )
            .await?;
            tx.commit().await?;
        }
        self.case(tenant, id).await
    }

    /// Adds a note or a piece of evidence to a case.
    pub async fn add_case_entry(
        &self,
        tenant: &str,
        id: i64,
        kind: &str,
        body: &str,
        actor: &str,
    ) -> Result<CaseEntry> {
        if kind != "note" && kind != "evidence" {
            return Err(StoreError::Conflict(format!("unknown entry kind {kind:?} (expected note or evidence)")));
        }
        if body.trim().is_empty() || body.len() > 100_000 {
            return Err(StoreError::Conflict("an entry's body must be 1 to 100,000 characters".into()));
        }
        let _writing = self.writer.lock().await;
        let mut tx = self.begin_write().await?;
        case_row(&mut tx, tenant, id).await?;
        let (max,): (Option<i64>,) =
            sqlx::query_as("SELECT MAX(id) FROM case_entries WHERE tenant = $1 AND case_id = $2")
                .bind(tenant)
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        let entry = CaseEntry {
            id: max.unwrap_or(0) + 1,
            kind: kind.to_owned(),
            author: actor.to_owned(),
            at: now_millis(),
            body: body.to_owned(),
        };
        sqlx::query("INSERT INTO case_entries (tenant, case_id, id, kind, author, at, body) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(tenant)
            .bind(id)
            .bind(entry.id)
            .bind(&entry.kind)
            .bind(&entry.author)
            .bind(entry.at)
            .bind(&entry.body)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE cases SET updated_at = $1 WHERE tenant = $2 AND id = $3")
            .bind(entry.at)
            .bind(tenant)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            tenant,
            entry.at,
            actor,
            &format!("case.{kind}"),
            &format!("case/{id}"),
            &serde_json::json!({"entry": entry.id, "body": body}),
        )
        .await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Moves a case along its workflow ([`CaseStatus::next`]) and optionally assigns it.
    pub async fn update_case(
        &self,
        tenant: &str,
        id: i64,
        status: Option<CaseStatus>,
        assignee: Option<&str>,
        actor: &str,
    ) -> Result<Case> {
        if let Some(assignee) = assignee {
            check_name("assignee", assignee)?;
        }
        {
            let _writing = self.writer.lock().await;
            let mut tx = self.begin_write().await?;
            let (_, _, current, _, _, _, _) = case_row(&mut tx, tenant, id).await?;
            let current: CaseStatus = stored(&format!("case {id} status"), &current)?;
            if let Some(status) = status {
                if status != current && !current.next().contains(&status) {
                    let allowed: Vec<&str> = current.next().iter().map(|s| s.as_str()).collect();
                    return Err(StoreError::Conflict(format!(
                        "case {id} is {}: it can move to {} only, not {}",
                        current.as_str(),
                        allowed.join(" or "),
                        status.as_str()
                    )));
                }
            }
            let now = now_millis();
            sqlx::query(
                "UPDATE cases SET status = $1, assignee = COALESCE($2, assignee), updated_at = $3 WHERE tenant = $4 AND id = $5",
            )
            .bind(status.unwrap_or(current).as_str())
            .bind(assignee)
            .bind(now)
            .bind(tenant)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            audit::record(
                &mut tx,
                tenant,
                now,
                actor,
                "case.update",
                &format!("case/{id}"),
                &serde_json::json!({"from": current.as_str(), "status": status.map(CaseStatus::as_str), "assignee": assignee}),
            )
            .await?;
            tx.commit().await?;
        }
        self.case(tenant, id).await
    }
}
