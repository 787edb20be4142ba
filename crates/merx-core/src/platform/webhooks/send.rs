//! One HTTP attempt to deliver an event to an endpoint.

use std::time::{Duration, Instant};

use serde_json::json;

use super::sign::{signature_header, SIGNATURE_HEADER};
use super::Endpoint;
use crate::platform::events::Event;

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct SendOutcome {
    pub succeeded: bool,
    pub response_status: Option<u16>,
    pub duration: Duration,
    pub error: Option<String>,
}

/// The body every endpoint receives.
pub fn body(event: &Event) -> Vec<u8> {
    json!({
        "id": event.id,
        "type": event.name,
        "created_at": merx_types::time::to_api(event.created_at),
        "aggregate": {"type": event.aggregate_type, "id": event.aggregate_id},
        "data": event.payload,
    })
    .to_string()
    .into_bytes()
}

/// POSTs `event` to `endpoint`, signed. Any 2xx is success; anything else, or no answer within
/// `timeout`, is a failure to retry.
pub async fn send(
    client: &reqwest::Client,
    endpoint: &Endpoint,
    event: &Event,
    delivery_id: &str,
    attempt: i64,
    timeout: Duration,
) -> SendOutcome {
    let body = body(event);
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let started = Instant::now();
    let result = client
        .post(&endpoint.url)
        .timeout(timeout)
        .header("content-type", "application/json")
        .header(
            "user-agent",
            concat!("Merx-Webhooks/", env!("CARGO_PKG_VERSION")),
        )
        .header("merx-delivery-id", delivery_id)
        .header("merx-event-id", &event.id)
        .header("merx-event", &event.name)
        .header("merx-attempt", attempt.to_string())
        .header(
            SIGNATURE_HEADER,
            signature_header(&endpoint.secret, timestamp, &body),
        )
        .body(body)
        .send()
        .await;
    let duration = started.elapsed();
    match result {
        Ok(res) => {
            let status = res.status();
            SendOutcome {
                succeeded: status.is_success(),
                response_status: Some(status.as_u16()),
                duration,
                error: (!status.is_success()).then(|| format!("endpoint answered {status}")),
            }
        }
        Err(e) => SendOutcome {
            succeeded: false,
            response_status: None,
            duration,
            error: Some(if e.is_timeout() {
                format!("no answer within {} ms", timeout.as_millis())
            } else if e.is_connect() {
                "could not connect to the endpoint".to_string()
            } else {
                format!("request failed: {e}")
            }),
        },
    }
}
