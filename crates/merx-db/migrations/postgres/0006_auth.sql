-- Customers, their addresses, admin users, invites and auth identities.

CREATE TABLE customer (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    company_name TEXT,
    phone TEXT,
    has_account BOOLEAN NOT NULL,
    metadata JSONB,
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
-- One registered customer per email; guests may repeat.
CREATE UNIQUE INDEX customer_account_email ON customer (email) WHERE deleted_at IS NULL AND has_account;
CREATE INDEX customer_email ON customer (email);

CREATE TABLE customer_address (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customer (id),
    address_name TEXT,
    is_default_shipping BOOLEAN NOT NULL,
    is_default_billing BOOLEAN NOT NULL,
    company TEXT,
    first_name TEXT,
    last_name TEXT,
    address_1 TEXT,
    address_2 TEXT,
    city TEXT,
    country_code TEXT,
    province TEXT,
    postal_code TEXT,
    phone TEXT,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX customer_address_customer ON customer_address (customer_id);

CREATE TABLE admin_user (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    avatar_url TEXT,
    role TEXT NOT NULL,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX admin_user_email ON admin_user (email) WHERE deleted_at IS NULL;

CREATE TABLE invite (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    accepted BOOLEAN NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);

-- A way to prove who one is: for `emailpass`, an email and an argon2id password hash.
CREATE TABLE auth_identity (
    id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    password_hash TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (provider, actor_type, entity_id)
);

-- Cookie sessions: the cookie carries a random id; the row carries who it is.
CREATE TABLE auth_session (
    id_hash TEXT PRIMARY KEY,
    auth_identity_id TEXT NOT NULL REFERENCES auth_identity (id),
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Process-wide secrets generated on first start (e.g. the JWT signing key), shared by every process.
CREATE TABLE merx_secret (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
