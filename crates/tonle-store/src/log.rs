//! The durable transaction log: every accepted transaction, in the order it was decided, with its decision,
//! hash-chained per tenant. It is what the engine's state is rebuilt from after a crash, and what makes a
//! transaction id decided once: the log refuses a second entry with the same id.

use serde::Serialize;

use crate::alerts::NewAlert;
use crate::chain;
use crate::{next_number, Backend, Result, Store, StoreError};

/// A transaction to log, with its decision.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedTransaction {
    /// The transaction's own id (unique per tenant).
    pub tx_id: String,
    /// Its event time (UTC ms).
    pub event_time: i64,
    /// Who paid.
    pub debtor_account: String,
    /// Who was paid.
    pub creditor_account: String,
    /// The transaction as a native JSON object.
    pub body: String,
    /// The decision (`allow`, `review`, ...).
    pub decision: String,
    /// Its score, 0 to 1.
    pub score: f64,
    /// The whole decision as JSON (what the API returned).
    pub outcome: String,
}

/// A logged transaction read back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTransaction {
    /// Its place in the tenant's log, from 1.
    pub seq: i64,
    /// When it was accepted (UTC ms).
    pub received_at: i64,
    /// What was logged.
    pub logged: LoggedTransaction,
    /// The hash of the entry before.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// Where a logged transaction went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Appended {
    /// Its place in the log.
    pub seq: i64,
    /// The alert raised for it, if any.
    pub alert: Option<i64>,
}

/// The hash of a log entry.
pub(crate) fn transaction_hash(
    tenant: &str,
    seq: i64,
    t: &LoggedTransaction,
    received_at: i64,
    prev_hash: &str,
) -> String {
    chain::link(
        prev_hash,
        &[
            tenant.as_bytes(),
            &seq.to_le_bytes(),
            t.tx_id.as_bytes(),
            &received_at.to_le_bytes(),
            &t.event_time.to_le_bytes(),
            t.debtor_account.as_bytes(),
            t.creditor_account.as_bytes(),
            t.body.as_bytes(),
            t.decision.as_bytes(),
            &t.score.to_le_bytes(),
            t.outcome.as_bytes(),
        ],
    )
}

/// `($1, ..., $c), ($c+1, ...), ...` for `rows` rows of `columns` values; for SQLite `(?, ..., ?), ...`, as
/// SQLite looks each named parameter up by a linear scan (a statement of n `$N` parameters binds in n² steps).
fn placeholders(backend: Backend, rows: usize, columns: usize) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        text.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            // Writing into a String cannot fail.
            let separator = if column == 0 { "" } else { ", " };
            let _ = match backend {
                Backend::Sqlite => write!(text, "{separator}?"),
                Backend::Postgres => write!(text, "{separator}${}", row * columns + column + 1),
            };
        }
        text.push(')');
    }
    text
}

type LogRow = (i64, String, i64, i64, String, String, String, String, f64, String, String, String);
const LOG_COLUMNS: &str =
    "seq, tx_id, received_at, event_time, debtor_account, creditor_account, body, decision, score, outcome, prev_hash, hash";

fn stored(
    (
        seq,
        tx_id,
        received_at,
        event_time,
        debtor_account,
        creditor_account,
        body,
        decision,
        score,
        outcome,
        prev_hash,
        hash,
    ): LogRow,
) -> StoredTransaction {
    StoredTransaction {
        seq,
        received_at,
        logged: LoggedTransaction {
            tx_id,
            event_time,
            debtor_account,
            creditor_account,
            body,
            decision,
            score,
            outcome,
        },
        prev_hash,
        hash,
    }
}

impl Store {
    /// Logs transactions with their decisions, and the alerts raised for them (`alerts[i]` for
    /// `entries[i]`), in one database transaction: when this returns, all are durable; on error, none is.
    /// A transaction id already logged for the tenant is refused ([`StoreError::Conflict`]) and nothing is
    /// written.
    pub async fn append(
        &self,
        tenant: &str,
        received_at: i64,
        entries: &[(LoggedTransaction, Option<NewAlert>)],
    ) -> Result<Vec<Appended>> {
        let _writing = self.writer.lock().await;
        let cached = self.log_heads.lock().expect("never poisoned").remove(tenant);
        let written = self.append_locked(tenant, received_at, entries, cached).await;
        if let Ok((_, head)) = &written {
            self.log_heads.lock().expect("never poisoned").insert(tenant.to_owned(), head.clone());
        }
        written.map(|(appended, _)| appended)
    }

    /// [`Store::append`] under the writer's lock, from the cached head if there is one; returns the new head.
    async fn append_locked(
        &self,
        tenant: &str,
        received_at: i64,
        entries: &[(LoggedTransaction, Option<NewAlert>)],
        cached: Option<(i64, String, i64)>,
    ) -> Result<(Vec<Appended>, (i64, String, i64))> {
        let mut tx = self.begin_write().await?;
        let (mut seq, mut prev_hash, mut alert_id) = match cached {
            Some(head) => head,
            None => {
                let (seq, hash) = chain::head(&mut tx, tenant, "transactions").await?;
                (seq, hash, next_number(&mut tx, "alerts", "id", tenant).await?)
            }
        };
        // Number and chain every entry first, then write them many rows to a statement: one statement per
        // row costs several times more than the rows themselves.
        let mut links = Vec::with_capacity(entries.len());
        let mut alerts = Vec::new();
        let mut appended = Vec::with_capacity(entries.len());
        for (logged, alert) in entries {
            seq += 1;
            let hash = transaction_hash(tenant, seq, logged, received_at, &prev_hash);
            links.push((seq, std::mem::replace(&mut prev_hash, hash.clone()), hash));
            let raised = alert.as_ref().map(|alert| {
                alerts.push((alert_id, seq, logged, alert));
                alert_id += 1;
                alert_id - 1
            });
            appended.push(Appended { seq, alert: raised });
        }
        const ROWS: usize = 256;
        let rows: Vec<_> = entries.iter().zip(&links).collect();
        for chunk in rows.chunks(ROWS) {
            let sql = format!(
                "INSERT INTO transactions (tenant, {LOG_COLUMNS}) VALUES {}",
                placeholders(self.backend, chunk.len(), 13)
            );
            let mut query = sqlx::query(&sql);
            for ((logged, _), (seq, prev_hash, hash)) in chunk {
                query = query
                    .bind(tenant)
                    .bind(*seq)
                    .bind(&logged.tx_id)
                    .bind(received_at)
                    .bind(logged.event_time)
                    .bind(&logged.debtor_account)
                    .bind(&logged.creditor_account)
                    .bind(&logged.body)
                    .bind(&logged.decision)
                    .bind(logged.score)
                    .bind(&logged.outcome)
                    .bind(prev_hash)
                    .bind(hash);
            }
            if let Err(error) = query.execute(&mut *tx).await {
                let duplicate = error.as_database_error().is_some_and(|e| e.is_unique_violation());
                return Err(if duplicate {
                    let ids: Vec<&str> = chunk.iter().take(3).map(|((logged, _), _)| logged.tx_id.as_str()).collect();
                    StoreError::Conflict(format!(
                        "a transaction of this batch (of {}, ...) is already logged or repeated: nothing was written",
                        ids.join(", ")
                    ))
                } else {
                    error.into()
                });
            }
        }
        for chunk in alerts.chunks(ROWS) {
            let sql = format!(
                "INSERT INTO alerts (tenant, id, tx_seq, tx_id, account, created_at, decision, score, rules, status) VALUES {}",
                placeholders(self.backend, chunk.len(), 10)
            );
            let mut query = sqlx::query(&sql);
            for (id, seq, logged, alert) in chunk {
                query = query
                    .bind(tenant)
                    .bind(*id)
                    .bind(*seq)
                    .bind(&logged.tx_id)
                    .bind(&alert.account)
                    .bind(received_at)
                    .bind(&alert.decision)
                    .bind(alert.score)
                    .bind(&alert.rules)
                    .bind("open");
            }
            query.execute(&mut *tx).await?;
        }
        if let Some((seq, _, hash)) = links.last() {
            chain::set_head(&mut tx, tenant, "transactions", *seq, hash).await?;
        }
        tx.commit().await?;
        Ok((appended, (seq, prev_hash, alert_id)))
    }

    /// A logged transaction by its id.
    pub async fn transaction(&self, tenant: &str, tx_id: &str) -> Result<Option<StoredTransaction>> {
        let row: Option<LogRow> =
            sqlx::query_as(&format!("SELECT {LOG_COLUMNS} FROM transactions WHERE tenant = $1 AND tx_id = $2"))
                .bind(tenant)
                .bind(tx_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(stored))
    }

    /// The tenant's log after `after` (seq), in order, at most `limit` entries: what replay reads.
    pub async fn log_page(&self, tenant: &str, after: i64, limit: i64) -> Result<Vec<StoredTransaction>> {
        let rows: Vec<LogRow> = sqlx::query_as(&format!(
            "SELECT {LOG_COLUMNS} FROM transactions WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        ))
        .bind(tenant)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(stored).collect())
    }

    /// Logged transactions by seq, in the order asked (those not found are left out).
    pub async fn transactions_at(&self, tenant: &str, seqs: &[i64]) -> Result<Vec<StoredTransaction>> {
        let mut found = Vec::with_capacity(seqs.len());
        for &seq in seqs {
            let row: Option<LogRow> =
                sqlx::query_as(&format!("SELECT {LOG_COLUMNS} FROM transactions WHERE tenant = $1 AND seq = $2"))
                    .bind(tenant)
                    .bind(seq)
                    .fetch_optional(&self.pool)
                    .await?;
            found.extend(row.map(stored));
        }
        Ok(found)
    }

    /// How many transactions the tenant has logged.
    pub async fn logged(&self, tenant: &str) -> Result<i64> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM transactions WHERE tenant = $1")
            .bind(tenant)
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }
}
