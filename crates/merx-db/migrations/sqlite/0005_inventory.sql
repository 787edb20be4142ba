-- Inventory: stock locations, inventory items, levels per location, reservations, adjustments.

CREATE TABLE stock_location (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    address_id TEXT,
    address_1 TEXT,
    address_2 TEXT,
    company TEXT,
    city TEXT,
    country_code TEXT,
    phone TEXT,
    province TEXT,
    postal_code TEXT,
    metadata TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);

CREATE TABLE sales_channel_stock_location (
    sales_channel_id TEXT NOT NULL REFERENCES sales_channel (id),
    stock_location_id TEXT NOT NULL REFERENCES stock_location (id),
    PRIMARY KEY (sales_channel_id, stock_location_id)
);

CREATE TABLE inventory_item (
    id TEXT PRIMARY KEY,
    sku TEXT,
    title TEXT,
    description TEXT,
    requires_shipping INTEGER NOT NULL,
    hs_code TEXT,
    origin_country TEXT,
    mid_code TEXT,
    material TEXT,
    weight BIGINT,
    length BIGINT,
    height BIGINT,
    width BIGINT,
    metadata TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE UNIQUE INDEX inventory_item_sku ON inventory_item (sku) WHERE deleted_at IS NULL AND sku IS NOT NULL;

CREATE TABLE product_variant_inventory_item (
    variant_id TEXT NOT NULL REFERENCES product_variant (id),
    inventory_item_id TEXT NOT NULL REFERENCES inventory_item (id),
    required_quantity BIGINT NOT NULL CHECK (required_quantity > 0),
    PRIMARY KEY (variant_id, inventory_item_id)
);
CREATE INDEX variant_inventory_item ON product_variant_inventory_item (inventory_item_id);

CREATE TABLE inventory_level (
    id TEXT PRIMARY KEY,
    inventory_item_id TEXT NOT NULL REFERENCES inventory_item (id),
    location_id TEXT NOT NULL REFERENCES stock_location (id),
    stocked_quantity BIGINT NOT NULL CHECK (stocked_quantity >= 0),
    reserved_quantity BIGINT NOT NULL CHECK (reserved_quantity >= 0),
    incoming_quantity BIGINT NOT NULL CHECK (incoming_quantity >= 0),
    metadata TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (inventory_item_id, location_id)
);
CREATE INDEX inventory_level_location ON inventory_level (location_id);

CREATE TABLE reservation_item (
    id TEXT PRIMARY KEY,
    inventory_item_id TEXT NOT NULL REFERENCES inventory_item (id),
    location_id TEXT NOT NULL REFERENCES stock_location (id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    line_item_id TEXT,
    description TEXT,
    external_id TEXT,
    created_by TEXT,
    allow_backorder INTEGER NOT NULL,
    expires_at TEXT,
    metadata TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX reservation_item_line ON reservation_item (line_item_id);
CREATE INDEX reservation_item_expiry ON reservation_item (expires_at) WHERE deleted_at IS NULL AND expires_at IS NOT NULL;

-- Every change of a level, with why and by whom.
CREATE TABLE inventory_adjustment (
    id TEXT PRIMARY KEY,
    inventory_item_id TEXT NOT NULL,
    location_id TEXT NOT NULL,
    stocked_delta BIGINT NOT NULL,
    reserved_delta BIGINT NOT NULL,
    incoming_delta BIGINT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT,
    reference_id TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX inventory_adjustment_level ON inventory_adjustment (inventory_item_id, location_id, created_at);
