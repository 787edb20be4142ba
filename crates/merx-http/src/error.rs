//! The one error type that reaches clients, rendered as Medusa renders errors:
//! `{"type": "...", "message": "..."}` with Medusa's status codes. Domain and database errors map
//! to it here and nowhere else; a server fault is logged in full and answered without internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use merx_core::CoreError;
use merx_db::DbError;
use merx_types::{DomainError, ErrorKind};
use serde::Serialize;

/// The body of every error response.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Medusa's error type: `invalid_data`, `not_allowed`, `not_found`, `unauthorized`,
    /// `duplicate_error`, `conflict`, `unexpected_state`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// What went wrong, for a person.
    pub message: String,
}

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header (rate limits).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_data", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    /// A fault of the server: logged with its cause, answered with a generic message.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "unexpected_state",
            "An unexpected error occurred",
        )
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let (status, kind) = match e.kind {
            ErrorKind::InvalidData => (StatusCode::BAD_REQUEST, "invalid_data"),
            ErrorKind::NotAllowed => (StatusCode::BAD_REQUEST, "not_allowed"),
            ErrorKind::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ErrorKind::Duplicate => (StatusCode::UNPROCESSABLE_ENTITY, "duplicate_error"),
            ErrorKind::Conflict => (StatusCode::CONFLICT, "conflict"),
            ErrorKind::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ErrorKind::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ErrorKind::TooManyRequests => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            ErrorKind::PaymentAuthorization => {
                (StatusCode::BAD_REQUEST, "payment_authorization_error")
            }
            ErrorKind::Unexpected => return ApiError::internal(&e.message),
        };
        ApiError {
            // Whole seconds, rounded up: retrying at the announced time must not be early.
            retry_after: e
                .retry_after
                .map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0)),
            ..ApiError::new(status, kind, e.message)
        }
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        if e.is_unique_violation() {
            return ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "duplicate_error",
                "A record with the same unique value already exists",
            );
        }
        ApiError::internal(&e)
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Domain(d) => d.into(),
            CoreError::Db(d) => d.into(),
            CoreError::Other(o) => ApiError::internal(&o),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            kind: self.kind.to_string(),
            message: self.message,
        };
        let mut res = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.max(1).into());
        }
        res
    }
}

/// `Result` for handlers.
pub type ApiResult<T> = Result<T, ApiError>;
