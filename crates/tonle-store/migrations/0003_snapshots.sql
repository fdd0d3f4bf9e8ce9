-- Snapshots of each tenant's engine and pipeline state, so that a restart replays only the log after them.
-- One snapshot per tenant, replaced whole; stored in parts (values of at most 16 MiB), with the SHA-256 of
-- all its bytes. BYTEA is PostgreSQL's binary type; SQLite stores the blobs as they are. A store on an SQLite
-- file keeps its snapshots as files beside it instead (the table stays empty), so that writing one never
-- holds the single write lock the log's commits wait on.
CREATE TABLE snapshots (
    tenant TEXT NOT NULL REFERENCES tenants (id),
    part BIGINT NOT NULL,
    through_seq BIGINT NOT NULL,
    fingerprint TEXT NOT NULL,
    digest TEXT NOT NULL,
    taken_at BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (tenant, part)
);
