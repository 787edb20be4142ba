//! `/store/carts`: carts, line items, shipping methods and completion.

use super::ownership::authorise_cart;
use super::ownership::check_cart_owner;
use super::ownership::owned_view;
use super::StoreScope;
use crate::bodies::AddressBody;
use crate::caller::Caller;
use crate::caller::CustomerActor;
use crate::dto::data;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::extract::OptionalJson;
use crate::extract::QueryText;
use crate::views::cart::{CartAnswer, CartDto};
use crate::views::expand::{self, Expansion};
use crate::views::order::OrderDto;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use merx_core::cart::{check_promo_codes, CartChanges, CartView, NewCart};
use merx_core::checkout::{self, Completion};
use merx_core::CoreError;
use merx_types::ErrorKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineItemBody {
    pub variant_id: String,
    pub quantity: i64,
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartBody {
    pub region_id: Option<String>,
    pub currency_code: Option<String>,
    pub email: Option<String>,
    pub sales_channel_id: Option<String>,
    pub shipping_address: Option<AddressBody>,
    pub billing_address: Option<AddressBody>,
    /// An object, or `null` to clear the cart's metadata on an update.
    #[serde(default, deserialize_with = "crate::dto::metadata_patch")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
    pub items: Option<Vec<LineItemBody>>,
    /// The promotion codes to apply (Medusa's way to apply a code through a cart update). No
    /// promotion exists yet: an empty list is accepted, any code is 400 "The promotion code X is
    /// invalid".
    pub promo_codes: Option<Vec<String>>,
    /// Accepted for compatibility; Merx has no workflow hooks that read it yet.
    #[allow(dead_code)]
    pub additional_data: Option<Value>,
    /// Accepted for compatibility (the SDK may send it); carts are not localised yet.
    #[allow(dead_code)]
    pub locale: Option<String>,
}

/// The logged-in customer's id and email (none for a guest, or a token whose customer is gone).
pub(crate) async fn customer_of(
    s: &AppState,
    caller: &Caller,
) -> ApiResult<Option<(String, String)>> {
    let Some(id) = caller.customer_id() else {
        return Ok(None);
    };
    match s.core.customers.get(id).await {
        Ok(c) => Ok(Some((c.id, c.email))),
        Err(CoreError::Domain(e)) if e.kind == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// `{cart}` as a write or read left it, with what `fields` expands.
async fn cart_answer(s: &AppState, view: &CartView, x: &Expansion) -> ApiResult<Json<CartAnswer>> {
    Ok(Json(CartAnswer {
        cart: CartDto::read_expanded(s, view, x).await?,
    }))
}

/// What a cart answer's `fields` expands; read before any write, so a bad selection changes
/// nothing.
fn cart_fields(q: &QueryText) -> ApiResult<Expansion> {
    expand::cart_selection(q.qs()?.str("fields")?)
}

pub async fn create_cart(
    State(s): State<AppState>,
    scope: StoreScope,
    caller: Caller,
    q: QueryText,
    OptionalJson(b): OptionalJson<CartBody>,
) -> ApiResult<Json<CartAnswer>> {
    let x = cart_fields(&q)?;
    check_promo_codes(b.promo_codes.as_deref().unwrap_or_default())?;
    let customer = customer_of(&s, &caller).await?;
    let input = NewCart {
        region_id: b.region_id,
        currency_code: b.currency_code,
        sales_channel_id: b.sales_channel_id,
        email: b.email.or_else(|| customer.as_ref().map(|c| c.1.clone())),
        customer_id: customer.map(|c| c.0),
        shipping_address: b.shipping_address.as_ref().map(AddressBody::fields),
        billing_address: b.billing_address.as_ref().map(AddressBody::fields),
        metadata: b.metadata.flatten(),
        items: b
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|i| (i.variant_id, i.quantity))
            .collect(),
    };
    if input.items.iter().any(|(_, q)| *q < 1) {
        return Err(ApiError::invalid("quantity must be a positive integer"));
    }
    let view = s
        .core
        .carts
        .create(input, &scope.0.sales_channel_ids)
        .await?;
    // A new cart has no payment collection yet.
    Ok(Json(CartAnswer {
        cart: CartDto::read_with(&s, &view, None, &x).await?,
    }))
}

pub async fn retrieve_cart(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
    q: QueryText,
) -> ApiResult<Json<CartAnswer>> {
    let x = cart_fields(&q)?;
    let view = owned_view(&s, &caller, &id).await?;
    cart_answer(&s, &view, &x).await
}

pub async fn update_cart(
    State(s): State<AppState>,
    scope: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
    q: QueryText,
    OptionalJson(b): OptionalJson<CartBody>,
) -> ApiResult<Json<CartAnswer>> {
    let x = cart_fields(&q)?;
    authorise_cart(&s, &caller, &id).await?;
    if b.items.is_some() {
        return Err(ApiError::invalid(
            "Use the line-items routes to change a cart's items",
        ));
    }
    // Checked before anything changes: a refused code leaves the cart as it was.
    check_promo_codes(b.promo_codes.as_deref().unwrap_or_default())?;
    if let Some(c) = &b.sales_channel_id {
        if !scope.0.sales_channel_ids.contains(c) {
            return Err(ApiError::invalid(format!(
                "Sales channel {c} is not associated with the publishable key"
            )));
        }
    }
    let changes = CartChanges {
        region_id: b.region_id,
        email: b.email,
        sales_channel_id: b.sales_channel_id,
        shipping_address: b.shipping_address.as_ref().map(AddressBody::fields),
        billing_address: b.billing_address.as_ref().map(AddressBody::fields),
        metadata: b.metadata,
    };
    let view = s.core.carts.update(&id, changes).await?;
    cart_answer(&s, &view, &x).await
}

pub async fn transfer_cart(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    c: CustomerActor,
    Path(id): Path<String>,
    q: QueryText,
) -> ApiResult<Json<CartAnswer>> {
    let x = cart_fields(&q)?;
    // A guest cart may be taken by the customer logging in; another customer's may not.
    authorise_cart(&s, &caller, &id).await?;
    let customer = s.core.customers.get(&c.customer_id).await?;
    let view = s
        .core
        .carts
        .set_customer(&id, &customer.id, &customer.email)
        .await?;
    cart_answer(&s, &view, &x).await
}

pub async fn add_item(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
    q: QueryText,
    ApiJson(b): ApiJson<LineItemBody>,
) -> ApiResult<Json<CartAnswer>> {
    let x = cart_fields(&q)?;
    authorise_cart(&s, &caller, &id).await?;
    let view = s
        .core
        .carts
        .add_item(&id, &b.variant_id, b.quantity, b.metadata)
        .await?;
    cart_answer(&s, &view, &x).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemUpdate {
    pub quantity: i64,
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

pub async fn update_item(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path((id, line)): Path<(String, String)>,
    q: QueryText,
    ApiJson(b): ApiJson<ItemUpdate>,
) -> ApiResult<Json<CartAnswer>> {
    let x = cart_fields(&q)?;
    authorise_cart(&s, &caller, &id).await?;
    let view = s
        .core
        .carts
        .update_item(&id, &line, b.quantity, b.metadata)
        .await?;
    cart_answer(&s, &view, &x).await
}

pub async fn delete_item(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path((id, line)): Path<(String, String)>,
    q: QueryText,
) -> ApiResult<Json<LineItemDeleted>> {
    let x = cart_fields(&q)?;
    authorise_cart(&s, &caller, &id).await?;
    let view = s.core.carts.delete_item(&id, &line).await?;
    Ok(Json(LineItemDeleted {
        id: line,
        object: "line-item",
        deleted: true,
        parent: CartDto::read_expanded(&s, &view, &x).await?,
    }))
}

/// The answer to removing a line item: the cart without it as `parent`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LineItemDeleted {
    pub id: String,
    pub object: &'static str,
    pub deleted: bool,
    pub parent: CartDto,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodBody {
    pub option_id: String,
    #[serde(default, deserialize_with = "data")]
    pub data: Option<Value>,
}

pub async fn add_shipping_method(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
    q: QueryText,
    ApiJson(b): ApiJson<MethodBody>,
) -> ApiResult<Json<CartAnswer>> {
    let x = cart_fields(&q)?;
    let view = checkout::set_shipping_method(&s.core, &id, &b.option_id, b.data, |v| {
        check_cart_owner(v.cart.customer_id.as_deref(), &caller, &id)
    })
    .await?;
    cart_answer(&s, &view, &x).await
}

pub async fn complete(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<CartCompletion>> {
    authorise_cart(&s, &caller, &id).await?;
    match checkout::complete(&s.core, &id).await? {
        Completion::Order { order, payment } => {
            let order = match payment {
                Some(c) => OrderDto::new(&order, Some(*c)),
                None => OrderDto::read(&s, &order).await?,
            };
            Ok(Json(CartCompletion::Order {
                order: Box::new(order),
            }))
        }
        Completion::PaymentFailed { cart, message } => Ok(Json(CartCompletion::Cart {
            cart: Box::new(CartDto::read(&s, &cart).await?),
            error: CompletionError {
                message,
                name: "Error",
                error_type: "payment_authorization_error",
            },
        })),
    }
}

/// Why a cart could not be completed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CompletionError {
    pub message: String,
    pub name: &'static str,
    /// `payment_authorization_error`.
    #[serde(rename = "type")]
    pub error_type: &'static str,
}

/// The answer to completing a cart: the order placed, or the cart back with why its payment
/// failed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CartCompletion {
    Order {
        order: Box<OrderDto>,
    },
    Cart {
        cart: Box<CartDto>,
        error: CompletionError,
    },
}
