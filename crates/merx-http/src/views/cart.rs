//! A cart as Medusa renders it (`{cart: …}`), with its lines, methods and totals.

use crate::dto::{answer, opt_ts, ts, Amount};
use crate::error::ApiResult;
use crate::views::catalog::{ProductShape, ProductVariantShape};
use crate::views::expand::{Expansion, LineProduct, LineVariant, LiveCatalog};
use crate::views::order::PaymentCollectionDto;
use crate::views::totals::{CartAddressDto, LineTotalsDto, LinkedId, TaxLineDto, TotalsDto};
use crate::AppState;
use merx_core::cart::{Cart, CartView, LineItem, ShippingMethod, Snapshot};
use merx_core::customer::Customer;
use merx_core::payment::Collection;
use merx_core::region::Region;
use serde::Serialize;
use serde_json::{Map, Value};

/// The product of a line item, as much as promotions and tax rules need of it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LineItemProductDto {
    pub id: String,
    pub collection_id: Option<String>,
    pub type_id: Option<String>,
    pub categories: Vec<LinkedId>,
    pub tags: Vec<LinkedId>,
}

impl LineItemProductDto {
    fn new(product_id: &str, sn: &Snapshot) -> Self {
        Self {
            id: product_id.to_string(),
            collection_id: sn.product_collection_id.clone(),
            type_id: sn.product_type_id.clone(),
            categories: LinkedId::all(&sn.category_ids),
            tags: LinkedId::all(&sn.tag_ids),
        }
    }
}

/// A cart line's `product`: by default the ids promotions and tax rules read, from the line's
/// snapshot; the catalog's product when more is asked for (`fields=*items.product`).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum CartLineProduct {
    Snapshot(LineItemProductDto),
    Live(LineProduct),
}

/// One line of a cart, with the product and variant as they were when it was added.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CartLineItemDto {
    pub id: String,
    pub cart_id: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub thumbnail: Option<String>,
    pub quantity: i64,
    pub variant_id: String,
    pub product_id: String,
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
    pub is_discountable: bool,
    pub is_giftcard: bool,
    pub is_tax_inclusive: bool,
    pub unit_price: Amount,
    pub compare_at_unit_price: Option<Amount>,
    #[schema(value_type = Object)]
    pub metadata: Value,
    pub tax_lines: Vec<TaxLineDto>,
    /// Always empty: promotions are not supported yet.
    #[schema(value_type = Vec<Object>)]
    pub adjustments: Vec<Value>,
    #[schema(value_type = Option<ProductShape>)]
    pub product: CartLineProduct,
    /// The variant as the catalog has it now, when asked for (`fields=*items.variant`); `null`
    /// when it is gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ProductVariantShape>)]
    pub variant: Option<LineVariant>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(flatten)]
    pub totals: LineTotalsDto,
}

impl CartLineItemDto {
    fn new(
        c: &Cart,
        i: &LineItem,
        t: &merx_core::cart::totals::LineTotals,
        x: &Expansion,
        live: &LiveCatalog,
    ) -> Self {
        let cur = c.currency_code.as_str();
        let sn = &i.snapshot;
        Self {
            id: i.id.clone(),
            cart_id: c.id.clone(),
            title: i.title.clone(),
            subtitle: i.subtitle.clone(),
            thumbnail: i.thumbnail.clone(),
            quantity: i.quantity,
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
            is_discountable: i.is_discountable,
            is_giftcard: false,
            is_tax_inclusive: i.is_tax_inclusive,
            unit_price: Amount::new(i.unit_price, cur),
            compare_at_unit_price: i.compare_at_unit_price.map(|p| Amount::new(p, cur)),
            metadata: i
                .metadata
                .clone()
                .unwrap_or_else(|| Value::Object(Map::new())),
            tax_lines: TaxLineDto::all(t, "calitxl", &i.id, cur),
            adjustments: Vec::new(),
            product: match x.product(live, Some(&i.product_id)) {
                Some(p) => CartLineProduct::Live(p),
                None => CartLineProduct::Snapshot(LineItemProductDto::new(&i.product_id, sn)),
            },
            variant: x.variant(live, Some(&i.product_id), Some(&i.variant_id)),
            created_at: ts(i.created_at),
            updated_at: ts(i.updated_at),
            totals: LineTotalsDto::new(t, cur),
        }
    }
}

/// A shipping method chosen for a cart.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CartShippingMethodDto {
    pub id: String,
    pub cart_id: String,
    pub name: String,
    pub shipping_option_id: String,
    pub amount: Amount,
    pub is_tax_inclusive: bool,
    #[schema(value_type = Object)]
    pub data: Value,
    pub tax_lines: Vec<TaxLineDto>,
    /// Always empty: promotions are not supported yet.
    #[schema(value_type = Vec<Object>)]
    pub adjustments: Vec<Value>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(flatten)]
    pub totals: LineTotalsDto,
}

impl CartShippingMethodDto {
    fn new(c: &Cart, sm: &ShippingMethod, t: &merx_core::cart::totals::LineTotals) -> Self {
        let cur = c.currency_code.as_str();
        Self {
            id: sm.id.clone(),
            cart_id: c.id.clone(),
            name: sm.name.clone(),
            shipping_option_id: sm.shipping_option_id.clone(),
            amount: Amount::new(sm.amount, cur),
            is_tax_inclusive: sm.is_tax_inclusive,
            data: sm.data.clone().unwrap_or_else(|| Value::Object(Map::new())),
            tax_lines: TaxLineDto::all(t, "casmtxl", &sm.id, cur),
            adjustments: Vec::new(),
            created_at: ts(sm.created_at),
            updated_at: ts(sm.updated_at),
            totals: LineTotalsDto::new(t, cur),
        }
    }
}

/// The cart's customer, as much as pricing needs of them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CartCustomerDto {
    pub id: String,
    pub email: String,
    pub groups: Vec<LinkedId>,
}

impl From<&Customer> for CartCustomerDto {
    fn from(c: &Customer) -> Self {
        Self {
            id: c.id.clone(),
            email: c.email.clone(),
            groups: LinkedId::all(&c.group_ids),
        }
    }
}

/// A country of the cart's region.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CartRegionCountryDto {
    pub iso_2: String,
    pub iso_3: String,
    pub num_code: String,
    pub name: String,
    pub display_name: String,
    pub region_id: String,
    /// Always `null`.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    /// Always `null`.
    pub deleted_at: Option<String>,
}

/// The cart's region, as much as a checkout needs of it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CartRegionDto {
    pub id: String,
    pub name: String,
    pub currency_code: String,
    pub automatic_taxes: bool,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    /// Always `null`: deleted regions are not shown.
    pub deleted_at: Option<String>,
    pub countries: Vec<CartRegionCountryDto>,
}

impl From<&Region> for CartRegionDto {
    fn from(r: &Region) -> Self {
        Self {
            id: r.id.clone(),
            name: r.name.clone(),
            currency_code: r.currency_code.clone(),
            automatic_taxes: r.automatic_taxes,
            metadata: r.metadata.clone(),
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
            deleted_at: None,
            countries: r
                .countries
                .iter()
                .filter_map(|c| merx_types::Country::find(c))
                .map(|ct| CartRegionCountryDto {
                    iso_2: ct.iso_2.to_string(),
                    iso_3: ct.iso_3.to_string(),
                    num_code: ct.num_code.to_string(),
                    name: ct.name.to_string(),
                    display_name: ct.display_name.to_string(),
                    region_id: r.id.clone(),
                    metadata: None,
                    created_at: ts(r.created_at),
                    updated_at: ts(r.updated_at),
                    deleted_at: None,
                })
                .collect(),
        }
    }
}

/// A cart, its lines, shipping methods, payment collection and totals.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CartDto {
    pub id: String,
    pub currency_code: String,
    pub email: Option<String>,
    pub region_id: String,
    pub customer_id: Option<String>,
    pub sales_channel_id: String,
    pub shipping_address_id: Option<String>,
    pub billing_address_id: Option<String>,
    pub shipping_address: Option<CartAddressDto>,
    pub billing_address: Option<CartAddressDto>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub completed_at: Option<String>,
    /// Always `null`: carts are not localised yet.
    pub locale: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub items: Vec<CartLineItemDto>,
    pub shipping_methods: Vec<CartShippingMethodDto>,
    /// Always empty: promotions are not supported yet.
    #[schema(value_type = Vec<Object>)]
    pub promotions: Vec<Value>,
    /// Always empty: credit lines are not supported yet.
    #[schema(value_type = Vec<Object>)]
    pub credit_lines: Vec<Value>,
    pub customer: Option<CartCustomerDto>,
    pub region: CartRegionDto,
    pub payment_collection: Option<PaymentCollectionDto>,
    #[serde(flatten)]
    pub totals: TotalsDto,
}

impl CartDto {
    /// The cart, its payment collection read.
    pub async fn read(s: &AppState, v: &CartView) -> ApiResult<Self> {
        Self::read_expanded(s, v, &Expansion::default()).await
    }

    /// The cart with the relations `x` expands, its payment collection read.
    pub async fn read_expanded(s: &AppState, v: &CartView, x: &Expansion) -> ApiResult<Self> {
        let collection = s.core.payments.collection_of_cart(&v.cart.id).await?;
        Self::read_with(s, v, collection, x).await
    }

    /// The cart, with its payment collection already read.
    pub async fn read_with(
        s: &AppState,
        v: &CartView,
        collection: Option<Collection>,
        x: &Expansion,
    ) -> ApiResult<Self> {
        let region = s.core.regions.get(&v.cart.region_id).await?;
        let customer = match &v.cart.customer_id {
            // A customer deleted since renders as `null`; any other failure is the server's.
            Some(id) => match s.core.customers.get(id).await {
                Ok(c) => Some(c),
                Err(merx_core::CoreError::Domain(e))
                    if e.kind == merx_types::ErrorKind::NotFound =>
                {
                    None
                }
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        let ids = match x.reads_catalog() {
            true => v.items.iter().map(|(i, _)| i.product_id.clone()).collect(),
            false => Vec::new(),
        };
        let live = x.load(s, ids).await?;
        Ok(Self::new(
            v,
            &region,
            customer.as_ref(),
            collection.as_ref(),
            x,
            &live,
        ))
    }

    /// The cart, from what was read for it.
    pub fn new(
        v: &CartView,
        region: &Region,
        customer: Option<&Customer>,
        collection: Option<&Collection>,
        x: &Expansion,
        live: &LiveCatalog,
    ) -> Self {
        let c = &v.cart;
        Self {
            id: c.id.clone(),
            currency_code: c.currency_code.clone(),
            email: c.email.clone(),
            region_id: c.region_id.clone(),
            customer_id: c.customer_id.clone(),
            sales_channel_id: c.sales_channel_id.clone(),
            shipping_address_id: c.shipping_address.as_ref().map(|a| a.id.clone()),
            billing_address_id: c.billing_address.as_ref().map(|a| a.id.clone()),
            shipping_address: CartAddressDto::of(&c.shipping_address),
            billing_address: CartAddressDto::of(&c.billing_address),
            metadata: c.metadata.clone(),
            completed_at: opt_ts(c.completed_at),
            locale: None,
            created_at: ts(c.created_at),
            updated_at: ts(c.updated_at),
            items: v
                .items
                .iter()
                .map(|(i, t)| CartLineItemDto::new(c, i, t, x, live))
                .collect(),
            shipping_methods: v
                .shipping_methods
                .iter()
                .map(|(sm, t)| CartShippingMethodDto::new(c, sm, t))
                .collect(),
            promotions: Vec::new(),
            credit_lines: Vec::new(),
            customer: customer.map(CartCustomerDto::from),
            region: CartRegionDto::from(region),
            payment_collection: collection.map(PaymentCollectionDto::from),
            totals: TotalsDto::new(&v.totals, &c.currency_code),
        }
    }
}

answer!(CartAnswer { cart: CartDto });
