//! `/store/customers`: create the customer of a registration token, and the logged-in customer's
//! profile and addresses.

use axum::extract::{Path, RawQuery, State};
use axum::Json;
use merx_core::auth::ActorType;
use merx_types::DomainError;

use super::StoreScope;
use crate::bodies::AddressBody;
use crate::bodies::CustomerBody;
use crate::caller::CustomerActor;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::extract::QueryText;
use crate::list::{ListParams, ListSpec, SortKey};
use crate::qs::Qs;
use crate::session;
use crate::views::customer::{
    CustomerAddressAnswer, CustomerAddressDeleted, CustomerAddressDto, CustomerAddressList,
    CustomerAnswer, CustomerDto, CustomerOrderDto,
};
use crate::views::expand;
use crate::AppState;
use merx_core::order::OrderFilter;

/// `POST /store/customers` with a registration token: creates the customer and links the identity.
/// The token that registering a taken email returned is answered 422 (the email has an account).
pub async fn create(
    State(s): State<AppState>,
    _: StoreScope,
    headers: axum::http::HeaderMap,
    ApiJson(b): ApiJson<CustomerBody>,
) -> ApiResult<Json<CustomerAnswer>> {
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
    Ok(Json(CustomerAnswer {
        customer: CustomerDto::from(&customer),
    }))
}

/// The logged-in customer; with their orders for `fields=*orders` (the newest
/// [`merx_types::page::MAX_LIMIT`]).
pub async fn me(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    q: QueryText,
) -> ApiResult<Json<CustomerAnswer>> {
    let with_orders = expand::customer_wants_orders(q.qs()?.str("fields")?)?;
    let customer = s.core.customers.get(&c.customer_id).await?;
    let mut dto = CustomerDto::from(&customer);
    if with_orders {
        let filter = OrderFilter {
            customer_id: Some(customer.id.clone()),
            ..OrderFilter::default()
        };
        let page = merx_types::PageRequest::parse(Some(merx_types::page::MAX_LIMIT), None, 0)?;
        let orders = s.core.orders.search(&filter, page).await?;
        dto.orders = Some(orders.items.iter().map(CustomerOrderDto::from).collect());
    }
    Ok(Json(CustomerAnswer { customer: dto }))
}

pub async fn update_me(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    ApiJson(b): ApiJson<CustomerBody>,
) -> ApiResult<Json<CustomerAnswer>> {
    if b.email.is_some() {
        return Err(ApiError::invalid("email cannot be changed here"));
    }
    let customer = s.core.customers.update(&c.customer_id, b.input()).await?;
    Ok(Json(CustomerAnswer {
        customer: CustomerDto::from(&customer),
    }))
}

pub async fn addresses(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<CustomerAddressList>> {
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
    let items = page.items.iter().map(CustomerAddressDto::from).collect();
    Ok(Json(CustomerAddressList::new(items, &page)))
}

pub async fn add_address(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    ApiJson(b): ApiJson<AddressBody>,
) -> ApiResult<Json<CustomerAnswer>> {
    let customer = s
        .core
        .customers
        .add_address(&c.customer_id, b.input())
        .await?;
    Ok(Json(CustomerAnswer {
        customer: CustomerDto::from(&customer),
    }))
}

pub async fn address(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    Path(id): Path<String>,
) -> ApiResult<Json<CustomerAddressAnswer>> {
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
    Ok(Json(CustomerAddressAnswer {
        address: CustomerAddressDto::from(a),
    }))
}

pub async fn update_address(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AddressBody>,
) -> ApiResult<Json<CustomerAnswer>> {
    let customer = s
        .core
        .customers
        .update_address(&c.customer_id, &id, b.input())
        .await?;
    Ok(Json(CustomerAnswer {
        customer: CustomerDto::from(&customer),
    }))
}

/// Medusa's quirk kept: `id` is the customer's id.
pub async fn delete_address(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    Path(id): Path<String>,
) -> ApiResult<Json<CustomerAddressDeleted>> {
    let customer = s.core.customers.delete_address(&c.customer_id, &id).await?;
    Ok(Json(CustomerAddressDeleted {
        parent: CustomerDto::from(&customer),
        id: customer.id,
        object: "address",
        deleted: true,
    }))
}
