-- Platform: transactional outbox and its deliveries, subscriber de-duplication, webhooks, workflow
-- journal, idempotency keys, job schedule.

CREATE TABLE outbox_event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    aggregate_type TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    fanned_out_at TEXT
);
CREATE INDEX outbox_event_unfanned ON outbox_event (seq) WHERE fanned_out_at IS NULL;
CREATE INDEX outbox_event_name ON outbox_event (name, seq);

CREATE TABLE outbox_delivery (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES outbox_event (id) ON DELETE CASCADE,
    event_seq BIGINT NOT NULL,
    target TEXT NOT NULL,
    aggregate_key TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    last_error TEXT,
    delivered_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (event_id, target)
);
CREATE INDEX outbox_delivery_due ON outbox_delivery (status, next_attempt_at);
CREATE INDEX outbox_delivery_order ON outbox_delivery (target, aggregate_key, event_seq);

CREATE TABLE processed_event (
    subscriber TEXT NOT NULL,
    event_id TEXT NOT NULL,
    processed_at TEXT NOT NULL,
    PRIMARY KEY (subscriber, event_id)
);

CREATE TABLE webhook_endpoint (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    is_active INTEGER NOT NULL,
    metadata TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);

CREATE TABLE webhook_attempt (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    succeeded INTEGER NOT NULL,
    response_status BIGINT,
    duration_ms BIGINT NOT NULL,
    error TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX webhook_attempt_endpoint ON webhook_attempt (endpoint_id, created_at);

CREATE TABLE workflow_execution (
    id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    idempotency_key TEXT,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    error_kind TEXT,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX workflow_execution_live_key ON workflow_execution (workflow, idempotency_key)
    WHERE idempotency_key IS NOT NULL AND status IN ('running', 'compensating', 'succeeded');
CREATE INDEX workflow_execution_unfinished ON workflow_execution (status, locked_until);

CREATE TABLE workflow_step (
    execution_id TEXT NOT NULL REFERENCES workflow_execution (id) ON DELETE CASCADE,
    idx BIGINT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    output TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (execution_id, idx)
);

CREATE TABLE idempotency_key (
    idem_key TEXT NOT NULL,
    scope TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    response_status BIGINT,
    response_content_type TEXT,
    response_body TEXT,
    locked_until TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (idem_key, scope)
);

CREATE TABLE job_schedule (
    name TEXT PRIMARY KEY,
    next_run_at TEXT NOT NULL,
    last_run_at TEXT,
    last_error TEXT,
    runs BIGINT NOT NULL DEFAULT 0
);
