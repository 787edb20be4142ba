-- The store's supported currencies (Medusa's `store_currency`), in the order given (`rank`):
-- exactly one is the default.
CREATE TABLE store_currency (
    id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL REFERENCES store (id),
    currency_code TEXT NOT NULL,
    rank BIGINT NOT NULL,
    is_default BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX store_currency_code ON store_currency (store_id, currency_code);

-- Whether prices in a currency (attribute `currency_code`) or a region (`region_id`) include tax
-- (Medusa's `price_preference`). One per attribute and value.
CREATE TABLE price_preference (
    id TEXT PRIMARY KEY,
    attribute TEXT NOT NULL,
    value TEXT NOT NULL,
    is_tax_inclusive BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX price_preference_attribute_value ON price_preference (attribute, value);
