-- The store: the one row of shop-wide settings (Medusa's `store`).
CREATE TABLE store (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    default_currency_code TEXT,
    default_region_id TEXT,
    default_sales_channel_id TEXT,
    default_location_id TEXT,
    metadata TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
