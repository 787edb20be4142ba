-- API keys: publishable (`pk_…`, public, scope the Store API to sales channels) and secret (`sk_…`,
-- server-to-server Admin API access with a role). Secret tokens are stored only as a SHA-256 hash.
CREATE TABLE api_key (
    id TEXT PRIMARY KEY,
    token TEXT,
    token_hash TEXT NOT NULL UNIQUE,
    redacted TEXT NOT NULL,
    title TEXT NOT NULL,
    type TEXT NOT NULL,
    role TEXT,
    created_by TEXT,
    revoked_by TEXT,
    revoked_at TEXT,
    last_used_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
