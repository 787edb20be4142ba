//! Domain errors: what went wrong, in terms a client can act on. The HTTP layer maps each kind to
//! Medusa's `{"type","message"}` body and status code in one place.

use std::fmt;

/// The category of a domain failure; decides the HTTP status and the `type` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is malformed or violates a rule about its own content (400 `invalid_data`).
    InvalidData,
    /// The request is well formed but the current state forbids it (400 `not_allowed`).
    NotAllowed,
    /// The addressed resource does not exist (404 `not_found`).
    NotFound,
    /// A unique value is already taken (422 `duplicate_error`).
    Duplicate,
    /// A concurrent or repeated request conflicts with this one (409 `conflict`).
    Conflict,
    /// No valid credentials (401 `unauthorized`).
    Unauthorized,
    /// Valid credentials without the needed permission (403 `forbidden`).
    Forbidden,
    /// Too many attempts in a window (429 `too_many_requests`).
    TooManyRequests,
    /// A payment provider refused (400 `payment_authorization_error`).
    PaymentAuthorization,
    /// The server is in a state it should never be in (500 `unexpected_state`).
    Unexpected,
}

/// A failure with a message meant for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainError {
    pub kind: ErrorKind,
    pub message: String,
    /// For [`ErrorKind::TooManyRequests`]: how long until trying again can succeed.
    pub retry_after: Option<std::time::Duration>,
}

impl DomainError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidData, message)
    }
    pub fn not_allowed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotAllowed, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    pub fn duplicate(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Duplicate, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }
    /// Over a rate limit; trying again after `retry_after` can succeed.
    pub fn too_many_requests(message: impl Into<String>, retry_after: std::time::Duration) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(ErrorKind::TooManyRequests, message)
        }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for DomainError {}
