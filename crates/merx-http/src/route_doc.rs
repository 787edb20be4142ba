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
    /// Query parameters.
    pub query: Vec<Parameter>,
    /// Every named schema the above refer to.
    pub schemas: Vec<(String, RefOr<Schema>)>,
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
impl DocArg for crate::caller::CustomerActor {}
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
