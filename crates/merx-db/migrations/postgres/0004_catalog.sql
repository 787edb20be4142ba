-- Catalog, sales channels, regions, pricing and tax.

CREATE TABLE sales_channel (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    is_disabled BOOLEAN NOT NULL,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);

CREATE TABLE api_key_sales_channel (
    api_key_id TEXT NOT NULL REFERENCES api_key (id),
    sales_channel_id TEXT NOT NULL REFERENCES sales_channel (id),
    PRIMARY KEY (api_key_id, sales_channel_id)
);

CREATE TABLE region (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    currency_code TEXT NOT NULL,
    automatic_taxes BOOLEAN NOT NULL,
    is_tax_inclusive BOOLEAN NOT NULL,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);

-- A country belongs to at most one region.
CREATE TABLE region_country (
    iso_2 TEXT PRIMARY KEY,
    region_id TEXT NOT NULL REFERENCES region (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX region_country_region ON region_country (region_id);

CREATE TABLE region_payment_provider (
    region_id TEXT NOT NULL REFERENCES region (id),
    provider_id TEXT NOT NULL,
    PRIMARY KEY (region_id, provider_id)
);

CREATE TABLE product_collection (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    handle TEXT NOT NULL,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX product_collection_handle ON product_collection (handle) WHERE deleted_at IS NULL;

CREATE TABLE product_type (
    id TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX product_type_value ON product_type (value) WHERE deleted_at IS NULL;

CREATE TABLE product_tag (
    id TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX product_tag_value ON product_tag (value) WHERE deleted_at IS NULL;

CREATE TABLE product_category (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    handle TEXT NOT NULL,
    parent_category_id TEXT REFERENCES product_category (id),
    rank BIGINT NOT NULL,
    is_active BOOLEAN NOT NULL,
    is_internal BOOLEAN NOT NULL,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX product_category_handle ON product_category (handle) WHERE deleted_at IS NULL;
CREATE INDEX product_category_parent ON product_category (parent_category_id, rank);

CREATE TABLE product (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    subtitle TEXT,
    description TEXT,
    handle TEXT NOT NULL,
    status TEXT NOT NULL,
    is_giftcard BOOLEAN NOT NULL,
    discountable BOOLEAN NOT NULL,
    thumbnail TEXT,
    collection_id TEXT REFERENCES product_collection (id),
    type_id TEXT REFERENCES product_type (id),
    weight BIGINT,
    length BIGINT,
    height BIGINT,
    width BIGINT,
    hs_code TEXT,
    origin_country TEXT,
    mid_code TEXT,
    material TEXT,
    external_id TEXT,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX product_handle ON product (handle) WHERE deleted_at IS NULL;
CREATE INDEX product_listing ON product (status, created_at, id);
CREATE INDEX product_collection_idx ON product (collection_id);
CREATE INDEX product_type_idx ON product (type_id);

CREATE TABLE product_tag_link (
    product_id TEXT NOT NULL REFERENCES product (id),
    tag_id TEXT NOT NULL REFERENCES product_tag (id),
    PRIMARY KEY (product_id, tag_id)
);
CREATE INDEX product_tag_link_tag ON product_tag_link (tag_id);

CREATE TABLE product_category_link (
    product_id TEXT NOT NULL REFERENCES product (id),
    category_id TEXT NOT NULL REFERENCES product_category (id),
    PRIMARY KEY (product_id, category_id)
);
CREATE INDEX product_category_link_category ON product_category_link (category_id);

CREATE TABLE product_sales_channel (
    product_id TEXT NOT NULL REFERENCES product (id),
    sales_channel_id TEXT NOT NULL REFERENCES sales_channel (id),
    PRIMARY KEY (product_id, sales_channel_id)
);
CREATE INDEX product_sales_channel_channel ON product_sales_channel (sales_channel_id, product_id);

CREATE TABLE product_image (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES product (id),
    url TEXT NOT NULL,
    rank BIGINT NOT NULL,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX product_image_product ON product_image (product_id, rank);

CREATE TABLE product_option (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES product (id),
    title TEXT NOT NULL,
    rank BIGINT NOT NULL,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX product_option_product ON product_option (product_id, rank);

CREATE TABLE product_option_value (
    id TEXT PRIMARY KEY,
    option_id TEXT NOT NULL REFERENCES product_option (id),
    value TEXT NOT NULL,
    rank BIGINT NOT NULL,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX product_option_value_option ON product_option_value (option_id, rank);

CREATE TABLE product_variant (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES product (id),
    title TEXT NOT NULL,
    sku TEXT,
    barcode TEXT,
    ean TEXT,
    upc TEXT,
    allow_backorder BOOLEAN NOT NULL,
    manage_inventory BOOLEAN NOT NULL,
    hs_code TEXT,
    origin_country TEXT,
    mid_code TEXT,
    material TEXT,
    weight BIGINT,
    length BIGINT,
    height BIGINT,
    width BIGINT,
    variant_rank BIGINT NOT NULL,
    thumbnail TEXT,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX product_variant_product ON product_variant (product_id, variant_rank);
CREATE UNIQUE INDEX product_variant_sku ON product_variant (sku) WHERE deleted_at IS NULL AND sku IS NOT NULL;

CREATE TABLE product_variant_option (
    variant_id TEXT NOT NULL REFERENCES product_variant (id),
    option_value_id TEXT NOT NULL REFERENCES product_option_value (id),
    PRIMARY KEY (variant_id, option_value_id)
);

CREATE TABLE price_set (
    id TEXT PRIMARY KEY,
    variant_id TEXT NOT NULL UNIQUE REFERENCES product_variant (id),
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE price_list (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    starts_at TIMESTAMPTZ,
    ends_at TIMESTAMPTZ,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);

CREATE TABLE price_list_customer_group (
    price_list_id TEXT NOT NULL REFERENCES price_list (id),
    customer_group_id TEXT NOT NULL,
    PRIMARY KEY (price_list_id, customer_group_id)
);

CREATE TABLE price (
    id TEXT PRIMARY KEY,
    price_set_id TEXT NOT NULL REFERENCES price_set (id),
    price_list_id TEXT REFERENCES price_list (id),
    currency_code TEXT NOT NULL,
    amount BIGINT NOT NULL,
    region_id TEXT REFERENCES region (id),
    min_quantity BIGINT,
    max_quantity BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX price_set_idx ON price (price_set_id);
CREATE INDEX price_list_idx ON price (price_list_id);

CREATE TABLE tax_region (
    id TEXT PRIMARY KEY,
    country_code TEXT NOT NULL,
    province_code TEXT,
    parent_id TEXT REFERENCES tax_region (id),
    provider_id TEXT,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX tax_region_place ON tax_region (country_code, COALESCE(province_code, '')) WHERE deleted_at IS NULL;

CREATE TABLE tax_rate (
    id TEXT PRIMARY KEY,
    tax_region_id TEXT NOT NULL REFERENCES tax_region (id),
    name TEXT NOT NULL,
    code TEXT NOT NULL,
    rate TEXT NOT NULL,
    is_default BOOLEAN NOT NULL,
    is_combinable BOOLEAN NOT NULL,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX tax_rate_region ON tax_rate (tax_region_id);

CREATE TABLE tax_rate_rule (
    tax_rate_id TEXT NOT NULL REFERENCES tax_rate (id),
    reference TEXT NOT NULL,
    reference_id TEXT NOT NULL,
    PRIMARY KEY (tax_rate_id, reference, reference_id)
);

-- Full-text search over products: an expression index, queried with the same expression.
CREATE INDEX product_search ON product USING GIN (to_tsvector('simple',
    coalesce(title, '') || ' ' || coalesce(subtitle, '') || ' ' || coalesce(description, '') || ' ' || coalesce(handle, '')));

-- Customer groups (price lists target them; customers join them).
CREATE TABLE customer_group (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);

CREATE TABLE customer_group_customer (
    customer_group_id TEXT NOT NULL REFERENCES customer_group (id),
    customer_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (customer_group_id, customer_id)
);
CREATE INDEX customer_group_customer_customer ON customer_group_customer (customer_id);
