//! Outbound webhooks: endpoints registered in admin receive the events they subscribe to, signed
//! with HMAC-SHA256, retried by the outbox dispatcher, and every attempt is logged.

mod model;
pub mod send;
mod service;
pub mod sign;
pub(crate) mod store;

pub use model::{Attempt, Endpoint, EndpointChanges, NewEndpoint};
pub use send::{send, SendOutcome};
pub use service::WebhookService;
