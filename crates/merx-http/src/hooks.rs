//! `/hooks/payment/:provider`: payment provider webhooks. A verified "authorized" event completes
//! the cart through the same workflow as the storefront's `complete`, keyed by cart, so whichever of
//! webhook and client arrives first, the cart yields one order (Medusa #13301).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use merx_core::checkout;
use merx_core::payment::WebhookEvent;
use merx_core::CoreError;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/hooks/payment/{provider}", post(payment_webhook))
}

/// `stripe`, `stripe_stripe` and `pp_stripe_stripe` all name Stripe.
fn provider_id(name: &str) -> String {
    match name {
        "stripe" | "stripe_stripe" => "pp_stripe_stripe".into(),
        n if n.starts_with("pp_") => n.into(),
        n => format!("pp_{n}"),
    }
}

async fn payment_webhook(
    State(s): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let id = provider_id(&name);
    let provider = s
        .core
        .payments
        .provider_by_id(&id)
        .map_err(|_| ApiError::not_found(format!("No payment provider {id}")))?;
    let pairs: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_string(), v.to_string()))
        })
        .collect();
    let event = provider
        .webhook(&pairs, &body)
        .await
        .map_err(|e| ApiError::invalid(format!("Webhook rejected: {e}")))?;
    let reference = match event {
        WebhookEvent::Authorized { reference } => reference,
        WebhookEvent::Failed { reference } => {
            tracing::info!(provider = %id, %reference, "payment failed at the provider");
            return Ok((StatusCode::OK, Json(json!({"received": true}))));
        }
        WebhookEvent::Ignored => return Ok((StatusCode::OK, Json(json!({"received": true})))),
    };
    let Some(cart_id) = s.core.payments.cart_of_reference(&id, &reference).await? else {
        return Ok((
            StatusCode::OK,
            Json(json!({"received": true, "note": "no cart for this payment"})),
        ));
    };
    match checkout::complete(&s.core, &cart_id).await {
        Ok(checkout::Completion::Order { order, .. }) => Ok((
            StatusCode::OK,
            Json(json!({"received": true, "order_id": order.id})),
        )),
        Ok(checkout::Completion::PaymentFailed { message, .. }) => Ok((
            StatusCode::OK,
            Json(json!({"received": true, "note": message})),
        )),
        // The cart is not ready (no address…): the client's own `complete` will report it.
        Err(CoreError::Domain(d)) => Ok((
            StatusCode::OK,
            Json(json!({"received": true, "note": d.message})),
        )),
        // Anything else is ours: a 5xx makes the provider retry.
        Err(e) => Err(e.into()),
    }
}
