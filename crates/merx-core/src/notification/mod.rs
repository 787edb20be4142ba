//! Notifications to people (password resets, order confirmations) behind a provider trait. The
//! built-in provider logs that a message was sent — never its contents, which can hold secrets.

use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::platform::events::Event;
use crate::platform::subscribers::Subscriber;
use crate::platform::BoxFuture;

/// A message for one recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub to: String,
    /// e.g. `auth.password_reset`.
    pub template: String,
    pub data: Value,
}

pub trait Notifier: Send + Sync + 'static {
    fn send<'a>(&'a self, n: Notification) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// Logs the recipient and template only.
pub struct LogNotifier;

impl Notifier for LogNotifier {
    fn send<'a>(&'a self, n: Notification) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            tracing::info!(template = %n.template, to = %n.to, "notification sent (contents withheld from logs)");
            Ok(())
        })
    }
}

/// Keeps every notification in memory (tests, and embedders that forward them elsewhere).
#[derive(Default, Clone)]
pub struct CapturingNotifier {
    pub sent: Arc<Mutex<Vec<Notification>>>,
}

impl CapturingNotifier {
    pub fn all(&self) -> Vec<Notification> {
        self.sent.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Notifier for CapturingNotifier {
    fn send<'a>(&'a self, n: Notification) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            if let Ok(mut v) = self.sent.lock() {
                v.push(n);
            }
            Ok(())
        })
    }
}

/// Sends the buyer an order confirmation (template `order.placed`) when an order is placed. At
/// least once: a send that fails is retried with the event, and a crash between sending and
/// recording can send it again.
pub struct OrderConfirmation {
    pub notifier: Arc<dyn Notifier>,
}

impl Subscriber for OrderConfirmation {
    fn name(&self) -> &str {
        "notification.order_confirmation"
    }
    fn events(&self) -> Vec<String> {
        vec!["order.placed".into()]
    }
    fn handle<'a>(
        &'a self,
        event: &'a Event,
        _: &'a mut merx_db::Tx,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let p = &event.payload;
            // An order without an email has nobody to tell.
            let Some(to) = p["email"].as_str().filter(|e| !e.is_empty()) else {
                return Ok(());
            };
            let data = serde_json::json!({
                "order_id": p["id"], "display_id": p["display_id"], "email": to,
                "currency_code": p["currency_code"], "total": p["total"],
            });
            self.notifier
                .send(Notification {
                    to: to.to_string(),
                    template: "order.placed".into(),
                    data,
                })
                .await
        })
    }
}
