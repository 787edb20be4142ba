//! Who may do what: roles and their permissions on Admin API resources.

pub mod rbac;

pub use rbac::{Action, Permission, Role};
