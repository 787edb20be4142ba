//! The commerce core. Each area is a module that owns its tables and exposes a service; other
//! areas and the HTTP layer call that service, never the tables.

pub mod api_key;
pub mod auth;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod customer;
pub mod error;
pub mod inventory;
pub mod notification;
pub mod order;
pub mod payment;
pub mod platform;
pub mod pricing;
pub mod region;
pub mod sales_channel;
pub mod seed;
pub mod shipping;
pub mod store;
pub mod storefront;
pub mod tax;
pub mod user;

pub use error::CoreError;

use merx_db::Db;

/// Every core service, built once per process and shared by the HTTP layer and workers.
#[derive(Clone)]
pub struct Core {
    pub db: Db,
    pub store: store::StoreService,
    pub api_keys: api_key::ApiKeyService,
    pub catalog: catalog::CatalogService,
    pub taxonomy: catalog::TaxonomyService,
    pub pricing: pricing::PricingService,
    pub regions: region::RegionService,
    pub sales_channels: sales_channel::SalesChannelService,
    pub tax: tax::TaxService,
    pub customer_groups: customer::CustomerGroupService,
    pub inventory: inventory::InventoryService,
    pub auth: auth::AuthService,
    pub customers: customer::CustomerService,
    pub users: user::UserService,
    pub carts: cart::CartService,
    pub shipping: shipping::ShippingService,
    pub payments: payment::PaymentService,
    pub orders: order::OrderService,
    pub order_ops: order::OrderOps,
    pub webhooks: platform::webhooks::WebhookService,
    pub outbox: platform::outbox::OutboxService,
    pub idempotency: platform::idempotency::IdempotencyService,
    pub workflows: platform::workflow::WorkflowEngine,
    /// Where messages to people go (password resets, order confirmations).
    pub notifier: std::sync::Arc<dyn notification::Notifier>,
}

impl Core {
    /// Services with a random, in-memory JWT secret and the log notifier (tests, tools).
    pub fn new(db: Db) -> Self {
        let secret = merx_types::id::random_token("", 32).into_bytes();
        Self::with_auth(db, secret, std::sync::Arc::new(notification::LogNotifier))
    }

    /// Services signing tokens with `jwt_secret` and notifying through `notifier`.
    pub fn with_auth(
        db: Db,
        jwt_secret: Vec<u8>,
        notifier: std::sync::Arc<dyn notification::Notifier>,
    ) -> Self {
        Self::with_providers(db, jwt_secret, notifier, Vec::new())
    }

    /// Like [`Core::with_auth`], with payment providers beyond the built-in one.
    pub fn with_providers(
        db: Db,
        jwt_secret: Vec<u8>,
        notifier: std::sync::Arc<dyn notification::Notifier>,
        providers: Vec<std::sync::Arc<dyn payment::PaymentProvider>>,
    ) -> Self {
        let store = store::StoreService::new(db.clone());
        let catalog = catalog::CatalogService::new(db.clone());
        let pricing = pricing::PricingService::new(db.clone());
        let regions = region::RegionService::new(db.clone());
        let tax = tax::TaxService::new(db.clone());
        let inventory = inventory::InventoryService::new(db.clone());
        let carts = cart::CartService::new(
            db.clone(),
            catalog.clone(),
            pricing.clone(),
            regions.clone(),
            tax.clone(),
            inventory.clone(),
            store.clone(),
        );
        let payments = providers
            .into_iter()
            .fold(payment::PaymentService::new(db.clone()), |p, provider| {
                p.with_provider(provider)
            });
        let mut workflows = platform::workflow::WorkflowEngine::new(db.clone());
        workflows.register(checkout::workflow(std::sync::Arc::new(checkout::Deps {
            db: db.clone(),
            carts: carts.clone(),
            payments: payments.clone(),
        })));
        Self {
            auth: auth::AuthService::new(db.clone(), jwt_secret, notifier.clone()),
            notifier,
            customers: customer::CustomerService::new(db.clone()),
            users: user::UserService::new(db.clone()),
            store,
            api_keys: api_key::ApiKeyService::new(db.clone()),
            catalog,
            taxonomy: catalog::TaxonomyService::new(db.clone()),
            pricing,
            regions,
            sales_channels: sales_channel::SalesChannelService::new(db.clone()),
            tax,
            customer_groups: customer::CustomerGroupService::new(db.clone()),
            inventory,
            carts,
            shipping: shipping::ShippingService::new(db.clone()),
            order_ops: order::OrderOps::new(
                db.clone(),
                order::OrderService::new(db.clone()),
                payments.clone(),
            ),
            payments,
            orders: order::OrderService::new(db.clone()),
            webhooks: platform::webhooks::WebhookService::new(db.clone()),
            outbox: platform::outbox::OutboxService::new(db.clone()),
            idempotency: platform::idempotency::IdempotencyService::new(db.clone()),
            workflows,
            db,
        }
    }
}

/// Rounds a decimal number of minor units to a whole one, half away from zero (saturating).
pub(crate) fn money_round(minor: rust_decimal::Decimal) -> i64 {
    merx_types::money::round_minor(minor).unwrap_or(if minor.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    })
}
