//! Alerts: one per transaction decided review or worse, worked by analysts: assigned, closed with a
//! disposition, grouped into cases.

use serde::Serialize;

use crate::{audit, now_millis, Result, Store, StoreError};

/// An alert to raise with a logged transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    /// The account it is about (the debtor's).
    pub account: String,
    /// The decision (`review`, `hold`, ...).
    pub decision: String,
    /// The decision's score.
    pub score: f64,
    /// The ids of the rules (and models) that fired, comma-separated.
    pub rules: String,
}

/// How an alert was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Suspicious indeed (and reported, or escalated to a case).
    TruePositive,
    /// Not suspicious.
    FalsePositive,
    /// Suspicious but below what needs acting on.
    Benign,
    /// Already covered by another alert.
    Duplicate,
}

stored_names!(Disposition, "disposition", {
    TruePositive => "true-positive",
    FalsePositive => "false-positive",
    Benign => "benign",
    Duplicate => "duplicate",
});

/// An alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Its number in the tenant, from 1.
    pub id: i64,
    /// The transaction's place in the log.
    pub tx_seq: i64,
    /// The transaction's id.
    pub transaction_id: String,
    /// The account it is about.
    pub account: String,
    /// When it was raised (UTC ms).
    pub created_at: i64,
    /// The decision.
    pub decision: String,
    /// The decision's score.
    pub score: f64,
    /// The rules that fired.
    pub rules: Vec<String>,
    /// `open` or `closed`.
    pub status: String,
    /// Who is working it.
    pub assignee: Option<String>,
    /// How it was closed.
    pub disposition: Option<String>,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// When.
    pub closed_at: Option<i64>,
    /// The case it belongs to.
    pub case_id: Option<i64>,
}

/// Which alerts to list.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// `open` or `closed`.
    pub status: Option<String>,
    /// Assigned to this user.
    pub assignee: Option<String>,
    /// About this account.
    pub account: Option<String>,
    /// With this decision.
    pub decision: Option<String>,
    /// In this case.
    pub case_id: Option<i64>,
    /// Only alerts numbered after this (paging).
    pub after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<i64>,
}

type AlertRow = (
    i64,
    i64,
    String,
    String,
    i64,
    String,
    f64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);
const ALERT_COLUMNS: &str =
    "id, tx_seq, tx_id, account, created_at, decision, score, rules, status, assignee, disposition, closed_by, closed_at, case_id";

fn alert(
    (
        id,
        tx_seq,
        transaction_id,
        account,
        created_at,
        decision,
        score,
        rules,
        status,
        assignee,
        disposition,
        closed_by,
        closed_at,
        case_id,
    ): AlertRow,
) -> Alert {
    Alert {
        id,
        tx_seq,
        transaction_id,
        account,
        created_at,
        decision,
        score,
        rules: rules.split(',').filter(|r| !r.is_empty()).map(str::to_owned).collect(),
        status,
        assignee,
        disposition,
        closed_by,
        closed_at,
        case_id,
    }
}

/// One alert, read through a pool or inside a write.
pub(crate) async fn get_in<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    tenant: &str,
    id: i64,
) -> Result<Alert> {
    let row: Option<AlertRow> =
        sqlx::query_as(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE tenant = $1 AND id = $2"))
            .bind(tenant)
            .bind(id)
            .fetch_optional(executor)
            .await?;
    row.map(alert).ok_or_else(|| StoreError::NotFound(format!("alert {id}")))
}

/// An alert raised outside a decision (a known party found on an updated list), about one of its logged
/// transactions.
#[derive(Debug, Clone, PartialEq)]
pub struct RaisedAlert {
    /// The transaction's place in the log.
    pub tx_seq: i64,
    /// The alert.
    pub alert: NewAlert,
}

impl Store {
    /// Raises alerts about logged transactions outside a decision (re-screening), numbered after the tenant's
    /// latest, and records `action` on `object` in the audit log with `details`: one write, all or nothing.
    /// Returns the alerts' ids, in order.
    pub async fn raise_alerts(
        &self,
        tenant: &str,
        actor: &str,
        action: &str,
        object: &str,
        details: &serde_json::Value,
        alerts: &[RaisedAlert],
    ) -> Result<Vec<i64>> {
        let _writing = self.writer.lock().await;
        // The log's cached head numbers the next alert; it is put back with the number moved on.
        let cached = self.log_heads.lock().expect("never poisoned").remove(tenant);
        let mut tx = self.begin_write().await?;
        let first = match &cached {
            Some((_, _, next_alert)) => *next_alert,
            None => crate::next_number(&mut tx, "alerts", "id", tenant).await?,
        };
        let now = now_millis();
        let mut ids = Vec::with_capacity(alerts.len());
        for (i, raised) in alerts.iter().enumerate() {
            let id = first + i as i64;
            let inserted = sqlx::query(
                "INSERT INTO alerts (tenant, id, tx_seq, tx_id, account, created_at, decision, score, rules, status) \
                 SELECT tenant, $2, seq, tx_id, $3, $4, $5, $6, $7, 'open' FROM transactions \
                 WHERE tenant = $1 AND seq = $8",
            )
            .bind(tenant)
            .bind(id)
            .bind(&raised.alert.account)
            .bind(now)
            .bind(&raised.alert.decision)
            .bind(raised.alert.score)
            .bind(&raised.alert.rules)
            .bind(raised.tx_seq)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() != 1 {
                return Err(StoreError::NotFound(format!("logged transaction {}", raised.tx_seq)));
            }
            ids.push(id);
        }
        audit::record(&mut tx, tenant, now, actor, action, object, details).await?;
        tx.commit().await?;
        if let Some((seq, hash, _)) = cached {
            let next = first + alerts.len() as i64;
            self.log_heads.lock().expect("never poisoned").insert(tenant.to_owned(), (seq, hash, next));
        }
        Ok(ids)
    }

    /// One alert.
    pub async fn alert(&self, tenant: &str, id: i64) -> Result<Alert> {
        get_in(&self.pool, tenant, id).await
    }

    /// The alert raised for the transaction at `tx_seq` in the log, if one was.
    pub async fn alert_for(&self, tenant: &str, tx_seq: i64) -> Result<Option<i64>> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM alerts WHERE tenant = $1 AND tx_seq = $2")
            .bind(tenant)
            .bind(tx_seq)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(id,)| id))
    }

    /// Alerts matching the filter, by number.
    pub async fn alerts(&self, tenant: &str, filter: &AlertFilter) -> Result<Vec<Alert>> {
        let mut sql = format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE tenant = $1 AND id > $2");
        let mut texts: Vec<&str> = Vec::new();
        for (column, value) in [
            ("status", &filter.status),
            ("assignee", &filter.assignee),
            ("account", &filter.account),
            ("decision", &filter.decision),
        ] {
            if let Some(value) = value {
                texts.push(value);
                sql.push_str(&format!(" AND {column} = ${}", texts.len() + 2));
            }
        }
        if filter.case_id.is_some() {
            sql.push_str(&format!(" AND case_id = ${}", texts.len() + 3));
        }
        let limit = filter.limit.unwrap_or(100).clamp(1, 1000);
        sql.push_str(&format!(" ORDER BY id LIMIT {limit}"));
        let mut query = sqlx::query_as::<_, AlertRow>(&sql).bind(tenant).bind(filter.after.unwrap_or(0));
        for text in texts {
            query = query.bind(text);
        }
        if let Some(case_id) = filter.case_id {
            query = query.bind(case_id);
        }
        Ok(query.fetch_all(&self.pool).await?.into_iter().map(alert).collect())
    }

    /// Assigns an open alert to a user.
    pub async fn assign_alert(&self, tenant: &str, id: i64, assignee: &str, actor: &str) -> Result<Alert> {
        crate::check_name("assignee", assignee)?;
        let _writing = self.writer.lock().await;
        let mut tx = self.begin_write().await?;
        let before = get_in(&mut *tx, tenant, id).await?;
        if before.status != "open" {
            return Err(StoreError::Conflict(format!("alert {id} is closed")));
        }
        sqlx::query("UPDATE alerts SET assignee = $1 WHERE tenant = $2 AND id = $3")
            .bind(assignee)
            .bind(tenant)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            tenant,
            now_millis(),
            actor,
            "alert.assign",
            &format!("alert/{id}"),
            &serde_json::json!({"assignee": assignee, "previous": before.assignee}),
        )
        .await?;
        let after = get_in(&mut *tx, tenant, id).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Closes an open alert with a disposition and a comment.
    pub async fn close_alert(
        &self,
        tenant: &str,
        id: i64,
        disposition: Disposition,
        comment: &str,
        actor: &str,
    ) -> Result<Alert> {
        let _writing = self.writer.lock().await;
        let mut tx = self.begin_write().await?;
        let before = get_in(&mut *tx, tenant, id).await?;
        if before.status != "open" {
            return Err(StoreError::Conflict(format!("alert {id} is already closed")));
        }
        let now = now_millis();
        sqlx::query(
            "UPDATE alerts SET status = 'closed', disposition = $1, closed_by = $2, closed_at = $3 WHERE tenant = $4 AND id = $5",
        )
        .bind(disposition.as_str())
        .bind(actor)
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
            "alert.close",
            &format!("alert/{id}"),
            &serde_json::json!({"disposition": disposition.as_str(), "comment": comment}),
        )
        .await?;
        let after = get_in(&mut *tx, tenant, id).await?;
        tx.commit().await?;
        Ok(after)
    }
}
