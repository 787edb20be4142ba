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
use super::rate_limit::{Backoff, RateLimiter};
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
    /// Tokens and sessions issued at another version are revoked.
    token_version: i64,
}

fn identity_from_row(r: &Row) -> DbResult<Identity> {
    Ok(Identity {
        id: r.text("id")?,
        email: r.text("entity_id")?,
        actor_type: ActorType::parse(&r.text("actor_type")?).unwrap_or(ActorType::Customer),
        actor_id: r.opt_text("actor_id")?,
        password_hash: r.opt_text("password_hash")?,
        token_version: r.int("token_version")?,
    })
}

const INVALID_LOGIN: &str = "Invalid email or password";
const RESET_PURPOSE: &str = "reset_password";
const IDENTITY_COLUMNS: &str = "id, entity_id, actor_type, actor_id, password_hash, token_version";
/// What `POST /store/customers` answers for the token that registering a taken email returns.
const ALREADY_REGISTERED: &str =
    "An account with this email already exists: log in, or reset the password";
/// How long a cookie session lives (Medusa's default), at most.
pub const SESSION_TTL: Duration = Duration::from_secs(10 * 3600);
/// How long an issued token lives, at most.
pub const TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long after a customer logged in their tokens and sessions can still be refreshed.
pub const CUSTOMER_MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);
/// How long after an admin user logged in their tokens and sessions can still be refreshed.
pub const USER_MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// The window of [`AuthSettings::logins_per_address`] and [`AuthSettings::resets_per_address`].
pub const ATTEMPT_WINDOW: Duration = Duration::from_secs(60);
/// The window of [`AuthSettings::registrations_per_address`].
pub const REGISTRATION_WINDOW: Duration = Duration::from_secs(3600);

/// Lifetimes of tokens and the limits on attempts. Defaults: [`TOKEN_TTL`], [`CUSTOMER_MAX_AGE`],
/// [`USER_MAX_AGE`], and the limits docs/auth.md gives (Rate limits).
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Lifetime of an issued token.
    pub token_ttl: Duration,
    /// Absolute limit of a customer's authentication: refresh stops this long after login.
    pub customer_max_age: Duration,
    /// Absolute limit of an admin user's authentication.
    pub user_max_age: Duration,
    /// Login attempts per client address per [`ATTEMPT_WINDOW`].
    pub logins_per_address: u32,
    /// Failed logins for one identity from one address before each further attempt must wait.
    pub free_failures: u32,
    /// The first wait; it doubles with every further failure.
    pub backoff_base: Duration,
    /// The longest wait.
    pub backoff_cap: Duration,
    /// Registrations per client address per [`REGISTRATION_WINDOW`].
    pub registrations_per_address: u32,
    /// Password reset requests per client address per [`ATTEMPT_WINDOW`].
    pub resets_per_address: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            token_ttl: TOKEN_TTL,
            customer_max_age: CUSTOMER_MAX_AGE,
            user_max_age: USER_MAX_AGE,
            logins_per_address: 60,
            free_failures: 5,
            backoff_base: Duration::from_secs(15),
            backoff_cap: Duration::from_secs(15 * 60),
            registrations_per_address: 20,
            resets_per_address: 60,
        }
    }
}

impl AuthSettings {
    fn max_age(&self, actor: ActorType) -> Duration {
        match actor {
            ActorType::Customer => self.customer_max_age,
            ActorType::User => self.user_max_age,
        }
    }
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn too_many(message: &str, retry_after: Duration) -> crate::CoreError {
    DomainError::too_many_requests(message, retry_after).into()
}

fn unauthorized() -> crate::CoreError {
    DomainError::unauthorized("Unauthorized").into()
}

/// Auth identities, tokens, sessions and password resets.
#[derive(Clone)]
pub struct AuthService {
    db: Db,
    secret: Arc<Vec<u8>>,
    notifier: Arc<dyn Notifier>,
    settings: Arc<AuthSettings>,
    logins: RateLimiter,
    failures: Backoff,
    registrations: RateLimiter,
    resets: RateLimiter,
}

impl AuthService {
    pub fn new(db: Db, secret: Vec<u8>, notifier: Arc<dyn Notifier>) -> Self {
        Self::configured(db, Arc::new(secret), notifier, AuthSettings::default())
    }

    /// The same service under other limits (with fresh attempt counters).
    pub fn with_settings(self, settings: AuthSettings) -> Self {
        Self::configured(self.db, self.secret, self.notifier, settings)
    }

    fn configured(
        db: Db,
        secret: Arc<Vec<u8>>,
        notifier: Arc<dyn Notifier>,
        settings: AuthSettings,
    ) -> Self {
        Self {
            db,
            secret,
            notifier,
            logins: RateLimiter::new(settings.logins_per_address, ATTEMPT_WINDOW),
            failures: Backoff::new(
                settings.free_failures,
                settings.backoff_base,
                settings.backoff_cap,
            ),
            registrations: RateLimiter::new(
                settings.registrations_per_address,
                REGISTRATION_WINDOW,
            ),
            resets: RateLimiter::new(settings.resets_per_address, ATTEMPT_WINDOW),
            settings: Arc::new(settings),
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
                query(format!("SELECT {IDENTITY_COLUMNS} FROM auth_identity WHERE provider = 'emailpass' AND actor_type = ? AND entity_id = ?"))
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
            .fetch_optional(
                query(format!(
                    "SELECT {IDENTITY_COLUMNS} FROM auth_identity WHERE id = ?"
                ))
                .bind(id),
            )
            .await?
            .as_ref()
            .map(identity_from_row)
            .transpose()?)
    }

    /// Claims for `identity`, authenticated at `auth_time`: the token lives its TTL, but never past
    /// the absolute limit of that authentication.
    fn claims_for(&self, identity: &Identity, auth_time: i64) -> Claims {
        let iat = unix_now();
        let actor_id = identity.actor_id.clone().unwrap_or_default();
        let app_metadata = match &identity.actor_id {
            Some(a) => json!({ identity.actor_type.metadata_key(): a }),
            None => json!({}),
        };
        let limit = auth_time.saturating_add(secs(self.settings.max_age(identity.actor_type)));
        Claims {
            actor_id,
            actor_type: identity.actor_type.as_str().to_string(),
            auth_identity_id: identity.id.clone(),
            app_metadata,
            iat,
            exp: iat.saturating_add(secs(self.settings.token_ttl)).min(limit),
            purpose: None,
            auth_time: Some(auth_time),
            token_version: identity.token_version,
        }
    }

    /// A token for someone who proved who they are just now.
    fn token_for(&self, identity: &Identity) -> String {
        jwt::encode(&self.secret, &self.claims_for(identity, unix_now()))
    }

    /// The claims of a token signed with our secret and unexpired (not yet checked for revocation).
    fn decode(&self, token: &str) -> Option<Claims> {
        jwt::decode(&self.secret, token, unix_now())
    }

    /// Creates an identity and returns a registration token (its `actor_id` is empty until the
    /// customer or user exists). Registering an email that already has an identity answers the
    /// same, with a token for no identity: no request accepts it as credentials, and
    /// `POST /store/customers` answers it as an email that already has an account. Rate-limited
    /// per client address.
    pub async fn register(
        &self,
        actor: ActorType,
        email: &str,
        password_text: &str,
        client: &str,
    ) -> CoreResult<String> {
        self.registrations
            .attempt(client)
            .map_err(|wait| too_many("Too many registrations; try again later", wait))?;
        let email = normalise_email(email)?;
        password::validate(password_text)?;
        // Hashed before looking, so that a taken email costs the same time as a new one.
        let hash = password::hash(password_text)?;
        let identity = Identity {
            id: new_id("authid"),
            email: email.clone(),
            actor_type: actor,
            actor_id: None,
            password_hash: Some(hash.clone()),
            token_version: 0,
        };
        if self.identity(actor, &email).await?.is_some() {
            return Ok(self.token_for(&identity));
        }
        let at = now();
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
            // A concurrent registration took the email: the answer for a taken one.
            Err(e) if e.is_unique_violation() => Ok(self.token_for(&identity)),
            Err(e) => Err(e.into()),
        }
    }

    /// Checks an email and password. Limited per client address, and per identity at one client
    /// address with back-off after repeated failures, so that guessing from one address slows
    /// down without locking the account's owner out elsewhere.
    pub async fn login(
        &self,
        actor: ActorType,
        email: &str,
        password_text: &str,
        client: &str,
    ) -> CoreResult<String> {
        let email = email.trim().to_lowercase();
        self.logins.attempt(client).map_err(|wait| {
            too_many(
                "Too many login attempts from this address; try again later",
                wait,
            )
        })?;
        // The client first: it never contains '|', so no email can make two keys alike.
        let key = format!("{}|{client}|{email}", actor.as_str());
        self.failures
            .begin(&key)
            .map_err(|wait| too_many("Too many failed logins; try again later", wait))?;
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
                self.failures.succeeded(&key);
                Ok(self.token_for(&i))
            }
            _ => Err(DomainError::unauthorized(INVALID_LOGIN).into()),
        }
    }

    /// The claims of a bearer token that is signed, unexpired, not single-use and not revoked
    /// (its identity's token version is still the token's): one read by primary key.
    pub async fn authenticate(&self, token: &str) -> CoreResult<Option<Claims>> {
        let Some(claims) = self.decode(token).filter(|c| c.purpose.is_none()) else {
            return Ok(None);
        };
        let current = self
            .db
            .fetch_optional(
                query("SELECT token_version FROM auth_identity WHERE id = ?")
                    .bind(&claims.auth_identity_id),
            )
            .await?
            .map(|r| r.int("token_version"))
            .transpose()?;
        Ok((current == Some(claims.token_version)).then_some(claims))
    }

    /// The identity a token without an actor (a registration token, or a login before the
    /// customer exists) stands for, to create its `actor` for: 401 unless it is live, 400 when
    /// it already has an actor, 422 when it is what registering a taken email answered.
    pub async fn registration(&self, actor: ActorType, token: &str) -> CoreResult<Identity> {
        let claims = self
            .decode(token)
            .filter(|c| c.purpose.is_none() && c.actor_type == actor.as_str())
            .ok_or_else(unauthorized)?;
        if !claims.actor_id.is_empty() {
            return Err(DomainError::invalid(format!(
                "Request already authenticated as a {}.",
                actor.as_str()
            ))
            .into());
        }
        // Identities are only deleted with their user or customer (whose tokens name the actor,
        // refused above) or replaced by an accepted invite; an identity that does not exist is
        // the one a taken email's registration token names.
        let identity = self
            .identity_by_id(&claims.auth_identity_id)
            .await?
            .ok_or_else(|| DomainError::duplicate(ALREADY_REGISTERED))?;
        if identity.token_version != claims.token_version {
            return Err(unauthorized());
        }
        Ok(identity)
    }

    /// A fresh token for live claims, with the identity's current actor and the original
    /// authentication time; refused (401) once that is older than the absolute limit of the
    /// actor type.
    pub async fn refresh(&self, claims: &Claims) -> CoreResult<String> {
        let identity = self
            .identity_by_id(&claims.auth_identity_id)
            .await?
            .filter(|i| i.token_version == claims.token_version)
            .ok_or_else(unauthorized)?;
        let auth_time = claims.authenticated_at();
        let limit = auth_time.saturating_add(secs(self.settings.max_age(identity.actor_type)));
        if unix_now() >= limit {
            return Err(DomainError::unauthorized(
                "This login is too old to refresh; log in again",
            )
            .into());
        }
        Ok(jwt::encode(
            &self.secret,
            &self.claims_for(&identity, auth_time),
        ))
    }

    /// Ends every token and cookie session of an identity (logout everywhere).
    pub async fn revoke(&self, identity_id: &str) -> CoreResult<()> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            query("UPDATE auth_identity SET token_version = token_version + 1, updated_at = ? WHERE id = ?")
                .bind(now())
                .bind(identity_id),
        )
        .await?;
        tx.execute(query("DELETE FROM auth_session WHERE auth_identity_id = ?").bind(identity_id))
            .await?;
        tx.commit().await?;
        Ok(())
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
        self.resets
            .attempt(client)
            .map_err(|wait| too_many("Too many requests; try again later", wait))?;
        if let Some(identity) = self.identity(actor, &email).await? {
            let mut claims = self.claims_for(&identity, unix_now());
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

    /// Sets a new password with a reset token and revokes every token and session of the
    /// identity. A reset token works once: it carries the token version it was issued at, which
    /// the change increments (as does any other revocation, e.g. a logout).
    pub async fn reset_password(
        &self,
        actor: ActorType,
        reset_token: &str,
        new_password: &str,
    ) -> CoreResult<()> {
        password::validate(new_password)?;
        let invalid = || DomainError::unauthorized("Invalid or expired reset token");
        // Reset tokens from before token versions (no auth_time) cannot tell whether they were
        // used; they are refused (they lived 15 minutes).
        let claims = self
            .decode(reset_token)
            .filter(|c| {
                c.purpose.as_deref() == Some(RESET_PURPOSE)
                    && c.actor_type == actor.as_str()
                    && c.auth_time.is_some()
            })
            .ok_or_else(invalid)?;
        let hash = password::hash(new_password)?;
        let mut tx = self.db.begin().await?;
        let changed = tx
            .execute(
                query("UPDATE auth_identity SET password_hash = ?, token_version = token_version + 1, updated_at = ? WHERE id = ? AND token_version = ?")
                    .bind(hash)
                    .bind(now())
                    .bind(&claims.auth_identity_id)
                    .bind(claims.token_version),
            )
            .await?;
        if changed == 0 {
            return Err(invalid().into());
        }
        tx.execute(
            query("DELETE FROM auth_session WHERE auth_identity_id = ?")
                .bind(&claims.auth_identity_id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts a cookie session for live claims; returns the cookie value and how long it lives
    /// ([`SESSION_TTL`], or less when the authentication's absolute limit comes first).
    pub async fn create_session(&self, claims: &Claims) -> CoreResult<(String, Duration)> {
        let actor = ActorType::parse(&claims.actor_type).ok_or_else(unauthorized)?;
        let at = now();
        let auth_time = claims.authenticated_at();
        let left = auth_time
            .saturating_add(secs(self.settings.max_age(actor)))
            .saturating_sub(at.unix_timestamp());
        let ttl = SESSION_TTL.min(Duration::from_secs(u64::try_from(left).unwrap_or(0)));
        let authenticated_at = time::OffsetDateTime::from_unix_timestamp(auth_time)
            .ok()
            .filter(|_| !ttl.is_zero())
            .ok_or_else(unauthorized)?;
        let sid = random_token("", 32);
        self.db
            .execute(
                query("INSERT INTO auth_session (id_hash, auth_identity_id, actor_type, actor_id, expires_at, created_at, token_version, authenticated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                    .bind(hash_token(&sid))
                    .bind(&claims.auth_identity_id)
                    .bind(&claims.actor_type)
                    .bind(Some(claims.actor_id.clone()).filter(|a| !a.is_empty()))
                    .bind(at + ttl)
                    .bind(at)
                    .bind(claims.token_version)
                    .bind(authenticated_at),
            )
            .await?;
        Ok((sid, ttl))
    }

    /// The claims a session cookie stands for, if it is live (unexpired, not revoked): one read.
    pub async fn session(&self, sid: &str) -> CoreResult<Option<Claims>> {
        let row = self
            .db
            .fetch_optional(
                query(
                    "SELECT s.expires_at, s.created_at, s.authenticated_at, s.token_version AS session_version, \
                     i.id, i.entity_id, i.actor_type, i.actor_id, i.password_hash, i.token_version \
                     FROM auth_session s JOIN auth_identity i ON i.id = s.auth_identity_id WHERE s.id_hash = ?",
                )
                .bind(hash_token(sid)),
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let identity = identity_from_row(&row)?;
        if row.time("expires_at")? <= now() || row.int("session_version")? != identity.token_version
        {
            return Ok(None);
        }
        let authenticated_at = match row.opt_time("authenticated_at")? {
            Some(t) => t,
            None => row.time("created_at")?,
        };
        Ok(Some(
            self.claims_for(&identity, authenticated_at.unix_timestamp()),
        ))
    }

    /// Ends one session (its cookie is being cleared).
    pub async fn destroy_session(&self, sid: &str) -> CoreResult<()> {
        self.db
            .execute(query("DELETE FROM auth_session WHERE id_hash = ?").bind(hash_token(sid)))
            .await?;
        Ok(())
    }
}
