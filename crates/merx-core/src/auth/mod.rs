//! Who may do what: auth identities (`emailpass`), JWTs and cookie sessions, password resets,
//! login rate limits; roles and their permissions on Admin API resources.

pub mod jwt;
pub mod password;
pub mod rate_limit;
pub mod rbac;
mod service;

pub use rbac::{Action, Permission, Role};
pub use service::{
    ActorType, AuthService, AuthSettings, Identity, ATTEMPT_WINDOW, CUSTOMER_MAX_AGE,
    REGISTRATION_WINDOW, SESSION_TTL, TOKEN_TTL, USER_MAX_AGE,
};
