-- Carts, shipping, payments and orders.

CREATE TABLE cart (
    id TEXT PRIMARY KEY,
    region_id TEXT NOT NULL REFERENCES region (id),
    currency_code TEXT NOT NULL,
    sales_channel_id TEXT NOT NULL REFERENCES sales_channel (id),
    customer_id TEXT,
    email TEXT,
    shipping_address JSONB,
    billing_address JSONB,
    metadata JSONB,
    completed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);

CREATE TABLE cart_line_item (
    id TEXT PRIMARY KEY,
    cart_id TEXT NOT NULL REFERENCES cart (id),
    variant_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    title TEXT NOT NULL,
    subtitle TEXT,
    thumbnail TEXT,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    unit_price BIGINT NOT NULL,
    compare_at_unit_price BIGINT,
    is_tax_inclusive BOOLEAN NOT NULL,
    requires_shipping BOOLEAN NOT NULL,
    is_discountable BOOLEAN NOT NULL,
    snapshot JSONB NOT NULL,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX cart_line_item_cart ON cart_line_item (cart_id);

CREATE TABLE shipping_profile (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);

CREATE TABLE shipping_option (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    region_id TEXT NOT NULL REFERENCES region (id),
    stock_location_id TEXT REFERENCES stock_location (id),
    shipping_profile_id TEXT NOT NULL REFERENCES shipping_profile (id),
    provider_id TEXT NOT NULL,
    price_type TEXT NOT NULL,
    amount BIGINT,
    is_return BOOLEAN NOT NULL,
    min_subtotal BIGINT,
    max_subtotal BIGINT,
    data JSONB,
    type_label TEXT NOT NULL,
    type_description TEXT,
    type_code TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX shipping_option_region ON shipping_option (region_id);

CREATE TABLE cart_shipping_method (
    id TEXT PRIMARY KEY,
    cart_id TEXT NOT NULL REFERENCES cart (id),
    shipping_option_id TEXT NOT NULL,
    name TEXT NOT NULL,
    amount BIGINT NOT NULL,
    is_tax_inclusive BOOLEAN NOT NULL,
    data JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX cart_shipping_method_cart ON cart_shipping_method (cart_id);

CREATE TABLE payment_collection (
    id TEXT PRIMARY KEY,
    cart_id TEXT NOT NULL UNIQUE REFERENCES cart (id),
    currency_code TEXT NOT NULL,
    amount BIGINT NOT NULL,
    status TEXT NOT NULL,
    authorized_amount BIGINT NOT NULL,
    captured_amount BIGINT NOT NULL,
    refunded_amount BIGINT NOT NULL,
    completed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE payment_session (
    id TEXT PRIMARY KEY,
    payment_collection_id TEXT NOT NULL REFERENCES payment_collection (id),
    provider_id TEXT NOT NULL,
    currency_code TEXT NOT NULL,
    amount BIGINT NOT NULL,
    status TEXT NOT NULL,
    data JSONB,
    context JSONB,
    authorized_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX payment_session_collection ON payment_session (payment_collection_id);

CREATE TABLE payment (
    id TEXT PRIMARY KEY,
    payment_collection_id TEXT NOT NULL REFERENCES payment_collection (id),
    payment_session_id TEXT NOT NULL UNIQUE,
    provider_id TEXT NOT NULL,
    currency_code TEXT NOT NULL,
    amount BIGINT NOT NULL,
    captured_amount BIGINT NOT NULL,
    refunded_amount BIGINT NOT NULL,
    data JSONB,
    order_id TEXT,
    captured_at TIMESTAMPTZ,
    canceled_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE merx_counter (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    display_id BIGINT NOT NULL UNIQUE,
    cart_id TEXT UNIQUE,
    status TEXT NOT NULL,
    region_id TEXT NOT NULL,
    sales_channel_id TEXT NOT NULL,
    customer_id TEXT,
    email TEXT,
    currency_code TEXT NOT NULL,
    shipping_address JSONB,
    billing_address JSONB,
    totals JSONB NOT NULL,
    metadata JSONB,
    canceled_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX orders_customer ON orders (customer_id, created_at);

CREATE TABLE order_line_item (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    cart_line_item_id TEXT,
    variant_id TEXT,
    product_id TEXT,
    title TEXT NOT NULL,
    subtitle TEXT,
    thumbnail TEXT,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    is_tax_inclusive BOOLEAN NOT NULL,
    requires_shipping BOOLEAN NOT NULL,
    snapshot JSONB NOT NULL,
    tax_lines JSONB NOT NULL,
    totals JSONB NOT NULL,
    fulfilled_quantity BIGINT NOT NULL,
    shipped_quantity BIGINT NOT NULL,
    delivered_quantity BIGINT NOT NULL,
    returned_quantity BIGINT NOT NULL,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX order_line_item_order ON order_line_item (order_id);

CREATE TABLE order_shipping_method (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    shipping_option_id TEXT,
    name TEXT NOT NULL,
    amount BIGINT NOT NULL,
    is_tax_inclusive BOOLEAN NOT NULL,
    tax_lines JSONB NOT NULL,
    totals JSONB NOT NULL,
    data JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX order_shipping_method_order ON order_shipping_method (order_id);
