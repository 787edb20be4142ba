-- Captures, refunds and cancels of an order's payment, each claimed in the database before its
-- provider is called (see merx-core payment/operations.rs). The key is what the provider is given.
CREATE TABLE payment_operation (
    id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payment (id),
    kind TEXT NOT NULL,
    amount BIGINT NOT NULL,
    status TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX payment_operation_pending ON payment_operation (payment_id) WHERE status = 'pending';

-- Workflow executions remember the process that runs them, so a restarted process takes its own
-- back at once instead of waiting for their leases.
ALTER TABLE workflow_execution ADD COLUMN owner TEXT;
CREATE INDEX workflow_execution_owner ON workflow_execution (owner) WHERE status IN ('running', 'compensating');
