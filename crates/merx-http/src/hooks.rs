//! `/hooks/payment/:provider`: payment provider webhooks. A verified "authorized" event completes
//! the cart through the same workflow as the storefront's `complete`, keyed by cart, so whichever of
//! webhook and client arrives first, the cart yields one order (Medusa #13301).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method};
use axum::Json;
use merx_core::checkout;
use merx_core::payment::WebhookEvent;
use merx_core::CoreError;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::route_doc::{ProviderPayload, PublicRoutes};
use crate::AppState;

pub(crate) fn routes() -> PublicRoutes {
    PublicRoutes::new().add(
        Method::POST,
        "/hooks/payment/{provider}",
        "Hooks",
        payment_webhook,
    )
}

/// What became of a provider's event: `order_id` when it completed the cart, `note` when it
/// could not (the storefront's own `complete` reports why).
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct WebhookReceipt {
    pub received: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl WebhookReceipt {
    fn received() -> Self {
        Self {
            received: true,
            ..Self::default()
        }
    }

    fn noting(note: impl Into<String>) -> Self {
        Self {
            note: Some(note.into()),
            ..Self::received()
        }
    }
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
    ProviderPayload(body): ProviderPayload,
) -> ApiResult<Json<WebhookReceipt>> {
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
            return Ok(Json(WebhookReceipt::received()));
        }
        WebhookEvent::Ignored => return Ok(Json(WebhookReceipt::received())),
    };
    let Some(cart_id) = s.core.payments.cart_of_reference(&id, &reference).await? else {
        return Ok(Json(WebhookReceipt::noting("no cart for this payment")));
    };
    match checkout::complete(&s.core, &cart_id).await {
        Ok(checkout::Completion::Order { order, .. }) => Ok(Json(WebhookReceipt {
            order_id: Some(order.id),
            ..WebhookReceipt::received()
        })),
        Ok(checkout::Completion::PaymentFailed { message, .. }) => {
            Ok(Json(WebhookReceipt::noting(message)))
        }
        // The cart is not ready (no address…): the client's own `complete` will report it.
        Err(CoreError::Domain(d)) => Ok(Json(WebhookReceipt::noting(d.message))),
        // Anything else is ours: a 5xx makes the provider retry.
        Err(e) => Err(e.into()),
    }
}
