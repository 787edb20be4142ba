//! Request extractors whose rejections are Medusa-style error bodies instead of axum's plain text.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body. Malformed JSON, a wrong content type or wrong field types are 400 `invalid_data`;
/// a body over the limit is 413.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::invalid("Expected request with `Content-Type: application/json`")
        }
        JsonRejection::JsonSyntaxError(e) => {
            ApiError::invalid(format!("Malformed JSON body: {}", e.body_text()))
        }
        JsonRejection::JsonDataError(e) => {
            ApiError::invalid(format!("Invalid request body: {}", e.body_text()))
        }
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            too_large()
        }
        other => ApiError::invalid(other.body_text()),
    }
}

pub(crate) fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "invalid_data",
        "Request body is larger than the server accepts",
    )
}

/// Query parameters. Values of the wrong type are 400 `invalid_data` naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded_from_str(query)
            .map(ApiQuery)
            .map_err(|e| ApiError::invalid(format!("Invalid query parameters: {e}")))
    }
}

fn serde_urlencoded_from_str<T: DeserializeOwned>(q: &str) -> Result<T, String> {
    axum::extract::Query::<T>::try_from_uri(
        &format!("/?{q}")
            .parse()
            .map_err(|e: axum::http::uri::InvalidUri| e.to_string())?,
    )
    .map(|axum::extract::Query(v)| v)
    .map_err(|e| e.body_text())
}

/// `limit` and `offset`, as every list route takes them.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Page size.
    pub limit: Option<i64>,
    /// Items to skip.
    pub offset: Option<i64>,
}

impl PageQuery {
    pub fn page(&self, default_limit: i64) -> Result<merx_types::PageRequest, ApiError> {
        Ok(merx_types::PageRequest::parse(
            self.limit,
            self.offset,
            default_limit,
        )?)
    }
}

/// A JSON body that may be empty: the SDK posts `{}` or nothing on some routes, which reads as
/// the body's defaults.
pub fn optional_body<T: serde::de::DeserializeOwned + Default>(
    bytes: &axum::body::Bytes,
) -> crate::error::ApiResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes)
        .map_err(|e| crate::error::ApiError::invalid(format!("Invalid request body: {e}")))
}

/// A JSON body that may be empty or absent ([`optional_body`]), for routes the SDK calls with
/// `{}` or nothing.
pub struct OptionalJson<T>(pub T);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => too_large(),
                _ => ApiError::invalid(e.body_text()),
            })?;
        optional_body(&bytes).map(OptionalJson)
    }
}

/// A list route's query: Medusa's qs syntax parsed (`id[]=…`, `created_at[$gt]=…`), with its page
/// (`limit`, default `DEFAULT_LIMIT`, and `offset`; negatives are 400) taken out. Filters are
/// read from `qs` by the handler.
pub struct ListQuery<const DEFAULT_LIMIT: i64 = 20> {
    pub qs: crate::qs::Qs,
    pub page: merx_types::PageRequest,
}

impl<S: Send + Sync, const DEFAULT_LIMIT: i64> axum::extract::FromRequestParts<S>
    for ListQuery<DEFAULT_LIMIT>
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let qs = crate::qs::Qs::parse(parts.uri.query().unwrap_or_default())?;
        let page =
            merx_types::PageRequest::parse(qs.int("limit")?, qs.int("offset")?, DEFAULT_LIMIT)?;
        Ok(ListQuery { qs, page })
    }
}

/// A query string as sent, in Medusa's qs syntax: the Store's read cache keys on the raw text, and
/// handlers parse it with [`crate::qs::Qs`] only when they compute an answer. `P` lists the
/// parameters the route reads, for the OpenAPI document ([`crate::queries`]).
pub struct QueryText<P = crate::queries::FieldsParams> {
    pub raw: String,
    params: std::marker::PhantomData<P>,
}

impl<P> QueryText<P> {
    /// The query in Medusa's qs syntax; malformed input is a 400.
    pub fn qs(&self) -> Result<crate::qs::Qs, ApiError> {
        crate::qs::Qs::parse(&self.raw)
    }
}

impl<S: Send + Sync, P> axum::extract::FromRequestParts<S> for QueryText<P> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(QueryText {
            raw: parts.uri.query().unwrap_or_default().to_string(),
            params: std::marker::PhantomData,
        })
    }
}
