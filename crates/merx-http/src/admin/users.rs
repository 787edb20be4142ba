//! `/admin/users`, `/admin/invites`, `/admin/customers` (with their addresses).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method};
use axum::Json;
use merx_core::auth::{Permission, Role};
use merx_core::customer::CustomerInput;
use merx_core::user::User;
use merx_types::{DomainError, Page};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{AdminActor, AdminRoutes};
use crate::bodies::{AddressBody, CustomerBody};
use crate::dto::{answer, list_answer, ts, Deleted};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, ListQuery};
use crate::session;
use crate::views::customer::{
    CustomerAddressAnswer, CustomerAddressDeleted, CustomerAddressDto, CustomerAddressList,
    CustomerAnswer, CustomerDto, CustomerList,
};
use crate::AppState;

const USERS_READ: Permission = Permission::read("users");
const USERS_WRITE: Permission = Permission::write("users");
const CUS_READ: Permission = Permission::read("customers");
const CUS_WRITE: Permission = Permission::write("customers");

pub(crate) fn routes(r: AdminRoutes) -> AdminRoutes {
    r.add(Method::GET, "/admin/users", USERS_READ, list_users)
        .add(
            Method::GET,
            "/admin/users/me",
            Permission::read("profile"),
            me,
        )
        .add(Method::GET, "/admin/users/{id}", USERS_READ, retrieve_user)
        .add(Method::POST, "/admin/users/{id}", USERS_WRITE, update_user)
        .add(
            Method::DELETE,
            "/admin/users/{id}",
            USERS_WRITE,
            delete_user,
        )
        .add(Method::POST, "/admin/invites", USERS_WRITE, invite)
        .add(Method::GET, "/admin/customers", CUS_READ, list_customers)
        .add(Method::POST, "/admin/customers", CUS_WRITE, create_customer)
        .add(
            Method::GET,
            "/admin/customers/{id}",
            CUS_READ,
            retrieve_customer,
        )
        .add(
            Method::POST,
            "/admin/customers/{id}",
            CUS_WRITE,
            update_customer,
        )
        .add(
            Method::DELETE,
            "/admin/customers/{id}",
            CUS_WRITE,
            delete_customer,
        )
        .add(
            Method::GET,
            "/admin/customers/{id}/addresses",
            CUS_READ,
            list_addresses,
        )
        .add(
            Method::POST,
            "/admin/customers/{id}/addresses",
            CUS_WRITE,
            create_address,
        )
        .add(
            Method::GET,
            "/admin/customers/{id}/addresses/{address_id}",
            CUS_READ,
            retrieve_address,
        )
        .add(
            Method::POST,
            "/admin/customers/{id}/addresses/{address_id}",
            CUS_WRITE,
            update_address,
        )
        .add(
            Method::DELETE,
            "/admin/customers/{id}/addresses/{address_id}",
            CUS_WRITE,
            delete_address,
        )
}

/// An Admin user.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserDto {
    pub id: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Always `null`.
    pub avatar_url: Option<String>,
    /// `owner`, `admin`, `merchandiser`, `support` or `vendor`.
    pub role: &'static str,
    /// Always `null`.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
    pub created_at: String,
    pub updated_at: String,
    /// Always `null`: deleted users are not shown.
    pub deleted_at: Option<String>,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.clone(),
            email: u.email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            avatar_url: None,
            role: u.role.as_str(),
            metadata: None,
            created_at: ts(u.created_at),
            updated_at: ts(u.updated_at),
            deleted_at: None,
        }
    }
}

answer!(UserAnswer { user: UserDto });
list_answer!(UserList { users: UserDto });

/// An invitation, with the token to accept it (in the answer that created it only).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InviteDto {
    pub id: String,
    pub email: String,
    pub role: &'static str,
    pub accepted: bool,
    pub token: String,
    pub expires_at: String,
    pub created_at: String,
}

answer!(InviteAnswer { invite: InviteDto });

fn role(r: &str) -> ApiResult<Role> {
    Role::parse(r).ok_or_else(|| {
        ApiError::invalid(format!(
            "unknown role {r:?} (owner, admin, merchandiser, support, vendor)"
        ))
    })
}

pub async fn list_users(
    State(s): State<AppState>,
    ListQuery { page, .. }: ListQuery<20>,
) -> ApiResult<Json<UserList>> {
    let page = s.core.users.list(page).await?;
    Ok(Json(UserList::new(
        page.items.iter().map(UserDto::from).collect(),
        &page,
    )))
}

/// The caller, when it is a user (an API key has no profile).
pub async fn me(State(s): State<AppState>, actor: AdminActor) -> ApiResult<Json<UserAnswer>> {
    let user = s.core.users.get(&actor.id).await.map_err(|_| {
        ApiError::from(DomainError::not_found(
            "The caller is an API key, not a user",
        ))
    })?;
    Ok(Json(UserAnswer {
        user: UserDto::from(&user),
    }))
}

pub async fn retrieve_user(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<UserAnswer>> {
    let user = s.core.users.get(&id).await?;
    Ok(Json(UserAnswer {
        user: UserDto::from(&user),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    pub role: Option<String>,
}

pub async fn update_user(
    State(s): State<AppState>,
    actor: AdminActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<UserBody>,
) -> ApiResult<Json<UserAnswer>> {
    let new_role = role(
        b.role
            .as_deref()
            .ok_or_else(|| ApiError::invalid("role is required"))?,
    )?;
    if new_role == Role::Owner && actor.role != Role::Owner {
        return Err(DomainError::forbidden("Only an owner can make someone an owner").into());
    }
    let user = s.core.users.set_role(&id, new_role).await?;
    Ok(Json(UserAnswer {
        user: UserDto::from(&user),
    }))
}

pub async fn delete_user(
    State(s): State<AppState>,
    actor: AdminActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    if actor.id == id {
        return Err(DomainError::not_allowed("You cannot delete yourself").into());
    }
    s.core.users.delete(&id).await?;
    Ok(Json(Deleted::new(id, "user")))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    pub email: String,
    pub role: Option<String>,
}

/// Invites someone; the token is in this response only (send it to them).
pub async fn invite(
    State(s): State<AppState>,
    actor: AdminActor,
    ApiJson(b): ApiJson<InviteBody>,
) -> ApiResult<Json<InviteAnswer>> {
    let r = role(b.role.as_deref().unwrap_or("support"))?;
    if r == Role::Owner && actor.role != Role::Owner {
        return Err(DomainError::forbidden("Only an owner can invite an owner").into());
    }
    let (inv, token) = s.core.users.invite(&b.email, r, Some(&actor.id)).await?;
    Ok(Json(InviteAnswer {
        invite: InviteDto {
            id: inv.id,
            email: inv.email,
            role: inv.role.as_str(),
            accepted: inv.accepted,
            token,
            expires_at: ts(inv.expires_at),
            created_at: ts(inv.created_at),
        },
    }))
}

/// Accepting an invite, in either of two flows. Medusa's: the invite token as `?token=`, the
/// invitee's registration token (`POST /auth/user/emailpass/register`) as Bearer, and this body
/// with `email` (the invited one), `first_name`, `last_name`. Merx's: no credentials, and this
/// body with `token` and `password`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// Merx's flow: the invite token.
    pub token: Option<String>,
    /// Merx's flow: the new user's password.
    pub password: Option<String>,
    /// Medusa's flow: the invited email (optional; it must be the invite's).
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// The query of `POST /admin/invites/accept`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AcceptQuery {
    /// Medusa's flow: the invite token.
    pub token: Option<String>,
}

/// `POST /admin/invites/accept`: public (the invite token is the credential). Medusa's flow when
/// the query names the invite token, Merx's otherwise (see [`AcceptBody`]).
pub async fn accept(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<AcceptQuery>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<AcceptBody>,
) -> ApiResult<Json<UserAnswer>> {
    let names = (b.first_name, b.last_name);
    let user = match (q.token, b.token, b.password) {
        (Some(invite), None, None) => {
            let registration = session::bearer(&headers).ok_or_else(|| {
                ApiError::from(DomainError::unauthorized(
                    "Send the registration token of the invited email as Bearer",
                ))
            })?;
            s.core
                .users
                .accept_invite_registered(
                    &s.core.auth,
                    &invite,
                    registration,
                    b.email.as_deref(),
                    names,
                )
                .await?
        }
        (None, Some(token), Some(password)) => {
            if b.email.is_some() {
                return Err(ApiError::invalid(
                    "email is for Medusa's flow (?token=); this flow uses the invited email",
                ));
            }
            s.core
                .users
                .accept_invite(&s.core.auth, &token, &password, names)
                .await?
        }
        _ => {
            return Err(ApiError::invalid(
                "Send the invite token as ?token= with the registration token as Bearer, \
                 or {token, password} in the body",
            ))
        }
    };
    Ok(Json(UserAnswer {
        user: UserDto::from(&user),
    }))
}

/// A new customer without an account (Medusa's fields).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminNewCustomerBody {
    #[schema(format = "email")]
    pub email: String,
    pub company_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

pub async fn list_customers(
    State(s): State<AppState>,
    ListQuery { qs, page }: ListQuery<20>,
) -> ApiResult<Json<CustomerList>> {
    let page = s
        .core
        .customers
        .list(qs.str("q")?, &qs.list("id")?, page)
        .await?;
    Ok(Json(CustomerList::new(
        page.items.iter().map(CustomerDto::from).collect(),
        &page,
    )))
}

pub async fn retrieve_customer(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<CustomerAnswer>> {
    let customer = s.core.customers.get(&id).await?;
    Ok(Json(CustomerAnswer {
        customer: CustomerDto::from(&customer),
    }))
}

/// Creates a customer without an account (`has_account: false`, `created_by` the caller); one
/// per email (422 `duplicate_error`).
pub async fn create_customer(
    State(s): State<AppState>,
    actor: AdminActor,
    ApiJson(b): ApiJson<AdminNewCustomerBody>,
) -> ApiResult<Json<CustomerAnswer>> {
    let input = CustomerInput {
        email: None,
        first_name: Some(b.first_name),
        last_name: Some(b.last_name),
        company_name: Some(b.company_name),
        phone: Some(b.phone),
        metadata: Some(b.metadata),
    };
    let customer = s
        .core
        .customers
        .create(&b.email, input, Some(&actor.id))
        .await?;
    Ok(Json(CustomerAnswer {
        customer: CustomerDto::from(&customer),
    }))
}

pub async fn update_customer(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CustomerBody>,
) -> ApiResult<Json<CustomerAnswer>> {
    let customer = s.core.customers.update(&id, b.input()).await?;
    Ok(Json(CustomerAnswer {
        customer: CustomerDto::from(&customer),
    }))
}

pub async fn delete_customer(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.customers.delete(&id).await?;
    Ok(Json(Deleted::new(id, "customer")))
}

/// The customer's addresses, oldest first.
pub async fn list_addresses(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ListQuery { page, .. }: ListQuery<50>,
) -> ApiResult<Json<CustomerAddressList>> {
    let customer = s.core.customers.get(&id).await?;
    let all = &customer.addresses;
    let items: Vec<CustomerAddressDto> = all
        .iter()
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit).unwrap_or(0))
        .map(CustomerAddressDto::from)
        .collect();
    let counted: Page<()> = Page {
        items: Vec::new(),
        count: i64::try_from(all.len()).unwrap_or(i64::MAX),
        limit: page.limit,
        offset: page.offset,
    };
    Ok(Json(CustomerAddressList::new(items, &counted)))
}

/// Adds an address; answers the customer (Medusa's answer).
pub async fn create_address(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AddressBody>,
) -> ApiResult<Json<CustomerAnswer>> {
    let customer = s.core.customers.add_address(&id, b.input()).await?;
    Ok(Json(CustomerAnswer {
        customer: CustomerDto::from(&customer),
    }))
}

pub async fn retrieve_address(
    State(s): State<AppState>,
    Path((id, address_id)): Path<(String, String)>,
) -> ApiResult<Json<CustomerAddressAnswer>> {
    let customer = s.core.customers.get(&id).await?;
    let address = customer
        .addresses
        .iter()
        .find(|a| a.id == address_id)
        .ok_or_else(|| {
            ApiError::from(DomainError::not_found(format!(
                "Address with id: {address_id} was not found"
            )))
        })?;
    Ok(Json(CustomerAddressAnswer {
        address: CustomerAddressDto::from(address),
    }))
}

/// Changes an address; answers the customer (Medusa's answer).
pub async fn update_address(
    State(s): State<AppState>,
    Path((id, address_id)): Path<(String, String)>,
    ApiJson(b): ApiJson<AddressBody>,
) -> ApiResult<Json<CustomerAnswer>> {
    let customer = s
        .core
        .customers
        .update_address(&id, &address_id, b.input())
        .await?;
    Ok(Json(CustomerAnswer {
        customer: CustomerDto::from(&customer),
    }))
}

/// Deletes an address; answers its id with the customer as `parent` (Medusa's answer).
pub async fn delete_address(
    State(s): State<AppState>,
    Path((id, address_id)): Path<(String, String)>,
) -> ApiResult<Json<CustomerAddressDeleted>> {
    let customer = s.core.customers.delete_address(&id, &address_id).await?;
    Ok(Json(CustomerAddressDeleted {
        id: address_id,
        object: "customer_address",
        deleted: true,
        parent: CustomerDto::from(&customer),
    }))
}
