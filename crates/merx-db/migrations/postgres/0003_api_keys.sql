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
    revoked_at TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
