//! `/admin/users`, `/admin/invites`, `/admin/customers`.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::Json;
use merx_core::auth::{Permission, Role};
use merx_core::user::User;
use merx_types::DomainError;
use serde::{Deserialize, Serialize};

use super::{AdminActor, AdminRoutes};
use crate::dto::{answer, list_answer, ts, Deleted};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::extract::ListQuery;
use crate::views::customer::{CustomerAnswer, CustomerDto, CustomerList};
use crate::AppState;

const USERS_READ: Permission = Permission::read("users");
const USERS_WRITE: Permission = Permission::write("users");
const CUS_READ: Permission = Permission::read("customers");

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
        .add(
            Method::GET,
            "/admin/customers/{id}",
            CUS_READ,
            retrieve_customer,
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    pub token: String,
    pub password: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// `POST /admin/invites/accept`: public (the invite token is the credential).
pub async fn accept(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<AcceptBody>,
) -> ApiResult<Json<UserAnswer>> {
    let user = s
        .core
        .users
        .accept_invite(
            &s.core.auth,
            &b.token,
            &b.password,
            (b.first_name, b.last_name),
        )
        .await?;
    Ok(Json(UserAnswer {
        user: UserDto::from(&user),
    }))
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
