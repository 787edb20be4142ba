//! The Store API (`/store`), wire-compatible with Medusa v2's. Every request carries a publishable
//! key (`x-publishable-api-key`); its sales channels scope what the request sees.

mod carts;
mod catalog;
pub(crate) mod customers;
mod locales;
mod orders;
mod ownership;
mod payments;
mod products;
mod regions;
mod returns;
mod shipping;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::on;
use axum::Router;
use merx_core::sales_channel::KeyScope;
use merx_types::DomainError;

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

/// One Store route: what the OpenAPI document lists.
pub struct StoreRoute {
    pub method: Method,
    /// The route template, e.g. `/store/carts/{id}`.
    pub path: &'static str,
    /// What the handler's types document: its body, query and answer.
    pub operation: fn() -> crate::route_doc::OperationDoc,
}

/// Builds the router and the table of its routes together, so the two cannot drift apart.
struct StoreRoutes {
    router: Router<AppState>,
    table: Vec<StoreRoute>,
}

impl StoreRoutes {
    fn add<H, T, D>(mut self, method: Method, path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, AppState> + crate::route_doc::Documented<D>,
        T: 'static,
    {
        let filter = crate::route_doc::method_filter(&method);
        self.router = self.router.route(path, on(filter, handler));
        self.table.push(StoreRoute {
            method,
            path,
            operation: <H as crate::route_doc::Documented<D>>::operation,
        });
        self
    }
}

fn build() -> StoreRoutes {
    let routes = StoreRoutes {
        router: Router::new(),
        table: Vec::new(),
    };
    let (get, post, delete) = (Method::GET, Method::POST, Method::DELETE);
    routes
        .add(get.clone(), "/store/products", products::list)
        .add(get.clone(), "/store/products/{id}", products::retrieve)
        .add(get.clone(), "/store/regions", regions::list)
        .add(get.clone(), "/store/regions/{id}", regions::retrieve)
        .add(get.clone(), "/store/locales", locales::locales)
        .add(get.clone(), "/store/currencies", regions::currencies)
        .add(get.clone(), "/store/currencies/{code}", regions::currency)
        .add(get.clone(), "/store/collections", catalog::collections)
        .add(get.clone(), "/store/collections/{id}", catalog::collection)
        .add(
            get.clone(),
            "/store/product-categories",
            catalog::categories,
        )
        .add(
            get.clone(),
            "/store/product-categories/{id}",
            catalog::category,
        )
        .add(get.clone(), "/store/product-tags", catalog::tags)
        .add(get.clone(), "/store/product-tags/{id}", catalog::tag)
        .add(get.clone(), "/store/product-types", catalog::types)
        .add(
            get.clone(),
            "/store/product-types/{id}",
            catalog::product_type,
        )
        .add(post.clone(), "/store/carts", carts::create_cart)
        .add(get.clone(), "/store/carts/{id}", carts::retrieve_cart)
        .add(post.clone(), "/store/carts/{id}", carts::update_cart)
        .add(
            post.clone(),
            "/store/carts/{id}/customer",
            carts::transfer_cart,
        )
        .add(
            post.clone(),
            "/store/carts/{id}/line-items",
            carts::add_item,
        )
        .add(
            post.clone(),
            "/store/carts/{id}/line-items/{line_id}",
            carts::update_item,
        )
        .add(
            delete.clone(),
            "/store/carts/{id}/line-items/{line_id}",
            carts::delete_item,
        )
        .add(
            post.clone(),
            "/store/carts/{id}/shipping-methods",
            carts::add_shipping_method,
        )
        .add(post.clone(), "/store/carts/{id}/complete", carts::complete)
        .add(
            get.clone(),
            "/store/shipping-options",
            shipping::shipping_options,
        )
        .add(
            post.clone(),
            "/store/shipping-options/{id}/calculate",
            shipping::calculate_option,
        )
        .add(
            get.clone(),
            "/store/payment-providers",
            payments::payment_providers,
        )
        .add(
            post.clone(),
            "/store/payment-collections",
            payments::create_collection,
        )
        .add(
            post.clone(),
            "/store/payment-collections/{id}/payment-sessions",
            payments::init_session,
        )
        .add(post.clone(), "/store/returns", returns::create_return)
        .add(post.clone(), "/store/return", returns::create_return)
        .add(
            get.clone(),
            "/store/return-reasons",
            returns::return_reasons,
        )
        .add(
            get.clone(),
            "/store/return-reasons/{id}",
            returns::return_reason,
        )
        .add(get.clone(), "/store/orders", orders::list_orders)
        .add(get.clone(), "/store/orders/{id}", orders::retrieve_order)
        .add(post.clone(), "/store/customers", customers::create)
        .add(get.clone(), "/store/customers/me", customers::me)
        .add(post.clone(), "/store/customers/me", customers::update_me)
        .add(
            get.clone(),
            "/store/customers/me/addresses",
            customers::addresses,
        )
        .add(
            post.clone(),
            "/store/customers/me/addresses",
            customers::add_address,
        )
        .add(
            get,
            "/store/customers/me/addresses/{id}",
            customers::address,
        )
        .add(
            post,
            "/store/customers/me/addresses/{id}",
            customers::update_address,
        )
        .add(
            delete,
            "/store/customers/me/addresses/{id}",
            customers::delete_address,
        )
}

/// Every Store route, for the OpenAPI document.
pub fn route_table() -> Vec<StoreRoute> {
    build().table
}

pub(crate) fn router(state: AppState) -> Router<AppState> {
    build()
        .router
        .layer(middleware::from_fn_with_state(state, publishable_key))
}
