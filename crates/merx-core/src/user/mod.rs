//! Admin users: people who work in the dashboard and Admin API, each with a role; invites.

use merx_db::{query, Db, DbResult, Row};
use merx_types::id::{new_id, random_token};
use merx_types::time::now;
use merx_types::{DomainError, Page, PageRequest};
use serde_json::json;
use time::OffsetDateTime;

use crate::api_key::hash_token;
use crate::auth::{ActorType, AuthService, Role};
use crate::error::{CoreError, CoreResult};
use crate::platform::events::{append, NewEvent};

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: Role,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Invite {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub accepted: bool,
    pub expires_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
}

const COLUMNS: &str = "id, email, first_name, last_name, role, created_at, updated_at";

fn from_row(r: &Row) -> DbResult<User> {
    Ok(User {
        id: r.text("id")?,
        email: r.text("email")?,
        first_name: r.opt_text("first_name")?,
        last_name: r.opt_text("last_name")?,
        role: Role::parse(&r.text("role")?).unwrap_or(Role::Support),
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

#[derive(Clone)]
pub struct UserService {
    db: Db,
}

impl UserService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Creates a user with a password identity.
    pub async fn create(
        &self,
        auth: &AuthService,
        email: &str,
        password: &str,
        role: Role,
        names: (Option<String>, Option<String>),
    ) -> CoreResult<User> {
        let email = email.trim().to_lowercase();
        crate::auth::password::validate(password)?;
        let at = now();
        let id = new_id("user");
        let mut tx = self.db.begin().await?;
        tx.execute(
            query(format!(
                "INSERT INTO admin_user ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ))
            .bind(&id)
            .bind(&email)
            .bind(names.0)
            .bind(names.1)
            .bind(role.as_str())
            .bind(at)
            .bind(at),
        )
        .await
        .map_err(|e| -> CoreError {
            if e.is_unique_violation() {
                DomainError::duplicate(format!("User with email: {email} already exists")).into()
            } else {
                e.into()
            }
        })?;
        append(
            &mut tx,
            NewEvent::new("user.created", "user", &id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        if let Err(e) = auth
            .create_linked(ActorType::User, &email, password, &id)
            .await
        {
            self.db
                .execute(query("DELETE FROM admin_user WHERE id = ?").bind(&id))
                .await?;
            return Err(e);
        }
        self.get(&id).await
    }

    pub async fn get(&self, id: &str) -> CoreResult<User> {
        self.db
            .fetch_optional(
                query(format!(
                    "SELECT {COLUMNS} FROM admin_user WHERE id = ? AND deleted_at IS NULL"
                ))
                .bind(id),
            )
            .await?
            .as_ref()
            .map(from_row)
            .transpose()?
            .ok_or_else(|| {
                DomainError::not_found(format!("User with id: {id} was not found")).into()
            })
    }

    pub async fn list(&self, page: PageRequest) -> CoreResult<Page<User>> {
        let count = self
            .db
            .fetch_one(query(
                "SELECT COUNT(*) AS n FROM admin_user WHERE deleted_at IS NULL",
            ))
            .await?
            .int("n")?;
        let rows = self
            .db
            .fetch_all(query(format!("SELECT {COLUMNS} FROM admin_user WHERE deleted_at IS NULL ORDER BY created_at, id LIMIT ? OFFSET ?")).bind(page.limit).bind(page.offset))
            .await?;
        Ok(Page {
            items: rows.iter().map(from_row).collect::<DbResult<_>>()?,
            count,
            limit: page.limit,
            offset: page.offset,
        })
    }

    pub async fn set_role(&self, id: &str, role: Role) -> CoreResult<User> {
        self.get(id).await?;
        self.db
            .execute(
                query("UPDATE admin_user SET role = ?, updated_at = ? WHERE id = ?")
                    .bind(role.as_str())
                    .bind(now())
                    .bind(id),
            )
            .await?;
        self.get(id).await
    }

    /// Deletes a user with its identity and cookie sessions (which reference the identity), at once.
    pub async fn delete(&self, id: &str) -> CoreResult<()> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                query("UPDATE admin_user SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL")
                    .bind(now())
                    .bind(id),
            )
            .await?;
        if n == 0 {
            return Err(DomainError::not_found(format!("User with id: {id} was not found")).into());
        }
        tx.execute(
            query("DELETE FROM auth_session WHERE auth_identity_id IN (SELECT id FROM auth_identity WHERE actor_type = 'user' AND actor_id = ?)")
                .bind(id),
        )
        .await?;
        tx.execute(
            query("DELETE FROM auth_identity WHERE actor_type = 'user' AND actor_id = ?").bind(id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Invites someone; returns the invite and its token (to send them; not stored in clear).
    pub async fn invite(
        &self,
        email: &str,
        role: Role,
        created_by: Option<&str>,
    ) -> CoreResult<(Invite, String)> {
        let token = random_token("inv_", 24);
        let at = now();
        let invite = Invite {
            id: new_id("invite"),
            email: email.trim().to_lowercase(),
            role,
            accepted: false,
            expires_at: at + std::time::Duration::from_secs(7 * 24 * 3600),
            created_at: at,
        };
        self.db
            .execute(
                query("INSERT INTO invite (id, email, role, token_hash, accepted, expires_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
                    .bind(&invite.id)
                    .bind(&invite.email)
                    .bind(role.as_str())
                    .bind(hash_token(&token))
                    .bind(false)
                    .bind(invite.expires_at)
                    .bind(created_by)
                    .bind(at)
                    .bind(at),
            )
            .await?;
        Ok((invite, token))
    }

    /// Accepts an invite: creates the user with the invited email and role.
    pub async fn accept_invite(
        &self,
        auth: &AuthService,
        token: &str,
        password: &str,
        names: (Option<String>, Option<String>),
    ) -> CoreResult<User> {
        let row = self
            .db
            .fetch_optional(query("SELECT id, email, role, accepted, expires_at FROM invite WHERE token_hash = ? AND deleted_at IS NULL").bind(hash_token(token)))
            .await?
            .ok_or_else(|| DomainError::unauthorized("Invalid invite token"))?;
        if row.bool("accepted")? || row.time("expires_at")? <= now() {
            return Err(DomainError::unauthorized(
                "The invite has expired or was already accepted",
            )
            .into());
        }
        let role = Role::parse(&row.text("role")?).unwrap_or(Role::Support);
        let claimed = self
            .db
            .execute(
                query(
                    "UPDATE invite SET accepted = ?, updated_at = ? WHERE id = ? AND accepted = ?",
                )
                .bind(true)
                .bind(now())
                .bind(row.text("id")?)
                .bind(false),
            )
            .await?;
        if claimed == 0 {
            return Err(DomainError::unauthorized("The invite was already accepted").into());
        }
        self.create(auth, &row.text("email")?, password, role, names)
            .await
    }
}
