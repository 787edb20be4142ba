//! The Admin API. Every route is declared with the permission it needs, in one table: the router
//! is built from it, authentication wraps all of it, and the authorisation matrix test walks it.

pub(crate) mod api_keys;
mod auth;
mod catalog;
pub(crate) mod events;
mod inventory;
mod orders;
mod price_preferences;
mod pricing;
mod setup;
mod users;
pub(crate) mod webhooks;

use axum::http::Method;
use axum::middleware;
use axum::routing::on;
use axum::Router;
use merx_core::auth::Permission;

pub use auth::AdminActor;

use crate::AppState;

/// One Admin API route and the permission it requires.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    /// The route template, e.g. `/admin/webhooks/{id}`.
    pub path: &'static str,
    pub permission: Permission,
    /// What the handler's types document: its body, query and answer.
    pub operation: fn() -> crate::route_doc::OperationDoc,
}

/// Collects routes together with their permissions.
pub(crate) struct AdminRoutes {
    router: Router<AppState>,
    table: Vec<RouteSpec>,
}

impl AdminRoutes {
    fn new() -> Self {
        Self {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    /// Adds `handler` at `method path`, reachable only by actors granted `permission`.
    pub(crate) fn add<H, T, D>(
        mut self,
        method: Method,
        path: &'static str,
        permission: Permission,
        handler: H,
    ) -> Self
    where
        H: axum::handler::Handler<T, AppState> + crate::route_doc::Documented<D>,
        T: 'static,
    {
        let filter = crate::route_doc::method_filter(&method);
        let route = on(filter, handler).route_layer(middleware::from_fn(
            move |req: axum::extract::Request, next: middleware::Next| {
                auth::require(permission, req, next)
            },
        ));
        self.router = self.router.route(path, route);
        self.table.push(RouteSpec {
            method,
            path,
            permission,
            operation: <H as crate::route_doc::Documented<D>>::operation,
        });
        self
    }
}

fn build() -> AdminRoutes {
    let routes = AdminRoutes::new();
    let routes = webhooks::routes(routes);
    let routes = events::routes(routes);
    let routes = catalog::routes(routes);
    let routes = setup::routes(routes);
    let routes = pricing::routes(routes);
    let routes = price_preferences::routes(routes);
    let routes = inventory::routes(routes);
    let routes = users::routes(routes);
    let routes = orders::routes(routes);
    let routes = orders::operation_routes(routes);
    api_keys::routes(routes)
}

/// Every Admin API route with its permission.
pub fn route_table() -> Vec<RouteSpec> {
    build().table
}

/// The Admin API router, authenticated.
pub(crate) fn router(state: AppState) -> Router<AppState> {
    build()
        .router
        .layer(middleware::from_fn_with_state(state, auth::authenticate))
}

/// The Admin routes outside its authentication: the invite token is the credential.
pub(crate) fn public_routes() -> crate::route_doc::PublicRoutes {
    crate::route_doc::PublicRoutes::new().add(
        Method::POST,
        "/admin/invites/accept",
        "Admin",
        users::accept,
    )
}
