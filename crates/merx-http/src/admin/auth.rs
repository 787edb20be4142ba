//! Who is calling the Admin API. A secret API key authenticates as `Authorization: Basic
//! base64(<sk_…>:)` (Medusa's form) or `Authorization: Bearer sk_…` (read in `crate::caller`).

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use merx_core::auth::{Permission, Role};
use merx_types::DomainError;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::AppState;

/// An authenticated Admin API caller.
#[derive(Debug, Clone)]
pub struct AdminActor {
    /// The user's or API key's id.
    pub id: String,
    pub role: Role,
}

impl AdminActor {
    /// 403 unless this actor's role grants `p`.
    pub fn require(&self, p: Permission) -> Result<(), ApiError> {
        if self.role.permits(p) {
            Ok(())
        } else {
            Err(DomainError::forbidden(format!(
                "The {} role does not have the {p} permission",
                self.role.as_str()
            ))
            .into())
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AdminActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<AdminActor>()
            .cloned()
            .ok_or_else(|| DomainError::unauthorized("Unauthorized").into())
    }
}

/// Resolves the caller — a secret API key, or an admin user's JWT or session cookie — or answers
/// 401. Customer credentials are never accepted here.
pub(crate) async fn authenticate(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let unauthorized = || ApiError::from(DomainError::unauthorized("Unauthorized")).into_response();
    let actor = match Caller::of_request(&state, &mut req).await {
        Err(e) => return e.into_response(),
        Ok(Caller::SecretKey { id, role }) => role.map(|role| AdminActor { id, role }),
        Ok(Caller::User(id)) => match state.core.users.get(&id).await {
            Ok(user) => Some(AdminActor {
                id: user.id,
                role: user.role,
            }),
            Err(_) => None,
        },
        Ok(_) => None,
    };
    match actor {
        Some(actor) => {
            req.extensions_mut().insert(actor);
            next.run(req).await
        }
        None => unauthorized(),
    }
}

/// Answers 403 unless the authenticated actor holds `permission`.
pub(crate) async fn require(permission: Permission, req: Request, next: Next) -> Response {
    let Some(actor) = req.extensions().get::<AdminActor>() else {
        return ApiError::from(DomainError::unauthorized("Unauthorized")).into_response();
    };
    if let Err(e) = actor.require(permission) {
        return e.into_response();
    }
    next.run(req).await
}
