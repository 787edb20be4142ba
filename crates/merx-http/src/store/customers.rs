//! `/store/customers`: create the customer of a registration token, and the logged-in customer's
//! profile and addresses.

use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::Json;
use merx_core::auth::ActorType;
use merx_core::customer::{Address, AddressFields, AddressInput, Customer, CustomerInput};
use merx_types::DomainError;
use serde::Deserialize;
use serde_json::{json, Value};

use super::StoreScope;
use crate::caller::Caller;
use crate::dto::{double_option, metadata, metadata_patch, ts};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::list::{ListParams, ListSpec, SortKey};
use crate::qs::Qs;
use crate::session;
use crate::AppState;

/// The authenticated customer (401 otherwise).
pub struct CustomerActor {
    pub customer_id: String,
}

impl FromRequestParts<AppState> for CustomerActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Caller::of_parts(state, parts).await? {
            Caller::Customer(customer_id) => Ok(CustomerActor { customer_id }),
            _ => Err(DomainError::unauthorized("Unauthorized").into()),
        }
    }
}

pub fn address_json(a: &Address) -> Value {
    let f = &a.fields;
    json!({
        "id": a.id, "address_name": a.address_name, "is_default_shipping": a.is_default_shipping,
        "is_default_billing": a.is_default_billing, "customer_id": a.customer_id, "company": f.company,
        "first_name": f.first_name, "last_name": f.last_name, "address_1": f.address_1, "address_2": f.address_2,
        "city": f.city, "country_code": f.country_code, "province": f.province, "postal_code": f.postal_code,
        "phone": f.phone, "metadata": f.metadata, "created_at": ts(a.created_at), "updated_at": ts(a.updated_at),
        "deleted_at": null,
    })
}

pub fn customer_json(c: &Customer) -> Value {
    json!({
        "id": c.id, "email": c.email, "company_name": c.company_name, "first_name": c.first_name,
        "last_name": c.last_name, "phone": c.phone, "metadata": c.metadata, "has_account": c.has_account,
        "default_billing_address_id": c.addresses.iter().find(|a| a.is_default_billing).map(|a| a.id.clone()),
        "default_shipping_address_id": c.addresses.iter().find(|a| a.is_default_shipping).map(|a| a.id.clone()),
        "addresses": c.addresses.iter().map(address_json).collect::<Vec<_>>(),
        "groups": c.group_ids.iter().map(|g| json!({"id": g})).collect::<Vec<_>>(),
        "deleted_at": null, "created_at": ts(c.created_at), "updated_at": ts(c.updated_at),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerBody {
    pub email: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub company_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "metadata_patch")]
    pub metadata: Option<Option<Value>>,
}

impl CustomerBody {
    fn input(self) -> CustomerInput {
        CustomerInput {
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            company_name: self.company_name,
            phone: self.phone,
            metadata: self.metadata,
        }
    }
}

/// `POST /store/customers` with a registration token: creates the customer and links the identity.
/// The token that registering a taken email returned is answered 422 (the email has an account).
pub async fn create(
    State(s): State<AppState>,
    _: StoreScope,
    headers: axum::http::HeaderMap,
    ApiJson(b): ApiJson<CustomerBody>,
) -> ApiResult<Json<Value>> {
    let token = session::bearer(&headers)
        .ok_or_else(|| ApiError::from(DomainError::unauthorized("Unauthorized")))?;
    let identity = s.core.auth.registration(ActorType::Customer, token).await?;
    if let Some(e) = &b.email {
        if e.trim().to_lowercase() != identity.email {
            return Err(ApiError::invalid(
                "email must be the email the account was registered with",
            ));
        }
    }
    let customer = s
        .core
        .customers
        .create_registered(&identity.email, b.input())
        .await?;
    s.core.auth.link_actor(&identity.id, &customer.id).await?;
    Ok(Json(json!({ "customer": customer_json(&customer) })))
}

pub async fn me(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "customer": customer_json(&s.core.customers.get(&c.customer_id).await?) }),
    ))
}

pub async fn update_me(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    ApiJson(b): ApiJson<CustomerBody>,
) -> ApiResult<Json<Value>> {
    if b.email.is_some() {
        return Err(ApiError::invalid("email cannot be changed here"));
    }
    let customer = s.core.customers.update(&c.customer_id, b.input()).await?;
    Ok(Json(json!({ "customer": customer_json(&customer) })))
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    pub address_name: Option<String>,
    pub is_default_shipping: Option<bool>,
    pub is_default_billing: Option<bool>,
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
    #[serde(default, deserialize_with = "metadata")]
    pub metadata: Option<Value>,
}

impl AddressBody {
    pub fn fields(&self) -> AddressFields {
        AddressFields {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            company: self.company.clone(),
            address_1: self.address_1.clone(),
            address_2: self.address_2.clone(),
            city: self.city.clone(),
            country_code: self.country_code.clone(),
            province: self.province.clone(),
            postal_code: self.postal_code.clone(),
            phone: self.phone.clone(),
            metadata: self.metadata.clone(),
        }
    }
    fn input(self) -> AddressInput {
        AddressInput {
            fields: self.fields(),
            address_name: self.address_name,
            is_default_shipping: self.is_default_shipping,
            is_default_billing: self.is_default_billing,
        }
    }
}

pub async fn addresses(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let qs = Qs::parse(raw.as_deref().unwrap_or_default())?;
    let list = ListParams::parse(
        &qs,
        &ListSpec {
            default_limit: 50,
            sorts: &[
                "id",
                "address_name",
                "city",
                "country_code",
                "postal_code",
                "created_at",
                "updated_at",
            ],
            dated: true,
        },
    )?;
    let customer = s.core.customers.get(&c.customer_id).await?;
    let addresses = list.within(customer.addresses, |a| (a.created_at, a.updated_at));
    let page = list.page(addresses, |a, field| match field {
        "address_name" => SortKey::from(a.address_name.as_deref()),
        "city" => SortKey::from(a.fields.city.as_deref()),
        "country_code" => SortKey::from(a.fields.country_code.as_deref()),
        "postal_code" => SortKey::from(a.fields.postal_code.as_deref()),
        "created_at" => SortKey::from(a.created_at),
        "updated_at" => SortKey::from(a.updated_at),
        _ => SortKey::from(a.id.as_str()),
    });
    let items = page.items.iter().map(address_json).collect();
    Ok(Json(super::list_body("addresses", items, &page)))
}

pub async fn add_address(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    ApiJson(b): ApiJson<AddressBody>,
) -> ApiResult<Json<Value>> {
    let customer = s
        .core
        .customers
        .add_address(&c.customer_id, b.input())
        .await?;
    Ok(Json(json!({ "customer": customer_json(&customer) })))
}

pub async fn address(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let customer = s.core.customers.get(&c.customer_id).await?;
    let a = customer
        .addresses
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| {
            ApiError::from(DomainError::not_found(format!(
                "Address with id: {id} was not found"
            )))
        })?;
    Ok(Json(json!({ "address": address_json(a) })))
}

pub async fn update_address(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AddressBody>,
) -> ApiResult<Json<Value>> {
    let customer = s
        .core
        .customers
        .update_address(&c.customer_id, &id, b.input())
        .await?;
    Ok(Json(json!({ "customer": customer_json(&customer) })))
}

/// Medusa's quirk kept: `id` is the customer's id.
pub async fn delete_address(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let customer = s.core.customers.delete_address(&c.customer_id, &id).await?;
    Ok(Json(
        json!({ "id": customer.id, "object": "address", "deleted": true, "parent": customer_json(&customer) }),
    ))
}
