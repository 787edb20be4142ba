//! Admin users: people who work in the dashboard and Admin API, each with a role; invites.

use merx_db::{query, Db, DbResult, Row, Tx};
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
        let mut tx = self.db.begin().await?;
        let id = insert_user(&mut tx, &email, role, names).await?;
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

    /// The live invite `token` names: 401 when there is none, or it expired or was accepted.
    async fn live_invite(&self, token: &str) -> CoreResult<LiveInvite> {
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
        Ok(LiveInvite {
            id: row.text("id")?,
            email: row.text("email")?,
            role: Role::parse(&row.text("role")?).unwrap_or(Role::Support),
        })
    }

    /// Accepts an invite with a password (Merx's flow): creates the user with the invited email
    /// and role, and their password identity. An identity of the email that never became a user
    /// (someone registered it and never accepted an invite) is replaced: the invite token, sent
    /// to the email, proves more than that registration did.
    pub async fn accept_invite(
        &self,
        auth: &AuthService,
        token: &str,
        password: &str,
        names: (Option<String>, Option<String>),
    ) -> CoreResult<User> {
        // Before the invite is used up: a refused password leaves it for another try.
        crate::auth::password::validate(password)?;
        let invite = self.live_invite(token).await?;
        let mut tx = self.db.begin().await?;
        claim(&mut tx, &invite.id).await?;
        tx.execute(
            query("DELETE FROM auth_session WHERE auth_identity_id IN (SELECT id FROM auth_identity WHERE provider = 'emailpass' AND actor_type = 'user' AND entity_id = ? AND actor_id IS NULL)")
                .bind(&invite.email),
        )
        .await?;
        tx.execute(
            query("DELETE FROM auth_identity WHERE provider = 'emailpass' AND actor_type = 'user' AND entity_id = ? AND actor_id IS NULL")
                .bind(&invite.email),
        )
        .await?;
        tx.commit().await?;
        let created = self
            .create(auth, &invite.email, password, invite.role, names)
            .await;
        if created.is_err() {
            // Give the invite back: nothing was created with it.
            self.db
                .execute(
                    query("UPDATE invite SET accepted = ?, updated_at = ? WHERE id = ?")
                        .bind(false)
                        .bind(now())
                        .bind(&invite.id),
                )
                .await?;
        }
        created
    }

    /// Accepts an invite with the token of a registered identity (Medusa's flow:
    /// `POST /auth/user/emailpass/register`, then `POST /admin/invites/accept?token=` with the
    /// registration token as Bearer): creates the user with the invited email and role and links
    /// the identity to it, in one transaction. The invite is checked first, so without a live
    /// invite nothing about the identity is told. The identity must be of the invited email;
    /// `email`, when sent, too. A token whose identity is of another email and the token that
    /// registering a taken email answered are refused alike, so this does not tell whether an
    /// email has a login either.
    pub async fn accept_invite_registered(
        &self,
        auth: &AuthService,
        invite_token: &str,
        registration_token: &str,
        email: Option<&str>,
        names: (Option<String>, Option<String>),
    ) -> CoreResult<User> {
        let invite = self.live_invite(invite_token).await?;
        if let Some(e) = email {
            if merx_types::email::normalise(e)? != invite.email {
                return Err(DomainError::invalid(format!(
                    "email must be the invited email, {}",
                    invite.email
                ))
                .into());
            }
        }
        let not_for_invite = || -> CoreError {
            DomainError::invalid(format!(
                "The registration token is not of a new login for {}: register that email, or if it already has a login, log in (or reset its password) and accept with that token",
                invite.email
            ))
            .into()
        };
        let identity = match auth.registration(ActorType::User, registration_token).await {
            Ok(i) => i,
            Err(CoreError::Domain(e)) if e.kind == merx_types::ErrorKind::Duplicate => {
                return Err(not_for_invite())
            }
            Err(e) => return Err(e),
        };
        if identity.email != invite.email {
            return Err(not_for_invite());
        }
        let mut tx = self.db.begin().await?;
        claim(&mut tx, &invite.id).await?;
        let id = insert_user(&mut tx, &invite.email, invite.role, names).await?;
        let linked = tx
            .execute(
                query("UPDATE auth_identity SET actor_id = ?, updated_at = ? WHERE id = ? AND actor_id IS NULL")
                    .bind(&id)
                    .bind(now())
                    .bind(&identity.id),
            )
            .await?;
        if linked == 0 {
            // Another accept linked it first; this transaction is rolled back.
            return Err(DomainError::invalid("Request already authenticated as a user.").into());
        }
        tx.commit().await?;
        self.get(&id).await
    }
}

struct LiveInvite {
    id: String,
    email: String,
    role: Role,
}

/// Marks the invite accepted; 401 when another request did first.
async fn claim(tx: &mut Tx, invite_id: &str) -> CoreResult<()> {
    let claimed = tx
        .execute(
            query("UPDATE invite SET accepted = ?, updated_at = ? WHERE id = ? AND accepted = ?")
                .bind(true)
                .bind(now())
                .bind(invite_id)
                .bind(false),
        )
        .await?;
    if claimed == 0 {
        return Err(DomainError::unauthorized("The invite was already accepted").into());
    }
    Ok(())
}

/// Inserts the `admin_user` row and its `user.created` event; returns the new id.
async fn insert_user(
    tx: &mut Tx,
    email: &str,
    role: Role,
    names: (Option<String>, Option<String>),
) -> CoreResult<String> {
    let at = now();
    let id = new_id("user");
    tx.execute(
        query(format!(
            "INSERT INTO admin_user ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(&id)
        .bind(email)
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
        tx,
        NewEvent::new("user.created", "user", &id, json!({"id": id})),
    )
    .await?;
    Ok(id)
}
