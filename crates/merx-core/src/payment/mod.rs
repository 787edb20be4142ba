//! Payments: collections (one per cart) and sessions with a provider, behind the
//! [`PaymentProvider`] trait. `pp_system_default` is built in: it authorizes what it is given, as
//! Medusa's system provider does (for manual or offline payment).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use merx_db::{query, sql, Db, DbResult, Prefixed, Row, Tx};
use merx_types::id::new_id;
use merx_types::time::now;
use merx_types::{DomainError, ErrorKind};
use serde_json::{json, Value};
use time::OffsetDateTime;

pub mod operations;
pub mod stripe;

use crate::error::{CoreError, CoreResult};
use crate::platform::BoxFuture;

/// What a provider says about an authorization.
#[derive(Debug, Clone, PartialEq)]
pub enum Authorization {
    Authorized(Value),
    /// The customer must act (3-D Secure…); the cart stays open.
    RequiresMore(Value),
    Declined(String),
}

/// A payment provider.
pub trait PaymentProvider: Send + Sync + 'static {
    fn id(&self) -> &str;
    /// Starts a session for `amount` minor units; returns the provider's data for the client.
    fn initiate<'a>(
        &'a self,
        amount: i64,
        currency: &'a str,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Value>>;
    fn authorize<'a>(
        &'a self,
        data: &'a Value,
        amount: i64,
        currency: &'a str,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Authorization>>;
    /// Releases an authorization. `idempotency_key` is the same for every attempt of one
    /// operation, so the gateway can tell a retry from a second request (as for the two below).
    fn cancel<'a>(
        &'a self,
        data: &'a Value,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>>;
    /// Captures `amount` of an authorization (the system provider has nothing to do).
    fn capture<'a>(
        &'a self,
        _data: &'a Value,
        _amount: i64,
        _idempotency_key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async { Ok(()) })
    }
    /// Refunds `amount` of a capture.
    fn refund<'a>(
        &'a self,
        _data: &'a Value,
        _amount: i64,
        _idempotency_key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async { Ok(()) })
    }
    /// Reads a provider webhook: verifies it and says which session it concerns and what happened.
    fn webhook<'a>(
        &'a self,
        _headers: &'a [(String, String)],
        _body: &'a [u8],
    ) -> BoxFuture<'a, anyhow::Result<WebhookEvent>> {
        Box::pin(async { anyhow::bail!("this provider takes no webhooks") })
    }
}

/// What a verified provider webhook says.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookEvent {
    /// The payment behind the session with this provider reference (e.g. a PaymentIntent id) is
    /// authorized or paid: the cart can be completed.
    Authorized {
        reference: String,
    },
    Failed {
        reference: String,
    },
    /// Verified, but nothing for Merx to do.
    Ignored,
}

/// Medusa's `pp_system_default`.
pub struct SystemProvider;

impl PaymentProvider for SystemProvider {
    fn id(&self) -> &str {
        "pp_system_default"
    }
    fn initiate<'a>(
        &'a self,
        _: i64,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Value>> {
        Box::pin(async { Ok(json!({})) })
    }
    fn authorize<'a>(
        &'a self,
        data: &'a Value,
        _: i64,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Authorization>> {
        Box::pin(async move { Ok(Authorization::Authorized(data.clone())) })
    }
    fn cancel<'a>(&'a self, _: &'a Value, _: &'a str) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: String,
    pub payment_collection_id: String,
    pub provider_id: String,
    pub currency_code: String,
    pub amount: i64,
    pub status: String,
    pub data: Value,
    pub context: Value,
    pub authorized_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    pub id: String,
    pub cart_id: String,
    pub currency_code: String,
    pub amount: i64,
    pub status: String,
    pub authorized_amount: i64,
    pub captured_amount: i64,
    pub refunded_amount: i64,
    pub completed_at: Option<OffsetDateTime>,
    pub sessions: Vec<Session>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A payment: an authorized session, attached to its order once the cart is completed.
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    pub id: String,
    pub payment_collection_id: String,
    pub payment_session_id: String,
    pub provider_id: String,
    pub currency_code: String,
    /// Authorized, minor units.
    pub amount: i64,
    pub data: Value,
    pub captured_at: Option<OffsetDateTime>,
    pub canceled_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

const PAYMENT_COLUMNS: &str = "id, payment_collection_id, payment_session_id, provider_id, currency_code, amount, data, captured_at, canceled_at, created_at, updated_at";

fn payment_from_row(r: &Row) -> DbResult<Payment> {
    Ok(Payment {
        id: r.text("id")?,
        payment_collection_id: r.text("payment_collection_id")?,
        payment_session_id: r.text("payment_session_id")?,
        provider_id: r.text("provider_id")?,
        currency_code: r.text("currency_code")?,
        amount: r.int("amount")?,
        data: r.opt_json("data")?.unwrap_or_else(|| json!({})),
        captured_at: r.opt_time("captured_at")?,
        canceled_at: r.opt_time("canceled_at")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

const COLLECTION_COLUMNS: &str = "id, cart_id, currency_code, amount, status, authorized_amount, captured_amount, refunded_amount, completed_at, created_at, updated_at";
const SESSION_COLUMNS: &str = "id, payment_collection_id, provider_id, currency_code, amount, status, data, context, authorized_at, created_at, updated_at";

fn collection_from_row(r: &Row) -> DbResult<Collection> {
    Ok(Collection {
        id: r.text("id")?,
        cart_id: r.text("cart_id")?,
        currency_code: r.text("currency_code")?,
        amount: r.int("amount")?,
        status: r.text("status")?,
        authorized_amount: r.int("authorized_amount")?,
        captured_amount: r.int("captured_amount")?,
        refunded_amount: r.int("refunded_amount")?,
        completed_at: r.opt_time("completed_at")?,
        sessions: Vec::new(),
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// A session as the collection's joined read returns it (its columns prefixed `s_`).
fn session_from(r: &Prefixed<'_>) -> DbResult<Session> {
    Ok(Session {
        id: r.text("id")?,
        payment_collection_id: r.text("payment_collection_id")?,
        provider_id: r.text("provider_id")?,
        currency_code: r.text("currency_code")?,
        amount: r.int("amount")?,
        status: r.text("status")?,
        data: r.json("data")?,
        context: r.json("context")?,
        authorized_at: r.opt_time("authorized_at")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// A collection with its live sessions, read in one round trip (`key` is `id` or `cart_id`).
fn collection_with_sessions_sql(key: &str) -> String {
    format!(
        "SELECT {}, {} FROM payment_collection c LEFT JOIN payment_session s \
         ON s.payment_collection_id = c.id AND s.deleted_at IS NULL WHERE c.{key} = ? ORDER BY s.created_at, s.id",
        sql::qualified("c", COLLECTION_COLUMNS),
        sql::aliased("s", SESSION_COLUMNS)
    )
}

fn already_authorized() -> CoreError {
    DomainError::not_allowed("The payment collection is already authorized").into()
}

static BY_ID: LazyLock<String> = LazyLock::new(|| collection_with_sessions_sql("id"));
static BY_CART: LazyLock<String> = LazyLock::new(|| collection_with_sessions_sql("cart_id"));

fn collection_from_joined(rows: &[Row]) -> DbResult<Option<Collection>> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut c = collection_from_row(first)?;
    for r in rows {
        let session = r.prefixed("s_");
        if session.opt_text("id")?.is_some() {
            c.sessions.push(session_from(&session)?);
        }
    }
    Ok(Some(c))
}

/// Collections, sessions and the providers they talk to.
#[derive(Clone)]
pub struct PaymentService {
    db: Db,
    providers: Arc<HashMap<String, Arc<dyn PaymentProvider>>>,
}

impl PaymentService {
    pub fn new(db: Db) -> Self {
        let mut providers: HashMap<String, Arc<dyn PaymentProvider>> = HashMap::new();
        providers.insert("pp_system_default".into(), Arc::new(SystemProvider));
        Self {
            db,
            providers: Arc::new(providers),
        }
    }

    /// Adds a provider (e.g. Stripe, or a test double).
    pub fn with_provider(mut self, provider: Arc<dyn PaymentProvider>) -> Self {
        let mut map = (*self.providers).clone();
        map.insert(provider.id().to_string(), provider);
        self.providers = Arc::new(map);
        self
    }

    pub fn provider_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.providers.keys().cloned().collect();
        ids.sort();
        ids
    }

    fn provider(&self, id: &str) -> CoreResult<Arc<dyn PaymentProvider>> {
        self.providers.get(id).cloned().ok_or_else(|| {
            DomainError::invalid(format!("Payment provider {id} is not available")).into()
        })
    }

    pub async fn collection(&self, id: &str) -> CoreResult<Collection> {
        let rows = self.db.fetch_all(query(BY_ID.as_str()).bind(id)).await?;
        collection_from_joined(&rows)?.ok_or_else(|| {
            DomainError::not_found(format!("Payment collection with id: {id} was not found")).into()
        })
    }

    pub async fn collection_of_cart(&self, cart_id: &str) -> CoreResult<Option<Collection>> {
        let rows = self
            .db
            .fetch_all(query(BY_CART.as_str()).bind(cart_id))
            .await?;
        Ok(collection_from_joined(&rows)?)
    }

    /// The collections of `cart_ids` (with their live sessions), by cart, in one query: for lists
    /// of orders, which would otherwise read one collection per order.
    pub async fn collections_of_carts(
        &self,
        cart_ids: &[String],
    ) -> CoreResult<HashMap<String, Collection>> {
        if cart_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT {}, {} FROM payment_collection c LEFT JOIN payment_session s \
             ON s.payment_collection_id = c.id AND s.deleted_at IS NULL WHERE c.cart_id IN ({}) \
             ORDER BY c.cart_id, s.created_at, s.id",
            sql::qualified("c", COLLECTION_COLUMNS),
            sql::aliased("s", SESSION_COLUMNS),
            sql::placeholders(cart_ids.len())
        );
        let rows = self
            .db
            .fetch_all(cart_ids.iter().fold(query(sql), |q, id| q.bind(id)))
            .await?;
        let mut by_cart: HashMap<String, Vec<Row>> = HashMap::new();
        for r in rows {
            by_cart.entry(r.text("cart_id")?).or_default().push(r);
        }
        let mut out = HashMap::with_capacity(by_cart.len());
        for (cart, rows) in by_cart {
            if let Some(c) = collection_from_joined(&rows)? {
                out.insert(cart, c);
            }
        }
        Ok(out)
    }

    /// The payments of `collection_ids` (canceled ones too), by collection, oldest first, in
    /// one query.
    pub async fn payments_of_collections(
        &self,
        collection_ids: &[String],
    ) -> CoreResult<HashMap<String, Vec<Payment>>> {
        if collection_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payment WHERE payment_collection_id IN ({}) ORDER BY created_at, id",
            sql::placeholders(collection_ids.len())
        );
        let rows = self
            .db
            .fetch_all(collection_ids.iter().fold(query(sql), |q, id| q.bind(id)))
            .await?;
        let mut out: HashMap<String, Vec<Payment>> = HashMap::new();
        for r in &rows {
            let p = payment_from_row(r)?;
            out.entry(p.payment_collection_id.clone())
                .or_default()
                .push(p);
        }
        Ok(out)
    }

    /// The cart's collection, created (or its amount brought up to date) for `amount`.
    pub async fn ensure_collection(
        &self,
        cart_id: &str,
        currency: &str,
        amount: i64,
    ) -> CoreResult<Collection> {
        let at = now();
        let id = new_id("pay_col");
        // One statement: created, or its amount brought up to date unless payment has begun.
        let written = self
            .db
            .execute_returning(
                query(format!(
                    "INSERT INTO payment_collection (id, cart_id, currency_code, amount, status, authorized_amount, captured_amount, refunded_amount, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, 'not_paid', 0, 0, 0, ?, ?) \
                     ON CONFLICT (cart_id) DO UPDATE SET amount = excluded.amount, currency_code = excluded.currency_code, updated_at = excluded.updated_at \
                     WHERE payment_collection.status IN ('not_paid', 'awaiting', 'canceled') \
                     RETURNING {COLLECTION_COLUMNS}"
                ))
                .bind(&id)
                .bind(cart_id)
                .bind(currency)
                .bind(amount)
                .bind(at)
                .bind(at),
            )
            .await?;
        match written.as_ref().map(collection_from_row).transpose()? {
            // Created just now: it has no sessions yet.
            Some(created) if created.id == id => Ok(created),
            _ => self
                .collection_of_cart(cart_id)
                .await?
                .ok_or_else(|| DomainError::not_found("Payment collection vanished").into()),
        }
    }

    /// Starts a session with a provider, replacing earlier ones (Medusa's behaviour).
    pub async fn init_session(
        &self,
        collection: Collection,
        provider_id: &str,
        amount: i64,
        region_providers: &[String],
        context: Value,
    ) -> CoreResult<Collection> {
        if !region_providers.iter().any(|p| p == provider_id) {
            return Err(DomainError::invalid(format!(
                "Payment provider {provider_id} is not enabled in the cart's region"
            ))
            .into());
        }
        let provider = self.provider(provider_id)?;
        let mut c = collection;
        if c.status == "authorized" || c.completed_at.is_some() {
            return Err(already_authorized());
        }
        let id = new_id("payses");
        let data = provider
            .initiate(amount, &c.currency_code, &id)
            .await
            .map_err(|e| DomainError::new(ErrorKind::Unexpected, format!("{e:#}")))?;
        let at = now();
        let mut tx = self.db.begin().await?;
        // Checked again in the write: an authorization since the read wins.
        let written = tx
            .execute(
                query("UPDATE payment_collection SET status = 'awaiting', amount = ?, updated_at = ? WHERE id = ? AND status <> 'authorized' AND completed_at IS NULL")
                    .bind(amount)
                    .bind(at)
                    .bind(&c.id),
            )
            .await?;
        if written == 0 {
            return Err(already_authorized());
        }
        tx.execute(query("UPDATE payment_session SET deleted_at = ? WHERE payment_collection_id = ? AND deleted_at IS NULL").bind(at).bind(&c.id)).await?;
        let session = Session {
            id,
            payment_collection_id: c.id.clone(),
            provider_id: provider_id.to_string(),
            currency_code: c.currency_code.clone(),
            amount,
            status: "pending".to_string(),
            data,
            context,
            authorized_at: None,
            created_at: at,
            updated_at: at,
        };
        tx.execute(
            query(format!("INSERT INTO payment_session ({SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, NULL, ?, ?)"))
                .bind(&session.id)
                .bind(&c.id)
                .bind(provider_id)
                .bind(&c.currency_code)
                .bind(amount)
                .bind(session.data.clone())
                .bind(session.context.clone())
                .bind(at)
                .bind(at),
        )
        .await?;
        tx.commit().await?;
        c.status = "awaiting".to_string();
        c.amount = amount;
        c.updated_at = at;
        c.sessions = vec![session];
        Ok(c)
    }

    /// Authorizes the cart's current session for `amount`: the payment id, and the collection as
    /// this call wrote it (none when an earlier run had authorized it). `known` is the collection
    /// as the caller read it, if it did. A decline is a `payment_authorization_error`; so is a
    /// session for another amount (the cart changed) or one replaced meanwhile.
    pub async fn authorize(
        &self,
        known: Option<Collection>,
        cart_id: &str,
        amount: i64,
        idempotency_key: &str,
    ) -> CoreResult<(String, Option<Collection>)> {
        let mut c = match known {
            Some(c) => c,
            None => self
                .collection_of_cart(cart_id)
                .await?
                .ok_or_else(|| DomainError::invalid("The cart has no payment collection"))?,
        };
        // A live payment exists only while the collection says authorized (both change in one
        // transaction), so only then can this be a resumed step that already authorized.
        if c.status == "authorized" {
            if let Some(r) = self.db.fetch_optional(query("SELECT id FROM payment WHERE payment_collection_id = ? AND canceled_at IS NULL").bind(&c.id)).await? {
                return Ok((r.text("id")?, None));
            }
        }
        let session = c
            .sessions
            .last()
            .cloned()
            .ok_or_else(|| DomainError::invalid("The cart has no payment session"))?;
        if session.amount != amount {
            return Err(DomainError::new(ErrorKind::PaymentAuthorization, "The cart changed after the payment session was created; initiate a new payment session").into());
        }
        let provider = self.provider(&session.provider_id)?;
        let outcome = provider
            .authorize(
                &session.data,
                amount,
                &session.currency_code,
                idempotency_key,
            )
            .await
            .map_err(|e| {
                DomainError::new(
                    ErrorKind::PaymentAuthorization,
                    format!("Payment provider error: {e:#}"),
                )
            })?;
        let at = now();
        match outcome {
            Authorization::Authorized(data) => {
                let payment_id = new_id("pay");
                let mut tx = self.db.begin().await?;
                // A session replaced since it was read is not the one the customer confirmed.
                let live = tx.execute(query("UPDATE payment_session SET status = 'authorized', authorized_at = ?, data = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL").bind(at).bind(data.clone()).bind(at).bind(&session.id))
                    .await?;
                if live == 0 {
                    drop(tx);
                    provider
                        .cancel(&data, &format!("merx-cancel-{}", session.id))
                        .await
                        .map_err(|e| DomainError::new(ErrorKind::Unexpected, format!("{e:#}")))?;
                    return Err(DomainError::new(
                        ErrorKind::PaymentAuthorization,
                        "The payment session was replaced while the cart was being completed; please try again",
                    )
                    .into());
                }
                tx.execute(
                    query(
                        "INSERT INTO payment (id, payment_collection_id, payment_session_id, provider_id, currency_code, amount, captured_amount, refunded_amount, data, created_at, updated_at) \
                         VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?)",
                    )
                    .bind(&payment_id)
                    .bind(&c.id)
                    .bind(&session.id)
                    .bind(&session.provider_id)
                    .bind(&session.currency_code)
                    .bind(amount)
                    .bind(data.clone())
                    .bind(at)
                    .bind(at),
                )
                .await?;
                tx.execute(query("UPDATE payment_collection SET status = 'authorized', authorized_amount = ?, updated_at = ? WHERE id = ?").bind(amount).bind(at).bind(&c.id))
                    .await?;
                tx.commit().await?;
                c.status = "authorized".to_string();
                c.authorized_amount = amount;
                c.updated_at = at;
                if let Some(s) = c.sessions.iter_mut().find(|s| s.id == session.id) {
                    s.status = "authorized".to_string();
                    s.authorized_at = Some(at);
                    s.data = data;
                    s.updated_at = at;
                }
                Ok((payment_id, Some(c)))
            }
            Authorization::RequiresMore(_) => {
                self.db.execute(query("UPDATE payment_session SET status = 'requires_more', updated_at = ? WHERE id = ?").bind(at).bind(&session.id)).await?;
                Err(DomainError::new(
                    ErrorKind::PaymentAuthorization,
                    "Payment requires more action by the customer",
                )
                .into())
            }
            Authorization::Declined(reason) => {
                self.db.execute(query("UPDATE payment_session SET status = 'error', updated_at = ? WHERE id = ?").bind(at).bind(&session.id)).await?;
                Err(DomainError::new(
                    ErrorKind::PaymentAuthorization,
                    format!("Payment authorization failed: {reason}"),
                )
                .into())
            }
        }
    }

    /// Cancels an authorized payment (compensation): the provider releases the hold, the session
    /// and collection become retryable.
    pub async fn cancel(&self, payment_id: &str) -> CoreResult<()> {
        let Some(r) = self.db.fetch_optional(query("SELECT provider_id, data, payment_collection_id, payment_session_id, canceled_at FROM payment WHERE id = ?").bind(payment_id)).await? else {
            return Ok(());
        };
        if r.opt_time("canceled_at")?.is_some() {
            return Ok(());
        }
        let provider = self.provider(&r.text("provider_id")?)?;
        provider
            .cancel(&r.json("data")?, &format!("merx-cancel-{payment_id}"))
            .await
            .map_err(|e| DomainError::new(ErrorKind::Unexpected, format!("{e:#}")))?;
        let at = now();
        let mut tx = self.db.begin().await?;
        tx.execute(
            query("UPDATE payment SET canceled_at = ?, updated_at = ? WHERE id = ?")
                .bind(at)
                .bind(at)
                .bind(payment_id),
        )
        .await?;
        tx.execute(
            query("UPDATE payment_session SET status = 'canceled', updated_at = ? WHERE id = ?")
                .bind(at)
                .bind(r.text("payment_session_id")?),
        )
        .await?;
        tx.execute(query("UPDATE payment_collection SET status = 'canceled', authorized_amount = 0, updated_at = ? WHERE id = ?").bind(at).bind(r.text("payment_collection_id")?))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The cart whose current session references `reference` at `provider_id` (webhooks).
    pub async fn cart_of_reference(
        &self,
        provider_id: &str,
        reference: &str,
    ) -> CoreResult<Option<String>> {
        let rows = self
            .db
            .fetch_all(
                query("SELECT c.cart_id, s.data FROM payment_session s JOIN payment_collection c ON c.id = s.payment_collection_id WHERE s.provider_id = ? AND s.deleted_at IS NULL")
                    .bind(provider_id),
            )
            .await?;
        for r in rows {
            if r.json("data")?.get("id").and_then(Value::as_str) == Some(reference) {
                return Ok(Some(r.text("cart_id")?));
            }
        }
        Ok(None)
    }

    /// The provider, for order operations and webhooks.
    pub fn provider_by_id(&self, id: &str) -> CoreResult<Arc<dyn PaymentProvider>> {
        self.provider(id)
    }

    /// Links a payment to its order, inside the order's transaction; returns the collection's
    /// completion time.
    pub(crate) async fn attach_to_order(
        tx: &mut Tx,
        payment_id: &str,
        order_id: &str,
    ) -> CoreResult<OffsetDateTime> {
        let at = now();
        tx.execute(
            query("UPDATE payment SET order_id = ?, updated_at = ? WHERE id = ?")
                .bind(order_id)
                .bind(at)
                .bind(payment_id),
        )
        .await?;
        tx.execute(query("UPDATE payment_collection SET completed_at = ? WHERE id = (SELECT payment_collection_id FROM payment WHERE id = ?)").bind(at).bind(payment_id)).await?;
        Ok(at)
    }
}
