//! A customer and their addresses as Medusa renders them (Store and Admin alike).

use merx_core::customer::{Address, Customer};
use merx_core::order::Order;
use serde::Serialize;
use serde_json::Value;

use crate::dto::{answer, list_answer, opt_ts, ts};
use crate::views::totals::LinkedId;

/// One of a customer's saved addresses.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerAddressDto {
    pub id: String,
    pub address_name: Option<String>,
    pub is_default_shipping: bool,
    pub is_default_billing: bool,
    pub customer_id: String,
    pub company: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub address_1: Option<String>,
    pub address_2: Option<String>,
    pub city: Option<String>,
    pub country_code: Option<String>,
    pub province: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    /// Always `null`: deleted addresses are not shown.
    pub deleted_at: Option<String>,
}

impl From<&Address> for CustomerAddressDto {
    fn from(a: &Address) -> Self {
        let f = &a.fields;
        Self {
            id: a.id.clone(),
            address_name: a.address_name.clone(),
            is_default_shipping: a.is_default_shipping,
            is_default_billing: a.is_default_billing,
            customer_id: a.customer_id.clone(),
            company: f.company.clone(),
            first_name: f.first_name.clone(),
            last_name: f.last_name.clone(),
            address_1: f.address_1.clone(),
            address_2: f.address_2.clone(),
            city: f.city.clone(),
            country_code: f.country_code.clone(),
            province: f.province.clone(),
            postal_code: f.postal_code.clone(),
            phone: f.phone.clone(),
            metadata: f.metadata.clone(),
            created_at: ts(a.created_at),
            updated_at: ts(a.updated_at),
            deleted_at: None,
        }
    }
}

/// A customer, with their addresses and the ids of their groups.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerDto {
    pub id: String,
    pub email: String,
    pub company_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub has_account: bool,
    /// The admin user who created the customer; `null` for a registered customer.
    pub created_by: Option<String>,
    pub default_billing_address_id: Option<String>,
    pub default_shipping_address_id: Option<String>,
    pub addresses: Vec<CustomerAddressDto>,
    pub groups: Vec<LinkedId>,
    /// The customer's orders, newest first, when asked for (`fields=*orders`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orders: Option<Vec<CustomerOrderDto>>,
    /// Always `null`: deleted customers are not shown.
    pub deleted_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Customer> for CustomerDto {
    fn from(c: &Customer) -> Self {
        let default =
            |pick: fn(&Address) -> bool| c.addresses.iter().find(|a| pick(a)).map(|a| a.id.clone());
        Self {
            id: c.id.clone(),
            email: c.email.clone(),
            company_name: c.company_name.clone(),
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            phone: c.phone.clone(),
            metadata: c.metadata.clone(),
            has_account: c.has_account,
            created_by: c.created_by.clone(),
            default_billing_address_id: default(|a| a.is_default_billing),
            default_shipping_address_id: default(|a| a.is_default_shipping),
            addresses: c.addresses.iter().map(CustomerAddressDto::from).collect(),
            groups: LinkedId::all(&c.group_ids),
            orders: None,
            deleted_at: None,
            created_at: ts(c.created_at),
            updated_at: ts(c.updated_at),
        }
    }
}

/// One of a customer's orders as `*orders` selects it: the order's own columns (its lines and
/// totals come with `GET /store/orders/{id}`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerOrderDto {
    pub id: String,
    pub display_id: i64,
    /// `pending` or `canceled`.
    pub status: String,
    pub email: Option<String>,
    pub currency_code: String,
    pub region_id: String,
    pub customer_id: Option<String>,
    pub sales_channel_id: String,
    /// Always `false`: draft orders are not supported.
    pub is_draft_order: bool,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub canceled_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Always `null`.
    pub deleted_at: Option<String>,
}

impl From<&Order> for CustomerOrderDto {
    fn from(o: &Order) -> Self {
        Self {
            id: o.id.clone(),
            display_id: o.display_id,
            status: o.status.clone(),
            email: o.email.clone(),
            currency_code: o.currency_code.clone(),
            region_id: o.region_id.clone(),
            customer_id: o.customer_id.clone(),
            sales_channel_id: o.sales_channel_id.clone(),
            is_draft_order: false,
            metadata: o.metadata.clone(),
            canceled_at: opt_ts(o.canceled_at),
            created_at: ts(o.created_at),
            updated_at: ts(o.updated_at),
            deleted_at: None,
        }
    }
}

answer!(CustomerAnswer {
    customer: CustomerDto
});
list_answer!(CustomerList {
    customers: CustomerDto
});
answer!(CustomerAddressAnswer {
    address: CustomerAddressDto
});
list_answer!(CustomerAddressList {
    addresses: CustomerAddressDto
});

/// The answer to deleting an address: Medusa's quirk kept, `id` is the customer's.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerAddressDeleted {
    pub id: String,
    pub object: &'static str,
    pub deleted: bool,
    pub parent: CustomerDto,
}
