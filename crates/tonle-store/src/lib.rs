//! tonle's persistence: the durable log of accepted transactions and their decisions, alerts, cases, asset
//! freezes, rule sets, API keys and the hash-chained audit log.
//!
//! One schema (`migrations/`) for two databases: SQLite, embedded in a data directory with nothing to set up,
//! and PostgreSQL by URL. Both go through sqlx's `Any` driver, so every statement here is written once in the
//! SQL both understand (`$1` placeholders, no autoincrement: the store numbers rows itself).
//!
//! Writes are serialised by the store (one writer at a time, as SQLite has anyway): that is what makes the
//! per-tenant numbering and the hash chains safe without database-specific locking. Every change of state
//! writes its audit entry in the same database transaction as the change.

/// Gives an enum stored as text its names: `as_str`, `Display`, `Serialize` as the name, and `FromStr` whose
/// error ([`StoreError::Conflict`]) lists the names; `$what` names the kind in that error.
macro_rules! stored_names {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The name it is stored and sent as.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::StoreError;
            fn from_str(s: &str) -> $crate::Result<$ty> {
                $ty::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let names: Vec<&str> = $ty::ALL.iter().map(|v| v.as_str()).collect();
                    $crate::StoreError::Conflict(format!("unknown {} {s:?} (expected one of: {})", $what, names.join(", ")))
                })
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

pub mod alerts;
pub mod audit;
pub mod cases;
mod chain;
pub mod freezes;
pub mod keys;
pub mod log;
pub mod rulesets;
pub mod snapshots;
pub mod testing;

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Executor};
use tokio::sync::Mutex;

pub use alerts::{Alert, AlertFilter, Disposition, NewAlert, RaisedAlert};
pub use audit::{AuditEntry, ChainProblem, VerifyReport};
pub use cases::{Case, CaseEntry, CaseStatus};
pub use freezes::{Freeze, FreezeAction, FreezeStatus};
pub use keys::{Principal, Role};
pub use log::{Appended, LoggedTransaction, StoredTransaction};
pub use rulesets::{RuleSetMode, StoredRuleSet};
pub use snapshots::Snapshot;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("migrating the database schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The store's URL or directory is unusable.
    #[error("{0}")]
    Open(String),
    /// Something asked for does not exist (in this tenant).
    #[error("{0} not found")]
    NotFound(String),
    /// The request conflicts with the state (closing a closed alert, approving one's own freeze request).
    #[error("{0}")]
    Conflict(String),
    /// A value read back from the database is not one the store writes (the database was edited).
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

/// Shorthand for the store's results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a store is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, a file in a data directory.
    Sqlite,
    /// PostgreSQL, by URL.
    Postgres,
}

/// An open store.
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Held by every write, so that numbering and hash chains see one writer at a time. On SQLite it also
    /// holds the log's own connection, kept out of the pool (opened on first use, dropped after a failed
    /// write): a write through the pool costs a round trip to SQLite's thread to check the connection out and
    /// another to check it back in.
    writer: Mutex<Option<AnyConnection>>,
    /// How to open a connection (the log's own, on SQLite).
    options: AnyConnectOptions,
    /// Whether a commit waits for the disk (SQLite).
    sync: Sync,
    /// Per tenant, the transaction chain's head (seq, hash) and the next alert number, as of this store's
    /// last write to the log: saves two queries per write. One process writes a store's log (a second
    /// server on the same database is not supported); any failed write forgets them.
    log_heads: std::sync::Mutex<std::collections::HashMap<String, (i64, String, i64)>>,
    /// On SQLite with a database file, where snapshots are kept as files (`PATH-snapshots/`), so that writing
    /// one never holds the database's single write lock that the log's commits wait on.
    snapshot_dir: Option<std::path::PathBuf>,
}

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Store {
    /// Opens (creating if needed) the store at `url`: `sqlite://PATH` (the file is created), or
    /// `postgres://...`; brings its schema up to date.
    ///
    /// On SQLite, `sync=normal` in the URL's query (`sqlite://PATH?sync=normal`) commits without waiting for
    /// the disk: a commit survives the server's crash (it is in the operating system's hands) but not the
    /// machine's. The default, `sync=full`, waits for the disk at every commit, which is what an answered
    /// transaction being durable rests on.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Open(format!(
                "unsupported store URL {url:?}: expected sqlite://PATH or postgres://USER@HOST:PORT/DATABASE"
            )));
        };
        let snapshot_dir = match backend {
            Backend::Sqlite => sqlite_path(url).map(|path| std::path::PathBuf::from(format!("{path}-snapshots"))),
            Backend::Postgres => None,
        };
        let (url, sync) = match backend {
            Backend::Sqlite => take_sync(url)?,
            Backend::Postgres => (url.to_owned(), Sync::Full),
        };
        let url = url.as_str();
        let url = match backend {
            // Create the file if it is missing.
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_owned(),
        };
        let options: AnyConnectOptions = url.parse()?;
        let options = options.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        set_up_sqlite(connection, sync).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await?;
        MIGRATIONS.run(&pool).await?;
        Ok(Store {
            pool,
            backend,
            writer: Mutex::new(None),
            options,
            sync,
            log_heads: Default::default(),
            snapshot_dir,
        })
    }

    /// Opens the embedded store in a data directory (`DIR/tonle.db`), creating the directory if needed.
    pub async fn open_dir(dir: &std::path::Path) -> Result<Store> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Open(format!("cannot create the data directory {}: {e}", dir.display())))?;
        Store::open(&format!("sqlite://{}", dir.join("tonle.db").display())).await
    }

    /// The database this store is on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether its commits wait for the disk (always [`Sync::Full`] on PostgreSQL, whose server decides).
    pub fn sync(&self) -> Sync {
        self.sync
    }

    /// Where snapshots are kept as files (SQLite with a database file), if they are; else they are rows.
    pub fn snapshot_dir(&self) -> Option<&std::path::Path> {
        self.snapshot_dir.as_deref()
    }

    /// The connection pool, for tools and tests that need SQL the store does not offer (never for writes the
    /// audit log should see).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Adds an institution (or renames it), audited.
    pub async fn create_tenant(&self, id: &str, name: &str, actor: &str) -> Result<()> {
        check_name("tenant id", id)?;
        let _writing = self.writer.lock().await;
        let mut tx = self.begin_write().await?;
        let now = now_millis();
        let existing: Option<(String,)> =
            sqlx::query_as("SELECT name FROM tenants WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
        match existing {
            Some((old,)) if old == name => return Ok(()),
            Some(_) => {
                sqlx::query("UPDATE tenants SET name = $1 WHERE id = $2").bind(name).bind(id).execute(&mut *tx).await?;
            }
            None => {
                sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(name)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        audit::record(
            &mut tx,
            id,
            now,
            actor,
            "tenant.create",
            &format!("tenant/{id}"),
            &serde_json::json!({"name": name}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The institutions, by id: (id, name).
    pub async fn tenants(&self) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as("SELECT id, name FROM tenants ORDER BY id").fetch_all(&self.pool).await?)
    }
}

/// The database file of a `sqlite:` URL, if it names one (not an in-memory database).
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then_some(path)
}

/// Now, in UTC milliseconds.
pub fn now_millis() -> i64 {
    // A clock before 1970 is a broken machine; 0 keeps the store working.
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Reads back a name the store wrote (a status, a mode); anything else means the database was edited.
fn stored<T: std::str::FromStr>(what: &str, text: &str) -> Result<T> {
    text.parse().map_err(|_| StoreError::Corrupt(format!("{what} {text:?}")))
}

/// Refuses an empty or over-long identifier, or one with control characters.
fn check_name(what: &str, value: &str) -> Result<()> {
    if value.is_empty() || value.len() > 200 || value.chars().any(char::is_control) {
        return Err(StoreError::Conflict(format!(
            "{what} {value:?} must be 1 to 200 characters without control characters"
        )));
    }
    Ok(())
}

impl Store {
    /// A new SQLite connection with the store's settings, outside the pool.
    pub(crate) async fn open_sqlite(&self) -> Result<AnyConnection> {
        let mut connection = self.options.connect().await?;
        set_up_sqlite(&mut connection, self.sync).await?;
        Ok(connection)
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), waiting for it
    /// under the busy timeout: a deferred transaction that reads first and writes after can be refused with
    /// "database is locked" at once, without waiting, when another connection writes in between.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            _ => self.pool.begin().await?,
        })
    }
}

/// Whether an SQLite commit waits for the disk: the store URL's `sync` ([`Store::open`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// Every commit is on disk before it returns (`synchronous = FULL`).
    Full,
    /// A commit is written to the operating system, and to disk at checkpoints (`synchronous = NORMAL`):
    /// it survives the process's crash, not the machine's.
    Normal,
}

/// The URL without its `sync=...` parameter, and that parameter (`full` if absent).
fn take_sync(url: &str) -> Result<(String, Sync)> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), Sync::Full));
    };
    let mut sync = Sync::Full;
    let mut kept = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("sync", "full")) => sync = Sync::Full,
            Some(("sync", "normal")) => sync = Sync::Normal,
            Some(("sync", other)) => {
                return Err(StoreError::Open(format!(
                    "sync={other} in the store URL: expected sync=full or sync=normal"
                )))
            }
            _ => kept.push(pair),
        }
    }
    Ok((if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) }, sync))
}

/// Every SQLite connection's settings. WAL: readers do not block the writer. synchronous=FULL (unless the URL
/// asks for `sync=normal`): a commit is on disk before it returns, which is what "durable before the decision
/// is returned" rests on.
async fn set_up_sqlite(connection: &mut AnyConnection, sync: Sync) -> Result<(), sqlx::Error> {
    connection.execute("PRAGMA journal_mode = WAL").await?;
    connection
        .execute(match sync {
            Sync::Full => "PRAGMA synchronous = FULL",
            Sync::Normal => "PRAGMA synchronous = NORMAL",
        })
        .await?;
    connection.execute("PRAGMA busy_timeout = 10000").await?;
    connection.execute("PRAGMA foreign_keys = ON").await?;
    Ok(())
}

/// The next number in a per-tenant sequence of `table`'s `column` (1 for the first), inside a write.
pub(crate) async fn next_number(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    table: &str,
    column: &str,
    tenant: &str,
) -> Result<i64> {
    let (max,): (Option<i64>,) = sqlx::query_as(&format!("SELECT MAX({column}) FROM {table} WHERE tenant = $1"))
        .bind(tenant)
        .fetch_one(&mut **tx)
        .await?;
    Ok(max.unwrap_or(0) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sync_parameter_is_read_and_taken_out_of_the_url() {
        assert_eq!(take_sync("sqlite://d/t.db").unwrap(), ("sqlite://d/t.db".to_owned(), Sync::Full));
        assert_eq!(take_sync("sqlite://d/t.db?sync=normal").unwrap(), ("sqlite://d/t.db".to_owned(), Sync::Normal));
        assert_eq!(
            take_sync("sqlite://d/t.db?mode=rwc&sync=full").unwrap(),
            ("sqlite://d/t.db?mode=rwc".to_owned(), Sync::Full)
        );
        let wrong = take_sync("sqlite://d/t.db?sync=off").unwrap_err().to_string();
        assert!(wrong.contains("sync=off") && wrong.contains("sync=normal"), "{wrong}");
    }
}
