//! The HTTP API, end to end: the real router on a fresh database per test, on SQLite and (when
//! `MERX_TEST_POSTGRES_URL` is set) on Postgres.

mod helpers;
mod receiver;
mod stripe;

mod admin_auth;
mod admin_input;
mod admin_people;
mod admin_store_setup;
mod admin_tax_regions;
mod auth;
mod cart_writes;
mod catalog;
mod checkout;
mod demo_images;
mod foundation;
mod idempotency_callers;
mod input_rules;
mod inventory;
mod money;
mod openapi_schemas;
mod orders;
mod ownership;
mod platform;
mod read_cache;
mod remembered;
mod sessions;
mod starter_catalog;
mod starter_checkout;
mod starter_demo;
