//! The durable transaction log: every accepted transaction, in the order it was decided, with its decision,
//! hash-chained per tenant. It is what the engine's state is rebuilt from after a crash, and what makes a
//! transaction id decided once: the log refuses a second entry with the same id.

use serde::Serialize;
use sqlx::AnyConnection;

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

/// Rows to a statement: one statement per row costs several times more than the rows themselves.
const ROWS: usize = 256;

/// An append's entries numbered and chained from the log's head, before anything is written.
struct Numbered<'a> {
    /// Each entry with its link: (seq, previous hash, hash).
    rows: Vec<(&'a LoggedTransaction, (i64, String, String))>,
    /// The alerts to raise: (alert id, seq, its entry, the alert).
    alerts: Vec<(i64, i64, &'a LoggedTransaction, &'a NewAlert)>,
    /// Where each entry went.
    appended: Vec<Appended>,
    /// The head after them: (seq, hash, next alert id).
    head: (i64, String, i64),
}

impl<'a> Numbered<'a> {
    fn new(
        tenant: &str,
        received_at: i64,
        entries: &'a [(LoggedTransaction, Option<NewAlert>)],
        (mut seq, mut prev_hash, mut alert_id): (i64, String, i64),
    ) -> Numbered<'a> {
        let mut rows = Vec::with_capacity(entries.len());
        let mut alerts = Vec::new();
        let mut appended = Vec::with_capacity(entries.len());
        for (logged, alert) in entries {
            seq += 1;
            let hash = transaction_hash(tenant, seq, logged, received_at, &prev_hash);
            rows.push((logged, (seq, std::mem::replace(&mut prev_hash, hash.clone()), hash)));
            let raised = alert.as_ref().map(|alert| {
                alerts.push((alert_id, seq, logged, alert));
                alert_id += 1;
                alert_id - 1
            });
            appended.push(Appended { seq, alert: raised });
        }
        Numbered { rows, alerts, appended, head: (seq, prev_hash, alert_id) }
    }
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// The statement inserting `rows` log entries.
fn log_insert(backend: Backend, rows: usize) -> String {
    format!("INSERT INTO transactions (tenant, {LOG_COLUMNS}) VALUES {}", placeholders(backend, rows, 13))
}

/// Binds log entries to [`log_insert`]'s statement, in its order.
fn bind_log_rows<'q>(
    mut query: AnyQuery<'q>,
    tenant: &'q str,
    received_at: i64,
    rows: &'q [(&'q LoggedTransaction, (i64, String, String))],
) -> AnyQuery<'q> {
    for (logged, (seq, prev_hash, hash)) in rows {
        query = query
            .bind(tenant)
            .bind(*seq)
            .bind(logged.tx_id.as_str())
            .bind(received_at)
            .bind(logged.event_time)
            .bind(logged.debtor_account.as_str())
            .bind(logged.creditor_account.as_str())
            .bind(logged.body.as_str())
            .bind(logged.decision.as_str())
            .bind(logged.score)
            .bind(logged.outcome.as_str())
            .bind(prev_hash.as_str())
            .bind(hash.as_str());
    }
    query
}

/// The statement inserting `rows` alerts.
fn alert_insert(backend: Backend, rows: usize) -> String {
    format!(
        "INSERT INTO alerts (tenant, id, tx_seq, tx_id, account, created_at, decision, score, rules, status) VALUES {}",
        placeholders(backend, rows, 10)
    )
}

/// Binds alerts to [`alert_insert`]'s statement, in its order.
fn bind_alerts<'q>(
    mut query: AnyQuery<'q>,
    tenant: &'q str,
    received_at: i64,
    alerts: &'q [(i64, i64, &'q LoggedTransaction, &'q NewAlert)],
) -> AnyQuery<'q> {
    for (id, seq, logged, alert) in alerts {
        query = query
            .bind(tenant)
            .bind(*id)
            .bind(*seq)
            .bind(logged.tx_id.as_str())
            .bind(alert.account.as_str())
            .bind(received_at)
            .bind(alert.decision.as_str())
            .bind(alert.score)
            .bind(alert.rules.as_str())
            .bind("open");
    }
    query
}

/// A failed insert of log entries as the store's error: a repeated transaction id is a conflict, naming a few
/// of the entries; any other failure (another unique key among them: the log or the alerts edited behind the
/// store's back) is the database's error as it is.
fn refused(error: sqlx::Error, rows: &[(&LoggedTransaction, (i64, String, String))]) -> StoreError {
    if error.as_database_error().is_some_and(repeats_a_transaction_id) {
        let ids: Vec<&str> = rows.iter().take(3).map(|(logged, _)| logged.tx_id.as_str()).collect();
        StoreError::Conflict(format!(
            "a transaction of this batch (of {}, ...) is already logged or repeated: nothing was written",
            ids.join(", ")
        ))
    } else {
        error.into()
    }
}

/// Whether a database error is the transaction log's unique id refusing a second entry: PostgreSQL names the
/// constraint (`UNIQUE (tenant, tx_id)` gets this name), SQLite the columns in its message.
fn repeats_a_transaction_id(error: &dyn sqlx::error::DatabaseError) -> bool {
    error.is_unique_violation()
        && (error.constraint() == Some("transactions_tenant_tx_id_key")
            || error.message().contains("transactions.tx_id"))
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
        let mut writing = self.writer.lock().await;
        let cached = self.log_heads.lock().expect("never poisoned").remove(tenant);
        let written = self.append_locked(&mut writing, tenant, received_at, entries, cached).await;
        if let Ok((_, head)) = &written {
            self.log_heads.lock().expect("never poisoned").insert(tenant.to_owned(), head.clone());
        }
        written.map(|(appended, _)| appended)
    }

    /// [`Store::append`] under the writer's lock, from the cached head if there is one; returns the new head.
    async fn append_locked(
        &self,
        own: &mut Option<AnyConnection>,
        tenant: &str,
        received_at: i64,
        entries: &[(LoggedTransaction, Option<NewAlert>)],
        cached: Option<(i64, String, i64)>,
    ) -> Result<(Vec<Appended>, (i64, String, i64))> {
        if let (Backend::Sqlite, Some(head)) = (self.backend, &cached) {
            return self.append_sqlite(own, tenant, received_at, entries, head.clone()).await;
        }
        let mut tx = self.begin_write().await?;
        let head = match cached {
            Some(head) => head,
            None => {
                let (seq, hash) = chain::head(&mut tx, tenant, "transactions").await?;
                (seq, hash, next_number(&mut tx, "alerts", "id", tenant).await?)
            }
        };
        let numbered = Numbered::new(tenant, received_at, entries, head);
        for chunk in numbered.rows.chunks(ROWS) {
            let sql = log_insert(self.backend, chunk.len());
            let query = bind_log_rows(sqlx::query(&sql), tenant, received_at, chunk);
            query.execute(&mut *tx).await.map_err(|error| refused(error, chunk))?;
        }
        for chunk in numbered.alerts.chunks(ROWS) {
            let sql = alert_insert(self.backend, chunk.len());
            bind_alerts(sqlx::query(&sql), tenant, received_at, chunk).execute(&mut *tx).await?;
        }
        if let Some((seq, _, hash)) = numbered.rows.last().map(|(_, link)| link) {
            chain::set_head(&mut tx, tenant, "transactions", *seq, hash).await?;
        }
        tx.commit().await?;
        Ok((numbered.appended, numbered.head))
    }

    /// [`Store::append_locked`] on SQLite from a known head: the whole write (`BEGIN IMMEDIATE`, the rows, the
    /// alerts, the head, `COMMIT`) as one multi-statement execution, so one round trip to the connection's
    /// thread instead of one per statement (a single-transaction request's write is mostly those round trips).
    async fn append_sqlite(
        &self,
        own: &mut Option<AnyConnection>,
        tenant: &str,
        received_at: i64,
        entries: &[(LoggedTransaction, Option<NewAlert>)],
        head: (i64, String, i64),
    ) -> Result<(Vec<Appended>, (i64, String, i64))> {
        let numbered = Numbered::new(tenant, received_at, entries, head);
        let Some((_, (last_seq, _, last_hash))) = numbered.rows.last() else {
            return Ok((numbered.appended, numbered.head));
        };
        let mut sql = String::from("BEGIN IMMEDIATE; ");
        for chunk in numbered.rows.chunks(ROWS) {
            sql.push_str(&log_insert(Backend::Sqlite, chunk.len()));
            sql.push_str("; ");
        }
        for chunk in numbered.alerts.chunks(ROWS) {
            sql.push_str(&alert_insert(Backend::Sqlite, chunk.len()));
            sql.push_str("; ");
        }
        sql.push_str(
            "INSERT INTO chain_heads (tenant, chain, seq, hash) VALUES (?, 'transactions', ?, ?) \
             ON CONFLICT (tenant, chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash; COMMIT",
        );
        let mut query = sqlx::query(&sql);
        for chunk in numbered.rows.chunks(ROWS) {
            query = bind_log_rows(query, tenant, received_at, chunk);
        }
        for chunk in numbered.alerts.chunks(ROWS) {
            query = bind_alerts(query, tenant, received_at, chunk);
        }
        query = query.bind(tenant).bind(*last_seq).bind(last_hash.as_str());
        // The connection is out of `own` while in use: if this future is dropped half-way, the connection,
        // perhaps in an open transaction, goes with it.
        let mut connection = match own.take() {
            Some(connection) => connection,
            None => self.open_sqlite().await?,
        };
        if let Err(error) = query.execute(&mut connection).await {
            // Undo whatever ran before the failing statement; a connection that cannot is dropped, not reused.
            // Either way the error reported is the write's.
            if sqlx::query("ROLLBACK").execute(&mut connection).await.is_ok() {
                *own = Some(connection);
            }
            return Err(refused(error, &numbered.rows));
        }
        *own = Some(connection);
        Ok((numbered.appended, numbered.head))
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
