-- Fulfillments, return reasons and returns.

CREATE TABLE fulfillment (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    location_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    items JSONB NOT NULL,
    labels JSONB,
    shipped_at TIMESTAMPTZ,
    delivered_at TIMESTAMPTZ,
    canceled_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX fulfillment_order ON fulfillment (order_id);

CREATE TABLE return_reason (
    id TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    label TEXT NOT NULL,
    description TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX return_reason_value ON return_reason (value) WHERE deleted_at IS NULL;

CREATE TABLE order_return (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    status TEXT NOT NULL,
    location_id TEXT,
    items JSONB NOT NULL,
    refund_amount BIGINT,
    received_at TIMESTAMPTZ,
    canceled_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX order_return_order ON order_return (order_id);
