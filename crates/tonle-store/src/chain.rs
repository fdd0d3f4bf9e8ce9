//! The hash chains: each entry's hash covers its fields and the hash before it, so that an edited, reordered
//! or deleted entry breaks every hash after it.

use sha2::{Digest, Sha256};

/// The hash before a chain's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 over the fields, each preceded by its length (so that no two lists of fields hash alike by moving
/// a boundary), then the previous hash; as lowercase hex.
pub fn link(prev_hash: &str, fields: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for field in fields {
        hasher.update((field.len() as u64).to_le_bytes());
        hasher.update(field);
    }
    hasher.update(prev_hash.as_bytes());
    hex::encode(hasher.finalize())
}

/// Reads a chain's head (seq, hash) for a tenant, or (0, GENESIS).
pub async fn head(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant: &str,
    chain: &str,
) -> crate::Result<(i64, String)> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM chain_heads WHERE tenant = $1 AND chain = $2")
            .bind(tenant)
            .bind(chain)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.unwrap_or_else(|| (0, GENESIS.to_owned())))
}

/// Moves a chain's head to (seq, hash).
pub async fn set_head(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant: &str,
    chain: &str,
    seq: i64,
    hash: &str,
) -> crate::Result<()> {
    let updated = sqlx::query("UPDATE chain_heads SET seq = $1, hash = $2 WHERE tenant = $3 AND chain = $4")
        .bind(seq)
        .bind(hash)
        .bind(tenant)
        .bind(chain)
        .execute(&mut **tx)
        .await?;
    if updated.rows_affected() == 0 {
        sqlx::query("INSERT INTO chain_heads (tenant, chain, seq, hash) VALUES ($1, $2, $3, $4)")
            .bind(tenant)
            .bind(chain)
            .bind(seq)
            .bind(hash)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_a_field_boundary_changes_the_hash() {
        assert_ne!(link(GENESIS, &[b"ab", b"c"]), link(GENESIS, &[b"a", b"bc"]));
        assert_ne!(link(GENESIS, &[b"a"]), link(&link(GENESIS, &[]), &[b"a"]));
        assert_eq!(link(GENESIS, &[b"x"]).len(), 64);
    }
}
