-- tonle's store, one schema for SQLite and PostgreSQL: only types and statements both understand (TEXT,
-- BIGINT, DOUBLE PRECISION; no autoincrement: numbers are given by the store). Times are UTC milliseconds.

-- Institutions; every other row belongs to one.
CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- API keys, by the SHA-256 of the key (the key itself is shown once, when made, and never stored).
CREATE TABLE api_keys (
    key_hash TEXT PRIMARY KEY,
    key_prefix TEXT NOT NULL,
    tenant TEXT NOT NULL REFERENCES tenants (id),
    user_name TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- The durable log of accepted transactions, with the decision each was given, hash-chained per tenant.
CREATE TABLE transactions (
    tenant TEXT NOT NULL REFERENCES tenants (id),
    seq BIGINT NOT NULL,
    tx_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    event_time BIGINT NOT NULL,
    debtor_account TEXT NOT NULL,
    creditor_account TEXT NOT NULL,
    body TEXT NOT NULL,
    decision TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    outcome TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (tenant, seq),
    UNIQUE (tenant, tx_id)
);
-- No index by account: a B-tree keyed by account takes a random page for every row, which halved the
-- server's throughput. An account's latest transactions are kept by the server in memory (rebuilt from this log
-- at start) and read back here by seq.

-- Cases group alerts; entries are their notes and evidence.
CREATE TABLE cases (
    tenant TEXT NOT NULL REFERENCES tenants (id),
    id BIGINT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    assignee TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE TABLE case_entries (
    tenant TEXT NOT NULL,
    case_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    author TEXT NOT NULL,
    at BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (tenant, case_id, id),
    FOREIGN KEY (tenant, case_id) REFERENCES cases (tenant, id)
);

-- One alert per transaction decided review or worse.
CREATE TABLE alerts (
    tenant TEXT NOT NULL,
    id BIGINT NOT NULL,
    tx_seq BIGINT NOT NULL,
    tx_id TEXT NOT NULL,
    account TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decision TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    rules TEXT NOT NULL,
    status TEXT NOT NULL,
    assignee TEXT,
    disposition TEXT,
    closed_by TEXT,
    closed_at BIGINT,
    case_id BIGINT,
    PRIMARY KEY (tenant, id),
    FOREIGN KEY (tenant, tx_seq) REFERENCES transactions (tenant, seq)
);
CREATE INDEX alerts_status ON alerts (tenant, status, id);
CREATE INDEX alerts_account ON alerts (tenant, account, id);

-- Requests to freeze or unfreeze an account, decided by a second person.
CREATE TABLE freezes (
    tenant TEXT NOT NULL REFERENCES tenants (id),
    id BIGINT NOT NULL,
    account TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    PRIMARY KEY (tenant, id)
);
-- The accounts frozen now, and by which approved request.
CREATE TABLE frozen_accounts (
    tenant TEXT NOT NULL REFERENCES tenants (id),
    account TEXT NOT NULL,
    freeze_id BIGINT NOT NULL,
    since BIGINT NOT NULL,
    PRIMARY KEY (tenant, account)
);

-- Rule sets uploaded, by version; one is live per tenant.
CREATE TABLE rulesets (
    tenant TEXT NOT NULL REFERENCES tenants (id),
    version TEXT NOT NULL,
    body TEXT NOT NULL,
    mode TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    PRIMARY KEY (tenant, version)
);

-- Every change of state, hash-chained per tenant.
CREATE TABLE audit (
    tenant TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (tenant, seq)
);

-- The last entry of each chain (audit, transactions) per tenant: what shows that entries were cut off the end.
CREATE TABLE chain_heads (
    tenant TEXT NOT NULL,
    chain TEXT NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (tenant, chain)
);
