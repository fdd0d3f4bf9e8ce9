//! API keys and roles. A key is 32 random bytes shown once as `tonle_<hex>`; the store keeps only its SHA-256.
//! A fast hash is enough here (unlike for passwords): a 256-bit random key cannot be guessed from its hash by
//! trying candidates.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{audit, check_name, now_millis, Result, Store, StoreError};

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Submit transactions (a payment switch).
    Ingest,
    /// Work alerts and cases, read accounts, request freezes.
    Analyst,
    /// What an analyst does, and approve or reject freezes requested by someone else.
    Supervisor,
    /// Manage keys and rule sets; read everything.
    Admin,
    /// Read everything, the audit log included, and change nothing.
    Auditor,
}

stored_names!(Role, "role", {
    Ingest => "ingest",
    Analyst => "analyst",
    Supervisor => "supervisor",
    Admin => "admin",
    Auditor => "auditor",
});

/// Who a key belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// The institution.
    pub tenant: String,
    /// The person or system.
    pub user: String,
    /// What they may do.
    pub role: Role,
}

/// A key as listed (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// The key's first characters, to recognise it.
    pub prefix: String,
    /// Its owner.
    pub user: String,
    /// Its role.
    pub role: Role,
    /// When it was made (UTC ms).
    pub created_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// How many characters of a key are kept to recognise it.
const PREFIX: usize = 12;

impl Store {
    /// Makes a key for a user of a tenant (which must exist) and returns it: the only time it is seen.
    pub async fn create_key(&self, tenant: &str, user: &str, role: Role, actor: &str) -> Result<String> {
        check_name("user", user)?;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Open(format!("no randomness for a key: {e}")))?;
        let key = format!("tonle_{}", hex::encode(bytes));
        let _writing = self.writer.lock().await;
        let mut tx = self.begin_write().await?;
        let exists: Option<(String,)> =
            sqlx::query_as("SELECT id FROM tenants WHERE id = $1").bind(tenant).fetch_optional(&mut *tx).await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("tenant {tenant:?}")));
        }
        let now = now_millis();
        sqlx::query(
            "INSERT INTO api_keys (key_hash, key_prefix, tenant, user_name, role, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(key_hash(&key))
        .bind(&key[..PREFIX])
        .bind(tenant)
        .bind(user)
        .bind(role.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            tenant,
            now,
            actor,
            "key.create",
            &format!("user/{user}"),
            &serde_json::json!({"role": role.as_str(), "prefix": &key[..PREFIX]}),
        )
        .await?;
        tx.commit().await?;
        Ok(key)
    }

    /// Who holds this key, if it is a live key.
    pub async fn authenticate(&self, key: &str) -> Result<Option<Principal>> {
        let row: Option<(String, String, String)> =
            sqlx::query_as("SELECT tenant, user_name, role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
                .bind(key_hash(key))
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(tenant, user, role)| Ok(Principal { tenant, user, role: role.parse()? })).transpose()
    }

    /// Revokes the tenant's keys starting with `prefix`; returns how many.
    pub async fn revoke_keys(&self, tenant: &str, prefix: &str, actor: &str) -> Result<u64> {
        // A key is ASCII: a prefix that is not (or is too short) names no key.
        let Some(prefix) = prefix.get(..PREFIX).filter(|p| p.is_ascii()) else {
            return Err(StoreError::Conflict(format!("give at least the key's first {PREFIX} characters")));
        };
        let _writing = self.writer.lock().await;
        let mut tx = self.begin_write().await?;
        let now = now_millis();
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = $1 WHERE tenant = $2 AND key_prefix = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(tenant)
        .bind(prefix)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done > 0 {
            audit::record(&mut tx, tenant, now, actor, "key.revoke", &format!("key/{prefix}"), &serde_json::json!({}))
                .await?;
        }
        tx.commit().await?;
        Ok(done)
    }

    /// A tenant's keys.
    pub async fn keys(&self, tenant: &str) -> Result<Vec<KeyInfo>> {
        let rows: Vec<(String, String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT key_prefix, user_name, role, created_at, revoked_at FROM api_keys WHERE tenant = $1 ORDER BY created_at, key_prefix",
        )
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(prefix, user, role, created_at, revoked_at)| {
                Ok(KeyInfo { prefix, user, role: role.parse()?, created_at, revoked_at })
            })
            .collect()
    }
}
