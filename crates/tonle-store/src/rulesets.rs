//! Rule sets uploaded to the server, by version: one live per tenant, others in shadow or inactive.

use serde::Serialize;

use crate::{audit, now_millis, stored, Result, Store, StoreError};

/// How a stored rule set is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSetMode {
    /// Decides the tenant's transactions.
    Live,
    /// Evaluated beside the live set, reported, never acted on.
    Shadow,
    /// Kept, not used.
    Inactive,
}

stored_names!(RuleSetMode, "mode", { Live => "live", Shadow => "shadow", Inactive => "inactive" });

/// A stored rule set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRuleSet {
    /// Its version (the rule file's own).
    pub version: String,
    /// Live, shadow or inactive.
    pub mode: RuleSetMode,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When (UTC ms).
    pub uploaded_at: i64,
    /// The rule file (left out of listings).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub body: String,
}

type RuleSetRow = (String, String, String, i64, String);

fn ruleset((version, mode, uploaded_by, uploaded_at, body): RuleSetRow) -> Result<StoredRuleSet> {
    Ok(StoredRuleSet {
        mode: stored(&format!("rule set {version} mode"), &mode)?,
        version,
        uploaded_by,
        uploaded_at,
        body,
    })
}

impl Store {
    /// Stores a rule set (already checked by the caller) as inactive. Refuses a version already stored with
    /// another text.
    pub async fn add_ruleset(&self, tenant: &str, version: &str, body: &str, actor: &str) -> Result<StoredRuleSet> {
        let _writing = self.writer.lock().await;
        let mut tx = self.begin_write().await?;
        let existing: Option<(String,)> =
            sqlx::query_as("SELECT body FROM rulesets WHERE tenant = $1 AND version = $2")
                .bind(tenant)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
        match existing {
            Some((old,)) if old == body => {}
            Some(_) => {
                return Err(StoreError::Conflict(format!(
                    "rule set version {version:?} is already stored with other rules: give the new file its own version"
                )))
            }
            None => {
                let now = now_millis();
                sqlx::query(
                    "INSERT INTO rulesets (tenant, version, body, mode, uploaded_by, uploaded_at) VALUES ($1, $2, $3, 'inactive', $4, $5)",
                )
                .bind(tenant)
                .bind(version)
                .bind(body)
                .bind(actor)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                audit::record(
                    &mut tx,
                    tenant,
                    now,
                    actor,
                    "ruleset.upload",
                    &format!("ruleset/{version}"),
                    &serde_json::json!({"bytes": body.len()}),
                )
                .await?;
            }
        }
        let row: RuleSetRow = sqlx::query_as(
            "SELECT version, mode, uploaded_by, uploaded_at, body FROM rulesets WHERE tenant = $1 AND version = $2",
        )
        .bind(tenant)
        .bind(version)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        ruleset(row)
    }

    /// Sets a stored rule set's mode. Making one live makes the previous live set inactive; making one shadow
    /// makes the previous shadow set inactive.
    pub async fn set_ruleset_mode(&self, tenant: &str, version: &str, mode: RuleSetMode, actor: &str) -> Result<()> {
        let _writing = self.writer.lock().await;
        let mut tx = self.begin_write().await?;
        let found: Option<(String,)> = sqlx::query_as("SELECT mode FROM rulesets WHERE tenant = $1 AND version = $2")
            .bind(tenant)
            .bind(version)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((previous,)) = found else {
            return Err(StoreError::NotFound(format!("rule set {version:?}")));
        };
        if mode != RuleSetMode::Inactive {
            sqlx::query("UPDATE rulesets SET mode = 'inactive' WHERE tenant = $1 AND mode = $2")
                .bind(tenant)
                .bind(mode.as_str())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE rulesets SET mode = $1 WHERE tenant = $2 AND version = $3")
            .bind(mode.as_str())
            .bind(tenant)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            tenant,
            now_millis(),
            actor,
            "ruleset.mode",
            &format!("ruleset/{version}"),
            &serde_json::json!({"from": previous, "to": mode.as_str()}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The tenant's rule sets (without their text), newest first.
    pub async fn rulesets(&self, tenant: &str) -> Result<Vec<StoredRuleSet>> {
        let rows: Vec<RuleSetRow> = sqlx::query_as(
            "SELECT version, mode, uploaded_by, uploaded_at, '' FROM rulesets WHERE tenant = $1 ORDER BY uploaded_at DESC, version",
        )
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(ruleset).collect()
    }

    /// The tenant's rule set in a mode, with its text, if there is one.
    pub async fn ruleset_in(&self, tenant: &str, mode: RuleSetMode) -> Result<Option<StoredRuleSet>> {
        let row: Option<RuleSetRow> = sqlx::query_as(
            "SELECT version, mode, uploaded_by, uploaded_at, body FROM rulesets WHERE tenant = $1 AND mode = $2",
        )
        .bind(tenant)
        .bind(mode.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(ruleset).transpose()
    }
}
