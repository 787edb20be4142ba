//! An order as Medusa renders it, and the payment collection it carries.

use crate::dto::{answer, list_answer, opt_ts, ts, Amount, RawAmount};
use crate::error::ApiResult;
use crate::views::catalog::{ProductShape, ProductVariantShape};
use crate::views::expand::{Expansion, LineProduct, LineVariant, LiveCatalog};
use crate::views::fulfillment::{FulfillmentDto, ReturnDto};
use crate::views::totals::{CartAddressDto, LineTotalsDto, TaxLineDto, TotalsDto};
use crate::AppState;
use merx_core::order::Fulfillment;
use merx_core::order::{
    FulfillmentStatus, Order, OrderItem, OrderShippingMethod, PaymentStatus, Return,
};
use merx_core::payment::{Collection, Payment, Session};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A payment session: one provider's attempt at paying a collection.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentSessionDto {
    pub id: String,
    pub currency_code: String,
    pub provider_id: String,
    /// What the provider returned for the client (a Stripe session's `client_secret`).
    #[schema(value_type = Object)]
    pub data: Value,
    #[schema(value_type = Object)]
    pub context: Value,
    /// `pending`, `authorized`, `requires_more`, `error` or `canceled`.
    pub status: String,
    pub authorized_at: Option<String>,
    pub payment_collection_id: String,
    pub amount: Amount,
    pub raw_amount: RawAmount,
    /// Always empty.
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
    pub created_at: String,
    pub updated_at: String,
    /// Always `null`: deleted sessions are not shown.
    pub deleted_at: Option<String>,
}

impl From<&Session> for PaymentSessionDto {
    fn from(s: &Session) -> Self {
        let cur = &s.currency_code;
        Self {
            id: s.id.clone(),
            currency_code: s.currency_code.clone(),
            provider_id: s.provider_id.clone(),
            data: s.data.clone(),
            context: s.context.clone(),
            status: s.status.clone(),
            authorized_at: opt_ts(s.authorized_at),
            payment_collection_id: s.payment_collection_id.clone(),
            amount: Amount::new(s.amount, cur),
            raw_amount: RawAmount::new(s.amount, cur),
            metadata: Map::new(),
            created_at: ts(s.created_at),
            updated_at: ts(s.updated_at),
            deleted_at: None,
        }
    }
}

/// A payment: the authorized session of a collection (`payment_collections.payments`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentDto {
    pub id: String,
    pub currency_code: String,
    pub provider_id: String,
    /// What the provider returned when authorizing.
    #[schema(value_type = Object)]
    pub data: Value,
    /// Always `null`.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub captured_at: Option<String>,
    pub canceled_at: Option<String>,
    pub payment_collection_id: String,
    pub payment_session_id: String,
    pub amount: Amount,
    pub raw_amount: RawAmount,
    pub created_at: String,
    pub updated_at: String,
    /// Always `null`.
    pub deleted_at: Option<String>,
}

impl From<&Payment> for PaymentDto {
    fn from(p: &Payment) -> Self {
        let cur = &p.currency_code;
        Self {
            id: p.id.clone(),
            currency_code: p.currency_code.clone(),
            provider_id: p.provider_id.clone(),
            data: p.data.clone(),
            metadata: None,
            captured_at: opt_ts(p.captured_at),
            canceled_at: opt_ts(p.canceled_at),
            payment_collection_id: p.payment_collection_id.clone(),
            payment_session_id: p.payment_session_id.clone(),
            amount: Amount::new(p.amount, cur),
            raw_amount: RawAmount::new(p.amount, cur),
            created_at: ts(p.created_at),
            updated_at: ts(p.updated_at),
            deleted_at: None,
        }
    }
}

/// What a cart owes, and the sessions started to pay it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentCollectionDto {
    pub id: String,
    pub currency_code: String,
    pub amount: Amount,
    pub raw_amount: RawAmount,
    /// `not_paid`, `awaiting`, `authorized` or `canceled`.
    pub status: String,
    pub authorized_amount: Amount,
    pub captured_amount: Amount,
    pub refunded_amount: Amount,
    pub completed_at: Option<String>,
    /// Always `null`.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    /// Always `null`: deleted collections are not shown.
    pub deleted_at: Option<String>,
    pub payment_sessions: Vec<PaymentSessionDto>,
    /// Present when asked for (`fields=*payment_collections.payments`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payments: Option<Vec<PaymentDto>>,
}

impl From<&Collection> for PaymentCollectionDto {
    fn from(c: &Collection) -> Self {
        let cur = &c.currency_code;
        Self {
            id: c.id.clone(),
            currency_code: c.currency_code.clone(),
            amount: Amount::new(c.amount, cur),
            raw_amount: RawAmount::new(c.amount, cur),
            status: c.status.clone(),
            authorized_amount: Amount::new(c.authorized_amount, cur),
            captured_amount: Amount::new(c.captured_amount, cur),
            refunded_amount: Amount::new(c.refunded_amount, cur),
            completed_at: opt_ts(c.completed_at),
            metadata: None,
            created_at: ts(c.created_at),
            updated_at: ts(c.updated_at),
            deleted_at: None,
            payment_sessions: c.sessions.iter().map(PaymentSessionDto::from).collect(),
            payments: None,
        }
    }
}

answer!(PaymentCollectionAnswer {
    payment_collection: PaymentCollectionDto
});

/// How many of an order line's units went where.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderLineItemDetailDto {
    pub order_id: String,
    pub item_id: String,
    pub quantity: i64,
    pub fulfilled_quantity: i64,
    pub shipped_quantity: i64,
    pub delivered_quantity: i64,
    pub return_received_quantity: i64,
}

/// One line of an order, with the product and variant as they were when it was placed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderLineItemDto {
    pub id: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub thumbnail: Option<String>,
    pub variant_id: Option<String>,
    pub product_id: Option<String>,
    pub product_title: String,
    pub product_description: Option<String>,
    pub product_subtitle: Option<String>,
    pub product_type: Option<String>,
    pub product_type_id: Option<String>,
    pub product_collection: Option<String>,
    pub product_handle: String,
    pub variant_sku: Option<String>,
    pub variant_barcode: Option<String>,
    pub variant_title: String,
    /// The variant's option values by option title.
    #[schema(value_type = Option<Object>)]
    pub variant_option_values: Option<Value>,
    pub requires_shipping: bool,
    pub is_giftcard: bool,
    pub is_discountable: bool,
    pub is_tax_inclusive: bool,
    pub is_custom_price: bool,
    #[schema(value_type = Object)]
    pub metadata: Value,
    pub unit_price: Amount,
    pub raw_unit_price: RawAmount,
    /// Always `null` on orders.
    pub compare_at_unit_price: Option<Amount>,
    pub quantity: i64,
    pub tax_lines: Vec<TaxLineDto>,
    /// Always empty: promotions are not supported yet.
    #[schema(value_type = Vec<Object>)]
    pub adjustments: Vec<Value>,
    pub detail: OrderLineItemDetailDto,
    /// The variant as the catalog has it now, when asked for (`fields=*items.variant`); `null`
    /// when it is gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ProductVariantShape>)]
    pub variant: Option<LineVariant>,
    /// The product as the catalog has it now, when asked for (`fields=*items.product`); `null`
    /// when it is gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ProductShape>)]
    pub product: Option<LineProduct>,
    pub created_at: String,
    pub updated_at: String,
    /// Always `null`.
    pub deleted_at: Option<String>,
    #[serde(flatten)]
    pub totals: LineTotalsDto,
}

impl OrderLineItemDto {
    fn new(o: &Order, i: &OrderItem, x: &Expansion, live: &LiveCatalog) -> Self {
        let cur = o.currency_code.as_str();
        let sn = &i.snapshot;
        Self {
            id: i.id.clone(),
            title: i.title.clone(),
            subtitle: i.subtitle.clone(),
            thumbnail: i.thumbnail.clone(),
            variant_id: i.variant_id.clone(),
            product_id: i.product_id.clone(),
            product_title: sn.product_title.clone(),
            product_description: sn.product_description.clone(),
            product_subtitle: sn.product_subtitle.clone(),
            product_type: sn.product_type.clone(),
            product_type_id: sn.product_type_id.clone(),
            product_collection: sn.product_collection.clone(),
            product_handle: sn.product_handle.clone(),
            variant_sku: sn.variant_sku.clone(),
            variant_barcode: sn.variant_barcode.clone(),
            variant_title: sn.variant_title.clone(),
            variant_option_values: sn.variant_option_values.clone(),
            requires_shipping: i.requires_shipping,
            is_giftcard: false,
            is_discountable: true,
            is_tax_inclusive: i.is_tax_inclusive,
            is_custom_price: false,
            metadata: i
                .metadata
                .clone()
                .unwrap_or_else(|| Value::Object(Map::new())),
            unit_price: Amount::new(i.unit_price, cur),
            raw_unit_price: RawAmount::new(i.unit_price, cur),
            compare_at_unit_price: None,
            quantity: i.quantity,
            tax_lines: TaxLineDto::all(&i.totals, "ordlitxl", &i.id, cur),
            adjustments: Vec::new(),
            detail: OrderLineItemDetailDto {
                order_id: o.id.clone(),
                item_id: i.id.clone(),
                quantity: i.quantity,
                fulfilled_quantity: i.fulfilled_quantity,
                shipped_quantity: i.shipped_quantity,
                delivered_quantity: i.delivered_quantity,
                return_received_quantity: i.returned_quantity,
            },
            variant: x.variant(live, i.product_id.as_deref(), i.variant_id.as_deref()),
            product: x.product(live, i.product_id.as_deref()),
            created_at: ts(i.created_at),
            updated_at: ts(i.updated_at),
            deleted_at: None,
            totals: LineTotalsDto::new(&i.totals, cur),
        }
    }
}

/// The shipping method an order was placed with.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderShippingMethodDto {
    pub id: String,
    pub order_id: String,
    pub name: String,
    /// Always `null`.
    pub description: Option<String>,
    pub shipping_option_id: Option<String>,
    pub amount: Amount,
    pub raw_amount: RawAmount,
    pub is_tax_inclusive: bool,
    pub is_custom_amount: bool,
    #[schema(value_type = Object)]
    pub data: Value,
    /// Always `null`.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub tax_lines: Vec<TaxLineDto>,
    /// Always empty: promotions are not supported yet.
    #[schema(value_type = Vec<Object>)]
    pub adjustments: Vec<Value>,
    pub created_at: String,
    pub updated_at: String,
    /// Always `null`.
    pub deleted_at: Option<String>,
    #[serde(flatten)]
    pub totals: LineTotalsDto,
}

impl OrderShippingMethodDto {
    fn new(o: &Order, sm: &OrderShippingMethod) -> Self {
        let cur = o.currency_code.as_str();
        Self {
            id: sm.id.clone(),
            order_id: o.id.clone(),
            name: sm.name.clone(),
            description: None,
            shipping_option_id: sm.shipping_option_id.clone(),
            amount: Amount::new(sm.amount, cur),
            raw_amount: RawAmount::new(sm.amount, cur),
            is_tax_inclusive: sm.is_tax_inclusive,
            is_custom_amount: false,
            data: sm.data.clone().unwrap_or_else(|| Value::Object(Map::new())),
            metadata: None,
            tax_lines: TaxLineDto::all(&sm.totals, "ordsmtxl", &sm.id, cur),
            adjustments: Vec::new(),
            created_at: ts(sm.created_at),
            updated_at: ts(sm.updated_at),
            deleted_at: None,
            totals: LineTotalsDto::new(&sm.totals, cur),
        }
    }
}

/// What has been paid and refunded against an order's total.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderSummaryDto {
    pub paid_total: Amount,
    pub refunded_total: Amount,
    pub accounting_total: Amount,
    pub credit_line_total: Amount,
    pub transaction_total: Amount,
    pub pending_difference: Amount,
    pub current_order_total: Amount,
    pub original_order_total: Amount,
}

/// An order, its lines, shipping methods, payment collections and totals.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderDto {
    pub id: String,
    pub display_id: i64,
    /// Always `null`.
    pub custom_display_id: Option<String>,
    /// `pending` or `canceled`.
    pub status: String,
    pub email: Option<String>,
    pub currency_code: String,
    pub region_id: String,
    pub customer_id: Option<String>,
    pub sales_channel_id: String,
    pub shipping_address: Option<CartAddressDto>,
    pub billing_address: Option<CartAddressDto>,
    pub items: Vec<OrderLineItemDto>,
    pub shipping_methods: Vec<OrderShippingMethodDto>,
    /// Always empty: credit lines are not supported yet.
    #[schema(value_type = Vec<Object>)]
    pub credit_lines: Vec<Value>,
    pub payment_collections: Vec<PaymentCollectionDto>,
    /// `not_paid`, `authorized`, `partially_captured`, `captured`, `partially_refunded`,
    /// `refunded` or `canceled`.
    pub payment_status: &'static str,
    /// `not_fulfilled`, `partially_fulfilled`, `fulfilled`, `partially_shipped`, `shipped` or
    /// `canceled`.
    pub fulfillment_status: &'static str,
    pub summary: OrderSummaryDto,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub canceled_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(flatten)]
    pub totals: TotalsDto,
}

impl OrderDto {
    /// The order as Medusa renders it, with its payment collection already read.
    pub fn new(o: &Order, collection: Option<Collection>) -> Self {
        Self::expanded(
            o,
            collection,
            &Expansion::default(),
            &LiveCatalog::default(),
            None,
        )
    }

    /// The order with the relations `x` expands, from what was read for them.
    fn expanded(
        o: &Order,
        collection: Option<Collection>,
        x: &Expansion,
        live: &LiveCatalog,
        payments: Option<&HashMap<String, Vec<Payment>>>,
    ) -> Self {
        let cur = o.currency_code.as_str();
        let a = |v: i64| Amount::new(v, cur);
        let paid = collection.as_ref().map(|c| c.captured_amount).unwrap_or(0);
        let refunded = collection.as_ref().map(|c| c.refunded_amount).unwrap_or(0);
        let total = o.totals.total;
        Self {
            id: o.id.clone(),
            display_id: o.display_id,
            custom_display_id: None,
            status: o.status.clone(),
            email: o.email.clone(),
            currency_code: o.currency_code.clone(),
            region_id: o.region_id.clone(),
            customer_id: o.customer_id.clone(),
            sales_channel_id: o.sales_channel_id.clone(),
            shipping_address: CartAddressDto::of(&o.shipping_address),
            billing_address: CartAddressDto::of(&o.billing_address),
            items: o
                .items
                .iter()
                .map(|i| OrderLineItemDto::new(o, i, x, live))
                .collect(),
            shipping_methods: o
                .shipping_methods
                .iter()
                .map(|sm| OrderShippingMethodDto::new(o, sm))
                .collect(),
            credit_lines: Vec::new(),
            payment_status: PaymentStatus::of(total, collection.as_ref()).as_str(),
            fulfillment_status: FulfillmentStatus::of(o).as_str(),
            summary: OrderSummaryDto {
                paid_total: a(paid),
                refunded_total: a(refunded),
                accounting_total: a(total),
                credit_line_total: a(0),
                transaction_total: a(paid - refunded),
                pending_difference: a(total - paid + refunded),
                current_order_total: a(total),
                original_order_total: a(total),
            },
            payment_collections: collection
                .iter()
                .map(|c| {
                    let mut dto = PaymentCollectionDto::from(c);
                    if let Some(by_collection) = payments {
                        dto.payments = Some(
                            by_collection
                                .get(&c.id)
                                .map(|ps| ps.iter().map(PaymentDto::from).collect())
                                .unwrap_or_default(),
                        );
                    }
                    dto
                })
                .collect(),
            metadata: o.metadata.clone(),
            canceled_at: opt_ts(o.canceled_at),
            created_at: ts(o.created_at),
            updated_at: ts(o.updated_at),
            totals: TotalsDto::new(&o.totals, cur),
        }
    }

    /// The order, its payment collection read.
    pub async fn read(s: &AppState, o: &Order) -> ApiResult<Self> {
        Self::read_expanded(s, o, &Expansion::default()).await
    }

    /// The order with the relations `x` expands.
    pub async fn read_expanded(s: &AppState, o: &Order, x: &Expansion) -> ApiResult<Self> {
        Ok(Self::read_all_expanded(s, std::slice::from_ref(o), x)
            .await?
            .pop()
            .unwrap_or_else(|| Self::new(o, None)))
    }

    /// Orders, their payment collections read in one query.
    pub async fn read_all(s: &AppState, orders: &[Order]) -> ApiResult<Vec<Self>> {
        Self::read_all_expanded(s, orders, &Expansion::default()).await
    }

    /// Orders with the relations `x` expands: each relation read in one batch for all of them.
    pub async fn read_all_expanded(
        s: &AppState,
        orders: &[Order],
        x: &Expansion,
    ) -> ApiResult<Vec<Self>> {
        let carts: Vec<String> = orders.iter().filter_map(|o| o.cart_id.clone()).collect();
        let mut collections = s.core.payments.collections_of_carts(&carts).await?;
        let payments = if x.payments {
            let ids: Vec<String> = collections.values().map(|c| c.id.clone()).collect();
            Some(s.core.payments.payments_of_collections(&ids).await?)
        } else {
            None
        };
        let ids = match x.reads_catalog() {
            true => orders
                .iter()
                .flat_map(|o| o.items.iter().filter_map(|i| i.product_id.clone()))
                .collect(),
            false => Vec::new(),
        };
        let live = x.load(s, ids).await?;
        Ok(orders
            .iter()
            .map(|o| {
                let collection = o.cart_id.as_ref().and_then(|c| collections.remove(c));
                Self::expanded(o, collection, x, &live, payments.as_ref())
            })
            .collect())
    }
}

answer!(OrderAnswer { order: OrderDto });
list_answer!(OrderList { orders: OrderDto });

/// The Admin's view of an order after an operation: the order with its fulfillments and returns.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdminOrderDto {
    #[serde(flatten)]
    pub order: OrderDto,
    pub fulfillments: Vec<FulfillmentDto>,
    pub returns: Vec<ReturnDto>,
}

impl AdminOrderDto {
    pub fn new(order: OrderDto, fulfillments: &[Fulfillment], returns: &[Return]) -> Self {
        Self {
            fulfillments: fulfillments.iter().map(FulfillmentDto::from).collect(),
            returns: returns
                .iter()
                .map(|r| ReturnDto::new(r, &order.currency_code))
                .collect(),
            order,
        }
    }
}

answer!(AdminOrderAnswer {
    order: AdminOrderDto
});
