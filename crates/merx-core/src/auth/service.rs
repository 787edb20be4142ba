use std::sync::Arc;
use std::time::Duration;

use merx_db::{query, Db, DbResult, Row};
use merx_types::email::normalise as normalise_email;
use merx_types::id::{new_id, random_token};
use merx_types::time::now;
use merx_types::DomainError;
use serde_json::json;

use super::jwt::{self, Claims};
use super::password;
use super::rate_limit::RateLimiter;
use crate::api_key::hash_token;
use crate::error::CoreResult;
use crate::notification::{Notification, Notifier};

/// Who an identity belongs to: a storefront customer or an admin user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorType {
    Customer,
    User,
}

impl ActorType {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorType::Customer => "customer",
            ActorType::User => "user",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "customer" => Some(ActorType::Customer),
            "user" => Some(ActorType::User),
            _ => None,
        }
    }
    fn metadata_key(self) -> &'static str {
        match self {
            ActorType::Customer => "customer_id",
            ActorType::User => "user_id",
        }
    }
}

/// An `emailpass` identity.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub id: String,
    pub email: String,
    pub actor_type: ActorType,
    pub actor_id: Option<String>,
    password_hash: Option<String>,
}

fn identity_from_row(r: &Row) -> DbResult<Identity> {
    Ok(Identity {
        id: r.text("id")?,
        email: r.text("entity_id")?,
        actor_type: ActorType::parse(&r.text("actor_type")?).unwrap_or(ActorType::Customer),
        actor_id: r.opt_text("actor_id")?,
        password_hash: r.opt_text("password_hash")?,
    })
}

const INVALID_LOGIN: &str = "Invalid email or password";
const RESET_PURPOSE: &str = "reset_password";
/// How long a cookie session lives (Medusa's default).
pub const SESSION_TTL: Duration = Duration::from_secs(10 * 3600);

/// Auth identities, tokens, sessions and password resets.
#[derive(Clone)]
pub struct AuthService {
    db: Db,
    secret: Arc<Vec<u8>>,
    notifier: Arc<dyn Notifier>,
    per_identity: RateLimiter,
    per_client: RateLimiter,
    token_ttl: Duration,
}

impl AuthService {
    pub fn new(db: Db, secret: Vec<u8>, notifier: Arc<dyn Notifier>) -> Self {
        Self {
            db,
            secret: Arc::new(secret),
            notifier,
            per_identity: RateLimiter::new(10, Duration::from_secs(15 * 60)),
            per_client: RateLimiter::new(60, Duration::from_secs(60)),
            token_ttl: Duration::from_secs(24 * 3600),
        }
    }

    /// The JWT signing secret: `configured` if given, else the one stored in the database, else a new
    /// random one stored for every process to share.
    pub async fn load_secret(db: &Db, configured: Option<&str>) -> CoreResult<Vec<u8>> {
        if let Some(s) = configured.filter(|s| !s.is_empty()) {
            return Ok(s.as_bytes().to_vec());
        }
        if let Some(r) = db
            .fetch_optional(query("SELECT value FROM merx_secret WHERE name = 'jwt'"))
            .await?
        {
            return Ok(r.text("value")?.into_bytes());
        }
        let generated = random_token("", 32);
        let mut tx = db.begin().await?;
        tx.execute(query("INSERT INTO merx_secret (name, value) VALUES ('jwt', ?) ON CONFLICT (name) DO NOTHING").bind(&generated)).await?;
        let stored = tx
            .fetch_one(query("SELECT value FROM merx_secret WHERE name = 'jwt'"))
            .await?
            .text("value")?;
        tx.commit().await?;
        tracing::warn!("no MERX_JWT_SECRET configured: generated one and stored it in the database; set one in production");
        Ok(stored.into_bytes())
    }

    async fn identity(&self, actor: ActorType, email: &str) -> CoreResult<Option<Identity>> {
        Ok(self
            .db
            .fetch_optional(
                query("SELECT id, entity_id, actor_type, actor_id, password_hash FROM auth_identity WHERE provider = 'emailpass' AND actor_type = ? AND entity_id = ?")
                    .bind(actor.as_str())
                    .bind(email),
            )
            .await?
            .as_ref()
            .map(identity_from_row)
            .transpose()?)
    }

    pub async fn identity_by_id(&self, id: &str) -> CoreResult<Option<Identity>> {
        Ok(self
            .db
            .fetch_optional(query("SELECT id, entity_id, actor_type, actor_id, password_hash FROM auth_identity WHERE id = ?").bind(id))
            .await?
            .as_ref()
            .map(identity_from_row)
            .transpose()?)
    }

    fn claims_for(&self, identity: &Identity) -> Claims {
        let iat = time::OffsetDateTime::now_utc().unix_timestamp();
        let actor_id = identity.actor_id.clone().unwrap_or_default();
        let app_metadata = match &identity.actor_id {
            Some(a) => json!({ identity.actor_type.metadata_key(): a }),
            None => json!({}),
        };
        Claims {
            actor_id,
            actor_type: identity.actor_type.as_str().to_string(),
            auth_identity_id: identity.id.clone(),
            app_metadata,
            iat,
            exp: iat + self.token_ttl.as_secs() as i64,
            purpose: None,
        }
    }

    fn token_for(&self, identity: &Identity) -> String {
        jwt::encode(&self.secret, &self.claims_for(identity))
    }

    /// Creates an identity and returns a registration token (its `actor_id` is empty until the
    /// customer or user exists).
    pub async fn register(
        &self,
        actor: ActorType,
        email: &str,
        password_text: &str,
    ) -> CoreResult<String> {
        let email = normalise_email(email)?;
        password::validate(password_text)?;
        if self.identity(actor, &email).await?.is_some() {
            return Err(DomainError::unauthorized("Identity with email already exists").into());
        }
        let hash = password::hash(password_text)?;
        let at = now();
        let identity = Identity {
            id: new_id("authid"),
            email: email.clone(),
            actor_type: actor,
            actor_id: None,
            password_hash: Some(hash.clone()),
        };
        let inserted = self
            .db
            .execute(
                query(
                    "INSERT INTO auth_identity (id, provider, entity_id, actor_type, password_hash, created_at, updated_at) \
                     VALUES (?, 'emailpass', ?, ?, ?, ?, ?)",
                )
                .bind(&identity.id)
                .bind(&email)
                .bind(actor.as_str())
                .bind(hash)
                .bind(at)
                .bind(at),
            )
            .await;
        match inserted {
            Ok(_) => Ok(self.token_for(&identity)),
            Err(e) if e.is_unique_violation() => {
                Err(DomainError::unauthorized("Identity with email already exists").into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Checks an email and password; rate-limited per identity and per client address.
    pub async fn login(
        &self,
        actor: ActorType,
        email: &str,
        password_text: &str,
        client: &str,
    ) -> CoreResult<String> {
        let email = email.trim().to_lowercase();
        let identity_key = format!("{}:{email}", actor.as_str());
        if !self.per_client.attempt(&format!("ip:{client}"))
            || !self.per_identity.attempt(&identity_key)
        {
            return Err(DomainError::new(
                merx_types::ErrorKind::TooManyRequests,
                "Too many login attempts; try again later",
            )
            .into());
        }
        let identity = self.identity(actor, &email).await?;
        let ok = match &identity {
            Some(i) => i
                .password_hash
                .as_deref()
                .is_some_and(|h| password::verify(password_text, h)),
            None => {
                // Spend the same time as a real check, so response times do not reveal accounts.
                let _ = password::verify(password_text, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$3c2TT0Yr7ugp1BrCk7YwR8e8jd+RZlDqbd1mg7o9uGs");
                false
            }
        };
        match (ok, identity) {
            (true, Some(i)) => {
                self.per_identity.reset(&identity_key);
                Ok(self.token_for(&i))
            }
            _ => Err(DomainError::unauthorized(INVALID_LOGIN).into()),
        }
    }

    /// Verifies a bearer token (not a single-use one).
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jwt::decode(
            &self.secret,
            token,
            time::OffsetDateTime::now_utc().unix_timestamp(),
        )
        .filter(|c| c.purpose.is_none())
    }

    /// A fresh token for a valid one, with the identity's current actor.
    pub async fn refresh(&self, claims: &Claims) -> CoreResult<String> {
        let identity = self
            .identity_by_id(&claims.auth_identity_id)
            .await?
            .ok_or_else(|| DomainError::unauthorized("Unauthorized"))?;
        Ok(self.token_for(&identity))
    }

    /// Links an identity to the customer or user created for it.
    pub async fn link_actor(&self, identity_id: &str, actor_id: &str) -> CoreResult<()> {
        self.db
            .execute(
                query("UPDATE auth_identity SET actor_id = ?, updated_at = ? WHERE id = ?")
                    .bind(actor_id)
                    .bind(now())
                    .bind(identity_id),
            )
            .await?;
        Ok(())
    }

    /// Creates an identity already linked to an actor (admin users made by the CLI or an invite).
    pub async fn create_linked(
        &self,
        actor: ActorType,
        email: &str,
        password_text: &str,
        actor_id: &str,
    ) -> CoreResult<()> {
        let email = normalise_email(email)?;
        password::validate(password_text)?;
        let at = now();
        self.db
            .execute(
                query(
                    "INSERT INTO auth_identity (id, provider, entity_id, actor_type, actor_id, password_hash, created_at, updated_at) \
                     VALUES (?, 'emailpass', ?, ?, ?, ?, ?, ?)",
                )
                .bind(new_id("authid"))
                .bind(email)
                .bind(actor.as_str())
                .bind(actor_id)
                .bind(password::hash(password_text)?)
                .bind(at)
                .bind(at),
            )
            .await
            .map_err(|e| -> crate::CoreError {
                if e.is_unique_violation() {
                    DomainError::duplicate("An identity with this email already exists").into()
                } else {
                    e.into()
                }
            })?;
        Ok(())
    }

    /// Sends a reset token to the identity's email if it exists; says nothing either way.
    pub async fn request_reset(
        &self,
        actor: ActorType,
        email: &str,
        client: &str,
    ) -> CoreResult<()> {
        let email = email.trim().to_lowercase();
        if !self.per_client.attempt(&format!("reset:{client}")) {
            return Err(DomainError::new(
                merx_types::ErrorKind::TooManyRequests,
                "Too many requests; try again later",
            )
            .into());
        }
        if let Some(identity) = self.identity(actor, &email).await? {
            let mut claims = self.claims_for(&identity);
            claims.exp = claims.iat + 15 * 60;
            claims.purpose = Some(RESET_PURPOSE.into());
            let token = jwt::encode(&self.secret, &claims);
            self.notifier
                .send(Notification {
                    to: email.clone(),
                    template: "auth.password_reset".into(),
                    data: json!({"token": token, "email": email, "actor_type": actor.as_str()}),
                })
                .await?;
        }
        Ok(())
    }

    /// Sets a new password with a reset token. A token works once: it is bound to the password
    /// hash it was issued against.
    pub async fn reset_password(
        &self,
        actor: ActorType,
        reset_token: &str,
        new_password: &str,
    ) -> CoreResult<()> {
        password::validate(new_password)?;
        let claims = jwt::decode(
            &self.secret,
            reset_token,
            time::OffsetDateTime::now_utc().unix_timestamp(),
        )
        .filter(|c| c.purpose.as_deref() == Some(RESET_PURPOSE) && c.actor_type == actor.as_str())
        .ok_or_else(|| DomainError::unauthorized("Invalid or expired reset token"))?;
        let identity = self
            .identity_by_id(&claims.auth_identity_id)
            .await?
            .ok_or_else(|| DomainError::unauthorized("Invalid or expired reset token"))?;
        let used = self
            .db
            .fetch_optional(
                query("SELECT updated_at FROM auth_identity WHERE id = ?").bind(&identity.id),
            )
            .await?
            .map(|r| r.time("updated_at"))
            .transpose()?
            .is_some_and(|t| t.unix_timestamp() > claims.iat);
        if used {
            return Err(DomainError::unauthorized("Invalid or expired reset token").into());
        }
        self.db
            .execute(
                query("UPDATE auth_identity SET password_hash = ?, updated_at = ? WHERE id = ?")
                    .bind(password::hash(new_password)?)
                    .bind(now() + Duration::from_secs(1))
                    .bind(&identity.id),
            )
            .await?;
        Ok(())
    }

    /// Starts a cookie session for a verified token; returns the cookie value.
    pub async fn create_session(&self, claims: &Claims) -> CoreResult<String> {
        let sid = random_token("", 32);
        self.db
            .execute(
                query("INSERT INTO auth_session (id_hash, auth_identity_id, actor_type, actor_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)")
                    .bind(hash_token(&sid))
                    .bind(&claims.auth_identity_id)
                    .bind(&claims.actor_type)
                    .bind(Some(claims.actor_id.clone()).filter(|a| !a.is_empty()))
                    .bind(now() + SESSION_TTL)
                    .bind(now()),
            )
            .await?;
        Ok(sid)
    }

    /// The claims a session cookie stands for, if it is live.
    pub async fn session(&self, sid: &str) -> CoreResult<Option<Claims>> {
        let row = self
            .db
            .fetch_optional(
                query("SELECT auth_identity_id, expires_at FROM auth_session WHERE id_hash = ?")
                    .bind(hash_token(sid)),
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        if row.time("expires_at")? <= now() {
            return Ok(None);
        }
        Ok(self
            .identity_by_id(&row.text("auth_identity_id")?)
            .await?
            .map(|i| self.claims_for(&i)))
    }

    pub async fn destroy_session(&self, sid: &str) -> CoreResult<()> {
        self.db
            .execute(query("DELETE FROM auth_session WHERE id_hash = ?").bind(hash_token(sid)))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_email;

    #[test]
    fn emails() {
        assert_eq!(
            normalise_email(" Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
    }
}
