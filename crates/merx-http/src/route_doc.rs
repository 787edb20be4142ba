//! What a route documents about itself, read from its handler's signature at compile time: the
//! request body from its `ApiJson<T>` argument, its query from `ApiQuery<T>` or `ListQuery`, and its
//! success answer from the type it returns. The route tables store this next to each route, and
//! the OpenAPI document is built from the tables, so a route cannot exist without its
//! documentation, nor the documentation drift from the handler.

use std::future::Future;

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Ref, RefOr, Required};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, ListQuery, OptionalJson};
use crate::AppState;

/// One operation's documentation, as its handler's types describe it.
#[derive(Default)]
pub struct OperationDoc {
    /// The JSON body the operation reads, and whether it may be omitted.
    pub request: Option<(RefOr<Schema>, Required)>,
    /// The success status and the schema of its body.
    pub success: Option<(u16, RefOr<Schema>)>,
    /// A success status whose body is plain text.
    pub success_text: Option<u16>,
    /// A success status whose body is binary, of this media type (an image).
    pub success_binary: Option<(u16, &'static str)>,
    /// Query parameters.
    pub query: Vec<Parameter>,
    /// Every named schema the above refer to.
    pub schemas: Vec<(String, RefOr<Schema>)>,
    /// The handler acts for a logged-in customer (it takes a `CustomerActor`).
    pub needs_customer: bool,
}

impl OperationDoc {
    /// `T` as a reference to its named schema, recording the schema and those it uses.
    fn reference<T: ToSchema>(&mut self) -> RefOr<Schema> {
        let name = T::name().to_string();
        self.schemas.push((name.clone(), T::schema()));
        T::schemas(&mut self.schemas);
        RefOr::Ref(Ref::from_schema_name(name))
    }
}

/// A handler argument's part in the documentation. Extractors that read nothing a client sends
/// (state, the caller, headers checked by middleware) document nothing.
pub trait DocArg {
    fn document(_op: &mut OperationDoc) {}
}

/// A handler's answer's part in the documentation: the success status and body.
pub trait DocAnswer {
    fn document(op: &mut OperationDoc);
}

/// Implemented for every handler whose arguments and answer document themselves.
pub trait Documented<Args> {
    fn operation() -> OperationDoc;
}

macro_rules! documented {
    ($($arg:ident),*) => {
        impl<F, Fut, $($arg,)*> Documented<($($arg,)*)> for F
        where
            F: FnOnce($($arg),*) -> Fut,
            Fut: Future,
            Fut::Output: DocAnswer,
            $($arg: DocArg,)*
        {
            fn operation() -> OperationDoc {
                let mut op = OperationDoc::default();
                $(<$arg as DocArg>::document(&mut op);)*
                <Fut::Output as DocAnswer>::document(&mut op);
                op
            }
        }
    };
}

documented!();
documented!(A1);
documented!(A1, A2);
documented!(A1, A2, A3);
documented!(A1, A2, A3, A4);
documented!(A1, A2, A3, A4, A5);
documented!(A1, A2, A3, A4, A5, A6);
documented!(A1, A2, A3, A4, A5, A6, A7);

impl DocArg for State<AppState> {}
impl DocArg for HeaderMap {}
impl DocArg for RawQuery {}
impl DocArg for crate::caller::Caller {}
impl DocArg for crate::caller::CustomerActor {
    fn document(op: &mut OperationDoc) {
        op.needs_customer = true;
    }
}
impl DocArg for crate::admin::AdminActor {}
impl DocArg for crate::store::StoreScope {}
impl DocArg for crate::client_addr::ClientAddr {}
/// Path parameters are declared from the route template.
impl<T> DocArg for Path<T> {}

impl<T: ToSchema> DocArg for ApiJson<T> {
    fn document(op: &mut OperationDoc) {
        op.request = Some((op.reference::<T>(), Required::True));
    }
}

impl<T: ToSchema> DocArg for OptionalJson<T> {
    fn document(op: &mut OperationDoc) {
        op.request = Some((op.reference::<T>(), Required::False));
    }
}

impl<T: IntoParams> DocArg for ApiQuery<T> {
    fn document(op: &mut OperationDoc) {
        op.query.extend(T::into_params(|| Some(ParameterIn::Query)));
    }
}

impl<P: IntoParams> DocArg for crate::extract::QueryText<P> {
    fn document(op: &mut OperationDoc) {
        op.query.extend(P::into_params(|| Some(ParameterIn::Query)));
    }
}

impl<const DEFAULT_LIMIT: i64> DocArg for ListQuery<DEFAULT_LIMIT> {
    fn document(op: &mut OperationDoc) {
        let integer = |name: &str, description: String| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(description))
                .schema(Some(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::Integer)
                        .minimum(Some(0))
                        .build(),
                ))
                .build()
        };
        op.query.push(integer(
            "limit",
            format!("Page size (default {DEFAULT_LIMIT})."),
        ));
        op.query
            .push(integer("offset", "Items to skip (default 0).".to_string()));
    }
}

impl<T: DocAnswer> DocAnswer for Result<T, ApiError> {
    fn document(op: &mut OperationDoc) {
        T::document(op);
    }
}

impl<T: ToSchema> DocAnswer for Json<T> {
    fn document(op: &mut OperationDoc) {
        op.success = Some((200, op.reference::<T>()));
    }
}

/// An answer whose body was rendered ahead (a cached answer's bytes) in `T`'s shape.
pub struct Rendered<T> {
    pub response: axum::response::Response,
    shape: std::marker::PhantomData<T>,
}

impl<T> Rendered<T> {
    pub fn new(response: axum::response::Response) -> Self {
        Self {
            response,
            shape: std::marker::PhantomData,
        }
    }
}

impl<T> axum::response::IntoResponse for Rendered<T> {
    fn into_response(self) -> axum::response::Response {
        self.response
    }
}

impl<T: ToSchema> DocAnswer for Rendered<T> {
    fn document(op: &mut OperationDoc) {
        op.success = Some((200, op.reference::<T>()));
    }
}

/// An answer built by hand documents nothing: the OpenAPI test lists such routes until they
/// answer a typed body.
impl DocAnswer for axum::response::Response {
    fn document(_op: &mut OperationDoc) {}
}

/// A JSON answer with a `Set-Cookie` header.
pub struct WithCookie<T>(pub String, pub Json<T>);

impl<T: serde::Serialize> axum::response::IntoResponse for WithCookie<T> {
    fn into_response(self) -> axum::response::Response {
        ([(axum::http::header::SET_COOKIE, self.0)], self.1).into_response()
    }
}

impl<T: ToSchema> DocAnswer for WithCookie<T> {
    fn document(op: &mut OperationDoc) {
        op.success = Some((200, op.reference::<T>()));
    }
}

/// Medusa's bare `201 Created` answer, as plain text.
pub struct CreatedText;

impl axum::response::IntoResponse for CreatedText {
    fn into_response(self) -> axum::response::Response {
        (axum::http::StatusCode::CREATED, "Created").into_response()
    }
}

impl DocAnswer for CreatedText {
    fn document(op: &mut OperationDoc) {
        op.success_text = Some(201);
    }
}

/// A PNG image with its caching headers, or "not modified" when the client's copy (named by
/// `If-None-Match`) is this one.
pub enum PngImage {
    Image {
        body: axum::body::Bytes,
        etag: String,
        cache_control: &'static str,
    },
    NotModified {
        etag: String,
        cache_control: &'static str,
    },
}

impl axum::response::IntoResponse for PngImage {
    fn into_response(self) -> axum::response::Response {
        use axum::http::{header, StatusCode};
        match self {
            PngImage::Image {
                body,
                etag,
                cache_control,
            } => (
                [
                    (header::CONTENT_TYPE, "image/png".to_string()),
                    (header::CACHE_CONTROL, cache_control.to_string()),
                    (header::ETAG, etag),
                ],
                body,
            )
                .into_response(),
            PngImage::NotModified {
                etag,
                cache_control,
            } => (
                StatusCode::NOT_MODIFIED,
                [
                    (header::CACHE_CONTROL, cache_control.to_string()),
                    (header::ETAG, etag),
                ],
            )
                .into_response(),
        }
    }
}

impl DocAnswer for PngImage {
    fn document(op: &mut OperationDoc) {
        op.success_binary = Some((200, "image/png"));
    }
}

/// A request body a provider defines (a payment webhook's event), read as bytes: its signature
/// covers the exact bytes, so it is verified before it is parsed.
pub struct ProviderPayload(pub axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for ProviderPayload {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        axum::body::Bytes::from_request(req, state)
            .await
            .map(ProviderPayload)
            .map_err(|e| match e.status() {
                axum::http::StatusCode::PAYLOAD_TOO_LARGE => crate::extract::too_large(),
                _ => ApiError::invalid(e.body_text()),
            })
    }
}

impl DocArg for ProviderPayload {
    fn document(op: &mut OperationDoc) {
        let schema = utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Object)
            .description(Some("The provider's event, as it sends it."))
            .build();
        op.schemas
            .push(("ProviderWebhookPayload".to_string(), schema.into()));
        op.request = Some((
            RefOr::Ref(Ref::from_schema_name("ProviderWebhookPayload")),
            Required::True,
        ));
    }
}

/// The router's filter for a route table's method. The tables declare GET, POST, PUT, PATCH and
/// DELETE routes; anything else would be a table's mistake, routed as GET.
pub(crate) fn method_filter(method: &axum::http::Method) -> axum::routing::MethodFilter {
    use axum::http::Method;
    use axum::routing::MethodFilter;
    match *method {
        Method::POST => MethodFilter::POST,
        Method::PUT => MethodFilter::PUT,
        Method::PATCH => MethodFilter::PATCH,
        Method::DELETE => MethodFilter::DELETE,
        _ => MethodFilter::GET,
    }
}

/// One route outside the Admin and Store APIs (`/auth`, `/hooks`), with what its handler documents.
pub struct PublicRoute {
    pub method: axum::http::Method,
    pub path: &'static str,
    pub tag: &'static str,
    pub operation: fn() -> OperationDoc,
}

/// Builds a router and the table of its routes together, so the two cannot drift apart.
pub(crate) struct PublicRoutes {
    pub router: axum::Router<AppState>,
    pub table: Vec<PublicRoute>,
}

impl PublicRoutes {
    pub fn new() -> Self {
        Self {
            router: axum::Router::new(),
            table: Vec::new(),
        }
    }

    pub fn add<H, T, D>(
        mut self,
        method: axum::http::Method,
        path: &'static str,
        tag: &'static str,
        handler: H,
    ) -> Self
    where
        H: axum::handler::Handler<T, AppState> + Documented<D>,
        T: 'static,
    {
        self.router = self
            .router
            .route(path, axum::routing::on(method_filter(&method), handler));
        self.table.push(PublicRoute {
            method,
            path,
            tag,
            operation: <H as Documented<D>>::operation,
        });
        self
    }

    pub fn merge(mut self, other: PublicRoutes) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }
}
