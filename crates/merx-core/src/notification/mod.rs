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

/// Tells the buyer about their order: placed (template `order.placed`), shipped (`order.shipped`),
/// canceled (`order.canceled`), and a return requested or received (`return.requested`,
/// `return.received`), through the notification provider. At least once: a send that
/// fails is retried with the event, and a crash between sending and recording can send it again.
pub struct OrderNotifications {
    pub notifier: Arc<dyn Notifier>,
    pub orders: crate::order::OrderService,
}

impl Subscriber for OrderNotifications {
    fn name(&self) -> &str {
        "notification.order"
    }
    fn events(&self) -> Vec<String> {
        [
            "order.placed",
            "order.shipped",
            "order.canceled",
            "return.requested",
            "return.received",
        ]
        .map(String::from)
        .to_vec()
    }
    fn handle<'a>(
        &'a self,
        event: &'a Event,
        _: &'a mut merx_db::Tx,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let p = &event.payload;
            // `order.placed` carries what the message says; later events name the order only.
            let mut data = if event.name == "order.placed" {
                serde_json::json!({
                    "order_id": p["id"], "display_id": p["display_id"], "email": p["email"],
                    "currency_code": p["currency_code"], "total": p["total"],
                })
            } else {
                let order_id = p["order_id"].as_str().unwrap_or_default();
                let order = self.orders.get(order_id).await?;
                serde_json::json!({
                    "order_id": order.id, "display_id": order.display_id, "email": order.email,
                    "currency_code": order.currency_code, "total": order.totals.total,
                })
            };
            // An order without an email has nobody to tell.
            let Some(to) = data["email"]
                .as_str()
                .filter(|e| !e.is_empty())
                .map(String::from)
            else {
                return Ok(());
            };
            for key in ["fulfillment_id", "return_id"] {
                if let Some(id) = p[key].as_str() {
                    data[key] = id.into();
                }
            }
            self.notifier
                .send(Notification {
                    to,
                    template: event.name.clone(),
                    data,
                })
                .await
        })
    }
}
