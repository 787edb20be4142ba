//! The Store API (`/store`), wire-compatible with Medusa v2's. Every request carries a publishable
//! key (`x-publishable-api-key`); its sales channels scope what the request sees.

mod catalog;
pub(crate) mod checkout;
pub(crate) mod customers;
mod products;
mod regions;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use merx_core::sales_channel::KeyScope;
use merx_types::{DomainError, Page};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::AppState;

pub const PUBLISHABLE_KEY_HEADER: &str = "x-publishable-api-key";

/// The publishable key's scope, for handlers.
#[derive(Debug, Clone)]
pub struct StoreScope(pub KeyScope);

impl<S: Send + Sync> FromRequestParts<S> for StoreScope {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<StoreScope>()
            .cloned()
            .ok_or_else(|| {
                DomainError::not_allowed(
                    "A valid publishable key is required to proceed with the request",
                )
                .into()
            })
    }
}

/// Resolves the publishable key, answering Medusa's 400s when it is missing or not valid.
async fn publishable_key(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(token) = req
        .headers()
        .get(PUBLISHABLE_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return ApiError::from(DomainError::not_allowed(
            "Publishable API key required in the request header: x-publishable-api-key. You can manage your keys in settings in the dashboard.",
        ))
        .into_response();
    };
    match state.core.sales_channels.scope_of_publishable(&token).await {
        Ok(Some(scope)) => {
            req.extensions_mut().insert(StoreScope(scope));
            next.run(req).await
        }
        Ok(None) => ApiError::from(DomainError::not_allowed(
            "A valid publishable key is required to proceed with the request",
        ))
        .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `{<plural>: [...], count, offset, limit}`.
pub(crate) fn list_body(key: &str, items: Vec<Value>, page: &Page<impl Sized>) -> Value {
    json!({key: items, "count": page.count, "offset": page.offset, "limit": page.limit})
}

/// Every Store route (all `GET` for now), for the OpenAPI document.
pub const ROUTES: &[&str] = &[
    "/store/products",
    "/store/products/{id}",
    "/store/regions",
    "/store/regions/{id}",
    "/store/currencies",
    "/store/currencies/{code}",
    "/store/collections",
    "/store/collections/{id}",
    "/store/product-categories",
    "/store/product-categories/{id}",
    "/store/product-tags",
    "/store/product-tags/{id}",
    "/store/product-types",
    "/store/product-types/{id}",
    "/store/carts/{id}",
    "/store/shipping-options",
    "/store/payment-providers",
    "/store/orders",
    "/store/orders/{id}",
    "/store/return-reasons",
    "/store/customers/me",
    "/store/customers/me/addresses",
    "/store/customers/me/addresses/{id}",
];

pub(crate) fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/store/products", get(products::list))
        .route("/store/products/{id}", get(products::retrieve))
        .route("/store/regions", get(regions::list))
        .route("/store/regions/{id}", get(regions::retrieve))
        .route("/store/currencies", get(regions::currencies))
        .route("/store/currencies/{code}", get(regions::currency))
        .route("/store/collections", get(catalog::collections))
        .route("/store/collections/{id}", get(catalog::collection))
        .route("/store/product-categories", get(catalog::categories))
        .route("/store/product-categories/{id}", get(catalog::category))
        .route("/store/product-tags", get(catalog::tags))
        .route("/store/product-tags/{id}", get(catalog::tag))
        .route("/store/product-types", get(catalog::types))
        .route("/store/product-types/{id}", get(catalog::product_type))
        .route("/store/carts", axum::routing::post(checkout::create_cart))
        .route(
            "/store/carts/{id}",
            get(checkout::retrieve_cart).post(checkout::update_cart),
        )
        .route(
            "/store/carts/{id}/customer",
            axum::routing::post(checkout::transfer_cart),
        )
        .route(
            "/store/carts/{id}/line-items",
            axum::routing::post(checkout::add_item),
        )
        .route(
            "/store/carts/{id}/line-items/{line_id}",
            axum::routing::post(checkout::update_item).delete(checkout::delete_item),
        )
        .route(
            "/store/carts/{id}/shipping-methods",
            axum::routing::post(checkout::add_shipping_method),
        )
        .route(
            "/store/carts/{id}/complete",
            axum::routing::post(checkout::complete),
        )
        .route("/store/shipping-options", get(checkout::shipping_options))
        .route(
            "/store/shipping-options/{id}/calculate",
            axum::routing::post(checkout::calculate_option),
        )
        .route("/store/payment-providers", get(checkout::payment_providers))
        .route(
            "/store/payment-collections",
            axum::routing::post(checkout::create_collection),
        )
        .route(
            "/store/payment-collections/{id}/payment-sessions",
            axum::routing::post(checkout::init_session),
        )
        .route(
            "/store/returns",
            axum::routing::post(checkout::create_return),
        )
        .route(
            "/store/return",
            axum::routing::post(checkout::create_return),
        )
        .route("/store/return-reasons", get(checkout::return_reasons))
        .route("/store/return-reasons/{id}", get(checkout::return_reason))
        .route("/store/orders", get(checkout::list_orders))
        .route("/store/orders/{id}", get(checkout::retrieve_order))
        .route("/store/customers", axum::routing::post(customers::create))
        .route(
            "/store/customers/me",
            get(customers::me).post(customers::update_me),
        )
        .route(
            "/store/customers/me/addresses",
            get(customers::addresses).post(customers::add_address),
        )
        .route(
            "/store/customers/me/addresses/{id}",
            get(customers::address)
                .post(customers::update_address)
                .delete(customers::delete_address),
        )
        .layer(middleware::from_fn_with_state(state, publishable_key))
}
