//! The audit log: every change of state, who made it and when, hash-chained per tenant; and the check that
//! finds an edited, reordered or deleted entry, in the audit log or in the transaction log.

use serde::Serialize;

use crate::chain::{self, GENESIS};
use crate::{Result, Store};

/// An audit row: seq, at, actor, action, object, details, prev_hash, hash.
type AuditRow = (i64, i64, String, String, String, String, String, String);

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Its place in the tenant's chain, from 1.
    pub seq: i64,
    /// When (UTC ms).
    pub at: i64,
    /// Who: the user of the API key, or `system`, or the command line's user.
    pub actor: String,
    /// What (`alert.close`, `freeze.approve`, ...).
    pub action: String,
    /// On what (`alert/12`, `account/KH001`).
    pub object: String,
    /// The details, as JSON.
    pub details: serde_json::Value,
    /// The hash of the entry before.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// Appends an audit entry within a write.
pub(crate) async fn record(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant: &str,
    at: i64,
    actor: &str,
    action: &str,
    object: &str,
    details: &serde_json::Value,
) -> Result<i64> {
    let (last, prev_hash) = chain::head(tx, tenant, "audit").await?;
    let seq = last + 1;
    let details = details.to_string();
    let hash = audit_hash(tenant, seq, at, actor, action, object, &details, &prev_hash);
    sqlx::query(
        "INSERT INTO audit (tenant, seq, at, actor, action, object, details, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tenant)
    .bind(seq)
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(object)
    .bind(&details)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    chain::set_head(tx, tenant, "audit", seq, &hash).await?;
    Ok(seq)
}

#[allow(clippy::too_many_arguments)]
fn audit_hash(
    tenant: &str,
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    object: &str,
    details: &str,
    prev_hash: &str,
) -> String {
    chain::link(
        prev_hash,
        &[
            tenant.as_bytes(),
            &seq.to_le_bytes(),
            &at.to_le_bytes(),
            actor.as_bytes(),
            action.as_bytes(),
            object.as_bytes(),
            details.as_bytes(),
        ],
    )
}

/// One break found in a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainProblem {
    /// The tenant.
    pub tenant: String,
    /// `audit` or `transactions`.
    pub chain: String,
    /// The entry where the chain breaks (for a cut-off end, the last entry the head says exists).
    pub seq: i64,
    /// What is wrong.
    pub problem: String,
}

/// What a verification found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Entries checked, both chains of every tenant.
    pub entries: u64,
    /// Every break found (empty: intact).
    pub problems: Vec<ChainProblem>,
}

impl VerifyReport {
    /// Whether nothing was found wrong.
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Walks one chain in seq order, checking numbering, links and hashes, then the head.
struct Walker<'a> {
    tenant: &'a str,
    chain: &'static str,
    expected_seq: i64,
    prev_hash: String,
    report: &'a mut VerifyReport,
}

impl Walker<'_> {
    fn problem(&mut self, seq: i64, problem: String) {
        self.report.problems.push(ChainProblem {
            tenant: self.tenant.to_owned(),
            chain: self.chain.to_owned(),
            seq,
            problem,
        });
    }

    fn step(&mut self, seq: i64, prev_hash: &str, hash: &str, recomputed: &str) {
        self.report.entries += 1;
        if seq != self.expected_seq {
            let what = if seq > self.expected_seq {
                format!("entries {} to {} are missing (deleted)", self.expected_seq, seq - 1)
            } else {
                format!("entry {seq} is out of order (expected {})", self.expected_seq)
            };
            self.problem(seq, what);
        }
        if prev_hash != self.prev_hash {
            self.problem(
                seq,
                "its link to the entry before does not match (an entry before it was edited, removed or moved)".into(),
            );
        }
        if hash != recomputed {
            self.problem(seq, "its content does not match its hash (edited)".into());
        }
        self.expected_seq = seq + 1;
        self.prev_hash = hash.to_owned();
    }

    fn finish(mut self, head: Option<(i64, String)>) {
        let last = self.expected_seq - 1;
        match head {
            None if last > 0 => self.problem(last, "the chain has entries but no recorded head".into()),
            None => {}
            Some((seq, hash)) => {
                if seq != last {
                    self.problem(seq, format!("the head says the chain ends at entry {seq} but it ends at {last} (entries cut off or added)"));
                } else if hash != self.prev_hash {
                    self.problem(seq, "the last entry's hash does not match the recorded head".into());
                }
            }
        }
    }
}

impl Store {
    /// Records an audit entry on its own (for changes made outside the store's other methods).
    pub async fn audit(
        &self,
        tenant: &str,
        actor: &str,
        action: &str,
        object: &str,
        details: &serde_json::Value,
    ) -> Result<i64> {
        let _writing = self.writer.lock().await;
        let mut tx = self.begin_write().await?;
        let seq = record(&mut tx, tenant, crate::now_millis(), actor, action, object, details).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// A tenant's audit entries after `after` (seq), oldest first, at most `limit`.
    pub async fn audit_entries(&self, tenant: &str, after: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(self
            .audit_page(tenant, after, limit)
            .await?
            .into_iter()
            .map(|(seq, at, actor, action, object, details, prev_hash, hash)| AuditEntry {
                seq,
                at,
                actor,
                action,
                object,
                details: serde_json::from_str(&details).unwrap_or(serde_json::Value::String(details)),
                prev_hash,
                hash,
            })
            .collect())
    }

    async fn audit_page(&self, tenant: &str, after: i64, limit: i64) -> Result<Vec<AuditRow>> {
        Ok(sqlx::query_as(
            "SELECT seq, at, actor, action, object, details, prev_hash, hash FROM audit \
             WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(tenant)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Checks every tenant's audit chain and transaction chain (or one tenant's): numbering from 1 without
    /// gaps, each entry's link to the one before, each entry's hash against its content, and the recorded
    /// head against the last entry.
    pub async fn verify(&self, only_tenant: Option<&str>) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let mut tenants: Vec<String> = self.tenants().await?.into_iter().map(|(id, _)| id).collect();
        // Chains may exist for tenants whose row was deleted: check those too.
        let orphans: Vec<(String,)> =
            sqlx::query_as("SELECT DISTINCT tenant FROM chain_heads").fetch_all(&self.pool).await?;
        for (tenant,) in orphans {
            if !tenants.contains(&tenant) {
                tenants.push(tenant);
            }
        }
        tenants.retain(|t| only_tenant.is_none_or(|only| only == t));
        const PAGE: i64 = 10_000;
        for tenant in &tenants {
            let mut walker =
                Walker { tenant, chain: "audit", expected_seq: 1, prev_hash: GENESIS.to_owned(), report: &mut report };
            let mut after = i64::MIN;
            loop {
                let rows = self.audit_page(tenant, after, PAGE).await?;
                for (seq, at, actor, action, object, details, prev_hash, hash) in &rows {
                    let recomputed = audit_hash(tenant, *seq, *at, actor, action, object, details, prev_hash);
                    walker.step(*seq, prev_hash, hash, &recomputed);
                    after = *seq;
                }
                if (rows.len() as i64) < PAGE {
                    break;
                }
            }
            let head = self.head(tenant, "audit").await?;
            walker.finish(head);

            let mut walker = Walker {
                tenant,
                chain: "transactions",
                expected_seq: 1,
                prev_hash: GENESIS.to_owned(),
                report: &mut report,
            };
            let mut after = i64::MIN;
            loop {
                let rows = self.log_page(tenant, after, PAGE).await?;
                for row in &rows {
                    let recomputed =
                        crate::log::transaction_hash(tenant, row.seq, &row.logged, row.received_at, &row.prev_hash);
                    walker.step(row.seq, &row.prev_hash, &row.hash, &recomputed);
                    after = row.seq;
                }
                if (rows.len() as i64) < PAGE {
                    break;
                }
            }
            let head = self.head(tenant, "transactions").await?;
            walker.finish(head);
        }
        Ok(report)
    }

    async fn head(&self, tenant: &str, chain: &str) -> Result<Option<(i64, String)>> {
        Ok(sqlx::query_as("SELECT seq, hash FROM chain_heads WHERE tenant = $1 AND chain = $2")
            .bind(tenant)
            .bind(chain)
            .fetch_optional(&self.pool)
            .await?)
    }
}
