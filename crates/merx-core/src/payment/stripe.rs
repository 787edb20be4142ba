//! Stripe, through its REST API (`/v1/payment_intents`), with manual capture: a session creates a
//! PaymentIntent; the storefront confirms it with Stripe.js; authorization reads its status;
//! capture, refund and cancel call Stripe; webhooks are verified with the endpoint secret
//! (`Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")`). The base URL is configurable so tests
//! can point it at a local server that answers as Stripe does.

use std::time::Duration;

use anyhow::Context;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::{Authorization, PaymentProvider, WebhookEvent};
use crate::platform::BoxFuture;

/// Settings of the Stripe provider.
#[derive(Debug, Clone)]
pub struct StripeConfig {
    pub api_key: String,
    pub webhook_secret: String,
    /// `https://api.stripe.com` in production.
    pub api_base: String,
    /// Accepted clock skew for webhook timestamps.
    pub tolerance_secs: i64,
}

pub struct StripeProvider {
    config: StripeConfig,
    http: reqwest::Client,
}

impl StripeProvider {
    pub fn new(config: StripeConfig) -> Self {
        Self {
            config,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        form: &[(&str, String)],
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.config.api_base.trim_end_matches('/'));
        let mut req = self
            .http
            .request(method, &url)
            .bearer_auth(&self.config.api_key)
            .header("Stripe-Version", "2024-06-20");
        if let Some(k) = idempotency_key {
            req = req.header("Idempotency-Key", k);
        }
        if !form.is_empty() {
            let body = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
                .finish();
            req = req
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let res = req
            .send()
            .await
            .with_context(|| format!("calling Stripe {path}"))?;
        let status = res.status();
        let body: Value = res
            .json()
            .await
            .with_context(|| format!("reading Stripe's answer to {path}"))?;
        if !status.is_success() {
            let message = body["error"]["message"].as_str().unwrap_or("unknown error");
            anyhow::bail!("Stripe answered {status}: {message}");
        }
        Ok(body)
    }

    fn intent_id(data: &Value) -> anyhow::Result<&str> {
        data.get("id")
            .and_then(Value::as_str)
            .context("the session has no PaymentIntent id")
    }

    /// Checks a `Stripe-Signature` header against the raw body.
    pub fn verify_signature(
        secret: &str,
        header: &str,
        body: &[u8],
        now: i64,
        tolerance: i64,
    ) -> bool {
        let mut t = None;
        let mut sigs = Vec::new();
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", v)) => t = v.parse::<i64>().ok(),
                Some(("v1", v)) => sigs.push(v.to_string()),
                _ => {}
            }
        }
        let Some(t) = t else { return false };
        if (now - t).abs() > tolerance {
            return false;
        }
        sigs.iter().any(|s| {
            let mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes());
            match (hex::decode(s), mac) {
                (Ok(expected), Ok(mut mac)) => {
                    mac.update(format!("{t}.").as_bytes());
                    mac.update(body);
                    mac.verify_slice(&expected).is_ok()
                }
                _ => false,
            }
        })
    }
}

impl PaymentProvider for StripeProvider {
    fn id(&self) -> &str {
        "pp_stripe_stripe"
    }

    fn initiate<'a>(
        &'a self,
        amount: i64,
        currency: &'a str,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Value>> {
        Box::pin(async move {
            let intent = self
                .call(
                    reqwest::Method::POST,
                    "/v1/payment_intents",
                    &[
                        ("amount", amount.to_string()),
                        ("currency", currency.to_lowercase()),
                        ("capture_method", "manual".into()),
                        ("automatic_payment_methods[enabled]", "true".into()),
                        ("metadata[session_id]", idempotency_key.to_string()),
                    ],
                    Some(idempotency_key),
                )
                .await?;
            Ok(
                json!({"id": intent["id"], "client_secret": intent["client_secret"], "status": intent["status"]}),
            )
        })
    }

    fn authorize<'a>(
        &'a self,
        data: &'a Value,
        amount: i64,
        _currency: &'a str,
        _key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Authorization>> {
        Box::pin(async move {
            let id = Self::intent_id(data)?;
            let intent = self
                .call(
                    reqwest::Method::GET,
                    &format!("/v1/payment_intents/{id}"),
                    &[],
                    None,
                )
                .await?;
            let status = intent["status"].as_str().unwrap_or_default();
            let data =
                json!({"id": id, "client_secret": intent["client_secret"], "status": status});
            if intent["amount"].as_i64().is_some_and(|a| a != amount) {
                return Ok(Authorization::Declined(format!(
                    "the PaymentIntent is for {} not {amount}",
                    intent["amount"]
                )));
            }
            Ok(match status {
                "requires_capture" | "succeeded" => Authorization::Authorized(data),
                "requires_action"
                | "requires_confirmation"
                | "requires_payment_method"
                | "processing" => Authorization::RequiresMore(data),
                other => Authorization::Declined(format!("PaymentIntent is {other}")),
            })
        })
    }

    fn cancel<'a>(
        &'a self,
        data: &'a Value,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let id = Self::intent_id(data)?;
            self.call(
                reqwest::Method::POST,
                &format!("/v1/payment_intents/{id}/cancel"),
                &[],
                Some(idempotency_key),
            )
            .await?;
            Ok(())
        })
    }

    fn capture<'a>(
        &'a self,
        data: &'a Value,
        amount: i64,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let id = Self::intent_id(data)?;
            self.call(
                reqwest::Method::POST,
                &format!("/v1/payment_intents/{id}/capture"),
                &[("amount_to_capture", amount.to_string())],
                Some(idempotency_key),
            )
            .await?;
            Ok(())
        })
    }

    fn refund<'a>(
        &'a self,
        data: &'a Value,
        amount: i64,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let id = Self::intent_id(data)?;
            self.call(
                reqwest::Method::POST,
                "/v1/refunds",
                &[
                    ("payment_intent", id.to_string()),
                    ("amount", amount.to_string()),
                ],
                Some(idempotency_key),
            )
            .await?;
            Ok(())
        })
    }

    fn webhook<'a>(
        &'a self,
        headers: &'a [(String, String)],
        body: &'a [u8],
    ) -> BoxFuture<'a, anyhow::Result<WebhookEvent>> {
        Box::pin(async move {
            let sig = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("stripe-signature"))
                .map(|(_, v)| v.as_str())
                .context("missing Stripe-Signature header")?;
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            if !Self::verify_signature(
                &self.config.webhook_secret,
                sig,
                body,
                now,
                self.config.tolerance_secs,
            ) {
                anyhow::bail!("invalid Stripe signature");
            }
            let event: Value =
                serde_json::from_slice(body).context("the webhook body is not JSON")?;
            let reference = event["data"]["object"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            Ok(match event["type"].as_str().unwrap_or_default() {
                "payment_intent.amount_capturable_updated" | "payment_intent.succeeded" => {
                    WebhookEvent::Authorized { reference }
                }
                "payment_intent.payment_failed" => WebhookEvent::Failed { reference },
                _ => WebhookEvent::Ignored,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_signatures() {
        let body = br#"{"id":"evt_1"}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(b"whsec_test").unwrap();
        mac.update(b"1700000000.");
        mac.update(body);
        let header = format!(
            "t=1700000000,v1={}",
            hex::encode(mac.finalize().into_bytes())
        );
        assert!(StripeProvider::verify_signature(
            "whsec_test",
            &header,
            body,
            1700000100,
            300
        ));
        assert!(!StripeProvider::verify_signature(
            "whsec_other",
            &header,
            body,
            1700000100,
            300
        ));
        assert!(!StripeProvider::verify_signature(
            "whsec_test",
            &header,
            b"{}",
            1700000100,
            300
        ));
        assert!(!StripeProvider::verify_signature(
            "whsec_test",
            &header,
            body,
            1700009999,
            300
        ));
    }
}
