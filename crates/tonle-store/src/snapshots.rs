//! Snapshots of a tenant's decision state (the engine's windows and graph, the pipeline's memory), taken
//! through a log seq: a restart restores the latest and replays only the log after it. The store keeps one
//! per tenant, with the SHA-256 of its bytes, checked when it is read back.
//!
//! On PostgreSQL a snapshot is rows of the `snapshots` table (in parts of at most 16 MiB), written beside the
//! log's commits without holding them up. On SQLite it is a file beside the database (`PATH-snapshots/`),
//! written to a temporary name, synced and renamed into place: a row would hold SQLite's single write lock
//! for as long as the snapshot takes to write, and every commit of the log would wait.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{now_millis, Result, Store, StoreError};

/// The largest value one row holds.
const PART: usize = 16 << 20;

/// The first line of a snapshot file.
const FILE_MAGIC: &str = "tonle-snapshot 1";

/// A stored snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The last log seq whose transaction the state includes.
    pub through_seq: i64,
    /// What the state was computed with (rules, rates, windows, model), in the caller's terms: a snapshot
    /// is only good for a state computed the same way.
    pub fingerprint: String,
    /// When it was taken (UTC ms).
    pub taken_at: i64,
    /// The state, serialised by the caller.
    pub bytes: Vec<u8>,
}

type PartRow = (i64, i64, String, String, i64, Vec<u8>);

impl Store {
    /// Replaces the tenant's snapshot. `through_seq` must be logged already: the caller takes it after the
    /// log holds every transaction it includes. On SQLite the file is written with blocking calls: call it
    /// from a thread of its own (as the server does), not from a busy async task.
    pub async fn save_snapshot(&self, tenant: &str, through_seq: i64, fingerprint: &str, bytes: &[u8]) -> Result<()> {
        let digest = hex::encode(Sha256::digest(bytes));
        let taken_at = now_millis();
        if let Some(dir) = &self.snapshot_dir {
            let header = Header { through_seq, fingerprint: fingerprint.to_owned(), digest, taken_at };
            return write_file(dir, tenant, &header, bytes)
                .map_err(|e| StoreError::Open(format!("writing the snapshot in {}: {e}", dir.display())));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM snapshots WHERE tenant = $1").bind(tenant).execute(&mut *tx).await?;
        // An empty state is one empty part.
        let parts: Vec<&[u8]> = if bytes.is_empty() { vec![bytes] } else { bytes.chunks(PART).collect() };
        for (part, chunk) in parts.into_iter().enumerate() {
            sqlx::query(
                "INSERT INTO snapshots (tenant, part, through_seq, fingerprint, digest, taken_at, bytes) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(tenant)
            .bind(part as i64)
            .bind(through_seq)
            .bind(fingerprint)
            .bind(&digest)
            .bind(taken_at)
            .bind(chunk)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The tenant's snapshot, if it has one. A snapshot that is cut short, mixed or altered is
    /// [`StoreError::Corrupt`].
    pub async fn snapshot(&self, tenant: &str) -> Result<Option<Snapshot>> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("tenant {tenant}'s snapshot: {what}"));
        let (header, bytes) = match &self.snapshot_dir {
            Some(dir) => match read_file(&file_of(dir, tenant)) {
                Ok(None) => return Ok(None),
                Ok(Some(read)) => read,
                Err(error) => return Err(corrupt(&error.to_string())),
            },
            None => match self.snapshot_rows(tenant).await? {
                None => return Ok(None),
                Some(Err(what)) => return Err(corrupt(&what)),
                Some(Ok(read)) => read,
            },
        };
        if hex::encode(Sha256::digest(&bytes)) != header.digest {
            return Err(corrupt("its bytes do not match their digest"));
        }
        let Header { through_seq, fingerprint, taken_at, .. } = header;
        Ok(Some(Snapshot { through_seq, fingerprint, taken_at, bytes }))
    }

    /// The tenant's snapshot rows, joined; or what is wrong with them.
    async fn snapshot_rows(&self, tenant: &str) -> Result<Option<Result<(Header, Vec<u8>), String>>> {
        let rows: Vec<PartRow> = sqlx::query_as(
            "SELECT part, through_seq, fingerprint, digest, taken_at, bytes FROM snapshots WHERE tenant = $1 \
             ORDER BY part",
        )
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        let Some((_, through_seq, fingerprint, digest, taken_at, _)) = rows.first().cloned() else {
            return Ok(None);
        };
        let header = Header { through_seq, fingerprint, digest, taken_at };
        let mut bytes = Vec::with_capacity(rows.iter().map(|row| row.5.len()).sum());
        for (k, (part, seq, print, sum, at, chunk)) in rows.into_iter().enumerate() {
            if part != k as i64 {
                return Ok(Some(Err(format!("part {k} is missing"))));
            }
            if (seq, &print, &sum, at) != (header.through_seq, &header.fingerprint, &header.digest, header.taken_at) {
                return Ok(Some(Err(format!("part {k} belongs to another snapshot"))));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Some(Ok((header, bytes))))
    }
}

/// What is stored beside a snapshot's bytes.
struct Header {
    through_seq: i64,
    fingerprint: String,
    digest: String,
    taken_at: i64,
}

/// A tenant's snapshot file (the tenant id hex-encoded: any id makes a safe file name).
fn file_of(dir: &Path, tenant: &str) -> PathBuf {
    dir.join(format!("{}.snapshot", hex::encode(tenant)))
}

/// Writes a snapshot file whole or not at all: a temporary file, synced, renamed over the old one, and the
/// directory synced.
fn write_file(dir: &Path, tenant: &str, header: &Header, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = file_of(dir, tenant);
    let temporary = path.with_extension("snapshot.partial");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
        let Header { through_seq, fingerprint, digest, taken_at } = header;
        write!(file, "{FILE_MAGIC}\n{through_seq}\n{fingerprint}\n{digest}\n{taken_at}\n{}\n", bytes.len())?;
        file.write_all(bytes)?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    }
    std::fs::rename(&temporary, &path)?;
    std::fs::File::open(dir)?.sync_all()
}

/// Reads a snapshot file: `None` if there is none.
fn read_file(path: &Path) -> std::io::Result<Option<(Header, Vec<u8>)>> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {what}", path.display()));
    let mut reader = BufReader::new(file);
    let mut lines = Vec::with_capacity(6);
    for _ in 0..6 {
        let mut line = String::new();
        if reader.by_ref().take(4096).read_line(&mut line)? == 0 || !line.ends_with('\n') {
            return Err(bad("its header is cut short"));
        }
        line.pop();
        lines.push(line);
    }
    if lines[0] != FILE_MAGIC {
        return Err(bad(&format!("it starts {:?}, not {FILE_MAGIC:?}", lines[0])));
    }
    let number = |k: usize, what: &str| lines[k].parse::<i64>().map_err(|_| bad(&format!("{what} {:?}", lines[k])));
    let header = Header {
        through_seq: number(1, "log seq")?,
        fingerprint: lines[2].clone(),
        digest: lines[3].clone(),
        taken_at: number(4, "time")?,
    };
    let length = number(5, "length")?;
    let mut bytes = Vec::with_capacity(usize::try_from(length).unwrap_or(0).min(1 << 32));
    reader.read_to_end(&mut bytes)?;
    if bytes.len() as i64 != length {
        return Err(bad(&format!("{} bytes where its header says {length}", bytes.len())));
    }
    Ok(Some((header, bytes)))
}
