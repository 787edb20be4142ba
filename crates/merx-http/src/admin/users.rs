//! `/admin/users`, `/admin/invites`, `/admin/customers`.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::Json;
use merx_core::auth::{Permission, Role};
use merx_core::user::User;
use merx_types::DomainError;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{AdminActor, AdminRoutes};
use crate::dto::{ts, Deleted};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::extract::ListQuery;
use crate::views::customer::customer_json;
use crate::views::list_body;
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

pub fn user_json(u: &User) -> Value {
    json!({
        "id": u.id, "email": u.email, "first_name": u.first_name, "last_name": u.last_name, "avatar_url": null,
        "role": u.role.as_str(), "metadata": null, "created_at": ts(u.created_at), "updated_at": ts(u.updated_at), "deleted_at": null,
    })
}

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
) -> ApiResult<Json<Value>> {
    let page = s.core.users.list(page).await?;
    Ok(Json(list_body(
        "users",
        page.items.iter().map(user_json).collect(),
        &page,
    )))
}

/// The caller, when it is a user (an API key has no profile).
pub async fn me(State(s): State<AppState>, actor: AdminActor) -> ApiResult<Json<Value>> {
    let user = s.core.users.get(&actor.id).await.map_err(|_| {
        ApiError::from(DomainError::not_found(
            "The caller is an API key, not a user",
        ))
    })?;
    Ok(Json(json!({"user": user_json(&user)})))
}

pub async fn retrieve_user(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({"user": user_json(&s.core.users.get(&id).await?)}),
    ))
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
) -> ApiResult<Json<Value>> {
    let new_role = role(
        b.role
            .as_deref()
            .ok_or_else(|| ApiError::invalid("role is required"))?,
    )?;
    if new_role == Role::Owner && actor.role != Role::Owner {
        return Err(DomainError::forbidden("Only an owner can make someone an owner").into());
    }
    Ok(Json(
        json!({"user": user_json(&s.core.users.set_role(&id, new_role).await?)}),
    ))
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
) -> ApiResult<Json<Value>> {
    let r = role(b.role.as_deref().unwrap_or("support"))?;
    if r == Role::Owner && actor.role != Role::Owner {
        return Err(DomainError::forbidden("Only an owner can invite an owner").into());
    }
    let (inv, token) = s.core.users.invite(&b.email, r, Some(&actor.id)).await?;
    Ok(Json(json!({"invite": {
        "id": inv.id, "email": inv.email, "role": inv.role.as_str(), "accepted": inv.accepted, "token": token,
        "expires_at": ts(inv.expires_at), "created_at": ts(inv.created_at),
    }})))
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
) -> ApiResult<Json<Value>> {
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
    Ok(Json(json!({"user": user_json(&user)})))
}

pub async fn list_customers(
    State(s): State<AppState>,
    ListQuery { qs, page }: ListQuery<20>,
) -> ApiResult<Json<Value>> {
    let page = s
        .core
        .customers
        .list(qs.str("q")?, &qs.list("id")?, page)
        .await?;
    Ok(Json(list_body(
        "customers",
        page.items.iter().map(customer_json).collect(),
        &page,
    )))
}

pub async fn retrieve_customer(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({"customer": customer_json(&s.core.customers.get(&id).await?)}),
    ))
}
